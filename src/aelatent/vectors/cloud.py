"""The real z-point cloud as every comparison needs it: mean, covariance factor, distances."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_triangular
from sklearn.neighbors import NearestNeighbors

from ..stats.moments import Moments


def cholesky(cov: np.ndarray) -> np.ndarray:
    """Cholesky factor, with a tiny diagonal jitter if the covariance is only semi-definite."""
    jitter = 0.0
    for _ in range(8):
        try:
            return np.linalg.cholesky(cov + jitter * np.eye(len(cov)))
        except np.linalg.LinAlgError:
            jitter = max(jitter * 10, 1e-12 * np.trace(cov) / len(cov))
    raise np.linalg.LinAlgError("covariance is not positive semi-definite")


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
