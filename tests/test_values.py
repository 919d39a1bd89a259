"""The tiny run's tables hold the numbers numpy computes from the latent store itself."""

import numpy as np
import pytest
import yaml
import zarr
from conftest import ROOT, numpy_rng, results, run_dir, with_defaults

from aelatent.io.tables import read_tsv

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def run(work):
    r = results(work)
    cfg = with_defaults(yaml.safe_load((ROOT / "config" / "tiny.yaml").read_text()))
    z = zarr.open_array(str(r / "latents" / "z.zarr"), mode="r")[:].astype(np.float64)
    return r, cfg, z


def seeded_subsets(n: int, m: int, count: int, seed: int) -> list[np.ndarray]:
    """The run's fresh M-subsets rebuilt from their definition, not by the library's draw_subsets
    (which would agree with any bug in it): the seeded stream "subsets" (the seed, then the
    purpose's SHA-256 as eight little-endian 32-bit words), min(m, n) rows without replacement each."""
    rng = numpy_rng(seed, "subsets")
    return [np.sort(rng.choice(n, size=min(m, n), replace=False)) for _ in range(count)]


def upper_pairs(corr):
    i, j = np.triu_indices(len(corr), k=1)
    return i, j, corr[i, j]


def test_moments_equal_numpy(run):
    r, _, z = run
    with np.load(r / "stats" / "moments.npz") as f:
        assert int(f["n"]) == len(z)
        np.testing.assert_allclose(f["mean"], z.mean(axis=0), rtol=0, atol=1e-10)
        np.testing.assert_allclose(f["m2"] / (len(z) - 1), np.cov(z, rowvar=False), rtol=0, atol=1e-10)
    comp = read_tsv(r / "stats" / "components.tsv")
    np.testing.assert_allclose([c["std"] for c in comp], z.std(axis=0, ddof=1), rtol=1e-5)


def test_pairs_and_all_n_counts_equal_numpy(run):
    r, cfg, z = run
    i, j, c = upper_pairs(np.corrcoef(z, rowvar=False))
    keep = np.abs(c) > cfg["stats"]["pair_threshold"]
    order = np.argsort(-np.abs(c[keep]), kind="stable")
    pairs = read_tsv(r / "stats" / "pairs.tsv")
    assert [(p["i"], p["j"]) for p in pairs] == list(zip(i[keep][order], j[keep][order], strict=True))
    np.testing.assert_allclose([p["corr"] for p in pairs], c[keep][order], rtol=0, atol=1e-6)
    counts = read_tsv(r / "stats" / "threshold_counts.tsv")
    assert [row["threshold"] for row in counts] == cfg["stats"]["thresholds"]
    assert [row["n_all"] for row in counts] == [
        int((np.abs(c) > t).sum()) for t in cfg["stats"]["thresholds"]
    ]
    with np.load(r / "stats" / "sample.npz") as f:
        _, _, cs = upper_pairs(np.corrcoef(f["z"], rowvar=False))
    assert [row["n_sample"] for row in counts] == [
        int((np.abs(cs) > t).sum()) for t in cfg["stats"]["thresholds"]
    ]


def test_subset_spread_equals_numpy_over_the_same_subsets(run):
    r, cfg, z = run
    st = cfg["stats"]
    idx = seeded_subsets(len(z), st["sample_size"], st["subsets"], cfg["seed"])
    sub = [upper_pairs(np.corrcoef(z[rows], rowvar=False)) for rows in idx]
    per_subset = np.array([[(np.abs(c) > t).sum() for t in st["thresholds"]] for _, _, c in sub])
    low, median, high = np.percentile(per_subset, [2.5, 50, 97.5], axis=0)
    counts = read_tsv(r / "stats" / "threshold_counts.tsv")
    np.testing.assert_allclose([row["subset_low"] for row in counts], low, rtol=1e-5)
    np.testing.assert_allclose([row["subset_median"] for row in counts], median, rtol=1e-5)
    np.testing.assert_allclose([row["subset_high"] for row in counts], high, rtol=1e-5)
    for p in read_tsv(r / "stats" / "pairs.tsv"):
        k = np.flatnonzero((sub[0][0] == p["i"]) & (sub[0][1] == p["j"]))[0]
        want = np.mean([abs(c[k]) > st["pair_threshold"] for _, _, c in sub])
        assert p["subset_fraction"] == pytest.approx(want)


def test_factor_correlations_equal_numpy(run, work):
    r, _, z = run
    store = zarr.open_group(str(run_dir(work) / "data" / "images.zarr"), mode="r")
    factors = store["factors"][:].astype(np.float64)
    want = np.corrcoef(np.hstack([z, factors]), rowvar=False)[: z.shape[1], z.shape[1] :]
    rows = read_tsv(r / "stats" / "factor_correlations.tsv")
    names = list(store.attrs["factor_names"])
    got = np.array([[row[n] for n in names] for row in rows])
    assert [row["component"] for row in rows] == list(range(z.shape[1]))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_special_points_equal_a_numpy_recount(run):
    r, cfg, z = run
    st = cfg["stats"]
    pair = st["special_pair"] or [read_tsv(r / "stats" / "pairs.tsv")[0][k] for k in "ij"]
    j1, j2 = sorted(pair)
    if st["special_threshold_sd"] is None:
        limit = np.full(z.shape[1], st["special_threshold"])
    else:
        limit = st["special_threshold_sd"] * z.std(axis=0, ddof=1)
    small = np.abs(z.astype(np.float32)) < limit
    ranges = [c for c in (range(0, j1), range(j1 + 1, j2), range(j2 + 1, z.shape[1])) if len(c)]
    keep, want = np.ones(len(z), bool), []
    for c in ranges:
        keep &= small[:, list(c)].all(axis=1)
        want.append(int(keep.sum()))
    rows = read_tsv(r / "stats" / "special_points.tsv")
    assert [row["n_all"] for row in rows] == want
    assert [row["empty"] for row in rows] == [int(w == 0) for w in want]


def test_coverage_condition_numbers_equal_numpy(run):
    r, cfg, z = run
    evals = np.linalg.eigvalsh(np.cov(z, rowvar=False))
    floor = cfg["vectors"]["eigen_floor"]
    for row in read_tsv(r / "stats" / "coverage.tsv"):
        assert row["condition_raw"] == pytest.approx(evals[-1] / evals[0], rel=1e-3)
        assert row["condition"] == pytest.approx(min(evals[-1] / evals[0], 1 / floor), rel=1e-3)


def test_hw_fine_is_a_kde_width_of_the_runs_own_latents(run):
    """On 600 vectors the binning-free width still measures the distribution, not noise peaks: within
    20% of the FWHM of scipy's Gaussian KDE of the same latents, component by component."""
    from scipy.stats import gaussian_kde

    r, _, z = run
    ratios = []
    for c in read_tsv(r / "stats" / "components.tsv"):
        x = z[:, c["index"]]
        grid = np.linspace(x.min() - x.std(), x.max() + x.std(), 6000)
        density = gaussian_kde(x)(grid)
        above = grid[density >= density.max() / 2]
        ratios.append(c["hw_fine"] / (above[-1] - above[0]))
    assert np.median(ratios) == pytest.approx(1.0, abs=0.2)
    assert (np.abs(np.array(ratios) - 1) <= 0.2).mean() >= 0.9


def test_gaussianity_and_the_origin_split_equal_numpy(run):
    r, cfg, z = run
    from scipy import stats as sps

    for row in read_tsv(r / "stats" / "gaussianity.tsv"):
        x = z[:, row["index"]]
        ks = sps.kstest(x, "norm", args=(x.mean(), x.std(ddof=1))).statistic
        assert ks - 0.025 <= row["ks_normal"] <= ks + 1e-6  # evaluated at bin edges 1/20 std apart
        assert row["excess_kurtosis"] == pytest.approx(sps.kurtosis(x), rel=1e-5, abs=1e-6)  # .6g
    origin = read_tsv(r / "stats" / "origin.tsv")[0]
    # the TSV keeps 6 significant digits: each square within 1e-5, so the sum within 3e-5
    assert origin["origin_principal"] ** 2 + origin["origin_rest"] ** 2 == pytest.approx(
        origin["origin_mahalanobis"] ** 2, rel=3e-5
    )
    evals = np.linalg.eigvalsh(np.cov(z, rowvar=False))[::-1]
    k = int(np.argmax(np.cumsum(evals) / evals.sum() >= 0.9 - 1e-12) + 1)
    assert origin["principal_axes"] == k
    mean = z.mean(axis=0)
    u = mean / np.linalg.norm(mean)
    assert origin["centre_offset_sd"] == pytest.approx(
        np.linalg.norm(mean) / np.sqrt(u @ np.cov(z, rowvar=False) @ u), rel=1e-5
    )
