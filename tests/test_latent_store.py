"""The latent store's writers and checks: a shard's rows and marker, provenance, markers read
back, and the full text of every refusal (what is wrong and what to delete)."""

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
import zarr

from aelatent.errors import InputError
from aelatent.io.latents import (
    ShardWriter,
    check_provenance,
    create_latent_store,
    open_latents,
    read_marker,
    verify_latents,
    verify_shard,
    write_marker,
)

REDO = "and rerun the workflow: it re-encodes exactly the shards whose markers are gone"


def test_create_latent_store_is_an_empty_float32_store_of_whole_vectors(tmp_path):
    z = create_latent_store(tmp_path / "z.zarr", 7, 3, 4, {"model_sha256": "abc"})
    raw = zarr.open_array(str(tmp_path / "z.zarr"), mode="r")
    assert (raw.shape, raw.chunks, raw.dtype) == ((7, 3), (4, 3), np.float32)
    assert np.isnan(raw[:]).all() and dict(raw.attrs) == {"model_sha256": "abc"}
    z[:] = 1.0
    again = create_latent_store(tmp_path / "z.zarr", 5, 2, 5, {})  # replaces the old store
    assert again.shape == (5, 2) and np.isnan(again[:]).all() and dict(again.attrs) == {}
    assert open_latents(tmp_path / "z.zarr", mode="r+").shape == (5, 2)


def test_a_shard_writer_stores_its_rows_in_order_and_writes_the_marker_last(tmp_path):
    z = create_latent_store(tmp_path / "z.zarr", 12, 2, 4, {})
    x = np.arange(24, dtype=np.float64).reshape(12, 2) / 3
    marker = tmp_path / "m" / "1.json"
    w = ShardWriter(z, marker, 1, 4, 12)
    w.write(4, x[4:7])
    assert not marker.exists()
    with pytest.raises(ValueError, match=r"shard 1: rows 8-9 out of order \(next is 7\)"):
        w.write(8, x[8:9])
    with pytest.raises(ValueError, match=r"shard 1: rows 7-13 out of order \(next is 7\)"):
        w.write(7, np.zeros((6, 2)))
    with pytest.raises(ValueError, match="shard 1: rows 7-12 were never written"):
        w.close()
    assert not marker.exists()
    w.write(7, x[7:12])
    w.close()
    rows = zarr.open_array(str(tmp_path / "z.zarr"), mode="r")[:]
    assert np.array_equal(rows[4:], x[4:].astype(np.float32)) and np.isnan(rows[:4]).all()
    sha = hashlib.sha256(x[4:12].astype(np.float32).tobytes()).hexdigest()
    assert json.loads(marker.read_text()) == {"shard": 1, "start": 4, "stop": 12, "rows": 8, "sha256": sha}
    assert read_marker(marker) == json.loads(marker.read_text())


def test_write_marker_records_the_rows_it_covers(tmp_path):
    write_marker(tmp_path / "m.json", 2, 10, 25, "f" * 64)
    assert json.loads((tmp_path / "m.json").read_text()) == {
        "shard": 2,
        "start": 10,
        "stop": 25,
        "rows": 15,
        "sha256": "f" * 64,
    }


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"shard": 0', "is truncated or not JSON"),
        ("[1, 2]", "lacks one of shard, start, stop, rows, sha256"),
        ('{"shard": 0, "start": 0, "stop": 4, "rows": 4}', "lacks one of shard, start, stop, rows, sha256"),
        ('{"shard": 0, "start": "0", "stop": 4, "rows": 4, "sha256": "x"}', "lacks one of"),
        ('{"shard": 0, "start": 0, "stop": 4, "rows": 4, "sha256": 5}', "lacks one of"),
    ],
)
def test_a_malformed_marker_is_refused_saying_to_delete_it(tmp_path, text, problem):
    path = tmp_path / "m.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_marker(path)
    assert str(err.value).startswith(f"marker {path} {problem}")
    assert str(err.value).endswith(f"; delete {path} {REDO}")


def test_provenance_of_another_model_or_image_store_is_refused(tmp_path):
    z = create_latent_store(tmp_path / "z.zarr", 4, 2, 2, {"model_sha256": "m1", "images_sha256": "i1"})
    check_provenance(z, "m1", "i1")
    for model, images in [("m2", "i1"), ("m1", "i2")]:
        with pytest.raises(InputError) as err:
            check_provenance(z, model, images)
        assert str(err.value) == (
            f"latent store {z.store} was made for model m1 and images i1, not {model} / {images}: "
            "rerun create_latent_store"
        )
    with pytest.raises(InputError, match="made for model None and images None"):
        check_provenance(create_latent_store(tmp_path / "y.zarr", 4, 2, 2, {}), "m1", "i1")


@pytest.fixture
def shards(tmp_path):
    """22 rows in chunks of 5 by two shards (rows 0-10 and 10-22), written by ShardWriter."""
    x = np.random.default_rng(5).standard_normal((22, 3)).astype(np.float32)
    z = create_latent_store(tmp_path / "z.zarr", 22, 3, 5, {"model_sha256": "m", "images_sha256": "i"})
    markers = [str(tmp_path / f"{k}.json") for k in range(2)]
    for k, (a, b) in enumerate([(0, 10), (10, 22)]):
        w = ShardWriter(z, markers[k], k, a, b)
        for c in range(a, b, 4):
            w.write(c, x[c : min(c + 4, b)])
        w.close()
    return tmp_path / "z.zarr", markers, x


def test_verify_shard_refuses_a_changed_shard_naming_its_rows_and_marker(shards):
    z, markers, x = shards
    assert verify_shard(z, markers[1], 2)["stop"] == 22
    zarr.open_array(str(z), mode="r+")[21] = x[21] * 3
    with pytest.raises(InputError) as err:
        verify_shard(z, markers[1], 2)
    assert str(err.value) == (
        "shard 1 (rows 10-22): its rows do not match the sha256 in its marker: they changed after "
        f"encoding\ndelete {markers[1]} {REDO}"
    )
    with pytest.raises(InputError, match=f"marker {markers[0]} names shard 0 of 0; delete {markers[0]}"):
        verify_shard(z, markers[0], 0)


def test_an_unreadable_chunk_fails_verification_by_name(shards, tmp_path):
    z, markers, _ = shards
    (z / "c" / "3" / "0").write_bytes(b"garbage")
    with pytest.raises(InputError) as err:
        verify_latents(z, markers, tmp_path / "verified.json")
    msg = str(err.value)
    head = f"latent store {z} failed verification:\n  shard 1 (rows 10-22): chunk c/3/0 (rows 15-20)"
    assert re.match(rf"{re.escape(head)} is unreadable \((?!NoneType)[A-Za-z]+: ", msg), msg
    assert msg.endswith(f")\ndelete {markers[1]} {REDO}") and "shard 0" not in msg


def test_a_verified_store_refuses_chunks_it_does_not_cover_and_stale_summaries(shards, tmp_path):
    z, markers, x = shards
    summary = verify_latents(z, markers, tmp_path / "verified.json")
    sha = [hashlib.sha256(x[a : a + 5].tobytes()).hexdigest() for a in range(0, 22, 5)]
    assert [s["chunks"] for s in summary["shards"]] == [sha[:2], sha[2:]]
    assert np.array_equal(open_latents(z)[:], x)
    summary["shards"] = summary["shards"][:1]  # as if the summary vouched for shard 0 only
    (tmp_path / "verified.json").write_text(json.dumps(summary))
    r = open_latents(z)
    assert np.array_equal(r[:10], x[:10])
    with pytest.raises(InputError) as err:
        r[12]
    assert str(err.value) == (
        f"latent store {z}: chunk c/2/0 (rows 10-15) has no recorded digest to check it against; "
        "it does not cover this chunk; rerun the workflow (verify_latents checks every row against "
        "the shard markers)"
    )
    (tmp_path / "verified.json").write_text(json.dumps({"rows": 22, "latent_dim": 3, "chunk_rows": 5}))
    with pytest.raises(InputError) as err:
        open_latents(z)
    assert str(err.value) == (
        f"latent store {z} has not been verified: {tmp_path / 'verified.json'} is truncated or of an "
        "older format (KeyError: 'shards'); rerun the workflow (verify_latents checks every row "
        "against the shard markers)"
    )
    (tmp_path / "verified.json").write_text(json.dumps({"rows": 22, "latent_dim": 4, "chunk_rows": 5}))
    with pytest.raises(InputError, match="verified.json describes another store layout; rerun"):
        open_latents(z)
    (tmp_path / "verified.json").write_text(json.dumps({"rows": 21, "latent_dim": 3, "chunk_rows": 5}))
    with pytest.raises(InputError, match="verified.json describes another store layout"):
        open_latents(z)


def test_a_store_with_provenance_but_no_summary_is_refused_and_a_bare_one_read(tmp_path):
    z = create_latent_store(tmp_path / "z.zarr", 4, 2, 2, {"model_sha256": "m"})
    with pytest.raises(InputError, match=f"latent store {tmp_path / 'z.zarr'} has not been verified"):
        open_latents(tmp_path / "z.zarr")
    bare = create_latent_store(tmp_path / "b" / "z.zarr", 4, 2, 2, {})
    bare[:] = 2.0
    read = open_latents(tmp_path / "b" / "z.zarr")
    assert isinstance(read, zarr.Array) and read.read_only  # a reader cannot change the store
    (tmp_path / "b" / "verified.json").write_text("{")
    with pytest.raises(InputError, match="verified.json is truncated or of an older format"):
        open_latents(tmp_path / "b" / "z.zarr")
    assert z.shape == (4, 2)


def test_every_failing_shard_is_one_line_and_a_marker_of_another_layout_says_which(shards, tmp_path):
    z, markers, x = shards
    marker = Path(markers[1])
    marker.write_text(json.dumps(json.loads(marker.read_text()) | {"stop": 30, "rows": 20}))
    zarr.open_array(str(z), mode="r+")[3] = x[3] + 1
    with pytest.raises(InputError) as err:
        verify_latents(z, markers, tmp_path / "verified.json")
    assert str(err.value) == (
        f"latent store {z} failed verification:\n"
        "  shard 0 (rows 0-10): its rows do not match the sha256 in its marker: they changed after encoding\n"
        "  shard 1 (rows 10-22): its marker is for shard 1, rows 10-30: another store layout\n"
        f"delete {markers[0]} {markers[1]} {REDO}"
    )


def test_a_chunk_changed_after_its_shard_was_checked_names_that_shards_marker(shards):
    z, markers, x = shards
    verify_shard(z, markers[1], 2)  # no verified.json: this process's check of shard 1 vouches
    assert np.array_equal(open_latents(z)[10:22], x[10:22])
    zarr.open_array(str(z), mode="r+")[16] = x[16] + 1
    with pytest.raises(InputError) as err:
        open_latents(z)[15:20]
    assert str(err.value).endswith(
        f"(rows 15-20) does not match the digest recorded when it was written; delete {markers[1]} {REDO}"
    )
