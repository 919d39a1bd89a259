import numpy as np
import pytest
from conftest import model_schema, with_defaults
from scipy.stats import gaussian_kde

from aelatent.checks import validate_config
from aelatent.errors import InputError
from aelatent.io.latents import create_latent_store
from aelatent.stats.components import (
    FWHM_PER_SD,
    component_table,
    dominant_indices,
    fine_grid,
    fwhm,
    fwhm_bins,
    fwhm_fine,
    histograms,
)
from aelatent.stats.correlations import (
    correlated_pairs,
    count_pairs,
    draw_subsets,
    subset_moments,
    subset_spread,
    threshold_counts,
)
from aelatent.stats.moments import Moments
from aelatent.stats.special import slice_limits, slice_masks, slice_steps, special_points_table


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


def numpy_counts(corr, thresholds) -> list[int]:
    """Pairs i < j with |r| > t, straight from numpy (the expectation for ``count_pairs``)."""
    upper = np.abs(corr[np.triu_indices(len(corr), k=1)])
    return [int((upper > t).sum()) for t in thresholds]


def chunks(x, rows):
    return [(a, x[a : a + rows]) for a in range(0, len(x), rows)]


def factor_data(n, d, seed):
    """Rows with known correlations: three shared factors with random loadings plus unit noise."""
    rng = np.random.default_rng(seed)
    load = rng.uniform(-0.4, 0.4, (d, 3))
    return rng.standard_normal((n, 3)) @ load.T + rng.standard_normal((n, d)) + rng.uniform(-3, 3, d)


def test_subsets_are_drawn_without_replacement_and_streamed_exactly():
    x = factor_data(1000, 6, 0)
    idx = draw_subsets(1000, 150, 5, seed=3)
    assert idx.shape == (5, 150)
    assert all(len(np.unique(r)) == 150 and (np.diff(r) > 0).all() for r in idx)
    assert not np.array_equal(idx[0], idx[1])
    assert np.array_equal(idx, draw_subsets(1000, 150, 5, seed=3))
    parts = subset_moments(chunks(x, 137), idx, 6, workers=2)  # chunks cut across the subsets
    for r, m in zip(idx, parts, strict=True):
        assert m.n == 150
        np.testing.assert_allclose(m.mean, x[r].mean(axis=0), rtol=0, atol=1e-12)
        np.testing.assert_allclose(m.cov(), np.cov(x[r], rowvar=False), rtol=0, atol=1e-12)


def test_a_non_finite_row_drawn_into_a_subset_is_named_by_its_row_number():
    x = factor_data(1000, 6, 0)
    idx = np.array([[3, 250, 415, 420, 900]])
    x[420, 2] = np.nan
    with pytest.raises(ValueError, match=r"non-finite value in row 420$"):
        subset_moments(chunks(x, 137), idx, 6)  # the 2nd of the subset's rows in chunk 411-547


def test_fresh_subset_band_covers_an_independent_subset_95_percent_of_the_time():
    n, d, m, subsets, trials = 6000, 24, 300, 100, 200
    x = factor_data(n, d, 0)
    exact = np.corrcoef(x, rowvar=False)
    thresholds = [0.1, 0.2]
    hits = np.zeros(len(thresholds))
    for trial in range(trials):
        idx = draw_subsets(n, m, subsets, seed=trial)
        counts, _ = subset_spread(subset_moments(chunks(x, 2000), idx, d), [], thresholds, 0.5)
        rows = threshold_counts(exact, x[:m], counts, thresholds)
        other = np.random.default_rng([99, trial]).choice(n, m, replace=False)
        fresh = numpy_counts(np.corrcoef(x[other], rowvar=False), thresholds)
        hits += [r["subset_low"] <= c <= r["subset_high"] for r, c in zip(rows, fresh, strict=True)]
    assert rows[0]["subset_high"] - rows[0]["subset_low"] >= 10  # counts spread: not a trivial band
    assert ((hits / trials >= 0.90) & (hits / trials <= 0.99)).all(), hits / trials


def test_threshold_counts_columns_follow_numpy():
    x = factor_data(3000, 8, 1)
    exact = np.corrcoef(x, rowvar=False)
    counts = np.array([[5, 1], [7, 2], [6, 1], [9, 3]])
    rows = threshold_counts(exact, x[:400], counts, [0.1, 0.3])
    assert [r["n_all"] for r in rows] == numpy_counts(exact, [0.1, 0.3])
    assert [r["n_sample"] for r in rows] == numpy_counts(np.corrcoef(x[:400], rowvar=False), [0.1, 0.3])
    assert [r["subset_median"] for r in rows] == [6.5, 1.5]
    assert [r["subset_low"] for r in rows] == pytest.approx(np.percentile(counts, 2.5, axis=0).tolist())
    assert [r["subset_high"] for r in rows] == pytest.approx(np.percentile(counts, 97.5, axis=0).tolist())


def test_pairs_carry_the_fraction_of_subsets_they_appear_in():
    rng = np.random.default_rng(2)
    base = rng.standard_normal((4000, 2))
    x = np.hstack(
        [base[:, :1], base[:, :1] + 0.3 * rng.standard_normal((4000, 1))]  # corr ~0.96: always
        + [base[:, 1:], base[:, 1:] + 1.85 * rng.standard_normal((4000, 1))]  # corr ~0.48: sometimes
        + [rng.standard_normal((4000, 2))]
    )
    exact = np.corrcoef(x, rowvar=False)
    pairs = correlated_pairs(exact, 0.45)
    idx = draw_subsets(4000, 200, 60, seed=0)
    counts, with_frac = subset_spread(subset_moments(chunks(x, 900), idx, 6), pairs, [0.45], 0.45)
    sub = [np.corrcoef(x[r], rowvar=False) for r in idx]
    for p in with_frac:
        want = np.mean([abs(c[p["i"], p["j"]]) > 0.45 for c in sub])
        assert p["subset_fraction"] == pytest.approx(want)
    fracs = {(p["i"], p["j"]): p["subset_fraction"] for p in with_frac}
    assert fracs[0, 1] == 1.0 and 0.1 < fracs[2, 3] < 0.9
    assert counts[:, 0].tolist() == [numpy_counts(c, [0.45])[0] for c in sub]


def test_fwhm_on_the_articles_grid():
    x = np.random.default_rng(0).normal(1.5, 2.0, 400_000)
    edges = np.arange(-10, 13, 0.125)
    counts, _ = np.histogram(x, edges)
    mode, hw = fwhm(0.5 * (edges[:-1] + edges[1:]), counts)
    assert mode == pytest.approx(1.5, abs=0.2)
    assert hw == pytest.approx(FWHM_PER_SD * 2.0, rel=0.03)
    # the article's hw: whole bins at or above half the highest one, a multiple of the bin
    whole = fwhm_bins(counts, 0.125)
    assert whole / 0.125 == pytest.approx(round(whole / 0.125)) and abs(whole - hw) <= 0.25
    assert fwhm_bins([0, 1, 3, 4, 2, 0, 4, 0], 0.5) == 1.5  # 3, 4 (the first peak) and 2: not the far 4


def kde_fwhm(x: np.ndarray) -> float:
    """An independent width: the FWHM of scipy's Gaussian KDE (Scott's bandwidth) on a grid of
    1,500 points, whose spacing stays under 1% of every width measured here (the bound is 20%)."""
    grid = np.linspace(x.min() - x.std(), x.max() + x.std(), 1500)
    density = gaussian_kde(x)(grid)
    above = grid[density >= density.max() / 2]
    return float(above[-1] - above[0])


def hw_fine_of(x: np.ndarray) -> float:
    m = Moments(1).update(x[:, None])
    lo, width, bins = fine_grid(m)
    counts, _ = np.histogram(x, lo[0] + width[0] * np.arange(bins + 1))
    return fwhm_fine(counts, lo[0], width[0])[1]


@pytest.mark.parametrize("n", [600, 12_000])  # the tiny run's vectors and the default run's
def test_hw_fine_is_a_kde_fwhm_at_few_vectors_as_at_many(n):
    rng = np.random.default_rng(n)
    shapes = {
        "normal": lambda: rng.normal(0.4, 0.7, n),
        "flat-topped": lambda: np.concatenate([rng.normal(-1, 1, n // 2), rng.normal(1, 1, n - n // 2)]),
        "heavy-tailed": lambda: rng.standard_t(6, n),
        "uniform": lambda: rng.uniform(-1, 1, n),
    }
    for name, draw in shapes.items():
        ratios = np.array([hw_fine_of(x) / kde_fwhm(x) for x in (draw() for _ in range(8))])
        assert np.median(ratios) == pytest.approx(1.0, abs=0.2), (name, ratios)
        assert ((ratios > 0.7) & (ratios < 1.3)).all(), (name, ratios)
    # and against the truth for a Gaussian: the KDE's own broadening is taken out
    widths = [hw_fine_of(rng.normal(0, 2.0, n)) for _ in range(8)]
    assert np.median(widths) == pytest.approx(FWHM_PER_SD * 2.0, rel=0.1)


SIGMAS = [0.02, 0.05, 0.2, 1.0, 3.0, 0.5, 0.02]
MEANS = [0.0, -0.3, 0.5, 0.0, 0.0, 0.0, 1.1]


@pytest.fixture(scope="module")
def gaussian_store(tmp_path_factory):
    """Gaussian components of very different widths in a chunked latent store."""
    n = 200_000
    x = (np.random.default_rng(0).standard_normal((n, len(SIGMAS))) * SIGMAS + MEANS).astype(np.float32)
    path = tmp_path_factory.mktemp("z") / "z.zarr"
    create_latent_store(path, n, len(SIGMAS), 30_000, {})[:] = x
    return str(path), x, Moments(len(SIGMAS)).update(x)


def test_hw_fine_is_the_fwhm_whatever_the_width(gaussian_store):
    path, _, m = gaussian_store
    rows = component_table(m, histograms(path, m, 0.125), n_dominant=3)
    for r, s in zip(rows, SIGMAS, strict=True):
        assert r["hw_fine"] == pytest.approx(FWHM_PER_SD * s, rel=0.03), r
    # the article's fixed grid cannot resolve a narrow component: hw is at least one bin
    assert rows[0]["hw"] >= 0.125 > 2 * FWHM_PER_SD * SIGMAS[0]
    for r, s, mu in zip(rows, SIGMAS, MEANS, strict=True):
        assert abs(r["peak"] - mu) < 0.2 * s, r  # the top of a Gaussian is flat: its peak is noisy
    # dominant = the 3 largest |mean| + hw_fine: 4 (7.06), 3 (2.35), then 5 (1.18) before
    # 6 (1.1 + 0.047), whose binned width (a whole 0.125 bin) more than doubles its true width
    assert rows[6]["hw"] > 2 * rows[6]["hw_fine"]
    assert [r["index"] for r in rows if r["dominant"]] == [3, 4, 5]
    score = np.abs([r["mean"] for r in rows]) + [r["hw_fine"] for r in rows]
    assert dominant_indices([r["mean"] for r in rows], [r["hw_fine"] for r in rows], 3) == sorted(
        np.argsort(-score)[:3].tolist()
    )


def test_streamed_histograms_equal_numpy(gaussian_store):
    path, x, m = gaussian_store
    h = histograms(path, m, 0.125)
    assert h["counts"].sum(axis=1).tolist() == [len(x)] * len(SIGMAS)
    for i in range(len(SIGMAS)):
        ref, _ = np.histogram(x[:, i], h["edges"])
        assert np.abs(ref - h["counts"][i]).sum() <= 4  # float rounding at bin edges
        fine_edges = h["fine_lo"][i] + h["fine_width"][i] * np.arange(h["fine_counts"].shape[1] + 1)
        ref, _ = np.histogram(x[:, i], fine_edges)
        assert np.abs(ref - h["fine_counts"][i]).sum() <= 4


def test_special_slice_steps_follow_the_article_without_empty_ranges():
    x = np.zeros((4, 6))
    x[1, 0] = 5  # fails step 1 (k < 2)
    x[2, 3] = -5  # fails step 2 (2 < k < 4)
    x[3, 2] = 9  # component 2 is exempt: stays
    x[3, 4] = 9  # component 4 is exempt: stays
    steps = slice_steps(6, 4, 2)
    assert [c.tolist() for _, c in steps] == [[0, 1], [3], [5]]
    s1, s2, s3 = slice_masks(x, steps, np.full(6, 2.0))
    assert s1.tolist() == [True, False, True, True]
    assert s2.tolist() == [True, False, False, True]
    assert s3.tolist() == [True, False, False, True]
    # pairs at the ends or side by side leave out the ranges that are empty by construction
    assert [c.tolist() for _, c in slice_steps(6, 0, 5)] == [[1, 2, 3, 4]]
    assert [c.tolist() for _, c in slice_steps(6, 2, 3)] == [[0, 1], [4, 5]]


def test_special_points_count_like_numpy_and_flag_empty_steps(tmp_path, caplog):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((2000, 8)) * [0.5, 1, 2, 3, 0.5, 1, 2, 3]).astype(np.float32)
    create_latent_store(tmp_path / "z.zarr", 2000, 8, 300, {})[:] = x
    m = Moments(8).update(x)
    limits, unit = slice_limits(m, 2.0, 2.5)
    assert np.allclose(limits, 2.5 * m.std()) and unit == "2.5 std_k"
    rows = special_points_table(str(tmp_path / "z.zarr"), x[:500], 6, 2, limits, unit)
    small = np.abs(x) < limits
    want = [small[:, :2].all(1), small[:, [0, 1, 3, 4, 5]].all(1), small[:, [0, 1, 3, 4, 5, 7]].all(1)]
    assert [r["n_all"] for r in rows] == [int(w.sum()) for w in want]
    assert [r["n_sample"] for r in rows] == [int(w[:500].sum()) for w in want]
    assert [r["components"] for r in rows] == [2, 3, 1] and rows[-1]["n_all"] > 0
    # the article's absolute 2.0 empties the slice of these wide components: flagged and logged
    limits, unit = slice_limits(m, 0.2, None)
    rows = special_points_table(str(tmp_path / "z.zarr"), x[:500], 6, 2, limits, unit)
    assert rows[0]["condition"] == "|z_k| < 0.2 for k < 2"
    assert [r["empty"] for r in rows] == [int(r["n_all"] == 0) for r in rows] and rows[-1]["empty"] == 1
    assert "leaves no vectors" in caplog.text


def test_special_pair_is_checked_at_start_up():
    cfg = with_defaults({"model": {"latent_dim": 16}, "stats": {"special_pair": [3, 15], "n_dominant": 5}})
    validate_config(cfg, model_schema())
    validate_config(with_defaults({}), model_schema())
    for bad in ([3, 3], [0, 16], [20, 1]):
        cfg["stats"]["special_pair"] = bad
        with pytest.raises(InputError, match=r"stats\.special_pair.*latent_dim=16 of model ae"):
            validate_config(cfg, model_schema())
