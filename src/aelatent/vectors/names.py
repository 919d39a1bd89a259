"""The generators of statistical vectors: their names (the order fixes each one's seed stream),
what each draws, and whether it draws every component independently. Torch- and
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


def of_kind(kind: str) -> tuple[str, ...]:
    """The generators of one kind, in seed order."""
    return tuple(g for g in GENERATORS if GENERATOR_KINDS[g][0] == kind)
