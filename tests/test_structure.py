"""Numbering-free correlation structure and per-component shape (stats/structure.py)."""

import numpy as np
import pytest
from scipy import stats as sps

from aelatent.stats.moments import Moments
from aelatent.stats.structure import (
    central_powers,
    components_for_share,
    effective_rank,
    marchenko_pastur_edge,
    pair_overlap,
    participation_ratio,
    skew_kurtosis,
    spectrum,
    structure_rows,
)

ARTICLE_PAIRS = [
    (31, 188), (68, 151), (68, 177), (68, 202), (110, 188), (118, 195), (151, 177), (151, 202),
    (151, 242), (177, 202), (177, 242), (188, 210), (188, 230), (195, 242), (202, 242), (210, 230),
]  # fmt: skip
ARTICLE_DOMINANT = [
    15,
    16,
    56,
    58,
    66,
    68,
    110,
    118,
    151,
    177,
    178,
    180,
    188,
    195,
    202,
    204,
    210,
    230,
    242,
    253,
]


def test_participation_ratio_and_effective_rank_span_one_to_d():
    assert participation_ratio(np.ones(10)) == pytest.approx(10)
    assert effective_rank(np.ones(10)) == pytest.approx(10)
    one = np.array([5.0, 0, 0, 0])
    assert participation_ratio(one) == pytest.approx(1)
    assert effective_rank(one) == pytest.approx(1)
    assert 1 < participation_ratio(np.array([3.0, 1, 1, 1])) < 4


def test_components_for_share_counts_leading_eigenvalues():
    ev = np.array([5.0, 3.0, 1.0, 1.0])
    assert components_for_share(ev, 0.5) == 1
    assert components_for_share(ev, 0.8) == 2
    assert components_for_share(ev, 0.9) == 3
    assert components_for_share(ev, 1.0) == 4


def test_noise_edge_separates_independent_from_correlated_components():
    rng = np.random.default_rng(0)
    n, d = 4000, 40
    x = rng.standard_normal((n, d))
    edge = marchenko_pastur_edge(d, n)
    assert spectrum(np.corrcoef(x, rowvar=False))[0] < edge * 1.05
    x[:, 1] = x[:, 0] + 0.5 * x[:, 1]  # one planted correlation
    top = spectrum(np.corrcoef(x, rowvar=False))
    assert top[0] > edge and (top > edge).sum() == 1


def test_spectrum_is_sorted_and_treats_nan_rows_as_uncorrelated():
    c = np.array([[1.0, 0.5, np.nan], [0.5, 1.0, np.nan], [np.nan, np.nan, np.nan]])
    ev = spectrum(c)
    assert list(ev) == sorted(ev, reverse=True)
    assert ev == pytest.approx([1.5, 0.5, 0.0])


def test_pair_overlap_reproduces_the_article_and_the_chance_expectation():
    ov = pair_overlap(ARTICLE_PAIRS, ARTICLE_DOMINANT, 256)
    assert (ov["pairs"], ov["both_dominant"], ov["any_dominant"]) == (16, 15, 16)
    assert ov["chance_both"] == pytest.approx(20 * 19 / (256 * 255))
    assert ov["chance_any"] == pytest.approx(1 - 236 * 235 / (256 * 255))
    # the expectation is what random pairs give
    rng = np.random.default_rng(1)
    pairs = [tuple(rng.choice(256, 2, replace=False)) for _ in range(20000)]
    sim = pair_overlap(pairs, ARTICLE_DOMINANT, 256)
    assert sim["both_dominant"] / 20000 == pytest.approx(ov["chance_both"], abs=0.002)
    assert sim["any_dominant"] / 20000 == pytest.approx(ov["chance_any"], abs=0.01)


def test_skew_and_kurtosis_match_scipy_and_do_not_depend_on_chunking():
    rng = np.random.default_rng(2)
    x = np.column_stack([rng.standard_normal(20000), rng.exponential(size=20000), rng.uniform(size=20000)])
    mean = x.mean(axis=0)
    n, whole = central_powers([x], mean)
    _, chunked = central_powers(np.array_split(x, 7), mean)
    assert n == 20000
    assert chunked == pytest.approx(whole, rel=1e-10)
    skew, kurt = skew_kurtosis(n, whole)
    assert skew == pytest.approx(sps.skew(x), abs=1e-9)
    assert kurt == pytest.approx(sps.kurtosis(x), abs=1e-9)
    assert abs(skew[0]) < 0.05 and abs(kurt[0]) < 0.1  # Gaussian
    assert skew[1] == pytest.approx(2, abs=0.2) and kurt[1] == pytest.approx(6, abs=1.5)  # exponential
    assert kurt[2] == pytest.approx(-1.2, abs=0.05)  # uniform


def test_constant_component_has_no_shape():
    x = np.column_stack([np.arange(10.0), np.full(10, 3.0)])
    skew, kurt = skew_kurtosis(*central_powers([x], x.mean(axis=0)))
    assert np.isfinite(skew[0]) and np.isnan(skew[1]) and np.isnan(kurt[1])


def test_structure_rows_of_independent_data_look_uncorrelated():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5000, 30))
    m = Moments(30).update(x)
    skew, kurt = skew_kurtosis(*central_powers([x], m.mean))
    rows, spec = structure_rows(m, skew, kurt, [0, 1, 2], [(0, 1), (5, 6)], ks=np.full(30, 0.01))
    q = {r["quantity"]: r["value"] for r in rows}
    assert q["n_vectors"] == 5000 and q["dim"] == 30 and q["n_pairs"] == 435
    assert q["corr_eigenvalues_above_edge"] == 0
    assert q["corr_participation_ratio"] > 25
    assert q["abs_r_mean"] == pytest.approx(q["abs_r_noise"], rel=0.2)
    assert q["near_gaussian_share"] == 1.0
    assert (q["pairs_both_dominant"], q["pairs_any_dominant"]) == (1, 1)
    assert [r["rank"] for r in spec] == list(range(1, 31))
    assert spec[-1]["cov_cumulative"] == pytest.approx(1.0)


def test_structure_rows_name_and_compute_every_quantity_as_numpy_does():
    """Every row of structure.tsv and spectrum.tsv by its exact name, recomputed with numpy on
    data with correlations, offsets, unequal widths, a flat-topped and a heavy-tailed component."""
    rng = np.random.default_rng(11)
    n, d = 3000, 10
    x = rng.standard_normal((n, d))
    x[:, 1] = 0.8 * x[:, 0] + 0.6 * x[:, 1]
    x[:, 2] = rng.uniform(-2, 2, n)
    x[:, 3] = rng.standard_t(5, n)
    x = (x + np.arange(d) * 0.5) * np.linspace(0.5, 2.0, d)
    m = Moments(d).update(x)
    skew, kurt = sps.skew(x, axis=0), sps.kurtosis(x, axis=0)
    dominant, pairs = [1, 2, 3], [(0, 1), (1, 2), (4, 5), (6, 7)]
    ks = np.array([0.001, 0.002, 0.2, 0.3, 0.001, 0.5, 0.001, 0.001, 0.001, 0.001])
    rows, spec = structure_rows(m, skew, kurt, dominant, pairs, ks=ks)
    q = {r["quantity"]: r["value"] for r in rows}

    corr, cov = np.corrcoef(x, rowvar=False), np.cov(x, rowvar=False)
    ec, ev = np.sort(np.linalg.eigvalsh(corr))[::-1], np.sort(np.linalg.eigvalsh(cov))[::-1]
    r = np.abs(corr[np.triu_indices(d, 1)])
    pr = lambda e: e.sum() ** 2 / (e**2).sum()  # noqa: E731
    er = lambda e: np.exp(-np.sum(e / e.sum() * np.log(e / e.sum())))  # noqa: E731
    edge = (1 + np.sqrt(d / n)) ** 2
    share = np.cumsum(ev) / ev.sum()
    std = x.std(axis=0, ddof=1)
    limit = max(0.02, 1.031 / np.sqrt(n))
    want = {
        "n_vectors": n,
        "dim": d,
        "n_pairs": 45,
        "corr_participation_ratio": pr(ec),
        "corr_effective_rank": er(ec),
        "corr_top_eigenvalue": ec[0],
        "marchenko_pastur_edge": edge,
        "corr_eigenvalues_above_edge": int((ec > edge).sum()),
        "cov_participation_ratio": pr(ev),
        "cov_effective_rank": er(ev),
        "cov_components_50pct": int(np.argmax(share >= 0.5) + 1),
        "cov_components_90pct": int(np.argmax(share >= 0.9) + 1),
        "cov_components_99pct": int(np.argmax(share >= 0.99) + 1),
        "abs_r_mean": r.mean(),
        "abs_r_q50": np.quantile(r, 0.5),
        "abs_r_q90": np.quantile(r, 0.9),
        "abs_r_q99": np.quantile(r, 0.99),
        "abs_r_max": r.max(),
        "abs_r_noise": np.sqrt(2 / (np.pi * n)),
        "pairs_above_threshold": 4,
        "pairs_both_dominant": 1,  # (1, 2)
        "pairs_any_dominant": 2,  # (0, 1), (1, 2)
        "chance_both_dominant": 3 * 2 / 90,
        "chance_any_dominant": 1 - 7 * 6 / 90,
        "n_dominant": 3,
        "component_std_median": np.median(std),
        "component_rms": np.sqrt(np.mean(x.mean(axis=0) ** 2 + std**2)),
        "skew_abs_median": np.median(np.abs(skew)),
        "kurtosis_abs_median": np.median(np.abs(kurt)),
        "kurtosis_negative_share_dominant": np.mean(kurt[dominant] < 0),
        "ks_limit": limit,
        "ks_median": np.median(ks),
        "ks_median_dominant": 0.2,
        # shapes: 7 near Gaussian by KS; 2 (uniform) flat-topped, 3 (t) heavy-tailed, 5 by its kurtosis
        "near_gaussian_share": 0.7,
        "flat_topped_share": float(kurt[5] < 0) / 10 + 0.1,
        "heavy_tailed_share": float(kurt[5] > 0) / 10 + 0.1,
        "near_gaussian_share_dominant": 1 / 3,
        "flat_topped_share_dominant": 1 / 3,
        "heavy_tailed_share_dominant": 1 / 3,
    }
    assert kurt[2] < 0 < kurt[3] and 0 < want["kurtosis_negative_share_dominant"] < 1
    assert 1 < want["cov_components_50pct"] < want["cov_components_99pct"]
    assert list(q) == list(want)
    for key, value in want.items():
        assert q[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
    assert all(isinstance(q[k], int) for k in ("n_vectors", "dim", "n_pairs", "n_dominant"))
    assert [s["rank"] for s in spec] == list(range(1, d + 1))
    np.testing.assert_allclose([s["corr_eigenvalue"] for s in spec], ec, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose([s["cov_eigenvalue"] for s in spec], ev, rtol=1e-9)
    np.testing.assert_allclose([s["corr_cumulative"] for s in spec], np.cumsum(ec) / ec.sum(), rtol=1e-9)
    np.testing.assert_allclose([s["cov_cumulative"] for s in spec], share, rtol=1e-9)


def test_structure_rows_without_dominant_components_leave_their_shares_undefined():
    x = np.random.default_rng(5).standard_normal((500, 4))
    m = Moments(4).update(x)
    rows, _ = structure_rows(m, sps.skew(x, axis=0), sps.kurtosis(x, axis=0), [], [], ks=np.full(4, 0.5))
    q = {r["quantity"]: r["value"] for r in rows}
    dominant = [
        k for k in q if k.endswith("_dominant") and k.startswith(("kurtosis", "ks", "near", "flat", "heavy"))
    ]
    assert len(dominant) == 5 and all(np.isnan(q[k]) for k in dominant), {k: q[k] for k in dominant}
    assert q["n_dominant"] == 0 and q["pairs_above_threshold"] == 0 and q["near_gaussian_share"] == 0.0
    assert q["chance_both_dominant"] == 0.0 and q["chance_any_dominant"] == 0.0
