"""Artificial "statistical" latent vectors, from the article's uniform draw to fitted models.

Every fitted generator sees only the ``fit`` half of the real sample (``cloud.split_sample``): the
other half is the reference its vectors are measured against.
"""

from __future__ import annotations

import logging

import numpy as np

from ..io.atomic import atomic_path
from ..io.sample import load_sample
from ..io.seeds import rng as seeded
from ..io.seeds import seed_int
from ..stats.moments import Moments
from .cloud import split_sample, sqrt_cov
from .names import GENERATORS
from .radii import best_b
from .uniform import uniform

log = logging.getLogger(__name__)


def generate(name: str, n: int, fit: np.ndarray, cfg: dict, seed: int) -> np.ndarray:
    """``n`` vectors from generator ``name``, fitted on the real rows ``fit``."""
    rng = seeded(seed, f"generator:{name}")
    dim = fit.shape[1]
    if name == "uniform":
        return uniform(n, dim, cfg["uniform_b"], rng)
    if name == "standard_normal":
        return rng.standard_normal((n, dim))
    m = Moments(dim).update(fit)
    if name == "normal":
        return m.mean + m.std() * rng.standard_normal((n, dim))
    if name == "mvn":
        return m.mean + rng.standard_normal((n, dim)) @ sqrt_cov(m.cov()).T
    if name == "gmm":
        from sklearn.mixture import GaussianMixture  # here: the other generators need no sklearn

        gmm = GaussianMixture(
            cfg["gmm_components"],
            covariance_type="full",
            random_state=seed_int(seed, "generator:gmm:fit") % 2**32,
            reg_covar=1e-5,
        )
        x, _ = gmm.fit(fit).sample(n)
        return x[rng.permutation(n)]
    if name == "pca_ellipsoid":
        evals, evecs = np.linalg.eigh(m.cov())
        sigma = cfg["pca_sigma"] or np.sqrt(dim)
        axes = sigma * np.sqrt(np.clip(evals, 0, None))
        u = rng.standard_normal((n, dim))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        r = rng.random((n, 1)) ** (1.0 / dim)
        return m.mean + (u * r * axes) @ evecs.T
    raise ValueError(f"unknown generator {name!r}; choose from {', '.join(GENERATORS)}")


def uniform_b(cfg: dict, radii_path: str | None) -> float:
    """The uniform generator's b: ``vectors.uniform_b``, or where that is null the b whose lengths
    best match the real ones (the radii table's best row)."""
    if cfg.get("uniform_b") is not None:
        return float(cfg["uniform_b"])
    if not radii_path:
        raise ValueError("vectors.uniform_b is null: the uniform generator needs the radii table's best b")
    return best_b(radii_path)


def write_vectors(sample_path, out, *, generator, cfg, seed, radii_path=None):
    """``cfg["n"]`` vectors of ``generator``; the uniform one at ``uniform_b(cfg, radii_path)``."""
    _, sample = load_sample(sample_path)
    fit, _ = split_sample(sample, seed)
    if generator == "uniform":
        cfg = {**cfg, "uniform_b": uniform_b(cfg, radii_path)}
        log.info("uniform vectors in [-b, b] with b = %g", cfg["uniform_b"])
    vecs = generate(generator, cfg["n"], fit, cfg, seed)
    with atomic_path(out) as tmp:
        np.save(tmp, vecs.astype(np.float32))
