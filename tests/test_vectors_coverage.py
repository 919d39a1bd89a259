import numpy as np
import pytest
from scipy.spatial.distance import cdist
from scipy.stats import chi2

from aelatent.stats.moments import Moments
from aelatent.vectors.cloud import RealCloud, mahalanobis, split_sample
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
    x, _ = cloud
    v = generate("uniform", 5000, x[:500], CFG, 0)
    assert v.shape == (5000, 8) and v.min() >= -1.5 and v.max() <= 1.5
    assert v.min() < -1.4 and v.max() > 1.4


def test_mvn_covariance_matches_the_rows_it_was_fitted_on(cloud):
    x, _ = cloud
    fit = x[:3000]
    v = generate("mvn", 200_000, fit, CFG, 0)
    cov = np.cov(fit, rowvar=False)
    assert np.abs(np.cov(v, rowvar=False) - cov).max() < 0.03 * np.abs(cov).max()
    assert np.abs(v.mean(axis=0) - fit.mean(axis=0)).max() < 0.02


def test_every_generator_is_deterministic(cloud):
    x, _ = cloud
    for g in GENERATORS:
        a, b = generate(g, 50, x[:2000], CFG, 3), generate(g, 50, x[:2000], CFG, 3)
        assert a.shape == (50, 8) and np.array_equal(a, b), g


def test_halves_are_disjoint_and_generators_never_see_the_reference(cloud):
    x, m = cloud
    sample = x[:5000]
    fit, ref = split_sample(sample, 7)
    assert len(fit) + len(ref) == 5000
    rows = {r.tobytes() for r in fit}
    assert not any(r.tobytes() in rows for r in ref)
    real = RealCloud.build(m, sample, seed=7, floor=1e-6)
    assert np.array_equal(real.fit, fit) and np.array_equal(real.ref, ref)
    # the real-to-real baseline is the fit half's mean distance to its nearest reference vector
    assert real.nn_base == pytest.approx(cdist(fit, ref).min(axis=1).mean(), rel=1e-9)


def test_coverage_on_a_gaussian_cloud_matches_theory(cloud):
    x, m = cloud
    sample = x[:5000]
    real = RealCloud.build(m, sample, seed=0, floor=1e-6)
    mvn = coverage_row("mvn", generate("mvn", 5000, real.fit, CFG, 1), real)
    assert mvn["inside_fraction"] == pytest.approx(0.99, abs=0.01)
    assert mvn["nn_ratio"] == pytest.approx(1.0, abs=0.1)
    assert mvn["radius_ks"] < 0.05
    far = coverage_row("uniform", generate("uniform", 2000, real.fit, {**CFG, "uniform_b": 4.0}, 1), real)
    assert far["inside_fraction"] < 0.5 and far["nn_ratio"] > 1.5
    inside = coverage_row("pca", generate("pca_ellipsoid", 2000, real.fit, CFG, 1), real)
    assert inside["inside_fraction"] == 1.0  # 2-sigma ellipsoid lies within the 99% Mahalanobis ball
    # a well-conditioned cloud is left alone: distances are the exact covariance's
    d = mahalanobis(real.ref[:50], m.mean, real.whiten)
    diff = real.ref[:50] - m.mean
    want = np.sqrt(np.einsum("ij,ij->i", diff @ np.linalg.inv(m.cov()), diff))
    np.testing.assert_allclose(d, want, rtol=1e-9)
    assert mvn["condition"] == pytest.approx(np.linalg.cond(m.cov()), rel=1e-6)
    explained(mvn, "coverage")


def explained(row: dict, table: str) -> None:
    """Every column of a row is one its table page explains (report/tables.py)."""
    from aelatent.report.tables import COLUMNS, TABLE_COLUMNS

    missing = set(row) - set(COLUMNS) - set(TABLE_COLUMNS.get(table, {}))
    assert not missing, f"{table}.tsv columns without a meaning on its page: {sorted(missing)}"


@pytest.fixture(scope="module")
def flat_cloud():
    """A nearly rank-deficient cloud: eigenvalues from 1 down to 1e-11, a random orientation."""
    rng = np.random.default_rng(1)
    d = 32
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    scale = np.sqrt(np.logspace(0, -11, d))
    x = (rng.standard_normal((60_000, d)) * scale) @ q.T + rng.uniform(-1, 1, d)
    return x, Moments(d).update(x)


def test_flat_cloud_coverage_is_well_posed(flat_cloud):
    x, m = flat_cloud
    real = RealCloud.build(m, x[:6000], seed=0, floor=1e-4)
    assert real.condition_raw >= 1e10 and real.condition == pytest.approx(1e4, rel=1e-6)
    rng = np.random.default_rng(5)
    mvn = generate("mvn", 4000, real.fit, CFG, 2)
    noisy = coverage_row("mvn+noise", mvn + 1e-3 * rng.standard_normal(mvn.shape), real)
    assert noisy["inside_fraction"] >= 0.9 and noisy["condition_raw"] >= 1e10
    b = np.sqrt(3) * x.std(axis=0).mean()  # each component as wide as the real ones on average
    uni = coverage_row("uniform", generate("uniform", 4000, real.fit, {**CFG, "uniform_b": b}, 2), real)
    assert uni["inside_fraction"] <= 0.05
    # with the raw covariance the same noise would push almost every vector outside
    evals, evecs = np.linalg.eigh(m.cov())
    y = (mvn + 1e-3 * rng.standard_normal(mvn.shape) - m.mean) @ evecs
    raw = np.linalg.norm(y / np.sqrt(np.maximum(evals, 1e-16 * evals[-1])), axis=1)
    assert (raw <= np.sqrt(chi2.ppf(0.99, 32))).mean() < 0.5


def test_origin_distance_and_percentile(cloud):
    x, m = cloud
    real = RealCloud.build(m, x[:5000], seed=0, floor=1e-6)
    info = origin_border(real)
    d0 = np.sqrt(m.mean @ np.linalg.solve(m.cov(), m.mean))
    assert info["origin_mahalanobis"] == pytest.approx(d0, rel=1e-6)
    assert info["origin_percentile"] == pytest.approx(100 * (real.d_real < d0).mean())
    lo, hi = np.percentile(x[:5000], [0.5, 99.5], axis=0)
    assert info["components_containing_0"] == pytest.approx(((lo <= 0) & (hi >= 0)).mean())


def test_radii_pick_the_b_of_a_uniform_cloud():
    real = np.random.default_rng(3).uniform(-1.25, 1.25, (3000, 64))
    rows, radii = uniform_radii_match(real, [0.5, 1.0, 1.25, 1.5, 2.0], 3000, 0)
    explained(rows[0], "radii")
    assert len(radii) == len(rows) and all(len(r) == 3000 for r in radii)
    assert [r["b"] for r in rows if r["best"]] == [1.25]
    coarse = {r["b"]: r for r in rows if not r["refined"]}
    assert list(coarse) == [0.5, 1.0, 1.25, 1.5, 2.0]
    assert coarse[1.25]["ks"] < 0.05 < min(coarse[1.0]["ks"], coarse[1.5]["ks"])
    # refined between the best's neighbours in steps of 0.05, what the sweep lacks
    assert [r["b"] for r in rows if r["refined"]] == pytest.approx(
        [1.05, 1.1, 1.15, 1.2, 1.3, 1.35, 1.4, 1.45]
    )


def test_a_coarse_sweep_is_refined_to_the_b_of_the_real_lengths():
    """Real vectors uniform in [-1.62, 1.62]: a sweep in steps of 1 finds b within 0.05 of 1.62,
    and the uniform generator is drawn at it when vectors.uniform_b is null."""
    from aelatent.io.tables import write_tsv
    from aelatent.vectors.generators import uniform_b

    real = np.random.default_rng(4).uniform(-1.62, 1.62, (4000, 128))
    rows, _ = uniform_radii_match(real, [1.0, 2.0, 3.0, 4.0], 4000, 0)
    best = next(r for r in rows if r["best"])
    assert best["b"] == pytest.approx(1.62, abs=0.05) and best["refined"] == 1
    bs = np.array([r["b"] for r in rows])
    assert np.diff(bs[(bs >= 1) & (bs <= 2)]).max() == pytest.approx(0.05)
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        write_tsv(rows, f"{d}/radii.tsv")
        assert uniform_b({"uniform_b": None}, f"{d}/radii.tsv") == best["b"]
        assert uniform_b({"uniform_b": 1.5}, f"{d}/radii.tsv") == 1.5
    with pytest.raises(ValueError, match="uniform_b is null"):
        uniform_b({"uniform_b": None}, None)
