import numpy as np
import pytest

from aelatent.stats.moments import Moments
from aelatent.vectors.cloud import RealCloud
from aelatent.vectors.coverage import coverage_row
from aelatent.vectors.generators import GENERATORS, generate
from aelatent.vectors.origin import origin_border
from aelatent.vectors.radii import uniform_radii_match

CFG = {"uniform_b": 1.5, "gmm_components": 2, "pca_sigma": 2.0}


@pytest.fixture(scope="module")
def cloud():
    rng = np.random.default_rng(0)
    d = 8
    a = rng.standard_normal((d, d)) * 0.5
    cov = a @ a.T + np.eye(d) * 0.2
    mean = rng.uniform(-2, 3, d)
    x = rng.multivariate_normal(mean, cov, 40_000)
    return x, Moments(d).update(x)


def test_uniform_vectors_lie_in_minus_b_b(cloud):
    x, m = cloud
    v = generate("uniform", 5000, m, x[:500], CFG, 0)
    assert v.shape == (5000, 8) and v.min() >= -1.5 and v.max() <= 1.5
    assert v.min() < -1.4 and v.max() > 1.4


def test_mvn_sample_covariance_matches_the_accumulator(cloud):
    x, m = cloud
    v = generate("mvn", 200_000, m, x[:500], CFG, 0)
    assert np.abs(np.cov(v, rowvar=False) - m.cov()).max() < 0.03 * np.abs(m.cov()).max()
    assert np.abs(v.mean(axis=0) - m.mean).max() < 0.02


def test_every_generator_is_deterministic(cloud):
    x, m = cloud
    for g in GENERATORS:
        a, b = generate(g, 50, m, x[:2000], CFG, 3), generate(g, 50, m, x[:2000], CFG, 3)
        assert a.shape == (50, 8) and np.array_equal(a, b), g


def test_coverage_on_a_gaussian_cloud_matches_theory(cloud):
    x, m = cloud
    sample = x[:5000]
    real = RealCloud.fit(m, sample, nn_seed=0)
    mvn = coverage_row("mvn", generate("mvn", 5000, m, sample, CFG, 1), real)
    assert mvn["inside_fraction"] == pytest.approx(0.99, abs=0.01)
    assert mvn["nn_ratio"] == pytest.approx(1.0, abs=0.1)
    assert mvn["radius_ks"] < 0.05
    far = coverage_row("uniform", generate("uniform", 2000, m, sample, {**CFG, "uniform_b": 4.0}, 1), real)
    assert far["inside_fraction"] < 0.5 and far["nn_ratio"] > 1.5
    inside = coverage_row("pca", generate("pca_ellipsoid", 2000, m, sample, CFG, 1), real)
    assert inside["inside_fraction"] == 1.0  # 2-sigma ellipsoid lies within the 99% Mahalanobis ball


def test_origin_and_radii(cloud):
    x, m = cloud
    info = origin_border(RealCloud.fit(m, x[:5000]))
    d0 = np.sqrt(m.mean @ np.linalg.solve(m.cov(), m.mean))
    assert info["origin_mahalanobis"] == pytest.approx(d0, rel=1e-6)
    assert 0 <= info["components_0_near_edge"] <= info["components_containing_0"] <= 1
    rows, radii = uniform_radii_match(x[:3000], [0.5, 2.0, 8.0], 3000, 0)
    assert [len(r) for r in radii] == [3000] * 3
    assert sum(r["best"] for r in rows) == 1
    assert min(rows, key=lambda r: r["ks"])["best"] == 1
