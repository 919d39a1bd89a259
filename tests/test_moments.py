import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aelatent.stats.moments import Moments


@st.composite
def data_and_splits(draw):
    n = draw(st.integers(2, 300))
    d = draw(st.integers(1, 12))
    offset = draw(st.sampled_from([0.0, 1.0, 1e3, 1e6, -1e6]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((n, d)) * rng.uniform(0.1, 10, d) + offset).astype(dtype)
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=8)))
    return x, [0, *cuts, n]


def accumulate(x, bounds):
    m = Moments(x.shape[1])
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        m.update(x[a:b])  # empty blocks included
    return m


def close(a, b, rel=1e-10):
    scale = max(np.abs(b).max(), 1e-300)
    return np.abs(a - b).max() <= rel * scale


@settings(max_examples=150, deadline=None)
@given(data_and_splits())
def test_streaming_equals_numpy_in_float64(case):
    x, bounds = case
    m = accumulate(x, bounds)
    x64 = x.astype(np.float64)
    assert m.n == len(x)
    assert close(m.mean, x64.mean(axis=0))
    assert close(m.cov(), np.atleast_2d(np.cov(x64, rowvar=False)))
    assert close(m.cov(ddof=0), np.atleast_2d(np.cov(x64, rowvar=False, ddof=0)))
    if x.shape[1] > 1 and (x64.std(axis=0) > 0).all():
        assert np.abs(m.corr() - np.corrcoef(x64, rowvar=False)).max() <= 1e-10
    assert np.array_equal(m.min, x64.min(axis=0)) and np.array_equal(m.max, x64.max(axis=0))


@settings(max_examples=60, deadline=None)
@given(data_and_splits(), st.randoms(use_true_random=False))
def test_merging_shards_in_any_order_equals_one_pass(case, rnd):
    x, bounds = case
    one = accumulate(x, [0, len(x)])
    parts = [accumulate(x[a:b], [0, b - a]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    rnd.shuffle(parts)
    merged = Moments.combine(parts)
    assert merged.n == one.n
    assert close(merged.mean, one.mean, 1e-12)
    assert close(merged.m2, one.m2, 1e-12)
    left = parts[0]
    for p in parts[1:]:
        left = left.merge(p)
    assert close(left.m2, merged.m2, 1e-12)


def test_large_offset_is_exact_where_plain_sums_are_not():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20000, 4)) + 1e6
    m = accumulate(x, list(range(0, 20001, 1000)))
    exact = np.cov(x, rowvar=False)
    naive = (x.T @ x - len(x) * np.outer(x.mean(0), x.mean(0))) / (len(x) - 1)
    assert close(m.cov(), exact)
    assert not close(naive, exact, 1e-7)


def test_save_load_round_trip(tmp_path):
    m = Moments(5).update(np.random.default_rng(1).standard_normal((50, 5)))
    m.save(tmp_path / "m.npz")
    back = Moments.load(tmp_path / "m.npz")
    assert back.n == m.n
    for k in ("mean", "m2", "min", "max"):
        assert np.array_equal(getattr(back, k), getattr(m, k))


def test_bad_input_errors():
    m = Moments(3)
    with pytest.raises(ValueError, match=r"shard 2 row 17"):
        block = np.zeros((5, 3))
        block[2, 1] = np.nan
        m.update(block, first_row=15, source="shard 2")
    with pytest.raises(ValueError, match="non-finite value in row 1"):
        m.update(np.array([[0, 0, 0], [np.inf, 0, 0.0]]))
    with pytest.raises(ValueError, match=r"shape \(k, 3\)"):
        m.update(np.zeros((4, 2)))
    m.update(np.ones((2, 3)))
    with pytest.raises(ValueError, match="ddof"):
        m.cov(ddof=2)
    assert m.update(np.zeros((0, 3))).n == 2
    with pytest.raises(ValueError, match="dim 3 with dim 4"):
        m.merge(Moments(4))


def test_chunk_moments_matches_numpy_and_ignores_worker_count(tmp_path):
    import zarr

    from aelatent.stats.shards import chunk_moments

    rng = np.random.default_rng(3)
    x = (rng.standard_normal((5000, 7)) * 3 + 100).astype(np.float32)
    z = zarr.create_array(str(tmp_path / "z.zarr"), shape=x.shape, chunks=(700, 7), dtype="f4")
    z[:] = x
    one, three = chunk_moments(z, workers=1), chunk_moments(z, workers=3)
    assert np.array_equal(one.m2, three.m2) and np.array_equal(one.mean, three.mean)
    assert close(one.cov(), np.cov(x.astype(np.float64), rowvar=False))
    part = chunk_moments(z, 1400, 3500, workers=2)
    assert part.n == 2100 and close(part.mean, x[1400:3500].astype(np.float64).mean(axis=0))
    bad = x.copy()
    bad[2222, 3] = np.nan
    z[:] = bad
    with pytest.raises(ValueError, match="shard 5 row 2222"):
        chunk_moments(z, workers=2, source="shard 5")
