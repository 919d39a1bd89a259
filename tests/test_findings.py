"""Each finding against an independent computation: small hand-built clouds whose numbers numpy
(and scipy) give directly, run through the pipeline's table code and then the finding."""

import numpy as np
import pytest
from conftest import with_defaults
from scipy import stats as sps

from aelatent.report import findings as fi
from aelatent.report.load import RunSummary
from aelatent.stats.moments import Moments
from aelatent.stats.structure import (
    KS_SIZE,
    central_powers,
    gaussian_shape,
    ks_limit,
    ks_normal,
    skew_kurtosis,
    structure_rows,
)
from aelatent.vectors.cloud import RealCloud
from aelatent.vectors.origin import origin_border, origin_views

REF = with_defaults({})["reference"]


def a_run(**over) -> RunSummary:
    base = {
        "n": 1000,
        "dim": 16,
        "m": 300,
        "pair_threshold": 0.5,
        "structure": {"component_std_median": 1.0, "corr_effective_rank": 4.0},
        "counts": [{"threshold": 0.5, "n_all": 12, "n_sample": 13, "subset_low": 10.0, "subset_high": 15.0}],
        "pairs": [(0, 1), (0, 2), (3, 9)],
        "strongest_pairs": [(0, 1), (0, 2), (3, 9)],
        "dominant_rows": [
            {"index": i, "mean": 0.1, "peak": 0.1, "hw": 1.0, "hw_fine": 1.0} for i in (0, 1, 2)
        ],
    }
    base.update(over)
    return RunSummary(**base)


# --- the origin -----------------------------------------------------------------------------------


def cloud_of(x: np.ndarray, seed: int = 0) -> tuple[RealCloud, Moments]:
    m = Moments(x.shape[1]).update(x)
    return RealCloud.build(m, x, seed=seed, floor=1e-9), m


def numpy_origin(x: np.ndarray, ref: np.ndarray, share: float = 0.9) -> dict:
    """The origin's distances by plain numpy: eigenvectors of np.cov, the fewest leading ones
    holding ``share`` of the variance, distances in their span and in the rest."""
    mean, cov = x.mean(axis=0), np.cov(x, rowvar=False)
    evals, evecs = np.linalg.eigh(cov)
    evals, evecs = evals[::-1], evecs[:, ::-1]
    k = int(np.argmax(np.cumsum(evals) / evals.sum() >= share - 1e-12) + 1)

    def split(v):
        y = (v - mean) @ evecs / np.sqrt(evals)
        return np.linalg.norm(y[..., :k], axis=-1), np.linalg.norm(y[..., k:], axis=-1)

    p0, r0 = split(np.zeros(x.shape[1]))
    pr, rr = split(ref)
    u = mean / np.linalg.norm(mean)
    return {
        "k": k,
        "p0": p0,
        "r0": r0,
        "p_pct": 100 * (pr < p0).mean(),
        "r_pct": 100 * (rr < r0).mean(),
        "offset_sd": np.linalg.norm(mean) / np.sqrt(u @ cov @ u),
    }


def test_origin_splits_into_principal_and_rest_as_numpy_does():
    """Two wide axes (97% of the variance) and six narrow ones; the centre is off the origin along a
    narrow axis only, so in the principal plane the origin is mid-cloud, in the rest far out."""
    rng = np.random.default_rng(0)
    sd = np.array([3.0, 2.0, 0.3, 0.3, 0.2, 0.2, 0.1, 0.1])
    x = rng.standard_normal((20_000, 8)) * sd + [0, 0, 0, 0, 0, 0, 0.5, 0]
    cloud, m = cloud_of(x)
    row, want = origin_border(cloud, m), numpy_origin(x, cloud.ref)
    assert row["principal_axes"] == want["k"] == 2
    assert row["origin_principal"] == pytest.approx(want["p0"], rel=1e-6)
    assert row["origin_rest"] == pytest.approx(want["r0"], rel=1e-6)
    assert row["origin_mahalanobis"] ** 2 == pytest.approx(want["p0"] ** 2 + want["r0"] ** 2, rel=1e-9)
    assert row["origin_principal_percentile"] == pytest.approx(want["p_pct"])
    assert row["origin_rest_percentile"] == pytest.approx(want["r_pct"])
    assert row["centre_offset_sd"] == pytest.approx(want["offset_sd"], rel=1e-6)
    assert row["rest_share_of_d0_squared"] == pytest.approx(want["r0"] ** 2 / row["origin_mahalanobis"] ** 2)
    views = origin_views(cloud)
    # the whitened centre->origin direction: real vectors have unit spread along it, the origin sits at d0
    assert views["along"].std() == pytest.approx(1.0, abs=0.05)
    assert float(views["origin_along"]) == pytest.approx(row["origin_mahalanobis"])
    # the first principal plane holds the two wide axes, centred on the cloud's centre
    assert views["plane_share"] == pytest.approx([9 / (sd @ sd), 4 / (sd @ sd)], rel=0.05)
    top2 = np.linalg.eigh(np.cov(x, rowvar=False))[1][:, [-1, -2]]
    np.testing.assert_allclose(np.abs(views["origin_plane"]), np.abs(x.mean(axis=0) @ top2), rtol=1e-6)

    run = a_run(dim=8, origin=row)
    centre, principal, rest = fi.origin_centre(run), fi.origin_principal(run), fi.origin_rest(run)
    assert centre.verdict == "agrees" and f"{fi.fmt(want['offset_sd'], 3)} standard deviations" in centre.run
    assert principal.verdict == "differs" and "inside the bulk" in principal.run
    assert rest.verdict == "differs" and "outside the cloud" in rest.run
    assert all(f.figure == "origin_views" for f in (centre, principal, rest))


def test_an_origin_two_standard_deviations_out_on_the_one_wide_axis_is_at_the_border():
    rng = np.random.default_rng(1)
    sd = np.array([4.0, 0.3, 0.3, 0.2])
    x = rng.standard_normal((40_000, 4)) * sd + [8.0, 0, 0, 0]  # the origin at 2 sd along axis 0
    cloud, m = cloud_of(x)
    row = origin_border(cloud, m)
    assert row["principal_axes"] == 1
    # |N(0, 1)| < 2 for 95.4% of vectors; 2 is below 1.2 x its 99th percentile 2.58
    assert row["origin_principal_percentile"] == pytest.approx(100 * (2 * sps.norm.cdf(2) - 1), abs=0.5)
    principal = fi.origin_principal(a_run(dim=4, origin=row))
    assert principal.verdict == "agrees" and "at the border" in principal.run


def test_components_whose_range_excludes_zero_are_counted():
    rng = np.random.default_rng(2)
    x = np.column_stack([rng.normal(0, 1, 5000), rng.normal(10, 1, 5000), rng.normal(-2.5, 1, 5000)])
    cloud, m = cloud_of(x)
    row = origin_border(cloud, m)
    lo, hi = np.percentile(np.concatenate([cloud.fit, cloud.ref]), [0.5, 99.5], axis=0)
    pos = -lo / (hi - lo)
    assert (
        row["components_0_outside"] == pytest.approx(((pos < 0) | (pos > 1)).mean()) == pytest.approx(1 / 3)
    )
    assert row["components_0_near_edge"] == pytest.approx(
        (((pos >= 0) & (pos < 0.1)) | ((pos <= 1) & (pos > 0.9))).mean()
    )


# --- Gaussianity ----------------------------------------------------------------------------------


def shape_inputs(x: np.ndarray):
    """The KS distances as the pipeline computes them: from fine histograms of each component."""
    from aelatent.stats.components import fine_grid

    m = Moments(x.shape[1]).update(x)
    lo, width, bins = fine_grid(m)
    counts = np.stack(
        [np.histogram(x[:, i], lo[i] + width[i] * np.arange(bins + 1))[0] for i in range(x.shape[1])]
    )
    ks = ks_normal({"fine_counts": counts, "fine_lo": lo, "fine_width": width}, m)
    skew, kurt = skew_kurtosis(*central_powers([x], m.mean))
    return m, ks, skew, kurt


def test_ks_distance_is_scipys_and_names_flat_tops_and_heavy_tails():
    rng = np.random.default_rng(3)
    n = 20_000
    x = np.column_stack(
        [
            rng.normal(1, 2, n),
            rng.uniform(-1, 1, n),
            rng.laplace(0, 1, n),
            rng.standard_t(30, n),
            rng.normal(0, 1, n),
        ]
    )
    m, ks, skew, kurt = shape_inputs(x)
    want = [sps.kstest(c, "norm", args=(c.mean(), c.std(ddof=1))).statistic for c in x.T]
    # exact at every bin edge (1/20 std apart): below the true sup by at most one bin's mass
    assert ks == pytest.approx(want, abs=0.011)
    assert (ks <= np.array(want) + 1e-9).all()
    assert gaussian_shape(ks, kurt, n) == ["Gaussian", "flat-topped", "heavy-tailed", "Gaussian", "Gaussian"]
    assert ks_limit(n) == KS_SIZE and ks_limit(600) == pytest.approx(1.031 / np.sqrt(600))


def test_gaussian_finding_is_partly_when_the_dominant_components_are_flat_topped():
    """Twelve Gaussian components and four flat-topped (two Gaussians 2 std apart) dominant ones:
    the old rule (|skew| < 0.5, |excess kurtosis| < 1) called them all Gaussian."""
    rng = np.random.default_rng(4)
    n = 12_000
    gauss = rng.normal(0, 1, (n, 12))
    flat = 3 * (rng.normal(0, 1, (n, 4)) + np.where(rng.random((n, 4)) < 0.5, -1.2, 1.2))
    x = np.hstack([gauss, flat])
    m, ks, skew, kurt = shape_inputs(x)
    assert (np.abs(kurt[12:]) < 1).all() and (np.abs(skew) < 0.5).all()  # the old rule passes them
    rows, _ = structure_rows(m, skew, kurt, dominant=[12, 13, 14, 15], pairs=[], ks=ks)
    q = {r["quantity"]: r["value"] for r in rows}
    shape = np.array(gaussian_shape(ks, kurt, n))
    assert q["near_gaussian_share"] == pytest.approx((shape == "Gaussian").mean()) == pytest.approx(12 / 16)
    assert q["flat_topped_share_dominant"] == 1.0 and q["near_gaussian_share_dominant"] == 0.0
    assert q["component_std_median"] == pytest.approx(np.median(x.std(axis=0, ddof=1)))
    f = fi.gaussian(a_run(n=n, structure=q, dominant_rows=[{"index": i} for i in (12, 13, 14, 15)]))
    assert f.verdict == "partly" and "100% are flat-topped" in f.run
    assert "Kolmogorov-Smirnov" in f.rule and "stats." not in f.rule
    # 75% of all components Gaussian: below 80% even when the dominant ones are
    assert fi.gaussian(a_run(n=n, structure={**q, "near_gaussian_share_dominant": 0.9})).verdict == "partly"
    assert fi.gaussian(a_run(n=n, structure={**q, "near_gaussian_share": 0.3})).verdict == "differs"
    assert (
        fi.gaussian(
            a_run(n=n, structure={**q, "near_gaussian_share": 0.9, "near_gaussian_share_dominant": 0.8})
        ).verdict
        == "agrees"
    )


# --- lengths and b -------------------------------------------------------------------------------


def test_lengths_compare_b_in_units_of_the_latent_scale():
    rows = [
        {"b": b, "ks": abs(b - 3.0) / 4 + 0.1, "radius_median": 10 * b, "best": int(b == 3.0)}
        for b in (1.0, 2.0, 3.0, 4.0)
    ]
    run = a_run(radii=rows, structure={"component_std_median": 1.75})
    f = fi.lengths(run, REF)
    # 3.0 / 1.75 = 1.71 lies in the article's 1.0 / 0.7 - 2.0 / 0.7 = 1.43 - 2.86
    assert "1.71 times the typical component std 1.75" in f.run and "2.14 times its 0.7" in f.run
    assert f.verdict == "agrees"
    assert fi.lengths(a_run(radii=rows, structure={"component_std_median": 0.5}), REF).verdict == "differs"
    loose = [dict(r, ks=0.6) if r["best"] else r for r in rows]
    assert fi.lengths(a_run(radii=loose, structure={"component_std_median": 1.75}), REF).verdict == "partly"
    at_end = [dict(r, best=int(r["b"] == 4.0)) for r in rows]
    assert fi.lengths(a_run(radii=at_end, structure={"component_std_median": 1.75}), REF).verdict == "unclear"


# --- pairs -------------------------------------------------------------------------------------------


def test_pair_share_explains_a_high_share_by_the_effective_rank():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(5000, 3)) @ rng.normal(size=(3, 16)) + 0.3 * rng.normal(size=(5000, 16))
    corr = np.corrcoef(x, rowvar=False)
    ev = np.clip(np.linalg.eigvalsh(corr), 0, None)
    p = ev[ev > 0] / ev.sum()
    rank = float(np.exp(-(p * np.log(p)).sum()))
    n_all = int((np.abs(corr[np.triu_indices(16, 1)]) > 0.5).sum())
    run = a_run(counts=[{"threshold": 0.5, "n_all": n_all}], structure={"corr_effective_rank": rank})
    f = fi.pair_share(run, REF)
    ratio = (n_all / 120) / (16 / 32640)
    assert f.verdict == "differs" and f"{fi.fmt(ratio, 3)} times the reference share" in f.run
    assert (
        f"effective rank is {fi.fmt(rank, 3)} of 16" in f.run and "far fewer independent directions" in f.run
    )


def test_pair_concentration_counts_the_strongest_pairs_against_chance():
    pairs = [(0, 1)] * 16 + [(5, 6)] * 100  # the 16 strongest join dominant components, the rest not
    f = fi.pair_concentration(a_run(strongest_pairs=pairs), REF)
    assert f.run.startswith("of the 16 strongest pairs, 16 join two") and f.verdict == "agrees"
    assert "15 join two dominant" in f.claim and "largest |mean| + hw_fine" in f.rule


# --- coverage and training -------------------------------------------------------------------------


def coverage_rows(uniform_nn: float) -> list[dict]:
    return [
        {"generator": "uniform", "inside_fraction": 0.0, "nn_ratio": uniform_nn},
        {"generator": "normal", "inside_fraction": 0.02, "nn_ratio": uniform_nn * 0.95},
        {"generator": "mvn", "inside_fraction": 1.0, "nn_ratio": 1.36},
        {"generator": "gmm", "inside_fraction": 1.0, "nn_ratio": 1.18},
    ]


def test_coverage_shows_the_nearest_neighbour_ratio_beside_the_inside_fraction():
    best = [{"b": 3.0, "ks": 0.6, "best": 1}]
    close = fi.coverage(a_run(coverage=coverage_rows(1.42), radii=best))
    assert "uniform (b = 3, the best-length b) 0% / 1.42" in close.run and "gmm 100% / 1.18" in close.run
    assert close.verdict == "partly"  # 1.33 < 1.25 x 1.18: as close as the correlated generators
    far = fi.coverage(a_run(coverage=coverage_rows(3.0), radii=best, uniform_b=1.5))
    assert far.verdict == "agrees" and "uniform (b = 1.5) 0% / 3" in far.run
    inside = coverage_rows(3.0)
    inside[0]["inside_fraction"] = 0.7
    assert fi.coverage(a_run(coverage=inside)).verdict == "differs"


def test_training_flags_a_validation_loss_still_falling():
    metrics = [{"valid_mse": v} for v in (0.01, 0.006, 0.0048)]
    f = fi.training(a_run(metrics=metrics))
    assert f.verdict == "differs" and "20% below the epoch before" in f.run and "under-trained" in f.run
    assert fi.training(a_run(metrics=[{"valid_mse": 0.005}, {"valid_mse": 0.0049}])).verdict == "agrees"
    assert fi.training(a_run(metrics=[{"valid_mse": 0.005}])).verdict == "unclear"


def test_every_rule_is_in_words_and_every_finding_names_a_registered_figure():
    from aelatent.outputs import OUTPUTS

    sd = np.array([3.0, 2.0, 0.3, 0.3])
    x = np.random.default_rng(6).standard_normal((4000, 4)) * sd + [1, 0, 0, 0.2]
    cloud, m = cloud_of(x)
    run = a_run(
        dim=4,
        origin=origin_border(cloud, m),
        coverage=coverage_rows(2.0),
        radii=[
            {"b": 1.0, "ks": 0.5, "best": 0},
            {"b": 1.5, "ks": 0.1, "best": 1},
            {"b": 2.0, "ks": 0.4, "best": 0},
        ],
        metrics=[{"valid_mse": 0.01}, {"valid_mse": 0.0099}],
        structure={
            "component_std_median": 0.8,
            "corr_effective_rank": 3.0,
            "cov_participation_ratio": 1.5,
            "cov_components_90pct": 2,
            "near_gaussian_share": 0.9,
            "near_gaussian_share_dominant": 0.9,
            "ks_limit": 0.02,
        },
    )
    found = fi.findings(run, REF)
    assert len(found) == 10 and len({f.key for f in found}) == 10
    for f in found:
        assert f.verdict in fi.VERDICTS and f.figure in OUTPUTS and OUTPUTS[f.figure].kind == "figure"
        assert not any(
            k in f.rule for k in ("stats.", "vectors.", "figures.", "n_dominant", "eigen_floor")
        ), f
