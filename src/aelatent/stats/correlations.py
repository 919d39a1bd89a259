"""Correlated component pairs: counts over thresholds, all N against the article's M-sample.

The article counted pairs on one random M-sample and asked how much that count depends on the
selection of the M vectors. With all N vectors at hand that is answered directly: B fresh M-subsets
drawn without replacement from all N, their counts' percentiles, and for each pair above the pair
threshold the fraction of subsets in which it shows up. Resampling the one M-sample with
replacement would not answer it: duplicated rows inflate the correlations and so the counts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from ..io.atomic import atomic_path
from ..io.latents import open_latents
from ..io.sample import load_sample
from ..io.seeds import rng as seeded
from ..io.stream import iter_chunks
from ..io.tables import write_tsv
from .moments import Moments

log = logging.getLogger(__name__)


def count_pairs(corr: np.ndarray, thresholds) -> list[int]:
    """Pairs i < j with |corr| > t for each t: the article's ((|C| > t).sum() - nd) / 2."""
    a = np.abs(np.nan_to_num(corr, nan=0.0))
    iu = np.triu_indices(len(a), k=1)
    upper = a[iu]
    return [int((upper > t).sum()) for t in thresholds]


def draw_subsets(n: int, m: int, count: int, seed: int) -> np.ndarray:
    """``count`` subsets of min(m, n) row indices, each without replacement, rows sorted."""
    rng = seeded(seed, "subsets")
    return np.stack([np.sort(rng.choice(n, size=min(m, n), replace=False)) for _ in range(count)])


def subset_moments(
    chunks: Iterable[tuple[int, np.ndarray]], subsets: np.ndarray, dim: int, workers: int = 1
) -> list[Moments]:
    """Moments of every subset's rows in one pass over ``(first_row, block)`` chunks in row order:
    each chunk is read once and hands each subset its rows (sorted indices, so a slice of them)."""
    parts = [Moments(dim) for _ in subsets]

    def add(k: int, a: int, block: np.ndarray) -> None:
        lo, hi = np.searchsorted(subsets[k], [a, a + len(block)])
        rows = subsets[k, lo:hi]
        parts[k].update(block[rows - a], rows=rows)

    with threadpool_limits(1), ThreadPoolExecutor(max(workers, 1)) as pool:
        for a, block in chunks:
            if workers > 1:
                list(pool.map(lambda k, a=a, block=block: add(k, a, block), range(len(subsets))))
            else:
                for k in range(len(subsets)):
                    add(k, a, block)
    return parts


def threshold_counts(
    corr_all: np.ndarray, sample: np.ndarray, subset_counts: np.ndarray, thresholds
) -> list[dict]:
    """Per threshold: the count over all N, over the seeded M-sample (the article's method), and
    the 2.5 / 50 / 97.5 percentiles of the counts over fresh M-subsets (rows of ``subset_counts``)."""
    exact = count_pairs(corr_all, thresholds)
    sampled = count_pairs(np.corrcoef(sample, rowvar=False), thresholds)
    low, median, high = np.percentile(subset_counts, [2.5, 50, 97.5], axis=0)
    return [
        {
            "threshold": t,
            "n_all": e,
            "n_sample": s,
            "subset_low": float(lo),
            "subset_median": float(me),
            "subset_high": float(hi),
        }
        for t, e, s, lo, me, hi in zip(thresholds, exact, sampled, low, median, high, strict=True)
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


def subset_spread(
    parts: list[Moments], pairs: list[dict], thresholds, pair_threshold: float
) -> tuple[np.ndarray, list[dict]]:
    """Counts per subset and threshold (B, T); ``pairs`` with the fraction of subsets in which
    each is above ``pair_threshold``."""
    dim = parts[0].dim
    iu = np.triu_indices(dim, k=1)
    pos = {(i, j): k for k, (i, j) in enumerate(zip(*iu, strict=True))}
    which = np.array([pos[p["i"], p["j"]] for p in pairs], dtype=np.int64)
    upper = np.abs(np.nan_to_num(np.stack([m.corr()[iu] for m in parts]), nan=0.0))  # (B, pairs)
    counts = (upper[:, :, None] > np.asarray(thresholds, dtype=np.float64)).sum(axis=1)
    frac = (upper[:, which] > pair_threshold).mean(axis=0)
    return counts, [{**p, "subset_fraction": float(f)} for p, f in zip(pairs, frac, strict=True)]


def write_correlations(
    latents_path: str,
    moments_path: str,
    sample_path: str,
    out_counts: str,
    out_pairs: str,
    out_corr: str,
    *,
    thresholds,
    pair_threshold: float,
    subsets: int,
    seed: int,
    threads: int = 1,
) -> None:
    """threshold_counts.tsv (all N, the M-sample, fresh M-subsets), pairs.tsv, the matrix as .npy."""
    corr = Moments.load(moments_path).corr()
    _, sample = load_sample(sample_path)
    z = open_latents(latents_path)
    idx = draw_subsets(z.shape[0], len(sample), subsets, seed)
    parts = subset_moments(iter_chunks(z), idx, z.shape[1], workers=threads)
    counts, pairs = subset_spread(parts, correlated_pairs(corr, pair_threshold), thresholds, pair_threshold)
    log.info("%d subsets of %d rows out of %d", len(idx), idx.shape[1], z.shape[0])
    write_tsv(threshold_counts(corr, sample, counts, thresholds), out_counts)
    write_tsv(pairs, out_pairs, columns=["i", "j", "corr", "subset_fraction"])
    with atomic_path(out_corr) as tmp:
        np.save(tmp, corr)
