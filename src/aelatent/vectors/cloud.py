"""The real z-point cloud as every comparison needs it: a well-posed metric and held-out vectors.

Two things keep the coverage numbers honest. The Mahalanobis metric uses the exact covariance with
its eigenvalues raised to at least ``floor`` times the largest: an autoencoder's cloud is nearly
rank-deficient (condition ~1e10), and without the floor directions of negligible variance decide
the distances, so 1e-3 of noise moves a vector from inside to far outside. And the real sample is
split in two seeded halves: generators are fitted on one (``fit``), every distance is measured
against the other (``ref``), so no generator is flattered by rows it has seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..io.seeds import rng
from ..stats.moments import Moments

if TYPE_CHECKING:
    from sklearn.neighbors import NearestNeighbors


def split_sample(sample: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(fit, ref): a seeded half of the real sample to fit generators on, and the other half."""
    order = rng(seed, "split").permutation(len(sample))
    half = len(sample) // 2
    return sample[np.sort(order[:half])], sample[np.sort(order[half:])]


def regularised_eigen(cov: np.ndarray, floor: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Eigenvalues (raised to ``floor`` times the largest), eigenvectors, and the raw condition."""
    evals, evecs = np.linalg.eigh(cov)
    top = max(float(evals[-1]), 0.0)
    raw = top / float(evals[0]) if evals[0] > 0 else float("inf")
    return np.maximum(evals, floor * top), evecs, raw


def sqrt_cov(cov: np.ndarray) -> np.ndarray:
    """A square root ``s`` with ``s @ s.T == cov`` for any positive semi-definite ``cov``."""
    evals, evecs = np.linalg.eigh(cov)
    return evecs * np.sqrt(np.clip(evals, 0.0, None))


def mahalanobis(x: np.ndarray, mean: np.ndarray, whiten: np.ndarray) -> np.ndarray:
    """Distance of each row of ``x`` from ``mean`` under the metric ``whiten @ whiten.T`` (inverse
    covariance)."""
    y = (np.atleast_2d(x) - mean) @ whiten
    return np.sqrt((y * y).sum(axis=1))


@dataclass
class RealCloud:
    """Exact mean and regularised covariance of all N vectors (as a whitening matrix), and the
    held-out real half ``ref`` with its Mahalanobis distances and radii; ``fit`` is the other half.

    ``nn`` indexes ``ref``; ``nn_base`` is the mean distance from ``fit`` to it, the real-to-real
    baseline for a generator's nearest-neighbour distance. ``evals`` (regularised) and
    ``evals_raw`` (exact) are the covariance's eigenvalues, smallest first, ``evecs`` its
    eigenvectors as columns in that order: ``whiten`` is ``evecs / sqrt(evals)``."""

    mean: np.ndarray
    whiten: np.ndarray
    evals: np.ndarray
    evals_raw: np.ndarray
    evecs: np.ndarray
    condition: float
    condition_raw: float
    fit: np.ndarray
    ref: np.ndarray
    d_real: np.ndarray
    r_real: np.ndarray
    nn: NearestNeighbors
    nn_base: float

    @classmethod
    def build(cls, m: Moments, sample: np.ndarray, *, seed: int, floor: float) -> RealCloud:
        cov = m.cov()
        evals, evecs, raw = regularised_eigen(cov, floor)
        whiten = evecs / np.sqrt(evals)
        from sklearn.neighbors import NearestNeighbors  # here: importing sklearn costs a second

        fit, ref = split_sample(sample, seed)
        nn = NearestNeighbors(n_neighbors=1).fit(ref)
        return cls(
            mean=m.mean,
            whiten=whiten,
            evals=evals,
            evals_raw=np.clip(np.linalg.eigvalsh(cov), 0.0, None),
            evecs=evecs,
            condition=float(evals[-1] / evals[0]),
            condition_raw=raw,
            fit=fit,
            ref=ref,
            d_real=mahalanobis(ref, m.mean, whiten),
            r_real=np.linalg.norm(ref, axis=1),
            nn=nn,
            nn_base=float(nn.kneighbors(fit)[0].mean()),
        )
