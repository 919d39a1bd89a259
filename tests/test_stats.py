import numpy as np
import pytest
import zarr

from aelatent.io.latents import create_latent_store
from aelatent.stats.components import component_table, half_width, histograms
from aelatent.stats.correlations import correlated_pairs, count_pairs, threshold_counts
from aelatent.stats.moments import Moments
from aelatent.stats.special import special_point_steps


def test_article_threshold_counting_on_a_hand_built_matrix():
    c = np.eye(4)
    for (i, j), v in {(0, 1): 0.55, (0, 2): -0.35, (1, 3): 0.15, (2, 3): -0.65}.items():
        c[i, j] = c[j, i] = v
    thresholds = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    # the article's own expression
    article = [int(((np.abs(c) > t).sum() - len(c)) / 2) for t in thresholds]
    assert count_pairs(c, thresholds) == article == [4, 3, 3, 2, 2, 1]
    pairs = correlated_pairs(c, 0.5)
    assert [(p["i"], p["j"]) for p in pairs] == [(2, 3), (0, 1)]
    assert pairs[0]["corr"] == pytest.approx(-0.65)


def test_threshold_counts_with_bootstrap_interval():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((4000, 1))
    x = np.hstack(
        [base + 0.5 * rng.standard_normal((4000, 1)) for _ in range(3)] + [rng.standard_normal((4000, 3))]
    )
    exact = np.corrcoef(x, rowvar=False)
    rows = threshold_counts(exact, x[:800], [0.1, 0.5, 0.9], repetitions=30, seed=0)
    assert [r["n_all"] for r in rows] == count_pairs(exact, [0.1, 0.5, 0.9]) == [3, 3, 0]
    for r in rows:
        assert r["sample_low"] <= r["sample_high"]


def test_half_width_of_a_gaussian_histogram():
    rng = np.random.default_rng(0)
    x = rng.normal(1.5, 2.0, 400_000)
    edges = np.arange(-10, 13, 0.125)
    counts, _ = np.histogram(x, edges)
    mode, hw = half_width(edges, counts)
    assert mode == pytest.approx(1.5, abs=0.2)
    assert hw == pytest.approx(2.0 * np.sqrt(2 * np.log(2)), rel=0.03)


def test_streamed_histograms_and_dominant_flag(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3000, 5)).astype(np.float32) * [0.3, 0.3, 3.0, 0.3, 0.3] + [0, 0, 0, 0, 4.0]
    z = create_latent_store(tmp_path / "z.zarr", 3000, 5, 700, {})
    z[:] = x
    m = Moments(5).update(x)
    edges, counts = histograms(str(tmp_path / "z.zarr"), m, 0.125)
    assert counts.sum(axis=1).tolist() == [3000] * 5
    for i in range(5):
        ref, _ = np.histogram(x[:, i], edges)
        assert np.abs(ref - counts[i]).sum() <= 2  # float rounding at bin edges
    rows = component_table(m, edges, counts, n_dominant=2)
    assert {r["index"] for r in rows if r["dominant"]} == {2, 4}
    assert rows[4]["mean"] == pytest.approx(4.0, abs=0.05)
    assert isinstance(zarr.open_array(str(tmp_path / "z.zarr")), zarr.Array)


def test_special_point_steps_follow_the_article():
    x = np.zeros((4, 6))
    x[1, 0] = 5  # fails step 1 (k < 2)
    x[2, 3] = -5  # fails step 2 (2 < k < 4)
    x[3, 2] = 9  # component 2 is exempt: stays
    x[3, 4] = 9  # component 4 is exempt: stays
    s1, s2, s3 = special_point_steps(x, 4, 2, 2.0)
    assert s1.tolist() == [True, False, True, True]
    assert s2.tolist() == [True, False, False, True]
    assert s3.tolist() == [True, False, False, True]
