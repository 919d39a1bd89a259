"""Artificial "statistical" latent vectors, from the article's uniform draw to fitted models."""

from __future__ import annotations

import numpy as np
from sklearn.mixture import GaussianMixture

from .moments import Moments
from .stats import load_sample

GENERATORS = ("uniform", "normal", "mvn", "gmm", "pca_ellipsoid")


def uniform(n: int, dim: int, b: float, rng: np.random.Generator) -> np.ndarray:
    """The article's vectors: every component independent and uniform in [-b, b]."""
    return rng.uniform(-b, b, size=(n, dim))


def cholesky(cov: np.ndarray) -> np.ndarray:
    """Cholesky factor, with a tiny diagonal jitter if the covariance is only semi-definite."""
    jitter = 0.0
    for _ in range(8):
        try:
            return np.linalg.cholesky(cov + jitter * np.eye(len(cov)))
        except np.linalg.LinAlgError:
            jitter = max(jitter * 10, 1e-12 * np.trace(cov) / len(cov))
    raise np.linalg.LinAlgError("covariance is not positive semi-definite")


def generate(name: str, n: int, m: Moments, sample: np.ndarray, cfg: dict, seed: int) -> np.ndarray:
    """``n`` vectors from generator ``name``; ``m`` holds the exact moments, ``sample`` real rows."""
    rng = np.random.default_rng([seed, GENERATORS.index(name)])
    if name == "uniform":
        return uniform(n, m.dim, cfg["uniform_b"], rng)
    if name == "normal":
        return m.mean + m.std() * rng.standard_normal((n, m.dim))
    if name == "mvn":
        return m.mean + rng.standard_normal((n, m.dim)) @ cholesky(m.cov()).T
    if name == "gmm":
        gmm = GaussianMixture(
            cfg["gmm_components"], covariance_type="full", random_state=seed, reg_covar=1e-5
        )
        x, _ = gmm.fit(sample).sample(n)
        return x[rng.permutation(n)]
    if name == "pca_ellipsoid":
        # Principal axes of the exact covariance (all N vectors), not of a sample.
        evals, evecs = np.linalg.eigh(m.cov())
        sigma = cfg["pca_sigma"] or np.sqrt(m.dim)
        axes = sigma * np.sqrt(np.clip(evals, 0, None))
        u = rng.standard_normal((n, m.dim))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        r = rng.random((n, 1)) ** (1.0 / m.dim)
        return m.mean + (u * r * axes) @ evecs.T
    raise ValueError(f"unknown generator {name!r}; choose from {', '.join(GENERATORS)}")


def write_vectors(moments_path, sample_path, out, *, generator, cfg, seed):
    _, sample = load_sample(sample_path)
    vecs = generate(generator, cfg["n"], Moments.load(moments_path), sample, cfg, seed)
    np.save(out, vecs.astype(np.float32))
