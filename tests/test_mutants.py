"""Tests that kill the bugs a developer would plausibly write (measured by ``make mutate``).

Every expectation is computed independently of the library: by hand, or with plain numpy/scipy
on the same data; never with the helper under test.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import encoded_store, numpy_rng
from scipy import stats as sps
from test_vectors_coverage import explained

from aelatent.io.latents import create_latent_store
from aelatent.report import findings as fi
from aelatent.report.load import RunSummary
from aelatent.stats.components import component_table, dominant_indices, histograms
from aelatent.stats.correlations import (
    correlated_pairs,
    count_pairs,
    draw_subsets,
    subset_spread,
    threshold_counts,
)
from aelatent.stats.moments import Moments
from aelatent.vectors.generators import generate

# --- correlated pairs -----------------------------------------------------------------------------


def exact_corr() -> np.ndarray:
    """Correlations exactly at the thresholds 0.25 and 0.5 (binary fractions: no rounding), one
    component without variance (NaN row, as np.corrcoef gives)."""
    c = np.eye(5)
    for (i, j), v in {(0, 1): 0.5, (0, 2): -0.5, (1, 2): 0.25, (2, 3): -0.75, (1, 3): 0.125}.items():
        c[i, j] = c[j, i] = v
    c[4, :] = c[:, 4] = np.nan
    return c


def test_a_correlation_exactly_at_a_threshold_is_not_above_it():
    c = exact_corr()
    # by hand: |r| strictly above 0.125, 0.25, 0.5, 0.75 (NaN never counts)
    assert count_pairs(c, [0.0, 0.125, 0.25, 0.5, 0.75]) == [5, 4, 3, 1, 0]
    assert [(p["i"], p["j"], p["corr"]) for p in correlated_pairs(c, 0.25)] == [
        (2, 3, -0.75),
        (0, 1, 0.5),
        (0, 2, -0.5),
    ]
    assert correlated_pairs(c, 0.75) == []


def moments_with_corr(c: np.ndarray, n: int = 10) -> Moments:
    """An accumulator whose correlation is ``c`` exactly: unit scatter on the diagonal."""
    m = Moments(len(c))
    m.n, m.m2 = n, np.nan_to_num(c, nan=0.0)
    return m


def test_subset_counts_and_fractions_use_strictly_above_the_threshold():
    c = exact_corr()[:4, :4]
    weaker = c.copy()
    weaker[0, 1] = weaker[1, 0] = 0.4
    parts = [moments_with_corr(c), moments_with_corr(weaker), moments_with_corr(np.eye(4))]
    pairs = [{"i": 0, "j": 1, "corr": 0.5}, {"i": 2, "j": 3, "corr": -0.75}]
    counts, with_frac = subset_spread(parts, pairs, [0.25, 0.4, 0.5], 0.4)
    # by hand: subset 0 has |r| 0.5, 0.5, 0.25, 0.75, 0.125; subset 1 the same with 0.4 for (0, 1)
    assert counts.tolist() == [[3, 3, 1], [3, 2, 1], [0, 0, 0]]
    assert [p["subset_fraction"] for p in with_frac] == pytest.approx([1 / 3, 2 / 3])
    assert [(p["i"], p["j"], p["corr"]) for p in with_frac] == [(0, 1, 0.5), (2, 3, -0.75)]
    # one subset; no pairs; a component without variance in the subset (NaN: never above)
    counts, with_frac = subset_spread([moments_with_corr(exact_corr())], [], [0.0, 0.25], 0.4)
    assert counts.tolist() == [[5, 3]] and with_frac == []


def test_threshold_counts_are_the_percentiles_of_the_subset_counts_by_hand():
    c = exact_corr()
    counts = np.array([[4, 0], [2, 0], [3, 1], [1, 0], [0, 2]])
    sample = np.random.default_rng(0).standard_normal((50, 3))
    rows = threshold_counts(c, sample, counts, [0.25, 0.5])
    assert [(r["threshold"], r["n_all"]) for r in rows] == [(0.25, 3), (0.5, 1)]
    # numpy's default (linear) percentile of [0, 1, 2, 3, 4]: 2.5% -> 0.1, 97.5% -> 3.9
    got = [r[k] for r in rows for k in ("subset_low", "subset_median", "subset_high")]
    assert got == pytest.approx([0.1, 2.0, 3.9, 0.0, 0.0, 1.9])
    r = np.corrcoef(sample, rowvar=False)[np.triu_indices(3, 1)]
    assert [x["n_sample"] for x in rows] == [int((abs(r) > 0.25).sum()), int((abs(r) > 0.5).sum())]


def test_every_row_can_be_drawn_into_a_fresh_subset():
    n, m, count = 12, 4, 600
    idx = draw_subsets(n, m, count, seed=5)
    assert idx.shape == (count, m)
    assert all(len(set(r)) == m and list(r) == sorted(r) for r in idx.tolist())
    # every row, the first and the last included, with its share m / n of the draws
    freq = np.bincount(idx.ravel(), minlength=n) / count
    assert len(freq) == n and freq.min() > 0
    assert np.abs(freq - m / n).max() < 4 * np.sqrt((m / n) * (1 - m / n) / count)
    # each subset is its own draw: about 495 (1 - exp(-600 / 495)) = 348 different ones of C(12, 4)
    assert len({tuple(r) for r in idx.tolist()}) > 300  # expected 348
    assert not np.array_equal(draw_subsets(n, m, 3, seed=5), draw_subsets(n, m, 3, seed=6))
    # fewer rows than asked for: every subset is all rows
    assert draw_subsets(5, 8, 3, seed=0).tolist() == [list(range(5))] * 3


# --- components -----------------------------------------------------------------------------------


def test_dominant_components_are_ranked_by_the_absolute_mean_on_both_signs():
    mean = [-5.0, 0.1, 3.0, 0.2, -0.3]
    hw = [0.1, 1.0, 0.1, 0.5, 0.0]
    # by hand: |mean| + hw = 5.1, 1.1, 3.1, 0.7, 0.3
    assert dominant_indices(mean, hw, 2) == [0, 2]
    assert dominant_indices(mean, hw, 3) == [0, 1, 2]
    assert dominant_indices([-1.0, -1.0, -1.0, 2.0], [0.0, 0.0, 0.0, 0.0], 2) == [0, 3]  # ties by index


def test_the_fine_histogram_keeps_its_first_and_last_bins_and_nothing_beyond(tmp_path):
    """A heavy-tailed component with values 7.98 sd below and above its mean (inside the first and
    last fine bins, 1/20 sd wide) and 8.02 sd out (just outside): counted as np.histogram counts
    them on the grid mean +- 8 sd of numpy's own mean and std."""
    rng = np.random.default_rng(0)
    base = np.clip(rng.standard_t(4, 3000), -6, 6)
    base = (base - base.mean()) / base.std(ddof=1)  # mean 0, sum of squares n - 1
    # four tails at +-a, +-b keep the mean; the std s they give solves
    # s^2 = (n - 1 + 2 s^2 (7.98^2 + 8.02^2)) / (n + 3)
    s = np.sqrt(2999 / (3003 - 2 * (7.98**2 + 8.02**2)))
    col0 = np.concatenate([base, s * np.array([-7.98, 7.98, -8.02, 8.02])])
    x = np.stack([col0, rng.normal(2.0, 0.5, len(col0))], axis=1).astype(np.float32)
    path = tmp_path / "z.zarr"
    create_latent_store(path, len(x), 2, 700, {})[:] = x
    xd = x.astype(np.float64)
    m = Moments(2).update(x)
    h = histograms(str(path), m, 0.125)
    mean, sd = xd.mean(axis=0), xd.std(axis=0, ddof=1)
    assert h["fine_counts"].shape == (2, 320)
    for i in range(2):
        edges = mean[i] - 8 * sd[i] + sd[i] / 20 * np.arange(321)
        want, _ = np.histogram(xd[:, i], edges)
        assert h["fine_counts"][i].tolist() == want.tolist(), i
    zs = (xd[:, 0] - mean[0]) / sd[0]
    assert np.sort(zs)[[0, 1, -2, -1]] == pytest.approx([-8.02, -7.98, 7.98, 8.02], abs=0.003)
    assert h["fine_counts"][0, 0] == 1 and h["fine_counts"][0, -1] == 1
    assert h["fine_counts"][0].sum() == len(x) - 2  # the two beyond 8 sd are left out
    # the article's common grid: every value, on whole bins of 0.125 from below the minimum
    lo, hi = np.floor(xd.min() / 0.125) * 0.125, np.ceil(xd.max() / 0.125) * 0.125 + 0.125
    assert h["edges"][0] == lo and h["edges"][-1] == pytest.approx(hi)
    assert np.allclose(np.diff(h["edges"]), 0.125)
    assert h["counts"].dtype == h["fine_counts"].dtype == np.int64
    for i in range(2):
        want, _ = np.histogram(xd[:, i], h["edges"])
        assert h["counts"][i].tolist() == want.tolist(), i


def test_component_table_of_a_constant_component_and_a_negative_dominant_one(tmp_path):
    rng = np.random.default_rng(1)
    x = np.stack(
        [rng.normal(-4.0, 0.3, 5000), np.full(5000, 0.5), rng.normal(0.2, 1.0, 5000)], axis=1
    ).astype(np.float32)
    path = tmp_path / "z.zarr"
    create_latent_store(path, len(x), 3, 1000, {})[:] = x
    m = Moments(3).update(x)
    rows = component_table(m, histograms(str(path), m, 0.125), n_dominant=1)
    xd = x.astype(np.float64)
    assert [r["index"] for r in rows] == [0, 1, 2]
    assert [r["mean"] for r in rows] == pytest.approx(xd.mean(axis=0))
    assert [r["std"] for r in rows] == pytest.approx(xd.std(axis=0, ddof=1), abs=1e-9)
    assert [r["min"] for r in rows] == pytest.approx(xd.min(axis=0))
    assert [r["max"] for r in rows] == pytest.approx(xd.max(axis=0))
    # the constant one: its peak is its value, no width; the far negative one is dominant
    assert (rows[1]["peak"], rows[1]["hw_fine"]) == (pytest.approx(0.5), 0.0)
    assert [r["dominant"] for r in rows] == [1, 0, 0]
    assert rows[0]["hw_fine"] == pytest.approx(2.3548 * 0.3, rel=0.1)
    assert rows[2]["hw_fine"] == pytest.approx(2.3548 * 1.0, rel=0.1)
    assert rows[0]["peak"] == pytest.approx(-4.0, abs=0.1) and rows[2]["peak"] == pytest.approx(0.2, abs=0.35)


# --- statistical vectors --------------------------------------------------------------------------

CFG = {"uniform_b": 1.5, "gmm_components": 2, "pca_sigma": 2.0}


@pytest.fixture(scope="module")
def fit():
    """Correlated real rows with component spreads far from 1 (so a variance is not a std)."""
    rng = np.random.default_rng(0)
    d = 6
    a = rng.standard_normal((d, d)) * [0.2, 0.5, 1.0, 2.0, 3.0, 0.1]
    return rng.standard_normal((4000, d)) @ a.T + rng.uniform(-3, 3, d)


def test_normal_vectors_have_each_components_mean_and_std_and_no_correlation(fit):
    v = generate("normal", 200_000, fit, CFG, 0)
    mean, sd = fit.mean(axis=0), fit.std(axis=0, ddof=1)
    assert np.abs(v.mean(axis=0) - mean).max() < 5 * sd.max() / np.sqrt(len(v))
    np.testing.assert_allclose(v.std(axis=0), sd, rtol=0.01)
    off = np.corrcoef(v, rowvar=False)[np.triu_indices(6, 1)]
    assert np.abs(np.corrcoef(fit, rowvar=False)[np.triu_indices(6, 1)]).max() > 0.5
    assert np.abs(off).max() < 0.02  # independent, whatever the real correlations
    for k in range(6):  # each component Gaussian
        assert sps.kstest(v[:20_000, k], "norm", args=(mean[k], sd[k])).statistic < 0.015


def test_uniform_and_standard_normal_vectors_follow_their_laws(fit):
    u = generate("uniform", 100_000, fit, {**CFG, "uniform_b": 2.5}, 0)
    assert sps.kstest(u.ravel()[:50_000], "uniform", args=(-2.5, 5.0)).statistic < 0.01
    s = generate("standard_normal", 100_000, fit, CFG, 0)
    assert s.shape == (100_000, 6) and sps.kstest(s.ravel()[:50_000], "norm").statistic < 0.01
    assert np.abs(np.corrcoef(s, rowvar=False)[np.triu_indices(6, 1)]).max() < 0.02


@pytest.mark.parametrize("sigma", [2.0, None])
def test_pca_ellipsoid_is_uniform_inside_the_scaled_covariance_ellipsoid(fit, sigma):
    """Uniform in a d-ball mapped onto the ellipsoid: the whitened radius r has P(r <= t) = t^d up
    to sigma (sqrt(d) when pca_sigma is null), and the covariance is sigma^2 cov / (d + 2)."""
    d = fit.shape[1]
    v = generate("pca_ellipsoid", 100_000, fit, {**CFG, "pca_sigma": sigma}, 0)
    s = sigma or np.sqrt(d)
    cov = np.cov(fit, rowvar=False)
    evals, evecs = np.linalg.eigh(cov)
    y = (v - fit.mean(axis=0)) @ evecs / (s * np.sqrt(evals))
    r = np.linalg.norm(y, axis=1)
    assert r.max() <= 1 + 1e-9 and r.max() > 0.999
    assert sps.kstest(r**d, "uniform").statistic < 0.01
    assert np.abs(y.mean(axis=0)).max() < 0.01
    np.testing.assert_allclose(np.cov(v, rowvar=False), s**2 * cov / (d + 2), atol=0.02 * np.abs(cov).max())


def test_gmm_and_mvn_vectors_have_the_real_mean_and_covariance(fit):
    for name in ("gmm", "mvn"):
        v = generate(name, 100_000, fit, CFG, 0)
        cov = np.cov(fit, rowvar=False)
        assert np.abs(v.mean(axis=0) - fit.mean(axis=0)).max() < 0.05, name
        assert np.abs(np.cov(v, rowvar=False) - cov).max() < 0.05 * np.abs(cov).max(), name


def test_an_unknown_generator_is_refused_with_the_names():
    with pytest.raises(ValueError, match="unknown generator 'nope'; choose from uniform, normal"):
        generate("nope", 3, np.zeros((4, 2)), CFG, 0)


# --- the coverage verdict -------------------------------------------------------------------------


def coverage_run(rows: list[dict]) -> RunSummary:
    return RunSummary(n=1000, dim=16, m=300, pair_threshold=0.5, coverage=rows)


@pytest.mark.parametrize(
    ("uniform_in", "normal_in", "verdict"),
    [(0.1, 0.7, "differs"), (0.7, 0.1, "differs"), (0.1, 0.4, "agrees"), (0.5, 0.0, "differs")],
)
def test_coverage_needs_every_independent_generator_outside(uniform_in, normal_in, verdict):
    rows = [
        {"generator": "uniform", "inside_fraction": uniform_in, "nn_ratio": 3.0},
        {"generator": "normal", "inside_fraction": normal_in, "nn_ratio": 2.9},
        {"generator": "mvn", "inside_fraction": 1.0, "nn_ratio": 1.1},
    ]
    assert fi.coverage(coverage_run(rows)).verdict == verdict


def test_coverage_is_partly_when_independent_vectors_are_as_near_as_correlated_ones():
    rows = [
        {"generator": "uniform", "inside_fraction": 0.0, "nn_ratio": 1.25},
        {"generator": "normal", "inside_fraction": 0.1, "nn_ratio": 2.0},
        {"generator": "mvn", "inside_fraction": 1.0, "nn_ratio": 1.1},
        {"generator": "gmm", "inside_fraction": 1.0, "nn_ratio": 1.0},
    ]
    # the nearest independent one (1.25) within 1.25 x the nearest correlated one (1.0)
    f = fi.coverage(coverage_run(rows))
    assert f.verdict == "partly" and "the gap is in the Mahalanobis test" in f.run
    rows[0]["nn_ratio"] = 1.26
    assert fi.coverage(coverage_run(rows)).verdict == "agrees"
    assert fi.coverage(coverage_run(rows[2:])) is None


# --- the rules' file wrappers, end to end on a small store ------------------------------------------


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """A latent store of 900 correlated rows, its moments and a seeded M-sample of 300 of them."""
    from aelatent.io.sample import save_sample

    d = tmp_path_factory.mktemp("run")
    rng = np.random.default_rng(7)
    f = rng.standard_normal((900, 2))
    x = np.hstack(
        [
            f[:, :1],
            f[:, :1] + 0.5 * rng.standard_normal((900, 1)),
            f[:, 1:] * 2,
            f[:, 1:] + 1.5 * rng.standard_normal((900, 1)),
            rng.standard_normal((900, 1)),
        ]
    )
    x = (x * [1.0, 0.5, 2.0, 0.2, 1.0] + [-3.0, 0.5, 2.0, 0.0, 1.0]).astype(np.float32)
    create_latent_store(d / "z.zarr", 900, 5, 128, {})[:] = x
    Moments(5).update(x).save(d / "moments.npz")
    idx = np.sort(rng.choice(900, 300, replace=False))
    save_sample(str(d / "sample.npz"), idx, x[idx])
    return d, x.astype(np.float64), idx


def upper(c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    i, j = np.triu_indices(len(c), k=1)
    return i, j, c[i, j]


def test_write_correlations_equals_numpy_over_the_same_seeded_subsets(small_run, caplog):
    from aelatent.io.tables import read_tsv
    from aelatent.stats.correlations import write_correlations

    caplog.set_level("INFO")
    d, x, idx = small_run
    thresholds, t_pair = [0.05, 0.3, 0.7], 0.3
    write_correlations(
        str(d / "z.zarr"),
        str(d / "moments.npz"),
        str(d / "sample.npz"),
        str(d / "counts.tsv"),
        str(d / "pairs.tsv"),
        str(d / "corr.npy"),
        thresholds=thresholds,
        pair_threshold=t_pair,
        subsets=40,
        seed=3,
        threads=2,
    )
    corr = np.corrcoef(x, rowvar=False)
    np.testing.assert_allclose(np.load(d / "corr.npy"), corr, atol=1e-9)
    rng = numpy_rng(3, "subsets")
    subs = [np.corrcoef(x[np.sort(rng.choice(900, 300, replace=False))], rowvar=False) for _ in range(40)]
    per = np.array([[(np.abs(upper(c)[2]) > t).sum() for t in thresholds] for c in subs])
    low, med, high = np.percentile(per, [2.5, 50, 97.5], axis=0)
    rows = read_tsv(d / "counts.tsv")
    _, _, c_all = upper(corr)
    _, _, c_sample = upper(np.corrcoef(x[idx], rowvar=False))
    assert [r["threshold"] for r in rows] == thresholds
    assert [r["n_all"] for r in rows] == [int((np.abs(c_all) > t).sum()) for t in thresholds]
    assert [r["n_sample"] for r in rows] == [int((np.abs(c_sample) > t).sum()) for t in thresholds]
    assert [r["subset_low"] for r in rows] == pytest.approx(low, rel=1e-5)
    assert [r["subset_median"] for r in rows] == pytest.approx(med, rel=1e-5)
    assert [r["subset_high"] for r in rows] == pytest.approx(high, rel=1e-5)
    i, j, c = upper(corr)
    keep = np.abs(c) > t_pair
    order = np.argsort(-np.abs(c[keep]))
    pairs = read_tsv(d / "pairs.tsv")
    assert [(p["i"], p["j"]) for p in pairs] == list(zip(i[keep][order], j[keep][order], strict=True))
    assert len(pairs) == 2
    for p in pairs:
        assert p["corr"] == pytest.approx(corr[p["i"], p["j"]], abs=1e-6)
        want = np.mean([abs(s[p["i"], p["j"]]) > t_pair for s in subs])
        assert p["subset_fraction"] == pytest.approx(want)
    assert "40 subsets of 300 rows out of 900" in caplog.text
    # no pair above the pair threshold: pairs.tsv is a header alone
    args = [str(d / n) for n in ("z.zarr", "moments.npz", "sample.npz", "c2.tsv", "p2.tsv", "c2.npy")]
    write_correlations(*args, thresholds=[0.5], pair_threshold=0.99, subsets=3, seed=0)
    assert (d / "p2.tsv").read_text() == "i\tj\tcorr\tsubset_fraction\n"


def test_write_component_stats_tables_and_histograms(small_run):
    from aelatent.io.tables import read_tsv
    from aelatent.stats.components import write_component_stats

    d, x, _ = small_run
    write_component_stats(
        str(d / "z.zarr"),
        str(d / "moments.npz"),
        str(d / "components.tsv"),
        str(d / "dominant.tsv"),
        str(d / "hist.npz"),
        bin_width=0.25,
        n_dominant=2,
    )
    rows = read_tsv(d / "components.tsv")
    assert [r["index"] for r in rows] == list(range(5))
    assert [r["mean"] for r in rows] == pytest.approx(x.mean(axis=0), rel=1e-5, abs=1e-6)
    assert [r["std"] for r in rows] == pytest.approx(x.std(axis=0, ddof=1), rel=1e-5)
    # |mean| + FWHM (2.35 std): 3 + 2.4, 0.5 + 1.3, 2 + 9.4, 0 + 0.85, 1 + 2.4 -> components 2 and 0
    assert [r["index"] for r in rows if r["dominant"]] == [0, 2]
    dom = read_tsv(d / "dominant.tsv")
    assert [r["index"] for r in dom] == [0, 2]
    assert list(dom[0]) == ["index", "mean", "peak", "std", "hw", "hw_fine"]
    assert [r["hw_fine"] for r in dom] == [rows[0]["hw_fine"], rows[2]["hw_fine"]]
    # the article's hw: the run of bins of 0.25 at or above half the highest that holds it
    with np.load(d / "hist.npz") as h:
        edges = h["edges"]
    for i in range(5):
        c, _ = np.histogram(x[:, i], edges)
        below = np.flatnonzero(c < c.max() / 2)
        p = int(np.argmax(c))
        lo, hi = below[below < p].max(initial=-1), below[below > p].min(initial=len(c))
        assert rows[i]["hw"] == pytest.approx(0.25 * (hi - lo - 1)), i
    with np.load(d / "hist.npz") as h:
        assert h["counts"].sum(axis=1).tolist() == [900] * 5
        assert np.allclose(np.diff(h["edges"]), 0.25) and h["edges"][0] <= x.min()
        np.testing.assert_allclose(h["fine_width"], x.std(axis=0, ddof=1) / 20, rtol=1e-5)


def test_write_vectors_draws_each_generator_from_the_fit_half(small_run, tmp_path, caplog):
    from aelatent.io.tables import write_tsv
    from aelatent.vectors.generators import write_vectors

    caplog.set_level("INFO")
    d, x, idx = small_run
    sample = x[idx]
    cfg = {"n": 4000, "uniform_b": None, "gmm_components": 1, "pca_sigma": None}
    write_tsv([{"b": 0.5, "best": 0}, {"b": 0.75, "best": 1}], str(tmp_path / "radii.tsv"))
    write_vectors(
        str(d / "sample.npz"),
        str(tmp_path / "u.npy"),
        generator="uniform",
        cfg=cfg,
        seed=1,
        radii_path=str(tmp_path / "radii.tsv"),
    )
    u = np.load(tmp_path / "u.npy")
    assert u.dtype == np.float32 and u.shape == (4000, 5)
    assert -0.75 <= u.min() < -0.74 and 0.74 < u.max() <= 0.75  # drawn at the radii table's best b
    assert "uniform vectors in [-b, b] with b = 0.75" in caplog.text
    write_vectors(str(d / "sample.npz"), str(tmp_path / "n.npy"), generator="normal", cfg=cfg, seed=1)
    v = np.load(tmp_path / "n.npy").astype(np.float64)
    # fitted on 150 of the 300 sampled rows: their mean and spread within sampling error
    sd = sample.std(axis=0, ddof=1)
    assert np.abs(v.mean(axis=0) - sample.mean(axis=0)).max() < 0.3 * sd.max()
    np.testing.assert_allclose(v.std(axis=0), sd, rtol=0.2)


def test_write_radii_and_write_origin_arrays_are_numpys(small_run):
    from aelatent.io.tables import read_tsv
    from aelatent.vectors.origin import write_origin
    from aelatent.vectors.radii import write_radii

    d, x, idx = small_run
    sample = x[idx]
    write_radii(str(d / "sample.npz"), str(d / "radii.tsv"), str(d / "radii.npz"), b_sweep=[1.0, 2.0], seed=0)
    rows = read_tsv(d / "radii.tsv")
    with np.load(d / "radii.npz") as r:
        np.testing.assert_allclose(r["real"], np.linalg.norm(sample, axis=1), rtol=1e-6)
        assert r["uniform"].shape == (len(rows), 300) and r["b"].tolist() == [row["b"] for row in rows]
        for row, radii in zip(rows, r["uniform"], strict=True):
            assert row["ks"] == pytest.approx(sps.ks_2samp(radii, r["real"]).statistic, abs=1e-6)
    assert sum(r["best"] for r in rows) == 1
    write_origin(
        str(d / "moments.npz"),
        str(d / "sample.npz"),
        str(d / "origin.tsv"),
        str(d / "origin.npz"),
        seed=0,
        eigen_floor=1e-9,
    )
    (row,) = read_tsv(d / "origin.tsv")
    mean, cov = x.mean(axis=0), np.cov(x, rowvar=False)
    assert row["origin_mahalanobis"] == pytest.approx(np.sqrt(mean @ np.linalg.solve(cov, mean)), rel=1e-5)
    u = mean / np.linalg.norm(mean)
    assert row["centre_offset_sd"] == pytest.approx(np.linalg.norm(mean) / np.sqrt(u @ cov @ u), rel=1e-5)
    with np.load(d / "origin.npz") as o:
        assert len(o["d_real"]) == 150 and int(o["dim"]) == 5
        lo, hi = np.percentile(sample, [0.5, 99.5], axis=0)
        np.testing.assert_allclose(o["positions"], -lo / (hi - lo), rtol=1e-6)


def test_write_coverage_rows_per_named_generator(small_run, tmp_path):
    from aelatent.io.tables import read_tsv
    from aelatent.vectors.coverage import write_coverage

    d, x, idx = small_run
    near = x[idx] + 1e-3
    far = x[idx] + 50.0
    np.save(tmp_path / "near.npy", near)
    np.save(tmp_path / "far.npy", far)
    write_coverage(
        str(d / "moments.npz"),
        str(d / "sample.npz"),
        [str(tmp_path / "near.npy"), str(tmp_path / "far.npy")],
        ["near", "far"],
        str(tmp_path / "coverage.tsv"),
        seed=0,
        eigen_floor=1e-9,
    )
    near_row, far_row = read_tsv(tmp_path / "coverage.tsv")
    assert (near_row["generator"], far_row["generator"]) == ("near", "far")
    assert near_row["n"] == 300 and near_row["n_reference"] == 150
    assert near_row["inside_fraction"] >= 0.95 and far_row["inside_fraction"] == 0.0
    assert far_row["radius_median"] == pytest.approx(np.median(np.linalg.norm(far, axis=1)), rel=1e-5)
    assert far_row["nn_ratio"] > 10 and near_row["nn_ratio"] < 1
    evals = np.linalg.eigvalsh(np.cov(x, rowvar=False))
    assert near_row["condition_raw"] == pytest.approx(evals[-1] / evals[0], rel=1e-4)
    with pytest.raises(ValueError, match="zip"):  # a name for every file of vectors
        write_coverage(
            str(d / "moments.npz"),
            str(d / "sample.npz"),
            [str(tmp_path / "near.npy"), str(tmp_path / "far.npy")],
            ["near"],
            str(tmp_path / "c2.tsv"),
            seed=0,
            eigen_floor=1e-9,
        )


def test_generator_kinds_by_name():
    from aelatent.vectors.names import of_kind

    assert of_kind("independent") == ("uniform", "normal")
    assert of_kind("correlated") == ("mvn", "gmm", "pca_ellipsoid")
    assert of_kind("prior") == ("standard_normal",)
    assert of_kind("other") == ()


# --- the findings' words and verdicts, by hand ------------------------------------------------------


def summary(**over) -> RunSummary:
    return RunSummary(**{"n": 1000, "dim": 20, "m": 300, "pair_threshold": 0.5, **over})


def reference() -> dict:
    from conftest import with_defaults

    return with_defaults({})["reference"]


def test_axes_agrees_up_to_a_tenth_of_d_and_says_so():
    f = fi.axes(summary(structure={"cov_participation_ratio": 2.0, "cov_components_90pct": 3}))
    assert f.as_dict() == {
        "key": "axes",
        "claim": "The cloud is an ellipsoid with major extensions along only a few primary axes.",
        "run": "the variance spreads over 2 of 20 directions (participation ratio of the covariance); "
        "3 principal axes hold 90% of it.",
        "verdict": "agrees",  # 2 <= 0.1 x 20: at the limit
        "rule": "the covariance's participation ratio (the squared sum of its eigenvalues over the sum of "
        "their squares: the number of directions the variance spreads over) at most 10% of D",
        "figure": "structure_figure",
    }
    assert f.title == "a few primary axes"
    assert fi.axes(summary(structure={"cov_participation_ratio": 1.2345})).run.startswith(
        "the variance spreads over 1.23 of 20 directions"
    )
    f = fi.axes(summary(structure={"cov_participation_ratio": 2.5}))
    assert f.verdict == "differs" and "; - principal axes hold" in f.run
    assert fi.axes(summary()) is None


RADII = [
    {"b": 1.0, "ks": 0.5, "radius_median": 3.0, "best": 0},
    {"b": 1.4, "ks": 0.2, "radius_median": 4.1234, "best": 1},
    {"b": 2.0, "ks": 0.4, "radius_median": 5.0, "best": 0},
]
LENGTHS_RULE = (
    "the best b (finest step 0.05) in units of the typical (median) component std within the reference's "
    "range in its units (1.43-2.86); partly when even the best b leaves the lengths apart (KS distance "
    "above 0.25); unclear when the best b ends the sweep"
)


@pytest.mark.parametrize(
    ("ks", "std", "verdict", "tail"),
    [
        (0.2, 0.5, "agrees", "0.20), 2.8 times the typical component std 0.5"),
        (0.25, 0.5, "agrees", "0.25), 2.8 times the typical component std 0.5"),  # at the KS limit
        (0.2, 0.98, "agrees", "0.20), 1.43 times the typical component std 0.98"),  # 1.4 / 0.98 = 1 / 0.7
        (0.2, 0.49, "agrees", "0.20), 2.86 times the typical component std 0.49"),  # 1.4 / 0.49 = 2 / 0.7
        (0.2, 0.2, "differs", "0.20), 7 times the typical component std 0.2"),
        (0.2, 1.0, "differs", "0.20), 1.4 times the typical component std 1"),
    ],
)
def test_lengths_compare_the_best_b_in_units_of_the_latent_scale(ks, std, verdict, tail):
    radii = [dict(r, ks=ks) if r["best"] else r for r in RADII]
    f = fi.lengths(summary(radii=radii, structure={"component_std_median": std}), reference())
    assert f.as_dict() == {
        "key": "lengths",
        "claim": "Uniform vectors have about the right length only for 1 <= b <= 2 (best b = 1.5).",
        "run": f"best b = 1.4 (KS distance of the lengths {tail}; the reference: b = 1.5, 2.14 times "
        "its 0.7.",
        "verdict": verdict,
        "rule": LENGTHS_RULE,
        "figure": "radii_figure",
    }


def test_lengths_partly_when_even_the_best_b_leaves_the_lengths_apart_and_unclear_at_the_sweeps_end():
    radii = [dict(r, ks=0.3) if r["best"] else r for r in RADII]
    f = fi.lengths(summary(radii=radii, structure={"component_std_median": 0.5}), reference())
    assert f.verdict == "partly"
    assert f.run == (
        "best b = 1.4 (KS distance of the lengths 0.30), 2.8 times the typical component std 0.5; the "
        "reference: b = 1.5, 2.14 times its 0.7; even this b leaves the length distributions apart: "
        "uniform lengths concentrate around their median 4.12, real ones spread."
    )
    for end in (1.0, 2.0):
        radii = [dict(r, best=int(r["b"] == end), ks=0.01 if r["b"] == end else 0.5) for r in RADII]
        f = fi.lengths(summary(radii=radii, structure={"component_std_median": 0.5}), reference())
        assert f.verdict == "unclear"
        assert f.run.endswith("its 0.7; at the end of the sweep 1-2: the optimum may lie beyond it."), end
    assert fi.lengths(summary(radii=RADII), reference()) is None  # no latent scale
    assert fi.lengths(summary(structure={"component_std_median": 0.5}), reference()) is None


def test_training_judges_the_last_epochs_drop():
    f = fi.training(summary(metrics=[{"valid_mse": 0.02}]))
    assert (f.verdict, f.run) == (
        "unclear",
        "validation MSE 0.02 after 1 epochs: one epoch, no trend to judge.",
    )
    assert f.claim == "(A precondition, not a claim of the article) The autoencoder has finished learning."
    assert (f.rule, f.figure) == ("the validation MSE fell by at most 5% in the last epoch", "loss_curve")
    f = fi.training(summary(metrics=[{"valid_mse": 0.04}, {"valid_mse": 0.02}, {"valid_mse": 0.0171}]))
    assert f.verdict == "differs"
    assert f.run == (
        "validation MSE 0.0171 after 3 epochs, 14% below the epoch before: the model may be "
        "under-trained; its latents may change with more epochs."
    )
    f = fi.training(summary(metrics=[{"valid_mse": 0.02}, {"valid_mse": 0.0195}]))
    assert (f.verdict, f.run) == (
        "agrees",
        "validation MSE 0.0195 after 2 epochs, 2.5% below the epoch before.",
    )
    assert fi.training(summary()) is None
    # exactly 5% (1 / 20 in floating point as well) is still "agrees"
    f = fi.training(summary(metrics=[{"valid_mse": 20.0}, {"valid_mse": 19.0}]))
    assert f.verdict == "agrees" and f.run == "validation MSE 19 after 2 epochs, 5% below the epoch before."
    f = fi.training(summary(metrics=[{"valid_mse": 0.012346}]))
    assert f.run.startswith("validation MSE 0.0123 after 1 epochs")
    assert fi.last_epoch_drop([{"valid_mse": 0.04}, {"valid_mse": 0.03}]) == pytest.approx(0.25)
    assert fi.last_epoch_drop([{"valid_mse": 0.0}, {"valid_mse": 0.0}]) is None
    assert fi.last_epoch_drop([{"valid_mse": 0.04}]) is None


COVERAGE_RULE = (
    "every independent generator has less than 50% of its vectors inside (Mahalanobis distance at most "
    "the held-out real vectors' 99th percentile, so 99% of real vectors are inside); partly when their "
    "mean distance to the nearest held-out real vector is within 1.25 times that of the best correlated "
    "generator"
)


def test_coverage_lists_every_kind_of_generator_in_words():
    rows = [
        {"generator": "uniform", "inside_fraction": 0.0123, "nn_ratio": 3.0},
        {"generator": "normal", "inside_fraction": 0.4, "nn_ratio": 2.5},
        {"generator": "mvn", "inside_fraction": 0.99, "nn_ratio": 1.1},
        {"generator": "standard_normal", "inside_fraction": 0.0, "nn_ratio": 9.87654},
    ]
    f = fi.coverage(summary(coverage=rows, uniform_b=1.5))
    assert f.as_dict() == {
        "key": "coverage",
        "claim": "Statistical vectors with independent components mostly fall outside the real cloud.",
        "run": "inside the cloud / nearest-neighbour distance over real-to-real: independent: uniform "
        "(b = 1.5) 1.23% / 3, normal 40% / 2.5; correlated (inside by construction: fitted to the "
        "covariance the test measures with): mvn 99% / 1.1; the prior N(0, I): standard_normal 0% / 9.88.",
        "verdict": "agrees",
        "rule": COVERAGE_RULE,
        "figure": "coverage_figure",
    }
    f = fi.coverage(summary(coverage=rows[:2], radii=[{"b": 2.5, "ks": 0.1, "best": 1}]))
    assert f.verdict == "agrees" and f.run == (
        "inside the cloud / nearest-neighbour distance over real-to-real: independent: uniform "
        "(b = 2.5, the best-length b) 1.23% / 3, normal 40% / 2.5."
    )
    assert fi.coverage(summary(coverage=rows[:1])).run.endswith("independent: uniform 1.23% / 3.")


# --- the latent store's verification -----------------------------------------------------------------


@pytest.fixture
def encoded(tmp_path):
    """A store of 50 rows in chunks of 10, written by three shards (rows 0-20, 20-30, 30-50: five
    chunks split as evenly as whole chunks allow) with markers holding their rows' sha256, as an
    encode job writes them, built with zarr and hashlib alone."""
    x = np.random.default_rng(0).standard_normal((50, 3)).astype(np.float32)
    attrs = {"model_sha256": "m" * 8, "images_sha256": "i" * 8}
    z, markers = encoded_store(tmp_path, x, 10, [(0, 20), (20, 30), (30, 50)], attrs)
    return z, markers, x


def test_shard_ranges_are_whole_chunks_as_even_as_they_go():
    from aelatent.io.latents import shard_ranges

    assert shard_ranges(50, 10, 3) == [(0, 20), (20, 30), (30, 50)]
    assert shard_ranges(45, 10, 2) == [(0, 20), (20, 45)]  # 2.5 chunks round to 2; the last is short
    assert shard_ranges(7, 10, 3) == [(0, 0), (0, 7), (7, 7)]
    assert shard_ranges(30, 10, 1) == [(0, 30)]


def test_verify_latents_summary_holds_every_chunks_sha256(encoded, tmp_path):
    from aelatent.io.latents import verify_latents

    z, markers, x = encoded
    out = tmp_path / "verified.json"
    summary = verify_latents(z, markers, out)
    assert json.loads(out.read_text()) == summary
    shas = [hashlib.sha256(x[a:b].tobytes()).hexdigest() for a, b in [(0, 20), (20, 30), (30, 50)]]
    assert {k: summary[k] for k in ("store", "rows", "latent_dim", "chunk_rows")} == {
        "store": str(z),
        "rows": 50,
        "latent_dim": 3,
        "chunk_rows": 10,
    }
    assert (summary["model_sha256"], summary["images_sha256"]) == ("m" * 8, "i" * 8)
    assert summary["sha256"] == hashlib.sha256("".join(shas).encode()).hexdigest()
    for shard, marker, sha, (a, b) in zip(
        summary["shards"], markers, shas, [(0, 20), (20, 30), (30, 50)], strict=True
    ):
        assert (shard["marker"], shard["sha256"], shard["start"], shard["stop"]) == (marker, sha, a, b)
        assert shard["chunks"] == [
            hashlib.sha256(x[c : c + 10].tobytes()).hexdigest() for c in range(a, b, 10)
        ]
    assert verify_latents(z, markers) == summary  # without ``out`` nothing is written but the same is checked


def test_verify_latents_names_each_failing_shard_and_writes_nothing(encoded, tmp_path):
    import zarr

    from aelatent.errors import InputError
    from aelatent.io.latents import verify_latents

    z, markers, x = encoded
    out = tmp_path / "verified.json"
    zarr.open_array(str(z), mode="r+")[25] = x[25] + 1  # shard 1's rows changed after encoding
    (z / "c" / "4" / "0").unlink()  # shard 2's second chunk lost
    with pytest.raises(InputError) as err:
        verify_latents(z, markers, out)
    msg = str(err.value)
    assert not out.exists() and "shard 0" not in msg
    assert "shard 1 (rows 20-30): its rows do not match the sha256 in its marker" in msg
    assert "shard 2 (rows 30-50): chunk c/4/0 (rows 40-50) is missing" in msg
    assert f"delete {markers[1]} {markers[2]} and rerun the workflow" in msg
    # a marker of another layout, and one that is not JSON
    bad = json.loads(Path(markers[0]).read_text()) | {"stop": 30, "rows": 30}
    Path(markers[0]).write_text(json.dumps(bad))
    Path(markers[2]).write_text('{"shard": 2')
    msg = str(pytest.raises(InputError, verify_latents, z, markers, out).value)
    assert "shard 0 (rows 0-20): its marker is for shard 0, rows 0-30: another store layout" in msg
    assert f"shard 2 (rows 30-50): marker {markers[2]} is truncated or not JSON" in msg


def test_open_latents_checks_every_chunk_against_verified_json(encoded, tmp_path):
    import zarr

    from aelatent.errors import InputError
    from aelatent.io.latents import open_latents, verify_latents

    z, markers, x = encoded
    with pytest.raises(
        InputError, match=f"latent store {z} has not been verified: .*verified.json is missing"
    ):
        open_latents(z)
    verify_latents(z, markers, tmp_path / "verified.json")
    r = open_latents(z)
    assert r.shape == (50, 3) and np.array_equal(r[:], x) and np.array_equal(r[12:27], x[12:27])
    assert np.array_equal(r.get_orthogonal_selection(([3, 41, 22], slice(None))), x[[3, 41, 22]])
    # scattered rows keep the store's dtype; two index arrays select a block, not points
    scattered = r[[41, 3, 22, 3]]
    assert scattered.dtype == np.float32 and np.array_equal(scattered, x[[41, 3, 22, 3]])
    block = r.oindex[[3, 41, 22], [2, 0]]
    assert block.shape == (3, 2) and np.array_equal(block, x[np.ix_([3, 41, 22], [2, 0])])
    assert len(r) == 50 and np.array_equal(np.asarray(r, dtype=np.float64), x.astype(np.float64))
    zarr.open_array(str(z), mode="r+")[33] = x[33] * 2
    with pytest.raises(InputError) as err:
        open_latents(z)[30:40]
    msg = str(err.value)
    assert f"latent store {z}: chunk c/3/0 (rows 30-40) does not match the digest" in msg
    assert f"delete {markers[2]} and rerun the workflow" in msg
    assert np.array_equal(open_latents(z)[:30], x[:30])  # the other chunks still read
    summary = json.loads((tmp_path / "verified.json").read_text())
    (tmp_path / "verified.json").write_text(json.dumps(summary | {"chunk_rows": 5}))
    with pytest.raises(InputError, match="verified.json describes another store layout"):
        open_latents(z)


def test_verified_orthogonal_reads_of_an_image_like_array_select_blocks(tmp_path):
    """On a store of more than two axes, indices on two later axes select a block (zarr's
    orthogonal selection), not points; the expectation is zarr's own selection of the raw array."""
    import zarr

    from aelatent.io.checksum import VerifiedArray

    x = np.arange(12 * 4 * 3, dtype=np.uint8).reshape(12, 4, 3)
    raw = zarr.create_array(str(tmp_path / "a.zarr"), shape=x.shape, chunks=(5, 4, 3), dtype="u1")
    raw[:] = x
    digests = [hashlib.sha256(x[a : a + 5].tobytes()).hexdigest() for a in (0, 5, 10)]
    v = VerifiedArray(raw, tmp_path / "a.zarr", digests.__getitem__, lambda k, rows, why: ValueError(why))
    key = ([7, 1, 11], [3, 0], [2, 1])
    want = raw.get_orthogonal_selection(key)
    assert want.shape == (3, 2, 2)
    assert np.array_equal(v.get_orthogonal_selection(key), want)
    assert np.array_equal(v.oindex[key], want)
    assert np.array_equal(v.oindex[[7, 1], 2, :], x[[7, 1], 2, :])  # an int drops its axis


def test_verify_shard_vouches_for_its_own_rows_only(encoded):
    from aelatent.errors import InputError
    from aelatent.io.latents import open_latents, verify_shard

    z, markers, x = encoded
    assert verify_shard(z, markers[1], 3)["start"] == 20
    r = open_latents(z)
    assert np.array_equal(r[20:30], x[20:30])
    with pytest.raises(InputError, match=r"chunk c/0/0 \(rows 0-10\)"):
        r[0:10]
    with pytest.raises(InputError, match=f"marker {markers[2]} names shard 2 of 2"):
        verify_shard(z, markers[2], 2)


def test_rows_to_use_caps_at_the_stores_rows(encoded, caplog):
    from aelatent.io.latents import rows_to_use

    z, _, _ = encoded
    assert rows_to_use(z, 20, "stats.sample_size") == 20
    assert rows_to_use(z, 50, "stats.sample_size") == 50 and "above" not in caplog.text
    assert rows_to_use(z, 80, "stats.sample_size") == 50
    assert "stats.sample_size=80 is above the 50 vectors" in caplog.text


ORIGIN = {
    "centre_offset_sd": 2.5,
    "centre_norm": 3.21,
    "centre_rms_radius": 4.5678,
    "origin_principal": 3.0,
    "origin_principal_percentile": 95.0,
    "real_principal_p99": 2.8,
    "real_principal_median": 1.5,
    "principal_axes": 4,
    "principal_share": 0.9123,
    "components_0_near_edge": 0.25,
    "components_0_outside": 0.1,
    "edge_fraction": 0.1,
    "origin_rest": 10.0,
    "origin_rest_percentile": 99.5,
    "real_rest_p99": 5.0,
    "real_rest_median": 3.0,
    "rest_share_of_d0_squared": 0.917,
    "origin_mahalanobis": 10.44,
    "origin_percentile": 99.0,
}
BORDER_RULE = (
    "at the border when farther from the centre than 90% of real vectors and at most 1.2 times their 99th "
    "percentile; inside the bulk when nearer, outside beyond that (Mahalanobis distances: in standard "
    "deviations of the cloud along each principal axis)"
)


def test_origin_findings_in_words():
    run = summary(origin=ORIGIN)
    assert fi.origin_centre(run).as_dict() == {
        "key": "origin_centre",
        "claim": "The cloud's centre lies at some distance from the origin.",
        "run": "the centre is 3.21 from the origin (the cloud's RMS radius about its centre: 4.57): 2.5 "
        "standard deviations of the real vectors along the line from the centre to the origin.",
        "verdict": "agrees",
        "rule": "the origin lies more than 1 standard deviation of the real vectors from the centre, along "
        "the line joining them",
        "figure": "origin_views",
    }
    assert fi.origin_centre(summary(origin=ORIGIN | {"centre_offset_sd": 1.0})).verdict == "differs"
    assert fi.origin_principal(run).as_dict() == {
        "key": "origin_principal",
        "claim": "The origin lies in a border region of the cloud, as the plots of the dominant components "
        "show.",
        "run": "in the 4 principal axes that hold 91% of the variance the origin is 3 from the centre "
        "against a real median of 1.5 and 99th percentile 2.8: at the border (farther out than 95% of real "
        "vectors). Component by component, 0 lies within 10% of an end of the central 99% range in 25% of "
        "components and outside that range in 10%.",
        "verdict": "agrees",
        "rule": "in the principal subspace, the fewest leading axes that hold 90% of the variance: "
        + BORDER_RULE,
        "figure": "origin_views",
    }
    bare = {k: v for k, v in ORIGIN.items() if k not in ("components_0_near_edge", "components_0_outside")}
    assert fi.origin_principal(summary(origin=bare)).run.endswith("(farther out than 95% of real vectors).")
    no_outside = {k: v for k, v in ORIGIN.items() if k != "components_0_outside"}
    assert fi.origin_principal(summary(origin=no_outside)).run.endswith("range in 25% of components.")
    assert fi.origin_rest(run).as_dict() == {
        "key": "origin_rest",
        "claim": "The origin is not outside the bulk in the directions no pair plot shows (the article: "
        '"we have to be careful regarding projection effects").',
        "run": "in the other 16 axes (8.8% of the variance) the origin is 10 from the centre against a real "
        "median of 3 and 99th percentile 5: outside the cloud (2 times the real 99th percentile). These "
        "axes make 92% of its squared distance over all 20 axes (10.4, farther out than 99% of real "
        "vectors).",
        "verdict": "differs",
        "rule": "in the axes beyond the principal ones: " + BORDER_RULE,
        "figure": "origin_views",
    }
    for f in (fi.origin_centre, fi.origin_principal, fi.origin_rest):
        assert f(summary()) is None and f(summary(origin={"centre_offset_sd": None})) is None


def test_border_position_at_its_limits():
    assert fi.border_position(1.2 * 2.8, 90.0, 2.8) == (
        "agrees",
        "at the border (farther out than 90% of real vectors)",
    )
    assert fi.border_position(3.37, 95.0, 2.8) == (
        "differs",
        "outside the cloud (1.2 times the real 99th percentile)",
    )
    assert fi.border_position(1.0, 89.9, 2.8) == (
        "differs",
        "inside the bulk (farther out than only 90% of real vectors)",
    )


GAUSSIAN = {
    "near_gaussian_share": 0.85,
    "near_gaussian_share_dominant": 0.8,
    "flat_topped_share_dominant": 0.1,
    "heavy_tailed_share_dominant": 0.1,
    "ks_median": 0.012,
    "ks_median_dominant": 0.0234,
    "ks_limit": 0.05,
}


@pytest.mark.parametrize(
    ("share", "dominant", "verdict"),
    [
        (0.8, 0.8, "agrees"),
        (0.85, 0.79, "partly"),
        (0.49, 0.6, "partly"),
        (0.49, 0.49, "differs"),
        (0.4, None, "differs"),
        (0.9, None, "partly"),
    ],
)
def test_gaussian_verdict_needs_all_and_the_dominant_components(share, dominant, verdict):
    s = GAUSSIAN | {"near_gaussian_share": share, "near_gaussian_share_dominant": dominant}
    f = fi.gaussian(summary(structure=s, dominant_rows=[{"index": i} for i in range(5)]))
    assert f.verdict == verdict


def test_gaussian_finding_in_words():
    f = fi.gaussian(summary(structure=GAUSSIAN, dominant_rows=[{"index": i} for i in range(5)]))
    assert (f.key, f.claim, f.figure) == (
        "gaussian",
        "The components' value distributions are very similar to Gaussians.",
        "component_histograms",
    )
    assert f.run == (
        "85% of all 20 components and 80% of the 5 dominant ones are Gaussian by the rule; of the dominant "
        "ones 10% are flat-topped and 10% heavy-tailed. Median KS distance 0.012 (dominant: 0.023; limit "
        "0.05)."
    )
    assert f.rule.endswith(
        "Agrees when at least 80% of all components and of the dominant ones are Gaussian, differs when "
        "fewer than 50% of both are, partly otherwise"
    )
    assert fi.gaussian(summary(structure={"near_gaussian_share": 0.9})) is None
    assert fi.gaussian(summary(structure={"ks_limit": 0.05})) is None


def test_pair_share_in_words_and_within_a_factor_three():
    run = summary(counts=[{"threshold": 0.5, "n_all": 12}], structure={"corr_effective_rank": 4.0})
    assert fi.pair_share(run, reference()).as_dict() == {
        "key": "pair_share",
        "claim": "A few component pairs are clearly correlated: 16 of 32,640 pairs (0.049%) have |r| > 0.5.",
        # 12 / 190 over 16 / 32640 = 128.8; rank 4 < 20 / 2
        "run": "12 of 190 pairs (6.3%) over all 1,000 vectors, 129 times the reference share. Why: the "
        "correlation matrix's effective rank is 4 of 20 (20%; 20 if no two components were correlated): "
        "the components share far fewer independent directions than D, so many pairs correlate.",
        "verdict": "differs",
        "rule": "the share of all pairs with |r| > 0.5 within a factor 3 of the reference's",
        "figure": "threshold_counts_figure",
    }
    # at 16 / 32640 of a 256-dimensional run's pairs the ratio is 1; 3 and 1 / 3 are still "agrees"
    for n_all, verdict in [(16, "agrees"), (48, "agrees"), (49, "differs"), (6, "agrees"), (5, "differs")]:
        big = RunSummary(
            n=1000, dim=256, m=300, pair_threshold=0.5, counts=[{"threshold": 0.5, "n_all": n_all}]
        )
        f = fi.pair_share(big, reference())
        assert f.verdict == verdict, n_all
        assert f.run.endswith("times the reference share.")
    wide = summary(counts=[{"threshold": 0.5, "n_all": 12}], structure={"corr_effective_rank": 12.0})
    assert fi.pair_share(wide, reference()).run.endswith("(60%; 20 if no two components were correlated).")
    assert fi.pair_share(summary(), reference()) is None


@pytest.mark.parametrize(
    ("pairs", "verdict"),
    [
        ([(0, 1)] * 9 + [(5, 6)] * 7, "agrees"),
        ([(0, 5)] * 9 + [(5, 6)] * 7, "partly"),
        ([(0, 5)] * 8 + [(5, 6)] * 8, "differs"),
    ],
)
def test_pair_concentration_needs_more_than_half(pairs, verdict):
    run = summary(strongest_pairs=pairs, dominant_rows=[{"index": 0}, {"index": 1}])
    f = fi.pair_concentration(run, reference())
    assert f.verdict == verdict and f.key == "pair_concentration" and f.figure == "correlation_heatmap"
    both, anyd = sum(i < 2 and j < 2 for i, j in pairs), sum(i < 2 or j < 2 for i, j in pairs)
    assert f.run.startswith(
        f"of the 16 strongest pairs, {both} join two of the 2 dominant components (chance "
    )
    assert f"{anyd} at least one (chance " in f.run
    assert fi.pair_concentration(summary(), reference()) is None


def test_percentages_and_the_order_of_findings():
    assert [fi.pct(v) for v in (None, float("nan"), 0.5, 0.1234, 1.0, 12.345)] == [
        "-",
        "-",
        "50%",
        "12%",
        "100%",
        "1234%",
    ]
    assert fi.pct(0.001234, 3) == "0.123%"
    run = summary(
        structure=GAUSSIAN | {"cov_participation_ratio": 2.0, "component_std_median": 0.5},
        origin=ORIGIN,
        metrics=[{"valid_mse": 0.02}],
        radii=RADII,
        coverage=[{"generator": "uniform", "inside_fraction": 0.0, "nn_ratio": 3.0}],
        counts=[{"threshold": 0.5, "n_all": 12}],
        strongest_pairs=[(0, 1)],
        dominant_rows=[{"index": 0}, {"index": 1}],
    )
    assert [f.key for f in fi.findings(run, reference())] == list(fi.TITLES)
    assert fi.findings(summary(), reference()) == []


# --- the widths, by hand --------------------------------------------------------------------------


def test_fwhm_interpolates_the_half_maximum_crossings_by_hand():
    from aelatent.stats.components import fwhm, fwhm_bins

    # peak 4 at 2, half 2: right crossing at 2 + (4 - 2) / (4 - 1) = 2.667, left at 1 - (3 - 2) / (3 - 1)
    mode, w = fwhm(np.arange(4.0), [1, 3, 4, 1])
    assert mode == 2.0 and w == pytest.approx(2 + 2 / 3 - 0.5)
    assert fwhm(np.arange(5.0), [0, 2, 4, 2, 0]) == (2.0, 2.0)  # exactly half counts as above
    assert fwhm(np.arange(3.0), [4, 3, 1]) == (0.0, 1.5)  # peak at the edge: the edge is the crossing
    assert fwhm(np.arange(3.0), [1, 3, 4]) == (2.0, 1.5)
    assert fwhm(10 + 0.5 * np.arange(4.0), [1, 3, 4, 1]) == (11.0, pytest.approx(0.5 * (2 + 2 / 3 - 0.5)))
    assert fwhm_bins([2, 2, 2], 0.5) == 1.5 and fwhm_bins([4, 3, 0, 0], 0.25) == 0.5
    assert fwhm_bins([0, 0, 3, 4], 1.0) == 2.0 and fwhm_bins([1, 4, 1], 1.0) == 1.0
    assert fwhm_bins([3, 4, 0], 1.0) == 2.0 and fwhm_bins([0, 3, 4], 1.0) == 2.0
    assert fwhm_bins([4, 3, 0, 3], 1.0) == 2.0  # the far bin above half is not contiguous: left out


def test_quantiles_and_kernel_bandwidth_by_hand():
    from aelatent.stats.components import kernel_sd, quantiles

    # cdf over edges 0, 1, 2, 3: 0, 1/4, 1/2, 1
    assert quantiles([1, 1, 2], 0.0, 1.0, [0.0, 0.25, 0.5, 0.75, 1.0]).tolist() == [0.0, 1.0, 2.0, 2.5, 3.0]
    assert quantiles([1, 1, 2], 10.0, 0.5, [0.5]).tolist() == [11.0]
    # 1000 values spread evenly over 40 bins of 0.1: IQR 2.0, sd is 20 bins = 2.0 by the grid's
    # construction; 0.9 min(2.0, 2.0 / 1.349) 1000^(-1/5)
    counts = np.full(40, 25)
    assert kernel_sd(counts, -2.0, 0.1) == pytest.approx(0.9 * (2.0 / 1.349) * 1000**-0.2)
    # half the values in each of two bins of 0.001: quartiles at 0.0015 and 0.0025, IQR 0.001
    assert kernel_sd(np.array([0, 500, 500, 0]), 0.0, 0.001) == pytest.approx(
        0.9 * min(20 * 0.001, 0.001 / 1.349) * 1000**-0.2
    )
    # all values in one bin, spread linearly within it: quartiles 0.125 and 0.175
    assert kernel_sd(np.array([0, 1000, 0]), 0.0, 0.1) == pytest.approx(0.9 * (0.05 / 1.349) * 1000**-0.2)


def test_fine_grid_spans_eight_sd_either_side_in_twentieths():
    from aelatent.stats.components import fine_grid

    x = np.array([[0.0, 5.0], [2.0, 5.0], [4.0, 5.0]])  # std 2 and 0
    lo, width, bins = fine_grid(Moments(2).update(x))
    assert bins == 320
    assert width.tolist() == [0.1, 1.0]  # no spread: bins of 1
    assert lo.tolist() == pytest.approx([2.0 - 16.0, 5.0 - 160.0])


def test_hw_fine_of_a_gaussian_histogram_is_its_fwhm_with_the_kernel_taken_out():
    from aelatent.stats.components import fwhm_fine

    sigma, n = 0.3, 100_000
    width = sigma / 20
    lo = 1.0 - 8 * sigma
    edges = lo + width * np.arange(321)
    counts = np.diff(sps.norm.cdf(edges, 1.0, sigma)) * n  # the exact expected counts
    peak, w = fwhm_fine(counts, lo, width)
    assert peak == pytest.approx(1.0, abs=width / 2)
    assert w == pytest.approx(2.3548 * sigma, rel=0.01)
    # far fewer counts: the wider kernel is still taken out
    peak, w = fwhm_fine(counts / 1000, lo, width)
    assert w == pytest.approx(2.3548 * sigma, rel=0.02)


# --- the real cloud, the origin and the radii, by hand ---------------------------------------------


def test_split_sample_halves_keep_row_order_and_cover_every_row():
    from aelatent.vectors.cloud import split_sample

    sample = np.arange(14.0).reshape(7, 2)
    fit, ref = split_sample(sample, 3)
    assert (len(fit), len(ref)) == (3, 4)
    assert sorted(fit[:, 0].tolist() + ref[:, 0].tolist()) == sample[:, 0].tolist()
    assert np.all(np.diff(fit[:, 0]) > 0) and np.all(np.diff(ref[:, 0]) > 0)
    order = numpy_rng(3, "split").permutation(7)
    assert fit[:, 0].tolist() == sorted(sample[order[:3], 0].tolist())


def test_regularised_eigen_sqrt_cov_and_mahalanobis_by_hand():
    from aelatent.vectors.cloud import mahalanobis, regularised_eigen, sqrt_cov

    evals, evecs, raw = regularised_eigen(np.diag([1e-12, 1.0, 4.0]), 1e-3)
    assert evals.tolist() == pytest.approx([4e-3, 1.0, 4.0]) and raw == pytest.approx(4e12)
    assert np.abs(evecs).tolist() == np.eye(3).tolist()
    evals, _, raw = regularised_eigen(np.diag([0.0, 1.0, 4.0]), 1e-3)
    assert raw == float("inf") and evals[0] == pytest.approx(4e-3)
    assert regularised_eigen(np.zeros((2, 2)), 1e-3)[0].tolist() == [0.0, 0.0]
    cov = np.array([[1.0, 1.0], [1.0, 1.0]])  # singular: one eigenvalue 0 (or rounded below it)
    s = sqrt_cov(cov)
    np.testing.assert_allclose(s @ s.T, cov, atol=1e-12)
    assert not np.isnan(s).any()
    assert mahalanobis(np.array([3.0, 4.0]), np.zeros(2), np.eye(2)).tolist() == [5.0]
    d = mahalanobis(np.array([[4.0, 5.0], [1.0, 1.0]]), np.array([1.0, 1.0]), np.diag([0.5, 1.0]))
    assert d.tolist() == pytest.approx([np.sqrt(1.5**2 + 16), 0.0])


def test_real_cloud_holds_the_exact_moments_and_the_regularised_metric():
    from aelatent.vectors.cloud import RealCloud

    rng = np.random.default_rng(2)
    x = rng.standard_normal((400, 3)) * [3.0, 1.0, 1e-4] + [1.0, -2.0, 0.5]
    m = Moments(3).update(x)
    c = RealCloud.build(m, x, seed=0, floor=1e-4)
    cov = np.cov(x, rowvar=False)
    raw = np.linalg.eigvalsh(cov)
    np.testing.assert_allclose(c.evals_raw, raw, rtol=1e-9)
    assert c.evals[0] == pytest.approx(1e-4 * raw[-1]) and c.evals[1:].tolist() == pytest.approx(raw[1:])
    assert c.condition == pytest.approx(1e4) and c.condition_raw == pytest.approx(raw[-1] / raw[0])
    assert (len(c.fit), len(c.ref)) == (200, 200)
    np.testing.assert_allclose(c.r_real, np.linalg.norm(c.ref, axis=1))
    np.testing.assert_allclose(c.whiten @ c.whiten.T, np.linalg.inv(c.evecs @ np.diag(c.evals) @ c.evecs.T))
    y = (c.ref - x.mean(axis=0)) @ c.evecs / np.sqrt(c.evals)
    np.testing.assert_allclose(c.d_real, np.linalg.norm(y, axis=1), rtol=1e-9)
    dist = np.sqrt(((c.fit[:, None, :] - c.ref[None, :, :]) ** 2).sum(-1)).min(axis=1)
    assert c.nn_base == pytest.approx(dist.mean())


def test_zero_positions_and_percentiles_by_hand():
    from aelatent.vectors.origin import percentile_of, zero_positions

    col = np.linspace(-1.0, 3.0, 401)
    sample = np.stack([col, col + 2.0, np.full(401, 4.0), -col], axis=1)
    lo, hi = np.percentile(col, [0.5, 99.5])  # -0.98, 2.98
    pos = zero_positions(sample)
    assert pos[0] == pytest.approx(-lo / (hi - lo)) and pos[1] < 0 and np.isnan(pos[2])
    assert pos[3] == pytest.approx(hi / (hi - lo))
    assert percentile_of(2.5, np.array([1.0, 2.0, 3.0, 4.0])) == 50.0
    assert percentile_of(2.0, np.array([1.0, 2.0, 3.0, 4.0])) == 25.0  # strictly below


def test_centre_offset_along_the_line_to_the_origin_by_hand():
    from aelatent.vectors.origin import centre_offset

    x = np.array([[3.0, 4.0], [3.0, 4.0], [9.0, 12.0], [-3.0, -4.0]])  # all on the line through 0
    m = Moments(2).update(x)
    mean = x.mean(axis=0)  # (3, 4): |mean| 5
    along = x @ (mean / 5)  # 5, 5, 15, -5: std 8.165
    got = centre_offset(m)
    assert got["centre_norm"] == pytest.approx(5.0)
    assert got["centre_sd_along"] == pytest.approx(np.std(along, ddof=1))
    assert got["centre_offset_sd"] == pytest.approx(5.0 / np.std(along, ddof=1))
    assert got["centre_rms_radius"] == pytest.approx(np.sqrt(np.trace(np.cov(x, rowvar=False))))
    at_zero = centre_offset(Moments(2).update(np.array([[1.0, 0.0], [-1.0, 0.0]])))
    assert at_zero["centre_norm"] == 0.0 and at_zero["centre_sd_along"] == 0.0
    assert at_zero["centre_offset_sd"] == float("inf")


def test_origin_border_row_against_numpy():
    from aelatent.vectors.cloud import RealCloud
    from aelatent.vectors.origin import origin_border, origin_views

    rng = np.random.default_rng(4)
    x = rng.standard_normal((2000, 4)) * [4.0, 2.0, 0.5, 0.1] + [1.0, 0.8, 0.05, 0.3]
    m = Moments(4).update(x)
    c = RealCloud.build(m, x, seed=1, floor=1e-9)
    row = origin_border(c, m, edge=0.1)
    explained(row, "origin")
    evals, evecs = np.linalg.eigh(np.cov(x, rowvar=False))
    evals, evecs = evals[::-1], evecs[:, ::-1]
    k = int(np.argmax(np.cumsum(evals) / evals.sum() >= 0.9 - 1e-12) + 1)
    y0 = (0 - x.mean(axis=0)) @ evecs / np.sqrt(evals)
    yr = (c.ref - x.mean(axis=0)) @ evecs / np.sqrt(evals)
    d_real = np.linalg.norm(yr, axis=1)
    assert row["principal_axes"] == k
    assert row["principal_share"] == pytest.approx(evals[:k].sum() / evals.sum())
    assert row["origin_mahalanobis"] == pytest.approx(np.linalg.norm(y0))
    assert row["origin_principal"] == pytest.approx(np.linalg.norm(y0[:k]))
    assert row["origin_rest"] == pytest.approx(np.linalg.norm(y0[k:]))
    assert row["real_mahalanobis_median"] == pytest.approx(np.median(d_real))
    assert row["real_mahalanobis_p99"] == pytest.approx(np.percentile(d_real, 99))
    assert row["origin_percentile"] == pytest.approx(100 * (d_real < np.linalg.norm(y0)).mean())
    rp, rr = np.linalg.norm(yr[:, :k], axis=1), np.linalg.norm(yr[:, k:], axis=1)
    assert row["real_principal_median"] == pytest.approx(np.median(rp))
    assert row["real_rest_p99"] == pytest.approx(np.percentile(rr, 99))
    assert row["origin_rest_percentile"] == pytest.approx(100 * (rr < np.linalg.norm(y0[k:])).mean())
    assert row["rest_share_of_d0_squared"] == pytest.approx(np.sum(y0[k:] ** 2) / np.sum(y0**2))
    along = yr @ (y0 / np.linalg.norm(y0))
    assert row["origin_along_percentile"] == pytest.approx(100 * (along < np.linalg.norm(y0)).mean())
    lo, hi = np.percentile(np.concatenate([c.fit, c.ref]), [0.5, 99.5], axis=0)
    pos = -lo / (hi - lo)
    inside = (pos >= 0) & (pos <= 1)
    assert row["components_containing_0"] == pytest.approx(inside.mean())
    assert row["components_0_near_edge"] == pytest.approx((inside & ((pos < 0.1) | (pos > 0.9))).mean())
    assert row["components_0_outside"] == pytest.approx((~inside).mean())
    assert row["centre_norm"] == pytest.approx(np.linalg.norm(x.mean(axis=0)))
    assert "centre_norm" not in origin_border(c)
    v = origin_views(c)
    np.testing.assert_allclose(np.abs(v["plane"]), np.abs((c.ref - x.mean(axis=0)) @ evecs[:, :2]), atol=1e-9)
    assert v["plane_share"].tolist() == pytest.approx((evals[:2] / evals.sum()).tolist())
    np.testing.assert_allclose(v["d_principal"], rp, rtol=1e-9)
    np.testing.assert_allclose(np.abs(v["along"]), np.abs(along), rtol=1e-9)


def test_refinement_and_unit_radii_by_hand():
    from aelatent.vectors.radii import refinement, unit_radii

    assert refinement([1.0, 2.0, 3.0], 1.0, 0.25) == [1.25, 1.5, 1.75]  # the best at the low end
    assert refinement([3.0, 1.0, 2.0], 3.0, 0.5) == [2.5]
    assert refinement([1.0, 2.0, 3.0], 2.0, 0.5) == [1.5, 2.5]
    assert refinement([0.0, 0.1], 0.0, 0.05) == [0.05]  # never b = 0
    want = np.linalg.norm(numpy_rng(5, "radii").uniform(-1.0, 1.0, (30, 4)), axis=1)
    np.testing.assert_array_equal(unit_radii(30, 4, 5), want)


# --- ties, rounding and degenerate inputs -------------------------------------------------------


def test_dominant_components_and_pairs_break_ties_by_index():
    """Scores with many ties (60 of them, three values): numpy's default sort would pick other
    components among the tied ones; the expectation is a plain Python sort by (score, index)."""
    mean = np.random.default_rng(0).integers(0, 3, 60).astype(float) * np.where(np.arange(60) % 2, 1, -1)
    hw = np.zeros(60)
    want = sorted(sorted(range(60), key=lambda i: (-abs(mean[i]), i))[:10])
    assert dominant_indices(mean, hw, 10) == want
    c = np.eye(12)
    iu = np.triu_indices(12, 1)
    values = (
        np.random.default_rng(0).integers(1, 3, len(iu[0])) * 0.3 * np.where(np.arange(len(iu[0])) % 3, 1, -1)
    )
    c[iu] = values
    c[iu[1], iu[0]] = values
    got = [(p["i"], p["j"]) for p in correlated_pairs(c, 0.1)]
    assert got == sorted(zip(*iu, strict=True), key=lambda ij: (-abs(c[ij]), ij))


def test_correlations_stay_within_minus_one_and_one_and_constant_components_are_nan_quietly():
    import warnings

    a = np.random.default_rng(1).standard_normal(7)
    x = np.column_stack([a, a * 3.0, -a * 0.1, a * 0.7, np.full(7, 2.5)])
    m = Moments(5).update(x)
    d = np.sqrt(np.diag(m.m2))[:4]
    raw = m.m2[:4, :4] / np.outer(d, d)
    assert raw.max() > 1 and raw.min() < -1  # rounding: what an unclipped quotient gives here
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = m.corr()
    assert np.abs(c[:4, :4]).max() == 1.0
    assert np.allclose(c[:4, :4], np.outer([1, 1, -1, 1], [1, 1, -1, 1]), rtol=0, atol=1e-15)
    assert np.isnan(c[4]).all() and np.isnan(c[:, 4]).all()
    with pytest.raises(ValueError, match="corr needs at least 2 rows, have 1"):
        Moments(2).update(np.ones((1, 2))).corr()


def test_hw_fine_of_an_exact_gaussian_histogram_to_a_thousandth_and_its_peak_on_a_bin_centre():
    """Noise-free counts of N(0, 1) on a grid with a bin centred on 0: the peak is that centre, and
    the kernel's and the bins' broadening come out in quadrature to 0.1% (the wide kernel of 300
    vectors adds 0.6% if taken out with the wrong factor)."""
    from aelatent.stats.components import fwhm_fine

    width = 1 / 20
    lo = -8 - width / 2
    edges = lo + width * np.arange(322)
    for n in (300, 100_000):
        peak, w = fwhm_fine(np.diff(sps.norm.cdf(edges)) * n, lo, width)
        assert abs(peak) < 1e-12
        assert w == pytest.approx(2 * np.sqrt(2 * np.log(2)), rel=1e-3)
    shifted = np.diff(sps.norm.cdf(edges, 0.3)) * 300  # a peak between two bin centres
    assert abs(fwhm_fine(shifted, lo, width)[0] - 0.3) <= width / 2


def test_quantiles_of_a_few_counts_start_at_zero():
    from aelatent.stats.components import kernel_sd, quantiles

    # cdf over edges 0..4: 0, 0, 1/2, 1, 1
    assert quantiles([0, 2, 2, 0], 0.0, 1.0, [0.25, 0.5, 0.75]).tolist() == [1.5, 2.0, 2.5]
    # flat over 4.0: the grid's sd (20 bins, 1.0) is below IQR / 1.349 = 2.0 / 1.349
    counts = np.full(80, 10)
    assert kernel_sd(counts, 0.0, 0.05) == pytest.approx(0.9 * (20 * 0.05) * 800**-0.2)


def test_fwhm_crossing_reaches_the_first_bin():
    from aelatent.stats.components import fwhm

    # half is 5: every bin left of the peak is above it, so the left crossing is bin 0's centre
    assert fwhm(np.arange(4.0), [6, 9, 10, 3]) == (2.0, pytest.approx(2 + 5 / 7 - 0))


def test_histograms_count_a_maximum_on_a_bin_edge_in_its_own_bin(tmp_path):
    from aelatent.stats.components import histograms

    x = np.array([[0.0], [0.5], [1.0], [1.0]], dtype=np.float32)  # the max is a multiple of 0.125
    create_latent_store(tmp_path / "z.zarr", 4, 1, 2, {})[:] = x
    h = histograms(str(tmp_path / "z.zarr"), Moments(1).update(x), 0.125)
    assert h["edges"].tolist() == [0.125 * k for k in range(10)]
    assert h["counts"][0].tolist() == [1, 0, 0, 0, 1, 0, 0, 0, 2]


def test_moments_start_empty_and_refuse_to_combine_nothing():
    m = Moments(2)
    assert m.min.tolist() == [np.inf, np.inf] and m.max.tolist() == [-np.inf, -np.inf]
    m.update(np.array([[-5.0, 7.0], [-6.0, 8.0]]))
    assert m.min.tolist() == [-6.0, 7.0] and m.max.tolist() == [-5.0, 8.0]
    assert m.min.dtype == m.max.dtype == np.float64
    both = Moments(2).merge(m)
    assert both.min.tolist() == [-6.0, 7.0] and both.max.tolist() == [-5.0, 8.0] and both.n == 2
    with pytest.raises(ValueError, match="^nothing to combine$"):
        Moments.combine([])


def test_a_value_exactly_at_the_limit_is_not_in_the_slice():
    from aelatent.stats.special import slice_masks, slice_steps

    x = np.array([[2.0, 0.0, 0.0], [1.999, 9.0, 9.0], [-2.0, 0.0, 0.0]])
    (s1,) = slice_masks(x, slice_steps(3, 1, 2), np.full(3, 2.0))
    assert s1.tolist() == [False, True, False]


def test_degenerate_spectra_have_no_participation_and_negative_rounding_is_clipped():
    from aelatent.stats.structure import effective_rank, pair_overlap, participation_ratio, spectrum

    assert participation_ratio(np.zeros(3)) == 0.0 and effective_rank(np.zeros(3)) == 0.0
    assert participation_ratio(np.array([0.5, 0.0])) == 1.0 and effective_rank(np.array([0.5, 0.0])) == 1.0
    assert participation_ratio(np.array([0.3, 0.3])) == pytest.approx(2.0)
    assert effective_rank(np.array([0.25, 0.25])) == pytest.approx(2.0)
    ev = spectrum(np.array([[1.0, 1.0 + 1e-9], [1.0 + 1e-9, 1.0]]))  # a rounding-negative eigenvalue
    assert ev.tolist() == [pytest.approx(2.0), 0.0]
    one = pair_overlap([], [0], 1)
    assert np.isnan(one["chance_both"]) and np.isnan(one["chance_any"])
