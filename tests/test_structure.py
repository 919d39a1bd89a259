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


# What each row of structure.tsv says it is: the report's structure page shows this column.
MEANINGS = {
    "n_vectors": "vectors N the statistics are computed over",
    "dim": "latent dimension D",
    "n_pairs": "component pairs D(D-1)/2",
    "corr_participation_ratio": "(sum l)^2 / sum l^2 of the correlation matrix: D if uncorrelated",
    "corr_effective_rank": "exp(entropy) of the correlation eigenvalues: D if uncorrelated",
    "corr_top_eigenvalue": "largest correlation eigenvalue: 1 if uncorrelated",
    "marchenko_pastur_edge": "largest eigenvalue D independent components show over N vectors",
    "corr_eigenvalues_above_edge": "correlation eigenvalues above that edge: correlated directions",
    "cov_participation_ratio": "participation ratio of the covariance: directions the variance spreads over",
    "cov_effective_rank": "effective rank of the covariance",
    "cov_components_50pct": "principal axes holding 50% of the variance",
    "cov_components_90pct": "principal axes holding 90% of the variance",
    "cov_components_99pct": "principal axes holding 99% of the variance",
    "abs_r_mean": "mean |r| over all pairs",
    "abs_r_q50": "50% of pairs have |r| below this",
    "abs_r_q90": "90% of pairs have |r| below this",
    "abs_r_q99": "99% of pairs have |r| below this",
    "abs_r_max": "largest |r|",
    "abs_r_noise": "mean |r| of independent components over N vectors",
    "pairs_above_threshold": "pairs in pairs.tsv (|r| above stats.pair_threshold)",
    "pairs_both_dominant": "of those, pairs of two dominant components",
    "pairs_any_dominant": "of those, pairs with at least one dominant component",
    "chance_both_dominant": "share expected for random pairs: K(K-1)/(D(D-1))",
    "chance_any_dominant": "share expected for random pairs: 1-(D-K)(D-K-1)/(D(D-1))",
    "n_dominant": "dominant components K",
    "component_std_median": "median std of a component: the latent scale",
    "component_rms": "root mean square of a component's values: |z| is about sqrt(D) times this",
    "skew_abs_median": "median |skew| over components (0 for a Gaussian)",
    "kurtosis_abs_median": "median |excess kurtosis| (0 for a Gaussian)",
    "kurtosis_negative_share_dominant": (
        "dominant components with negative excess kurtosis (flatter than a Gaussian)"
    ),
    "ks_limit": "KS distance below which a component counts as Gaussian",
    "ks_median": "median KS distance of a component to its fitted normal",
    "ks_median_dominant": "the same among dominant components",
    "near_gaussian_share": "components Gaussian by the KS rule (gaussian_rule)",
    "flat_topped_share": "components flat-topped by the KS rule (gaussian_rule)",
    "heavy_tailed_share": "components heavy-tailed by the KS rule (gaussian_rule)",
    "near_gaussian_share_dominant": "dominant components Gaussian by the KS rule (gaussian_rule)",
    "flat_topped_share_dominant": "dominant components flat-topped by the KS rule (gaussian_rule)",
    "heavy_tailed_share_dominant": "dominant components heavy-tailed by the KS rule (gaussian_rule)",
}


def test_every_structure_row_says_what_it_is():
    x = np.random.default_rng(2).standard_normal((300, 5))
    m = Moments(5).update(x)
    rows, _ = structure_rows(m, np.zeros(5), np.zeros(5), [0, 3], [(0, 1)], ks=np.full(5, 0.01))
    assert {r["quantity"]: r["meaning"] for r in rows} == MEANINGS
    without_ks, _ = structure_rows(m, np.zeros(5), np.zeros(5), [0, 3], [(0, 1)])
    assert [r["quantity"] for r in without_ks] == list(MEANINGS)[: list(MEANINGS).index("ks_limit")]


def test_write_structure_tables_equal_scipy_and_a_hand_made_ks(tmp_path):
    """The three tables from files, as the rule writes them: gaussianity.tsv's skew and kurtosis
    against scipy, its KS distance recomputed at the fine grid's edges with scipy's normal CDF
    (values beyond the grid on one side only, then on both: half on each side), and the shapes."""
    from aelatent.io.latents import create_latent_store
    from aelatent.io.tables import read_tsv, write_tsv
    from aelatent.stats.structure import write_structure

    rng = np.random.default_rng(21)
    n = 2000
    x = np.column_stack(
        [
            rng.standard_normal(n) * 2 + 1,
            rng.uniform(-3, 3, n),
            rng.standard_t(2, n),
            rng.standard_normal(n),
            rng.standard_normal(n) * 0.5 - 4,
        ]
    ).astype(np.float32)
    x[7, 3] = 12.0  # one value above the grid only
    x64 = x.astype(np.float64)
    assert x64[:, 2].min() < -8 * x64[:, 2].std() and x64[:, 2].max() > 8 * x64[:, 2].std()
    assert x64[:, 3].max() > 8 * x64[:, 3].std() > -x64[:, 3].min()
    create_latent_store(tmp_path / "z.zarr", n, 5, 300, {})[:] = x
    Moments(5).update(x).save(tmp_path / "moments.npz")
    write_tsv(
        [{"index": i, "dominant": int(i in (1, 2))} for i in range(5)], str(tmp_path / "components.tsv")
    )
    write_tsv([{"i": 1, "j": 2}, {"i": 0, "j": 4}], str(tmp_path / "pairs.tsv"))
    mean, sd = x64.mean(axis=0), x64.std(axis=0, ddof=1)
    lo, width, bins = mean - 8 * sd, sd / 20, 320
    counts = np.array([np.histogram(x64[:, i], lo[i] + width[i] * np.arange(bins + 1))[0] for i in range(5)])
    np.savez(tmp_path / "hist.npz", fine_counts=counts, fine_lo=lo, fine_width=width)
    outs = [tmp_path / f for f in ("structure.tsv", "spectrum.tsv", "gaussianity.tsv")]
    write_structure(
        *(str(tmp_path / f) for f in ("z.zarr", "moments.npz", "components.tsv", "hist.npz", "pairs.tsv")),
        *map(str, outs),
    )
    g = read_tsv(str(outs[2]))
    assert [r["index"] for r in g] == list(range(5)) and [r["dominant"] for r in g] == [0, 1, 1, 0, 0]
    np.testing.assert_allclose([r["mean"] for r in g], mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose([r["std"] for r in g], x64.std(axis=0), rtol=1e-5)
    np.testing.assert_allclose([r["skew"] for r in g], sps.skew(x64, axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose([r["excess_kurtosis"] for r in g], sps.kurtosis(x64, axis=0), rtol=1e-5)
    ks = []
    for i in range(5):
        edges = lo[i] + width[i] * np.arange(bins + 1)
        emp = np.array([(x64[:, i] < e).sum() for e in edges], dtype=float)
        if x64[:, i].min() < edges[0] and x64[:, i].max() > edges[-1]:  # both sides: half each
            outside = n - counts[i].sum()
            emp = outside / 2 + np.concatenate([[0.0], np.cumsum(counts[i])])
        ks.append(np.abs(emp / n - sps.norm.cdf(edges, mean[i], sd[i])).max())
    np.testing.assert_allclose([r["ks_normal"] for r in g], ks, rtol=1e-5, atol=1e-7)
    limit = max(0.02, 1.031 / np.sqrt(n))
    assert [r["shape"] for r in g] == ["Gaussian", "flat-topped", "heavy-tailed", "Gaussian", "Gaussian"]
    assert [r["near_gaussian"] for r in g] == [int(k < limit) for k in ks] == [1, 0, 0, 1, 1]
    q = {r["quantity"]: r["value"] for r in read_tsv(str(outs[0]))}
    assert (q["n_vectors"], q["dim"], q["n_dominant"], q["pairs_both_dominant"], q["pairs_any_dominant"]) == (
        n,
        5,
        2,
        1,
        1,
    )
    assert q["ks_median"] == pytest.approx(np.median(ks), rel=1e-5)
    ec = np.sort(np.linalg.eigvalsh(np.corrcoef(x64, rowvar=False)))[::-1]
    spec = read_tsv(str(outs[1]))
    np.testing.assert_allclose([s["corr_eigenvalue"] for s in spec], ec, rtol=1e-5)


def test_write_structure_refuses_moments_of_another_store(tmp_path):
    from aelatent.io.latents import create_latent_store
    from aelatent.io.tables import write_tsv
    from aelatent.stats.structure import write_structure

    x = np.random.default_rng(0).standard_normal((50, 2)).astype(np.float32)
    create_latent_store(tmp_path / "z.zarr", 50, 2, 20, {})[:] = x
    Moments(2).update(x[:40]).save(tmp_path / "moments.npz")
    write_tsv([{"index": 0, "dominant": 0}, {"index": 1, "dominant": 0}], str(tmp_path / "c.tsv"))
    write_tsv([], str(tmp_path / "p.tsv"), columns=["i", "j"])
    np.savez(tmp_path / "h.npz", fine_counts=np.zeros((2, 4)), fine_lo=np.zeros(2), fine_width=np.ones(2))
    args = [str(tmp_path / f) for f in ("z.zarr", "moments.npz", "c.tsv", "h.npz", "p.tsv", "s", "sp", "g")]
    with pytest.raises(
        ValueError, match=f"{tmp_path / 'z.zarr'} has 50 rows, {tmp_path / 'moments.npz'} counted 40"
    ):
        write_structure(*args)
    assert not (tmp_path / "s").exists()


def test_a_constant_component_first_has_no_shape_and_the_next_one_still_does():
    """NaN skew, kurtosis and KS distance for the component without spread, quietly, and the
    components after it measured as usual."""
    import warnings

    from aelatent.stats.structure import ks_normal

    x = np.column_stack([np.full(400, 3.0), np.random.default_rng(1).standard_normal(400)])
    m = Moments(2).update(x)
    width = np.array([1.0, m.std()[1] / 20])
    lo = m.mean - 160 * width
    counts = np.array([np.histogram(x[:, i], lo[i] + width[i] * np.arange(321))[0] for i in range(2)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        n, powers = central_powers([x[:150], x[150:]], m.mean)
        skew, kurt = skew_kurtosis(n, powers)
        ks = ks_normal({"fine_counts": counts, "fine_lo": lo, "fine_width": width}, m)
    assert np.isnan(skew[0]) and np.isnan(kurt[0]) and np.isnan(ks[0])
    assert skew[1] == pytest.approx(sps.skew(x[:, 1])) and kurt[1] == pytest.approx(sps.kurtosis(x[:, 1]))
    edges = lo[1] + width[1] * np.arange(321)
    emp = np.array([(x[:, 1] < e).mean() for e in edges])
    assert ks[1] == pytest.approx(np.abs(emp - sps.norm.cdf(edges, m.mean[1], m.std()[1])).max(), rel=1e-9)
    one_row = skew_kurtosis(1, np.array([[0.0], [0.0], [0.0]]))
    assert np.isnan(one_row[0]).all() and np.isnan(one_row[1]).all()
