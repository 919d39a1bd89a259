"""The generators of statistical vectors: their names (each draws from its own seeded stream,
``generator:<name>``), what each draws, the ``vectors`` settings each reads, and whether it draws
every component independently. Torch- and
sklearn-free, so figures and report pages describe generators without importing them."""

from __future__ import annotations

GENERATORS = ("uniform", "normal", "mvn", "gmm", "pca_ellipsoid", "standard_normal")

# name -> (kind, what it draws); independent generators ignore the real correlations, correlated
# ones model them, the prior is N(0, I), what a VAE's decoder is trained to accept
GENERATOR_KINDS = {
    "uniform": ("independent", "every component uniform in [-b, b], independently (the article's vectors)"),
    "normal": ("independent", "independent Gaussians with the real means and spreads"),
    "mvn": ("correlated", "one Gaussian with the real covariance"),
    "gmm": ("correlated", "a Gaussian mixture fitted to real vectors"),
    "pca_ellipsoid": ("correlated", "uniform inside the real covariance ellipsoid"),
    "standard_normal": ("prior", "N(0, I), the prior a VAE samples from"),
}

# name -> the vectors.* settings only this generator reads (all read vectors.n)
GENERATOR_SETTINGS = {
    "uniform": ("uniform_b",),
    "gmm": ("gmm_components",),
    "pca_ellipsoid": ("pca_sigma",),
}


def of_kind(kind: str) -> tuple[str, ...]:
    """The generators of one kind, in the order of ``GENERATORS``."""
    return tuple(g for g in GENERATORS if GENERATOR_KINDS[g][0] == kind)
