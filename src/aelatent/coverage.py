"""Where artificial vectors sit relative to the real cloud, in numbers rather than by eye."""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular
from scipy.stats import ks_2samp
from sklearn.neighbors import NearestNeighbors

from . import figures
from .moments import Moments
from .stats import load_sample
from .tables import write_tsv
from .vectors import cholesky


def mahalanobis(x: np.ndarray, mean: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """Distance of each row of ``x`` from ``mean`` under covariance ``chol @ chol.T``."""
    y = solve_triangular(chol, (np.atleast_2d(x) - mean).T, lower=True)
    return np.sqrt((y * y).sum(axis=0))


def coverage_row(name: str, vecs: np.ndarray, m: Moments, sample: np.ndarray, seed: int) -> dict:
    """Fraction inside the real cloud, nearest-neighbour distance against real-to-real, radius match.

    Inside: Mahalanobis distance at most the 99th percentile of the real sample's distances.
    The real sample is split in halves: one is the reference cloud, the other the baseline.
    """
    chol = cholesky(m.cov())
    d_real = mahalanobis(sample, m.mean, chol)
    limit = np.percentile(d_real, 99)
    order = np.random.default_rng(seed).permutation(len(sample))
    ref, held = sample[order[: len(sample) // 2]], sample[order[len(sample) // 2 :]]
    nn = NearestNeighbors(n_neighbors=1).fit(ref)
    nn_gen = float(nn.kneighbors(vecs)[0].mean())
    nn_base = float(nn.kneighbors(held)[0].mean())
    r_gen, r_real = np.linalg.norm(vecs, axis=1), np.linalg.norm(sample, axis=1)
    return {
        "generator": name,
        "n": len(vecs),
        "inside_fraction": float((mahalanobis(vecs, m.mean, chol) <= limit).mean()),
        "nn_distance": nn_gen,
        "nn_baseline": nn_base,
        "nn_ratio": nn_gen / nn_base,
        "radius_median": float(np.median(r_gen)),
        "real_radius_median": float(np.median(r_real)),
        "radius_ks": float(ks_2samp(r_gen, r_real).statistic),
    }


def origin_border(m: Moments, sample: np.ndarray, edge: float = 0.1) -> dict:
    """How the origin sits relative to the cloud: its Mahalanobis distance and its percentile
    among real vectors, and per component where 0 falls inside the central 99% range."""
    chol = cholesky(m.cov())
    d_real = mahalanobis(sample, m.mean, chol)
    d0 = float(mahalanobis(np.zeros(m.dim), m.mean, chol)[0])
    pos = zero_positions(sample)
    inside = (pos >= 0) & (pos <= 1)
    return {
        "origin_mahalanobis": d0,
        "real_mahalanobis_median": float(np.median(d_real)),
        "real_mahalanobis_p99": float(np.percentile(d_real, 99)),
        "origin_percentile": float((d_real < d0).mean() * 100),
        "components_containing_0": float(inside.mean()),
        "components_0_near_edge": float((inside & ((pos < edge) | (pos > 1 - edge))).mean()),
        "edge_fraction": edge,
    }


def zero_positions(sample: np.ndarray) -> np.ndarray:
    """Where 0 sits in each component's central 99% range: 0 = lower end, 1 = upper end."""
    lo, hi = np.percentile(sample, [0.5, 99.5], axis=0)
    return (0.0 - lo) / np.where(hi > lo, hi - lo, np.nan)


def uniform_radii_match(sample: np.ndarray, b_values, n: int, seed: int) -> list[dict]:
    """For each b, how well radii of uniform [-b, b] vectors match the real radii (KS statistic)."""
    rng = np.random.default_rng(seed)
    r_real = np.linalg.norm(sample, axis=1)
    rows = []
    for b in b_values:
        r = np.linalg.norm(rng.uniform(-b, b, (n, sample.shape[1])), axis=1)
        rows.append(
            {
                "b": float(b),
                "radius_median": float(np.median(r)),
                "ks": float(ks_2samp(r, r_real).statistic),
            }
        )
    best = min(rows, key=lambda row: row["ks"])
    for row in rows:
        row["best"] = int(row is best)
    return rows


def write_radii(sample_path, out_table, out_figure, *, b_sweep, seed, dpi):
    """Radius match of uniform vectors over a sweep of b; the best b is flagged."""
    _, sample = load_sample(sample_path)
    rows = uniform_radii_match(sample, b_sweep, len(sample), seed)
    write_tsv(rows, out_table)
    figures.plot_radii(sample, rows, seed, out_figure, dpi)


def write_coverage(moments_path, sample_path, vector_paths, names, out_table, out_figure, *, seed, dpi):
    m = Moments.load(moments_path)
    _, sample = load_sample(sample_path)
    rows = [coverage_row(n, np.load(p), m, sample, seed) for n, p in zip(names, vector_paths, strict=True)]
    write_tsv(rows, out_table)
    figures.plot_coverage(rows, out_figure, dpi)


def write_origin(moments_path, sample_path, out_table, out_figure, *, dpi):
    m = Moments.load(moments_path)
    _, sample = load_sample(sample_path)
    info = origin_border(m, sample)
    write_tsv([info], out_table)
    d_real = mahalanobis(sample, m.mean, cholesky(m.cov()))
    figures.plot_origin(d_real, info, zero_positions(sample), out_figure, dpi)
