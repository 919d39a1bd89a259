"""Lengths of real vectors against the article's uniform vectors over a sweep of b."""

from __future__ import annotations

import numpy as np
from scipy.stats import ks_2samp

from ..io.sample import load_sample
from ..io.tables import write_tsv
from ..plots.radii import plot_radii


def uniform_radii_match(
    sample: np.ndarray, b_values, n: int, seed: int
) -> tuple[list[dict], list[np.ndarray]]:
    """For each b, how well radii of ``n`` uniform [-b, b] vectors match the real radii (KS
    statistic), with the best b flagged; also returns those radii, for the figure."""
    rng = np.random.default_rng(seed)
    r_real = np.linalg.norm(sample, axis=1)
    radii = [np.linalg.norm(rng.uniform(-b, b, (n, sample.shape[1])), axis=1) for b in b_values]
    rows = [
        {"b": float(b), "radius_median": float(np.median(r)), "ks": float(ks_2samp(r, r_real).statistic)}
        for b, r in zip(b_values, radii, strict=True)
    ]
    best = min(rows, key=lambda row: row["ks"])
    for row in rows:
        row["best"] = int(row is best)
    return rows, radii


def write_radii(sample_path, out_table, out_figure, *, b_sweep, seed, dpi):
    """Radius match of uniform vectors over a sweep of b; the best b is flagged."""
    _, sample = load_sample(sample_path)
    rows, radii = uniform_radii_match(sample, b_sweep, len(sample), seed)
    write_tsv(rows, out_table)
    plot_radii(np.linalg.norm(sample, axis=1), radii, rows, out_figure, dpi)
