"""Statistics of the latent vectors: per-shard moments, component table, correlated pairs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from .imagestore import open_image_store
from .latentstore import open_latents
from .moments import Moments
from .stream import chunk_moments, iter_chunks
from .tables import read_tsv, write_tsv

log = logging.getLogger(__name__)


def shard_moments(latents_path: str, marker_path: str, out: str, threads: int = 1) -> Moments:
    """Accumulate the moments of the rows one encode shard wrote (range from its marker)."""
    marker = json.loads(Path(marker_path).read_text())
    z = open_latents(latents_path)
    m = chunk_moments(z, marker["start"], marker["stop"], workers=threads, source=f"shard {marker['shard']}")
    m.save(out)
    log.info("shard %d: %d rows", marker["shard"], m.n)
    return m


def sample_rows(latents_path: str, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """M rows drawn without replacement (the article's np.random.choice), sorted by index."""
    z = open_latents(latents_path)
    n = z.shape[0]
    idx = np.sort(np.random.default_rng(seed).choice(n, size=min(m, n), replace=False))
    return idx, z.get_orthogonal_selection((idx, slice(None)))


def histograms(latents_path: str, m: Moments, bin_width: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-component histograms on one common grid of ``bin_width`` bins, in one streaming pass."""
    lo = np.floor(m.min.min() / bin_width) * bin_width
    hi = np.ceil(m.max.max() / bin_width) * bin_width + bin_width
    nbins = int(round((hi - lo) / bin_width))
    edges = lo + bin_width * np.arange(nbins + 1)
    counts = np.zeros(m.dim * nbins, dtype=np.int64)
    offset = np.arange(m.dim) * nbins
    for _, block in iter_chunks(open_latents(latents_path)):
        b = np.clip(((block - lo) / bin_width).astype(np.int64), 0, nbins - 1)
        counts += np.bincount((b + offset).ravel(), minlength=m.dim * nbins)
    return edges, counts.reshape(m.dim, nbins)


def half_width(edges: np.ndarray, counts: np.ndarray) -> tuple[float, float]:
    """(mode, half-width at half maximum) of one histogram, crossings linearly interpolated."""
    centres = 0.5 * (edges[:-1] + edges[1:])
    p = int(np.argmax(counts))
    half = counts[p] / 2.0

    def crossing(step: int) -> float:
        i = p
        while 0 <= i + step < len(counts) and counts[i + step] >= half:
            i += step
        j = i + step
        if not 0 <= j < len(counts):
            return float(centres[i])
        t = (counts[i] - half) / (counts[i] - counts[j])
        return float(centres[i] + t * (centres[j] - centres[i]))

    return float(centres[p]), (crossing(1) - crossing(-1)) / 2.0


def component_table(m: Moments, edges: np.ndarray, counts: np.ndarray, n_dominant: int) -> list[dict]:
    """One row per component. Dominant: the ``n_dominant`` largest by |mean| + half-width."""
    std = m.std()
    rows = []
    for i in range(m.dim):
        mode, hw = half_width(edges, counts[i])
        rows.append(
            {
                "index": i,
                "mean": m.mean[i],
                "std": std[i],
                "mode": mode,
                "half_width": hw,
                "min": m.min[i],
                "max": m.max[i],
            }
        )
    score = np.abs(m.mean) + np.array([r["half_width"] for r in rows])
    dominant = set(np.argsort(-score, kind="stable")[:n_dominant].tolist())
    for r in rows:
        r["dominant"] = int(r["index"] in dominant)
    return rows


def count_pairs(corr: np.ndarray, thresholds) -> list[int]:
    """Pairs i < j with |corr| > t for each t: the article's ((|C| > t).sum() - nd) / 2."""
    a = np.abs(np.nan_to_num(corr, nan=0.0))
    iu = np.triu_indices(len(a), k=1)
    upper = a[iu]
    return [int((upper > t).sum()) for t in thresholds]


def threshold_counts(
    corr_all: np.ndarray, sample: np.ndarray, thresholds, repetitions: int, seed: int
) -> list[dict]:
    """Counts over all N (exact), over the M sample, and a bootstrap 95% interval of the latter."""
    exact = count_pairs(corr_all, thresholds)
    sampled = count_pairs(np.corrcoef(sample, rowvar=False), thresholds)
    rng = np.random.default_rng(seed + 7)
    boot = np.array(
        [
            count_pairs(
                np.corrcoef(sample[rng.integers(0, len(sample), len(sample))], rowvar=False),
                thresholds,
            )
            for _ in range(repetitions)
        ]
    )
    lo, hi = np.percentile(boot, [2.5, 97.5], axis=0)
    return [
        {"threshold": t, "n_all": e, "n_sample": s, "sample_low": float(a), "sample_high": float(b)}
        for t, e, s, a, b in zip(thresholds, exact, sampled, lo, hi, strict=True)
    ]


def correlated_pairs(corr: np.ndarray, threshold: float) -> list[dict]:
    """Pairs i < j with |corr| > threshold, strongest first."""
    i, j = np.triu_indices(len(corr), k=1)
    c = np.nan_to_num(corr[i, j], nan=0.0)
    keep = np.abs(c) > threshold
    order = np.argsort(-np.abs(c[keep]), kind="stable")
    return [
        {"i": int(a), "j": int(b), "corr": float(v)}
        for a, b, v in zip(i[keep][order], j[keep][order], c[keep][order], strict=True)
    ]


def special_point_steps(block: np.ndarray, j1: int, j2: int, threshold: float) -> list[np.ndarray]:
    """The article's slice: masks after each step (components below j1, between, above j2)."""
    j1, j2 = sorted((j1, j2))
    a = np.abs(block) < threshold
    s1 = a[:, :j1].all(axis=1)
    s2 = s1 & a[:, j1 + 1 : j2].all(axis=1)
    s3 = s2 & a[:, j2 + 1 :].all(axis=1)
    return [s1, s2, s3]


def special_points(latents_path: str, sample: np.ndarray, j1: int, j2: int, threshold: float) -> list[dict]:
    """Counts of vectors left after each filter step, over all N and over the M sample."""
    j1, j2 = sorted((j1, j2))
    n_all = np.zeros(3, dtype=np.int64)
    for _, block in iter_chunks(open_latents(latents_path)):
        n_all += [int(s.sum()) for s in special_point_steps(block, j1, j2, threshold)]
    n_sample = [int(s.sum()) for s in special_point_steps(sample, j1, j2, threshold)]
    steps = [
        f"|z_k| < {threshold} for k < {j1}",
        f"... and for {j1} < k < {j2}",
        f"... and for k > {j2}",
    ]
    return [
        {"step": k + 1, "condition": c, "n_all": int(a), "n_sample": s}
        for k, (c, a, s) in enumerate(zip(steps, n_all, n_sample, strict=True))
    ]


def factor_correlations(latents_path: str, factors: np.ndarray) -> np.ndarray:
    """Correlation (latent_dim, n_factors) of every component with every factor, streamed."""
    z = open_latents(latents_path)
    d = z.shape[1]
    m = Moments(d + factors.shape[1])
    for a, block in iter_chunks(z):
        m.update(np.hstack([block.astype(np.float64), factors[a : a + len(block)]]), first_row=a)
    return m.corr()[:d, d:]


def write_sample(latents_path: str, out: str, m: int, seed: int) -> None:
    idx, z = sample_rows(latents_path, m, seed)
    np.savez(out, index=idx, z=z)


def load_sample(path: str) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path) as f:
        return f["index"], f["z"]


def write_component_stats(
    latents_path: str,
    moments_path: str,
    out_table: str,
    out_dominant: str,
    out_hist: str,
    *,
    bin_width: float,
    n_dominant: int,
) -> None:
    """components.tsv, the article's dominant-component table, and the histograms behind them."""
    m = Moments.load(moments_path)
    edges, counts = histograms(latents_path, m, bin_width)
    rows = component_table(m, edges, counts, n_dominant)
    write_tsv(rows, out_table)
    dom = [
        {"index": r["index"], "mu": r["mean"], "mode": r["mode"], "hw": r["half_width"]}
        for r in rows
        if r["dominant"]
    ]
    write_tsv(dom, out_dominant)
    np.savez(out_hist, edges=edges, counts=counts)


def write_correlations(
    moments_path: str,
    sample_path: str,
    out_counts: str,
    out_pairs: str,
    out_corr: str,
    *,
    thresholds,
    pair_threshold: float,
    bootstrap: int,
    seed: int,
) -> None:
    """threshold_counts.tsv (all N vs sampled M), pairs.tsv, and the full matrix as .npy."""
    corr = Moments.load(moments_path).corr()
    _, sample = load_sample(sample_path)
    write_tsv(threshold_counts(corr, sample, thresholds, bootstrap, seed), out_counts)
    pairs = correlated_pairs(corr, pair_threshold)
    if pairs:
        write_tsv(pairs, out_pairs)
    else:
        Path(out_pairs).write_text("i\tj\tcorr\n")
    np.save(out_corr, corr)


def write_special_points(
    latents_path: str, sample_path: str, pairs_path: str, out: str, *, threshold: float, pair
) -> None:
    """The special-points slice for the configured pair, or the strongest correlated pair."""
    if pair is None:
        rows = read_tsv(pairs_path)
        if not rows:
            raise ValueError(
                f"{pairs_path} has no pairs: set stats.special_pair or lower stats.pair_threshold"
            )
        pair = (rows[0]["i"], rows[0]["j"])
    _, sample = load_sample(sample_path)
    write_tsv(special_points(latents_path, sample, pair[0], pair[1], threshold), out)


def write_factor_correlations(latents_path: str, images_path: str, out: str) -> None:
    """Component x factor correlations (synthetic data), one row per component."""
    store = open_image_store(images_path)
    names = list(store.attrs["factor_names"])
    c = factor_correlations(latents_path, store["factors"][:].astype(np.float64))
    write_tsv(
        [
            {"component": i, **{n: float(v) for n, v in zip(names, row, strict=True)}}
            for i, row in enumerate(c)
        ],
        out,
    )
