"""The statistics jobs that read the latent store directly (the M-sample, shard moments, factor
correlations, the special-points slice), each through its file wrapper on a small store built with
zarr and hashlib, against numpy on the same rows."""

import hashlib
import logging

import numpy as np
import pytest
import zarr
from conftest import encoded_store, numpy_rng

from aelatent.io.latents import create_latent_store
from aelatent.io.tables import read_tsv, write_tsv
from aelatent.stats.moments import Moments


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A bare store of 95 rows of 4 components in chunks of 20 (the last one short)."""
    d = tmp_path_factory.mktemp("store")
    rng = np.random.default_rng(11)
    x = rng.standard_normal((95, 4)) * [1.0, 3.0, 0.5, 2.0] + [0.0, -1.0, 2.0, 0.5]
    x[:, 1] += 2 * x[:, 0]
    x = x.astype(np.float32)
    create_latent_store(d / "z.zarr", 95, 4, 20, {})[:] = x
    return d, x


@pytest.mark.parametrize(("m", "seed"), [(30, 0), (30, 5), (95, 2), (500, 1)])
def test_write_sample_draws_the_seeded_rows_without_replacement_sorted(store, tmp_path, m, seed):
    from aelatent.stats.sample import write_sample

    d, x = store
    out = tmp_path / "sample.npz"
    write_sample(str(d / "z.zarr"), str(out), m, seed)
    want = np.sort(numpy_rng(seed, "sample").choice(95, size=min(m, 95), replace=False))
    with np.load(out) as f:
        assert sorted(f.files) == ["index", "z"]
        assert f["index"].tolist() == want.tolist()
        assert f["z"].dtype == np.float32 and f["z"].tobytes() == x[want].tobytes()


def test_shard_moments_are_the_moments_of_the_shards_rows_only(tmp_path, caplog):
    from aelatent.stats.shards import shard_moments

    rng = np.random.default_rng(4)
    x = (rng.standard_normal((50, 3)) * [1, 2, 3] + [5, -5, 0]).astype(np.float32)
    z, markers = encoded_store(tmp_path, x, 10, [(0, 20), (20, 30), (30, 50)])
    caplog.set_level(logging.INFO)
    for k, (a, b) in enumerate([(0, 20), (20, 30), (30, 50)]):
        out = tmp_path / f"m{k}.npz"
        m = shard_moments(str(z), markers[k], str(out), shards=3, threads=2)
        rows = x[a:b].astype(np.float64)
        saved = Moments.load(out)
        assert saved.n == m.n == b - a and f"shard {k}: {b - a} rows" in caplog.text
        assert np.allclose(saved.mean, rows.mean(axis=0), rtol=1e-12, atol=0)
        assert np.allclose(saved.cov(), np.cov(rows, rowvar=False), rtol=1e-10, atol=1e-12)


def test_chunk_moments_read_sub_blocks_and_name_the_source_row(tmp_path, monkeypatch):
    """Chunks larger than the sub-block are reduced in pieces; a bad value is named by its row."""
    from aelatent.stats import shards

    monkeypatch.setattr(shards, "SUB_ROWS", 3)
    x = np.random.default_rng(2).standard_normal((40, 2)).astype(np.float32)
    arr = zarr.create_array(str(tmp_path / "z.zarr"), shape=x.shape, chunks=(16, 2), dtype="f4")
    arr[:] = x
    m = shards.chunk_moments(arr, 5, 37)
    assert m.n == 32 and np.allclose(m.mean, x[5:37].astype(np.float64).mean(axis=0), rtol=1e-12)
    assert np.allclose(m.cov(), np.cov(x[5:37].astype(np.float64), rowvar=False), rtol=1e-10)
    x[35, 1] = np.inf
    arr[:] = x
    with pytest.raises(ValueError, match="shard 9 row 35"):
        shards.chunk_moments(arr, 0, 40, source="shard 9")


def image_store(path, factors: np.ndarray, names: list[str], chunk: int) -> None:
    """An image store holding only the factors, with the chunk digests the data stage records."""
    group = zarr.open_group(str(path), mode="w")
    arr = group.create_array("factors", shape=factors.shape, chunks=(chunk, factors.shape[1]), dtype="f4")
    arr[:] = factors
    starts = range(0, len(factors), chunk)
    digests = [hashlib.sha256(factors[a : a + chunk].tobytes()).hexdigest() for a in starts]
    group.attrs.update({"factor_names": names, "chunk_sha256": {"factors": digests}})


def test_write_factor_correlations_equals_numpys_corrcoef(store, tmp_path):
    from aelatent.stats.factors import write_factor_correlations

    d, x = store
    rng = np.random.default_rng(3)
    f = np.column_stack([x[:, 1] + rng.standard_normal(95), rng.standard_normal(95), -x[:, 3]])
    f = f.astype(np.float32)
    image_store(tmp_path / "images.zarr", f, ["pose", "light", "hue"], 30)
    out = tmp_path / "factors.tsv"
    write_factor_correlations(str(d / "z.zarr"), str(tmp_path / "images.zarr"), str(out))
    want = np.corrcoef(x.astype(np.float64), f.astype(np.float64), rowvar=False)[:4, 4:]
    rows = read_tsv(str(out))
    assert [list(r) for r in rows] == [["component", "pose", "light", "hue"]] * 4
    assert [r["component"] for r in rows] == [0, 1, 2, 3]
    got = np.array([[r["pose"], r["light"], r["hue"]] for r in rows])
    assert np.allclose(got, want, rtol=1e-5, atol=1e-6)  # the TSV keeps six digits
    assert got[3, 2] == pytest.approx(-1.0, abs=1e-6) and abs(got[1, 0]) > 0.8


def test_write_factor_correlations_align_factors_with_rows_across_chunks(tmp_path):
    """A factor equal to one component in every row correlates exactly 1 with it, whatever the
    chunking of the latents (a factor row offset by a chunk would not)."""
    from aelatent.stats.factors import factor_correlations

    x = np.random.default_rng(8).standard_normal((57, 3)).astype(np.float32)
    create_latent_store(tmp_path / "z.zarr", 57, 3, 10, {})[:] = x
    c = factor_correlations(str(tmp_path / "z.zarr"), x[:, [2, 0]].astype(np.float64))
    assert c.shape == (3, 2)
    assert c[2, 0] == pytest.approx(1.0, abs=1e-12) and c[0, 1] == pytest.approx(1.0, abs=1e-12)
    assert np.allclose(c, np.corrcoef(x.astype(np.float64), rowvar=False)[:, [2, 0]], atol=1e-12)


def special_inputs(tmp_path, x, pairs: list[dict]):
    z = tmp_path / "z.zarr"
    create_latent_store(z, len(x), x.shape[1], 25, {})[:] = x
    Moments(x.shape[1]).update(x).save(tmp_path / "moments.npz")
    from aelatent.io.sample import save_sample

    save_sample(str(tmp_path / "sample.npz"), np.arange(0, len(x), 3), x[::3])
    write_tsv(pairs, str(tmp_path / "pairs.tsv"), columns=["i", "j", "r"])
    return [str(z), str(tmp_path / "moments.npz"), str(tmp_path / "sample.npz"), str(tmp_path / "pairs.tsv")]


def recount(x, pair, limits):
    """The slice's three steps by hand: components below, between and above the pair."""
    j1, j2 = sorted(pair)
    small = np.abs(x) < limits
    dim = x.shape[1]
    steps = [list(range(0, j1)), list(range(j1 + 1, j2)), list(range(j2 + 1, dim))]
    keep, out = np.ones(len(x), bool), []
    for comps in steps:
        if comps:
            keep = keep & small[:, comps].all(axis=1)
            out.append((len(comps), int(keep.sum()), int(keep[::3].sum())))
    return out


@pytest.mark.parametrize(("threshold", "threshold_sd"), [(1.5, None), (None, 1.2), (9.0, 0.8)])
def test_write_special_points_takes_the_strongest_pair_and_counts_like_numpy(
    tmp_path, threshold, threshold_sd
):
    from aelatent.stats.special import write_special_points

    rng = np.random.default_rng(6)
    x = (rng.standard_normal((200, 6)) * [0.5, 1, 2, 1, 0.7, 1.5]).astype(np.float32)
    pairs = [{"i": 1, "j": 4, "r": 0.9}, {"i": 0, "j": 2, "r": 0.5}]
    inputs = special_inputs(tmp_path, x, pairs)
    out = tmp_path / "special.tsv"
    write_special_points(*inputs, str(out), threshold=threshold, threshold_sd=threshold_sd, pair=None)
    x64 = x.astype(np.float64)
    limits = threshold_sd * x64.std(axis=0, ddof=1) if threshold_sd is not None else np.full(6, threshold)
    unit = f"{threshold_sd:g} std_k" if threshold_sd is not None else f"{threshold:g}"
    rows = read_tsv(str(out))
    assert [r["step"] for r in rows] == [1, 2, 3]
    assert [r["condition"] for r in rows] == [
        f"|z_k| < {unit} for k < 1",
        "... and for 1 < k < 4",
        "... and for k > 4",
    ]
    assert [(r["components"], r["n_all"], r["n_sample"]) for r in rows] == recount(x64, (1, 4), limits)
    assert [r["empty"] for r in rows] == [int(r["n_all"] == 0) for r in rows]
    # a configured pair is used as given, in either order
    write_special_points(*inputs, str(out), threshold=threshold, threshold_sd=threshold_sd, pair=(5, 2))
    rows = read_tsv(str(out))
    assert [(r["components"], r["n_all"], r["n_sample"]) for r in rows] == recount(x64, (2, 5), limits)
    assert [r["condition"] for r in rows] == [f"|z_k| < {unit} for k < 2", "... and for 2 < k < 5"]


def test_write_special_points_without_pairs_says_what_to_set(tmp_path):
    from aelatent.stats.special import write_special_points

    x = np.random.default_rng(1).standard_normal((60, 3)).astype(np.float32)
    inputs = special_inputs(tmp_path, x, [])
    want = "pairs.tsv has no pairs: set stats.special_pair or lower stats.pair_threshold"
    with pytest.raises(ValueError, match=want):
        write_special_points(*inputs, str(tmp_path / "s.tsv"), threshold=2.0, threshold_sd=None, pair=None)
    assert not (tmp_path / "s.tsv").exists()


def test_write_special_points_of_two_components_is_a_header_only(tmp_path, caplog):
    from aelatent.stats.special import write_special_points

    caplog.set_level(logging.INFO)
    x = np.random.default_rng(1).standard_normal((60, 2)).astype(np.float32)
    inputs = special_inputs(tmp_path, x, [])
    out = tmp_path / "s.tsv"
    write_special_points(*inputs, str(out), threshold=2.0, threshold_sd=None, pair=None)
    assert out.read_text() == "step\tcondition\tcomponents\tn_all\tn_sample\tempty\n"
    assert "special points (pair 0, 1): no other components, no step to take" in caplog.text


def test_an_empty_step_is_flagged_and_warned_with_its_number(tmp_path, caplog):
    from aelatent.stats.special import special_points_table

    x = np.zeros((30, 5), np.float32)
    x[:, 4] = 5.0  # every vector fails the third step only
    x[:4, 0] = 5.0  # four fail the first
    z = tmp_path / "z.zarr"
    create_latent_store(z, 30, 5, 8, {})[:] = x
    rows = special_points_table(str(z), x[:10], 1, 3, np.full(5, 1.0), "1")
    assert [(r["n_all"], r["n_sample"], r["empty"]) for r in rows] == [(26, 6, 0), (26, 6, 0), (0, 0, 1)]
    assert "special points (pair 1, 3): step 3 (... and for k > 3) leaves no vectors" in caplog.text
    assert "step 1" not in caplog.text and "step 2" not in caplog.text
