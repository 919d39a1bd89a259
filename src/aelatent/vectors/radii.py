"""Lengths of real vectors against the article's uniform vectors over a sweep of b."""

from __future__ import annotations

import numpy as np
from scipy.stats import ks_2samp

from ..io.atomic import atomic_path
from ..io.sample import load_sample
from ..io.seeds import rng
from ..io.tables import write_tsv


def uniform_radii_match(
    sample: np.ndarray, b_values, n: int, seed: int
) -> tuple[list[dict], list[np.ndarray]]:
    """For each b, how well radii of ``n`` uniform [-b, b] vectors match the real radii (KS
    statistic), with the best b flagged; also returns those radii. Each b has its own stream, so
    adding a b to the sweep leaves the others' radii as they were."""
    r_real = np.linalg.norm(sample, axis=1)
    dim = sample.shape[1]
    radii = [np.linalg.norm(rng(seed, f"radii:{b:g}").uniform(-b, b, (n, dim)), axis=1) for b in b_values]
    rows = [
        {"b": float(b), "radius_median": float(np.median(r)), "ks": float(ks_2samp(r, r_real).statistic)}
        for b, r in zip(b_values, radii, strict=True)
    ]
    best = min(rows, key=lambda row: row["ks"])
    for row in rows:
        row["best"] = int(row is best)
    return rows, radii


def write_radii(sample_path, out_table, out_arrays, *, b_sweep, seed):
    """Radius match of uniform vectors over a sweep of b (best b flagged), and for the figure the
    real lengths (``real``) and each b's uniform lengths (``uniform``, one row per b)."""
    _, sample = load_sample(sample_path)
    rows, radii = uniform_radii_match(sample, b_sweep, len(sample), seed)
    write_tsv(rows, out_table)
    with atomic_path(out_arrays) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, real=np.linalg.norm(sample, axis=1), uniform=np.stack(radii))
