"""Correlated component pairs: counts over thresholds, all N against the article's M-sample."""

from __future__ import annotations

import numpy as np

from ..io.atomic import atomic_path
from ..io.sample import load_sample
from ..io.tables import write_tsv
from .moments import Moments


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
    write_tsv(correlated_pairs(corr, pair_threshold), out_pairs, columns=["i", "j", "corr"])
    with atomic_path(out_corr) as tmp:
        np.save(tmp, corr)
