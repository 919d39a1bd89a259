"""Where artificial vectors sit relative to the real cloud, in numbers rather than by eye."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass
class RealCloud:
    """What every comparison with the real vectors needs, computed once: the exact mean and the
    Cholesky factor of the exact covariance, the real sample's Mahalanobis distances and radii,
    and, when ``nn_seed`` is given, a nearest-neighbour index on a seeded half of the sample with
    the other half's mean distance to it as the real-to-real baseline."""

    mean: np.ndarray
    chol: np.ndarray
    sample: np.ndarray
    d_real: np.ndarray
    r_real: np.ndarray
    nn: NearestNeighbors | None = None
    nn_base: float = float("nan")

    @classmethod
    def fit(cls, m: Moments, sample: np.ndarray, nn_seed: int | None = None) -> RealCloud:
        chol = cholesky(m.cov())
        cloud = cls(m.mean, chol, sample, mahalanobis(sample, m.mean, chol), np.linalg.norm(sample, axis=1))
        if nn_seed is not None:
            order = np.random.default_rng(nn_seed).permutation(len(sample))
            ref, held = sample[order[: len(sample) // 2]], sample[order[len(sample) // 2 :]]
            cloud.nn = NearestNeighbors(n_neighbors=1).fit(ref)
            cloud.nn_base = float(cloud.nn.kneighbors(held)[0].mean())
        return cloud


def coverage_row(name: str, vecs: np.ndarray, cloud: RealCloud) -> dict:
    """Fraction inside the real cloud, nearest-neighbour distance against real-to-real, radius match.

    Inside: Mahalanobis distance at most the 99th percentile of the real sample's distances.
    ``cloud`` must have been fitted with an ``nn_seed``.
    """
    nn_gen = float(cloud.nn.kneighbors(vecs)[0].mean())
    r_gen = np.linalg.norm(vecs, axis=1)
    inside = mahalanobis(vecs, cloud.mean, cloud.chol) <= np.percentile(cloud.d_real, 99)
    return {
        "generator": name,
        "n": len(vecs),
        "inside_fraction": float(inside.mean()),
        "nn_distance": nn_gen,
        "nn_baseline": cloud.nn_base,
        "nn_ratio": nn_gen / cloud.nn_base,
        "radius_median": float(np.median(r_gen)),
        "real_radius_median": float(np.median(cloud.r_real)),
        "radius_ks": float(ks_2samp(r_gen, cloud.r_real).statistic),
    }


def origin_border(cloud: RealCloud, edge: float = 0.1) -> dict:
    """How the origin sits relative to the cloud: its Mahalanobis distance and its percentile
    among real vectors, and per component where 0 falls inside the central 99% range."""
    d0 = float(mahalanobis(np.zeros(len(cloud.mean)), cloud.mean, cloud.chol)[0])
    pos = zero_positions(cloud.sample)
    inside = (pos >= 0) & (pos <= 1)
    return {
        "origin_mahalanobis": d0,
        "real_mahalanobis_median": float(np.median(cloud.d_real)),
        "real_mahalanobis_p99": float(np.percentile(cloud.d_real, 99)),
        "origin_percentile": float((cloud.d_real < d0).mean() * 100),
        "components_containing_0": float(inside.mean()),
        "components_0_near_edge": float((inside & ((pos < edge) | (pos > 1 - edge))).mean()),
        "edge_fraction": edge,
    }


def zero_positions(sample: np.ndarray) -> np.ndarray:
    """Where 0 sits in each component's central 99% range: 0 = lower end, 1 = upper end."""
    lo, hi = np.percentile(sample, [0.5, 99.5], axis=0)
    return (0.0 - lo) / np.where(hi > lo, hi - lo, np.nan)


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
    figures.plot_radii(np.linalg.norm(sample, axis=1), radii, rows, out_figure, dpi)


def write_coverage(moments_path, sample_path, vector_paths, names, out_table, out_figure, *, seed, dpi):
    _, sample = load_sample(sample_path)
    cloud = RealCloud.fit(Moments.load(moments_path), sample, nn_seed=seed)
    rows = [coverage_row(n, np.load(p), cloud) for n, p in zip(names, vector_paths, strict=True)]
    write_tsv(rows, out_table)
    figures.plot_coverage(rows, out_figure, dpi)


def write_origin(moments_path, sample_path, out_table, out_figure, *, dpi):
    _, sample = load_sample(sample_path)
    cloud = RealCloud.fit(Moments.load(moments_path), sample)
    info = origin_border(cloud)
    write_tsv([info], out_table)
    figures.plot_origin(cloud.d_real, info, zero_positions(sample), out_figure, dpi)
