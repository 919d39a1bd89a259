"""The article's pair grids: correlated pairs, non-correlated pairs, the border density."""

from __future__ import annotations

import numpy as np

from ..io.latents import open_latents
from ..io.sample import load_sample
from ..io.seeds import rng
from ..io.tables import read_tsv
from ..plots.pairs import plot_pair_grid
from ..stats.correlations import correlated_pairs
from ..vectors.uniform import uniform


def special_vector(latents_path: str, index: int) -> tuple[int, np.ndarray]:
    """The highlighted real image's z-point (index taken modulo N)."""
    z = open_latents(latents_path)
    i = index % z.shape[0]
    return i, z[i]


def strongest_pairs(corr_path: str, n: int) -> tuple[list[tuple[int, int]], list[float]]:
    """The ``n`` strongest pairs and their r over all N, strongest first: pairs.tsv's first ``n``
    when that many pass ``stats.pair_threshold``, and still ``n`` pairs when fewer do (a small or
    decorrelated latent space)."""
    rows = correlated_pairs(np.load(corr_path), -1.0)[:n]
    return [(r["i"], r["j"]) for r in rows], [r["corr"] for r in rows]


def uncorrelated_pairs(corr: np.ndarray, components: list[dict], n: int) -> list[tuple[int, int]]:
    """The ``n`` least correlated pairs among the dominant components."""
    dom = [r["index"] for r in components if r["dominant"]]
    cand = [(abs(corr[i, j]), i, j) for k, i in enumerate(dom) for j in dom[k + 1 :]]
    return [(i, j) for _, i, j in sorted(cand)[:n]]


def titles_all_n(pairs: list[tuple[int, int]], r_all: list[float]) -> list[str]:
    return [f"{i} - {j}:  r = {r:+.2f}" for (i, j), r in zip(pairs, r_all, strict=True)]


def overlays(latents_path: str, dim: int, *, b: float, num_stat: int, special_index: int, seed: int) -> dict:
    """The article's extras on a pair grid: uniform vectors in [-b, b] and one real image's z-point.

    The statistical vectors depend on (seed, b) only, so every grid for one b shows the same ones.
    """
    idx, special = special_vector(latents_path, special_index)
    return {
        "stat": uniform(num_stat, dim, b, rng(seed, f"pair_grid:uniform:{b:g}")),
        "stat_label": f"{num_stat} uniform vectors in [-{b:g}, {b:g}]",
        "special": special,
        "special_label": f"real image {idx} (the highlighted image)",
    }


def pair_grid(sample_path, corr_path, latents_path, out, *, b, num_stat, n_pairs, special_index, seed, dpi):
    """The article's figure: strongest pairs, M real points, ``num_stat`` uniform vectors in [-b, b]."""
    _, sample = load_sample(sample_path)
    pairs, r_all = strongest_pairs(corr_path, n_pairs)
    plot_pair_grid(
        sample,
        pairs,
        out,
        title=f"The {len(pairs)} most correlated component pairs (r over all vectors, strongest first); "
        f"statistical vectors for b = {b:g}",
        panel_titles=titles_all_n(pairs, r_all),
        dpi=dpi,
        **overlays(
            latents_path, sample.shape[1], b=b, num_stat=num_stat, special_index=special_index, seed=seed
        ),
    )


def uncorrelated_grid(
    sample_path,
    corr_path,
    components_path,
    latents_path,
    out,
    *,
    b,
    points,
    num_stat,
    n_pairs,
    special_index,
    seed,
    dpi,
):
    """The least correlated pairs among the dominant components, ``points`` real points."""
    _, sample = load_sample(sample_path)
    corr = np.load(corr_path)
    pairs = uncorrelated_pairs(corr, read_tsv(components_path), n_pairs)
    plot_pair_grid(
        sample[:points],
        pairs,
        out,
        title=f"The {len(pairs)} least correlated pairs of dominant components (r over all vectors); "
        f"{min(points, len(sample))} real z-points, statistical vectors for b = {b:g}",
        panel_titles=titles_all_n(pairs, [float(corr[i, j]) for i, j in pairs]),
        point_size=3,
        dpi=dpi,
        **overlays(
            latents_path, sample.shape[1], b=b, num_stat=num_stat, special_index=special_index, seed=seed
        ),
    )


def border_grid(sample_path, corr_path, out, *, points, n_pairs, dpi):
    """The strongest pairs with few points, so the density towards the cloud's border can be seen.
    Each panel's r is of the points shown, beside the r over all vectors the pairs are ordered by."""
    _, sample = load_sample(sample_path)
    sub = sample[:points]
    pairs, r_all = strongest_pairs(corr_path, n_pairs)
    titles = [
        f"{i} - {j}:  r = {np.corrcoef(sub[:, i], sub[:, j])[0, 1]:+.2f} here, {r:+.2f} all"
        for (i, j), r in zip(pairs, r_all, strict=True)
    ]
    plot_pair_grid(
        sub,
        pairs,
        out,
        title=f"The {len(pairs)} most correlated pairs with only {len(sub)} real z-points, to show the "
        "density towards the cloud's border (r here: these points; all: all vectors)",
        panel_titles=titles,
        point_size=6,
        dpi=dpi,
    )
