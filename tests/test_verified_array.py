"""``VerifiedArray``: every selection equals numpy's on the same array, each chunk is hashed once
while cached, and every way a chunk can fail is reported with its number, rows and problem."""

import hashlib

import numpy as np
import pytest
import zarr

from aelatent.io.checksum import VerifiedArray, chunk_digests, file_digest, md5sum, rows_digest, sha256_file

N, STEP = 23, 5  # five chunks, the last of three rows


class Refused(Exception):
    pass


@pytest.fixture
def arr(tmp_path):
    """A raw (23, 4, 2) array in chunks of 5 rows, the sha256 of each chunk's bytes, and a
    VerifiedArray over it that records every digest lookup and every refusal."""
    x = np.arange(N * 8, dtype=np.float32).reshape(N, 4, 2) * 1.5 - 7
    raw = zarr.create_array(str(tmp_path / "a.zarr"), shape=x.shape, chunks=(STEP, 4, 2), dtype="f4")
    raw[:] = x
    digests = [hashlib.sha256(x[a : a + STEP].tobytes()).hexdigest() for a in range(0, N, STEP)]
    asked, refused = [], []

    def digest_of(k):
        asked.append(k)
        return digests[k]

    def refuse(k, rows, problem):
        refused.append((k, rows, problem))
        return Refused(f"chunk {k} rows {rows} {problem}")

    v = VerifiedArray(raw, tmp_path / "a.zarr", digest_of, refuse, keep=2)
    return v, x, raw, digests, asked, refused


KEYS = [
    slice(None),
    slice(3, 17),
    slice(4, 5),
    slice(5, 10),
    slice(-7, None),
    slice(None, None, 3),
    slice(20, 3, -4),
    slice(30, 40),
    0,
    22,
    -1,
    -23,
    np.int64(9),
    np.array(9),
    [22, 0, 7, 7, 14],
    [-1, -23, 4],
    np.array([3, 4, 5, 6]),
    np.arange(N) % 4 == 0,
    [],
    (slice(2, 9), 1),
    (slice(2, 9), slice(1, 3), 0),
    (Ellipsis, 1),
    (4, Ellipsis),
    (slice(0, 12), Ellipsis, slice(0, 1)),
    ([5, 1], slice(None), 1),
    (11, 3, 1),
    (),
]


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_every_selection_equals_numpys_and_keeps_the_dtype(arr, key):
    v, x, *_ = arr
    got = v[key]
    want = x[key]
    assert got.dtype == np.float32 and got.shape == want.shape and np.array_equal(got, want)


ORTHOGONAL = [
    ([7, 1, 22], [3, 0], [1, 0]),
    ([7, 1, 22], 2, slice(None)),
    (slice(4, 19, 2), [0, 3], 1),
    (-2, [1, 1], [0]),
    (np.arange(N) > 15, slice(1, 3), [1]),
    (Ellipsis, [1, 0]),
    ([3, 3, 8], np.int64(1), np.int64(0)),
]


@pytest.mark.parametrize("key", ORTHOGONAL, ids=repr)
def test_orthogonal_selections_equal_zarrs_own(arr, key):
    v, _, raw, *_ = arr
    want = raw.get_orthogonal_selection(key)
    for got in (v.get_orthogonal_selection(key), v.oindex[key]):
        assert got.dtype == want.dtype and got.shape == want.shape and np.array_equal(got, want)


@pytest.mark.parametrize(
    ("key", "match"),
    [
        (23, "index 23 is out of bounds for axis 0 with size 23"),
        (-24, "index -24 is out of bounds for axis 0 with size 23"),
        ([0, 23], "index out of bounds for axis 0 with size 23"),
        ([-24, 3], "index out of bounds for axis 0 with size 23"),
        (np.array([[1, 2], [9, 10]]), "a 2-dimensional index array for axis 0: give one dimension"),
    ],
)
def test_indices_past_either_end_or_of_two_dimensions_are_refused(arr, key, match):
    v, *_ = arr
    with pytest.raises(IndexError, match=match):
        v[key]


def test_the_array_interface_and_what_readers_use(arr):
    v, x, raw, *_ = arr
    assert (v.shape, v.chunks, v.dtype, v.ndim, len(v)) == ((23, 4, 2), (5, 4, 2), np.float32, 3, 23)
    assert v.store is raw.store and v.attrs is not None
    assert np.asarray(v).dtype == np.float32 and np.array_equal(np.asarray(v), x)
    as64 = np.asarray(v, dtype=np.float64)
    assert as64.dtype == np.float64 and np.array_equal(as64, x.astype(np.float64))
    assert [v.chunk_rows(k) for k in range(5)] == [(0, 5), (5, 10), (10, 15), (15, 20), (20, 23)]
    assert [v.chunk_key(k) for k in (0, 4)] == ["c/0/0/0", "c/4/0/0"]


def test_each_chunk_is_hashed_once_while_cached_and_blocks_are_read_only(arr):
    v, x, _, _, asked, _ = arr
    block = v.read_chunk(1)
    assert np.array_equal(block, x[5:10]) and not block.flags.writeable
    assert v.read_chunk(1) is block and asked == [1]
    part = v[6:8]
    part[:] = 0  # a copy: the cached chunk is untouched
    assert np.array_equal(v.read_chunk(1), x[5:10]) and asked == [1]
    v.read_chunk(2), v.read_chunk(1), v.read_chunk(3)  # keep=2: chunk 2 is the oldest, dropped
    assert asked == [1, 2, 3]
    v.read_chunk(1)
    assert asked == [1, 2, 3]
    v.read_chunk(2)
    assert asked == [1, 2, 3, 2]
    asked.clear()
    v[[7, 5, 9, 6]]
    v[5:10]
    assert asked == []  # chunk 1 is still cached


def test_a_read_across_chunks_verifies_each_chunk_it_touches_and_no_other(arr):
    v, x, _, _, asked, _ = arr
    assert np.array_equal(v[9:16], x[9:16]) and asked == [1, 2, 3]
    asked.clear()
    assert np.array_equal(v[[22, 0]], x[[22, 0]]) and sorted(asked) == [0, 4]


def test_a_changed_a_lost_an_unvouched_and_an_unreadable_chunk_are_each_named(arr, tmp_path):
    v, x, raw, digests, _, refused = arr
    raw[7] = x[7] + 1
    changed = "chunk 1 rows 5-10 does not match the digest recorded when it was written"
    with pytest.raises(Refused, match=changed):
        v[7]
    (tmp_path / "a.zarr" / "c" / "4" / "0" / "0").unlink()
    with pytest.raises(Refused, match="chunk 4 rows 20-23 is missing$"):
        v[-1]
    digests[2] = None
    with pytest.raises(Refused, match="chunk 2 rows 10-15 has no recorded digest to check it against"):
        v[12]
    (tmp_path / "a.zarr" / "c" / "3" / "0" / "0").write_bytes(b"not a chunk")
    with pytest.raises(Refused, match=r"chunk 3 rows 15-20 is unreadable \(\w+: "):
        v[15:20]
    assert [r[:2] for r in refused] == [(1, "5-10"), (4, "20-23"), (2, "10-15"), (3, "15-20")]
    assert np.array_equal(v[0:5], x[0:5])  # the sound chunk still reads
    with pytest.raises(Refused):
        v[7]  # a refused chunk is not cached as good


def test_a_chunk_of_fill_values_matching_its_digest_reads_although_zarr_stored_no_file(tmp_path):
    raw = zarr.create_array(str(tmp_path / "z.zarr"), shape=(6, 2), chunks=(3, 2), dtype="f4", fill_value=0)
    raw[3:] = 1
    x = raw[:]
    assert not (tmp_path / "z.zarr" / "c" / "0" / "0").exists()
    v = VerifiedArray(raw, tmp_path / "z.zarr", chunk_digests(x, 3).__getitem__, lambda k, r, p: Refused(p))
    assert np.array_equal(v[:], x)


def test_file_and_row_digests_are_hashlibs(tmp_path):
    f = tmp_path / "f.bin"
    f.write_bytes(b"aelatent\x00" * 1000)
    assert sha256_file(f) == file_digest(f) == hashlib.sha256(f.read_bytes()).hexdigest()
    assert md5sum(f) == hashlib.md5(f.read_bytes()).hexdigest()
    x = np.arange(24, dtype=np.float32).reshape(6, 4)
    assert rows_digest(x[:, 1]) == hashlib.sha256(x[:, 1].copy().tobytes()).hexdigest()  # not a view's memory
    assert chunk_digests(x, 4) == [hashlib.sha256(x[a:b].tobytes()).hexdigest() for a, b in [(0, 4), (4, 6)]]
    assert chunk_digests(x[:0], 4) == []
