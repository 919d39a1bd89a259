"""Artificial "statistical" latent vectors, from the article's uniform draw to fitted models."""

from __future__ import annotations

import numpy as np
from sklearn.mixture import GaussianMixture

from ..io.atomic import atomic_path
from ..io.sample import load_sample
from ..stats.moments import Moments
from .cloud import cholesky
from .uniform import uniform

GENERATORS = ("uniform", "normal", "mvn", "gmm", "pca_ellipsoid")


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
    with atomic_path(out) as tmp:
        np.save(tmp, vecs.astype(np.float32))
