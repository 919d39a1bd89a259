"""The article's pair grids: correlated pairs, non-correlated pairs, the border density."""

from __future__ import annotations

import numpy as np

from ..io.latents import open_latents
from ..io.sample import load_sample
from ..io.tables import read_tsv
from ..plots.pairs import plot_pair_grid
from ..vectors.uniform import uniform


def special_vector(latents_path: str, index: int) -> tuple[int, np.ndarray]:
    """The highlighted real image's z-point (index taken modulo N)."""
    z = open_latents(latents_path)
    i = index % z.shape[0]
    return i, z[i]


def strongest_pairs(pairs_path: str, n: int) -> list[tuple[int, int]]:
    rows = read_tsv(pairs_path)
    if not rows:
        raise ValueError(f"{pairs_path} is empty: lower stats.pair_threshold to get correlated pairs")
    return [(r["i"], r["j"]) for r in rows[:n]]


def uncorrelated_pairs(corr: np.ndarray, components: list[dict], n: int) -> list[tuple[int, int]]:
    """The ``n`` least correlated pairs among the dominant components."""
    dom = [r["index"] for r in components if r["dominant"]]
    cand = [(abs(corr[i, j]), i, j) for k, i in enumerate(dom) for j in dom[k + 1 :]]
    return [(i, j) for _, i, j in sorted(cand)[:n]]


def overlays(latents_path: str, dim: int, *, b: float, num_stat: int, special_index: int, seed: int) -> dict:
    """The article's extras on a pair grid: uniform vectors in [-b, b] and one real image's z-point.

    The statistical vectors depend on (seed, b) only, so every grid for one b shows the same ones.
    """
    idx, special = special_vector(latents_path, special_index)
    return {
        "stat": uniform(num_stat, dim, b, np.random.default_rng([seed, int(b * 1000)])),
        "stat_label": f"{num_stat} uniform vectors in [-{b:g}, {b:g}]",
        "special": special,
        "special_label": f"image {idx}",
    }


def pair_grid(sample_path, pairs_path, latents_path, out, *, b, num_stat, n_pairs, special_index, seed, dpi):
    """The article's figure: strongest pairs, M real points, ``num_stat`` uniform vectors in [-b, b]."""
    _, sample = load_sample(sample_path)
    plot_pair_grid(
        sample,
        strongest_pairs(pairs_path, n_pairs),
        out,
        title=f"The {n_pairs} most correlated component pairs, statistical vectors for b = {b:g}",
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
    """Non-correlated pairs among the dominant components, ``points`` real points."""
    _, sample = load_sample(sample_path)
    plot_pair_grid(
        sample[:points],
        uncorrelated_pairs(np.load(corr_path), read_tsv(components_path), n_pairs),
        out,
        title=f"Non-correlated pairs of dominant components ({min(points, len(sample))} points, b = {b:g})",
        point_size=3,
        dpi=dpi,
        **overlays(
            latents_path, sample.shape[1], b=b, num_stat=num_stat, special_index=special_index, seed=seed
        ),
    )


def border_grid(sample_path, pairs_path, out, *, points, n_pairs, dpi):
    """Few points, so the density drop at the border of the cloud shows."""
    _, sample = load_sample(sample_path)
    plot_pair_grid(
        sample[:points],
        strongest_pairs(pairs_path, n_pairs),
        out,
        title=f"Density drop at the cloud's border: {min(points, len(sample))} real z-points",
        point_size=6,
        dpi=dpi,
    )
