"""Issue 12, "nothing silently wrong": every input decoded right or refused by name, every stored
latent row verified, bad settings refused at start-up, every write atomic, every log kept."""

import hashlib
import io
import json
import shutil
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import yaml
import zarr
from conftest import (
    ROOT,
    ds_config,
    image_bytes,
    model_schema,
    results,
    run_dir,
    snakemake,
    with_defaults,
)
from PIL import Image
from snakemake.exceptions import WorkflowError

from aelatent.checks import validate_config
from aelatent.data.prepare import prepare_images
from aelatent.errors import InputError
from aelatent.io.latents import read_marker, verify_latents, write_marker
from aelatent.io.logs import history_path
from aelatent.nn import checkpoint
from aelatent.nn.encode import create_for_model, encode_shard
from aelatent.nn.model import Autoencoder

# ---------------------------------------------------------------- decoding


def png16(arr: np.ndarray) -> bytes:
    """A 16-bit grey (H, W) or RGB (H, W, 3) PNG, written by hand: PIL cannot write 16-bit RGB."""
    arr = np.asarray(arr, dtype=">u2")
    h, w = arr.shape[:2]
    raw = b"".join(b"\x00" + arr[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 16, 2 if arr.ndim == 3 else 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def encoded(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def store(path) -> zarr.Group:
    return zarr.open_group(path, mode="r")


def test_16bit_png_grey_and_rgb_are_scaled_to_8_bits_not_wrapped(tmp_path):
    rng = np.random.default_rng(0)
    grey, rgb = rng.integers(0, 65536, (16, 16), np.uint16), rng.integers(0, 65536, (16, 16, 3), np.uint16)
    src = tmp_path / "imgs"
    src.mkdir()
    (src / "a_grey16.png").write_bytes(png16(grey))
    (src / "b_rgb16.png").write_bytes(png16(rgb))
    (src / "c_plain.png").write_bytes(image_bytes(0, "PNG", size=(16, 16)))
    prepare_images(ds_config("imagefolder", src), str(tmp_path / "o.zarr"), threads=1, seed=0)
    g = store(tmp_path / "o.zarr")
    assert np.array_equal(g["images"][0], np.repeat((grey >> 8)[..., None], 3, axis=2))
    assert np.array_equal(g["images"][1], rgb >> 8)
    assert not np.array_equal(g["images"][1], rgb & 0xFF)  # what used to be stored
    assert g.attrs["conversions"] == {"16bit": 2, "alpha": 0, "grey": 1, "multiframe": 0, "orientation": 0}


def test_animated_gif_uses_its_first_frame(tmp_path):
    rng = np.random.default_rng(1)
    frames = [Image.fromarray(rng.integers(0, 255, (16, 16, 3), np.uint8)).convert("P") for _ in range(3)]
    src = tmp_path / "imgs"
    src.mkdir()
    gif = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    (src / "anim.gif").write_bytes(gif)
    (src / "still.png").write_bytes(image_bytes(1, "PNG", size=(16, 16)))
    n = prepare_images(ds_config("imagefolder", src), str(tmp_path / "o.zarr"), threads=1, seed=0)
    g = store(tmp_path / "o.zarr")
    with Image.open(io.BytesIO(gif)) as im:
        first = np.asarray(im.convert("RGB"))
    assert n == 2 and np.array_equal(g["images"][0], first)
    assert g.attrs["conversions"]["multiframe"] == 1


def test_alpha_is_dropped_and_grey_made_rgb_and_both_counted(tmp_path):
    rng = np.random.default_rng(2)
    rgba = rng.integers(0, 255, (16, 16, 4), np.uint8)
    la = rng.integers(0, 255, (16, 16, 2), np.uint8)
    src = tmp_path / "imgs"
    src.mkdir()
    (src / "a_rgba.png").write_bytes(encoded(Image.fromarray(rgba, "RGBA"), "PNG"))
    (src / "b_la.png").write_bytes(encoded(Image.fromarray(la, "LA"), "PNG"))
    prepare_images(ds_config("imagefolder", src), str(tmp_path / "o.zarr"), threads=1, seed=0)
    g = store(tmp_path / "o.zarr")
    assert np.array_equal(g["images"][0], rgba[..., :3])
    assert np.array_equal(g["images"][1], np.repeat(la[..., :1], 3, axis=2))
    assert g.attrs["conversions"] == {"16bit": 0, "alpha": 2, "grey": 1, "multiframe": 0, "orientation": 0}


def corrupt_deflate_zip(path) -> None:
    """A zip whose member b.png has a corrupt deflate stream (invalid block type: zlib.error)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x/a.png", image_bytes(1, "PNG"))
        zf.writestr("x/b.png", image_bytes(2, "PNG"))
        zf.writestr("x/c.png", image_bytes(3, "PNG"))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("x/b.png")
    data[info.header_offset + 30 + len(info.filename) + len(info.extra)] = 0xFF
    path.write_bytes(bytes(data))


BAD_FILES = {
    "zero-byte": (b"", "empty file"),
    "not an image": (b"hello", "not an image format"),
    "truncated": (image_bytes(3, "PNG")[:80], "OSError: image file is truncated"),
}


@pytest.mark.parametrize("case", [*BAD_FILES, "zip member with a corrupt deflate stream"])
def test_unreadable_image_is_refused_by_name_or_skipped(tmp_path, case):
    if case in BAD_FILES:
        source = tmp_path / "imgs"
        source.mkdir()
        for name in ("a.png", "c.png"):
            (source / name).write_bytes(image_bytes(1, "PNG"))
        (source / "b.png").write_bytes(BAD_FILES[case][0])
        named, reason, skipped = source / "b.png", BAD_FILES[case][1], "b.png"
    else:
        source = tmp_path / "imgs.zip"
        corrupt_deflate_zip(source)
        named, reason, skipped = f"{source}:x/b.png", "zlib.error: Error -3", "x/b.png"
    with pytest.raises(InputError, match="cannot (read|decode) image") as err:
        prepare_images(ds_config("imagefolder", source), str(tmp_path / "o.zarr"), threads=2, seed=0)
    assert f"{named}: {reason}" in str(err.value)
    assert not (tmp_path / "o.zarr").exists()
    cfg = ds_config("imagefolder", source, on_corrupt="skip")
    assert prepare_images(cfg, str(tmp_path / "o.zarr"), threads=2, seed=0) == 2
    assert list(store(tmp_path / "o.zarr").attrs["skipped"]) == [skipped]


# ---------------------------------------------------------------- verified latents

SHARDS, CHUNK = 3, 10


@pytest.fixture
def latents(tmp_path):
    """60 images encoded into z.zarr (chunks of 10 rows) by 3 shards, with their markers."""
    images, ae, z = str(tmp_path / "images.zarr"), str(tmp_path / "ae.pt"), tmp_path / "z.zarr"
    ds = with_defaults({"dataset": {"n_images": 60, "image_size": 16, "chunk_images": 20}})["dataset"]
    prepare_images(ds, images, threads=1, seed=0)
    small = {"filters_encoder": [4, 4], "filters_decoder": [4, 4], "kernel_sizes": [3, 3], "strides": [2, 2]}
    model_cfg = with_defaults({"model": {**small, "latent_dim": 5}})["model"]
    model = Autoencoder(model_cfg, 16)
    images_sha = zarr.open_group(images, mode="r").attrs["content_sha256"]
    state = {
        "model": model.state_dict(),
        "model_config": model_cfg,
        "image_size": 16,
        "images_sha256": images_sha,
    }
    checkpoint.save_atomic(state, ae)
    create_for_model(images, ae, str(z), chunk_rows=CHUNK, model_cfg=model_cfg)
    markers = [str(tmp_path / "shards" / f"{k}.json") for k in range(SHARDS)]
    for k, m in enumerate(markers):
        encode_shard(images, ae, str(z), m, shard=k, shards=SHARDS, batch_size=7, device="cpu")
    return z, markers


def test_verified_latents_record_every_shards_checksum(latents, tmp_path):
    z, markers = latents
    summary = verify_latents(z, markers, tmp_path / "verified.json")
    assert json.loads((tmp_path / "verified.json").read_text()) == summary
    rows = zarr.open_array(str(z), mode="r")[:]
    assert summary["rows"] == 60 and np.isfinite(rows).all()
    for k, shard in enumerate(summary["shards"]):
        a, b = 20 * k, 20 * (k + 1)
        assert (shard["start"], shard["stop"], shard["marker"]) == (a, b, markers[k])
        assert shard["sha256"] == hashlib.sha256(rows[a:b].astype(np.float32).tobytes()).hexdigest()


def refused(z, markers, out) -> str:
    with pytest.raises(InputError, match=f"latent store {z} failed verification") as err:
        verify_latents(z, markers, out)
    assert not out.exists()
    return str(err.value)


def test_deleted_chunk_is_refused_naming_shard_and_marker(latents, tmp_path):
    z, markers = latents
    (z / "c" / "3" / "0").unlink()
    assert np.isnan(zarr.open_array(str(z), mode="r")[30:40]).all()  # what a reader would get
    msg = refused(z, markers, tmp_path / "verified.json")
    assert "shard 1 (rows 20-40): chunk c/3/0 (rows 30-40) is missing" in msg
    assert f"delete {markers[1]} and rerun the workflow" in msg


def test_chunk_overwritten_with_another_chunks_bytes_is_refused(latents, tmp_path):
    z, markers = latents
    shutil.copyfile(z / "c" / "2" / "0", z / "c" / "3" / "0")
    assert np.isfinite(zarr.open_array(str(z), mode="r")[:]).all()  # plausible numbers, wrong rows
    msg = refused(z, markers, tmp_path / "verified.json")
    assert "shard 1 (rows 20-40): its rows do not match the sha256 in its marker" in msg
    assert f"delete {markers[1]} and rerun" in msg and "shard 0" not in msg and "shard 2" not in msg


def test_truncated_marker_is_refused_naming_the_marker(latents, tmp_path):
    z, markers = latents
    marker = Path(markers[2])
    marker.write_text(marker.read_text()[:40])
    msg = refused(z, markers, tmp_path / "verified.json")
    assert f"shard 2 (rows 40-60): marker {markers[2]} is truncated or not JSON" in msg
    assert f"delete {markers[2]} and rerun" in msg
    with pytest.raises(
        InputError, match=f"marker {markers[2]} is truncated.*; delete {markers[2]} and rerun"
    ):
        read_marker(markers[2])


def test_every_failing_shard_is_named_at_once(latents, tmp_path):
    z, markers = latents
    (z / "c" / "0" / "0").unlink()
    Path(markers[2]).write_text("{}")
    msg = refused(z, markers, tmp_path / "verified.json")
    assert "shard 0 (rows 0-20): chunk c/0/0" in msg and f"marker {markers[2]} lacks one of" in msg
    assert f"delete {markers[0]} {markers[2]} and rerun" in msg


@pytest.mark.e2e
def test_workflow_refuses_corrupt_latents_and_a_rerun_restores_them_bitwise(own_work):
    """Three corruptions at once, one per shard of config/tiny.yaml (600 rows, chunks of 100):
    a chunk deleted, a chunk overwritten with another's bytes, a marker truncated."""
    work = own_work
    r = results(work)
    z, shards = r / "latents" / "z.zarr", r / "latents" / "shards"
    before = zarr.open_array(str(z), mode="r")[:]
    verified = json.loads((r / "latents" / "verified.json").read_text())
    (z / "c" / "1" / "0").unlink()
    shutil.copyfile(z / "c" / "2" / "0", z / "c" / "3" / "0")
    (shards / "2.json").write_text((shards / "2.json").read_text()[:20])

    res = snakemake(work, "--until", "verify_latents", "--forcerun", "verify_latents", check=False)
    assert res.returncode != 0
    log = (r / "logs" / "verify_latents.log").read_text()
    assert "shard 0 (rows 0-200): chunk c/1/0 (rows 100-200) is missing" in log
    assert "shard 1 (rows 200-400): its rows do not match the sha256" in log
    assert "shard 2 (rows 400-600): marker results/tiny/ae/latents/shards/2.json is truncated" in log
    named = [f"results/tiny/ae/latents/shards/{k}.json" for k in range(3)]
    assert f"delete {' '.join(named)} and rerun the workflow" in log
    assert not (r / "latents" / "verified.json").exists()

    for k in range(3):
        (shards / f"{k}.json").unlink()
    snakemake(work, "--until", "verify_latents")
    after = zarr.open_array(str(z), mode="r")[:]
    assert after.tobytes() == before.tobytes()
    assert json.loads((r / "latents" / "verified.json").read_text()) == verified
    # the failed attempt's log survives the retry, in the history beside the rule's log
    history = history_path(r / "logs" / "verify_latents.log").read_text()
    assert "failed verification" in history and history.count("==== ") == 3
    assert "failed verification" not in (r / "logs" / "verify_latents.log").read_text()


# ---------------------------------------------------------------- start-up validation


@pytest.mark.parametrize("run", ["..", ".", "a/b", "../up"])
def test_run_must_be_a_plain_folder_name(run):
    with pytest.raises(WorkflowError, match=r"run"):
        with_defaults({"run": run})
    assert with_defaults({"run": "..."})["run"] == "..."


def test_run_dotdot_stops_the_workflow_before_any_job(tmp_path):
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({"run": ".."}))
    cmd = [sys.executable, "-m", "snakemake", "-n", "--configfile", "bad.yaml", "-d", str(tmp_path)]
    res = subprocess.run(cmd + ["-s", str(ROOT / "Snakefile")], cwd=tmp_path, capture_output=True, text=True)
    out = res.stdout + res.stderr
    assert res.returncode != 0 and "schema['properties']['run']" in out and "Job stats" not in out


@pytest.mark.parametrize("lr", [float("inf"), float("nan")])
def test_learning_rate_must_be_finite(lr):
    with pytest.raises(InputError, match=r"train\.learning_rate=(inf|nan) must be a finite number"):
        validate_config(with_defaults({"train": {"learning_rate": lr}}), model_schema())


def test_batch_of_one_with_batch_norm_is_refused_at_start_up():
    with pytest.raises(InputError, match=r"train\.batch_size=1 with normalization=batch \(model ae\)"):
        validate_config(with_defaults({"train": {"batch_size": 1}}), model_schema())
    validate_config(
        with_defaults({"train": {"batch_size": 1}, "model": {"normalization": "none"}}), model_schema()
    )
    validate_config(with_defaults({"train": {"batch_size": 2}}), model_schema())


# ---------------------------------------------------------------- atomic writes

WRITER = """
import sys, time
from pathlib import Path
from aelatent.io.latents import write_marker
path, me, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
while not go.exists():
    time.sleep(0.001)
for i in range(1000):
    write_marker(path, me, i, i + 1 + me, str(me) * 64)
"""


def test_two_processes_writing_one_marker_never_fail_and_never_tear(tmp_path):
    path, go = tmp_path / "m" / "0.json", tmp_path / "go"
    write_marker(path, 1, 0, 2, "1" * 64)
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(me), str(go)], stderr=subprocess.PIPE)
        for me in (1, 2)
    ]
    time.sleep(0.5)  # both writers imported and waiting
    go.touch()
    reads = 0
    while any(w.poll() is None for w in writers):
        marker = json.loads(path.read_text())  # a torn file would not parse, or mix two writers
        assert marker["rows"] == 1 + marker["shard"] and marker["sha256"] == str(marker["shard"]) * 64
        reads += 1
    for w in writers:
        assert w.wait() == 0, w.stderr.read().decode()
    assert reads > 0 and json.loads(path.read_text())["start"] == 999
    assert [p.name for p in path.parent.iterdir()] == ["0.json"]  # no temporary left behind


# ---------------------------------------------------------------- logs keep history

JOB = """
import logging, sys
from aelatent.io.logs import log_to
log_to(sys.argv[1])
logging.getLogger("job").info("attempt %s", sys.argv[2])
if sys.argv[2] == "1":
    raise RuntimeError("the cause of the first failure")
"""


def test_log_of_a_failed_attempt_survives_the_retry(tmp_path):
    log = tmp_path / "logs" / "rule.log"
    first = subprocess.run([sys.executable, "-c", JOB, str(log), "1"], capture_output=True, text=True)
    assert first.returncode != 0
    log.unlink()  # Snakemake deletes a job's log before running it again
    subprocess.run([sys.executable, "-c", JOB, str(log), "2"], check=True)
    history = history_path(log)
    assert history == tmp_path / "logs" / "rule.history.log"
    text = history.read_text()
    assert text.count("==== ") == 2 and text.index("attempt 1") < text.index("attempt 2")
    assert "RuntimeError: the cause of the first failure" in text
    assert "attempt 2" in log.read_text() and "first failure" not in log.read_text()


# ---------------------------------------------------------------- every stored array verified where read
# (issue 22, row 1: the image store; row 2: every reader of z.zarr, not only the moments)


def flip_byte(path: Path, at: int = -5) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def images(tmp_path):
    """60 synthetic images in chunks of 20, the chunks as written."""
    path = tmp_path / "images.zarr"
    ds = with_defaults({"dataset": {"n_images": 60, "image_size": 16, "chunk_images": 20}})["dataset"]
    prepare_images(ds, str(path), threads=1, seed=0)
    return path


def image_readers(tmp_path):
    """Every way the pipeline reads the image store: training, encoding, figures, factors."""
    from aelatent.figures.sample_grid import sample_grid
    from aelatent.io.images import open_image_store
    from aelatent.io.stream import iter_chunks
    from aelatent.nn.train import load_split

    return {
        "training": lambda p: load_split(open_image_store(p), 0, None),
        "encoding": lambda p: list(iter_chunks(open_image_store(p)["images"], 0, 60, step=7)),
        "figures": lambda p: sample_grid(str(p), tmp_path / "grid.png", n=64),
        "factors": lambda p: open_image_store(p)["factors"][:],
    }


@pytest.mark.parametrize(
    ("reader", "damage"),
    [
        ("training", "another chunk's bytes"),
        ("encoding", "another chunk's bytes"),
        ("figures", "another chunk's bytes"),
        ("training", "flipped byte"),
        ("encoding", "deleted"),
    ],
)
def test_changed_image_chunk_is_refused_by_every_reader(images, tmp_path, reader, damage):
    chunk = images / "images" / "c" / "1" / "0" / "0" / "0"
    if damage == "flipped byte":
        flip_byte(chunk)
    elif damage == "deleted":
        chunk.unlink()
    else:
        shutil.copyfile(images / "images" / "c" / "0" / "0" / "0" / "0", chunk)
    with pytest.raises(InputError) as err:
        image_readers(tmp_path)[reader](images)
    msg = str(err.value)
    assert f"image store {images}: chunk images/c/1/0/0/0 (rows 20-40) " in msg
    assert {"deleted": "is missing", "another chunk's bytes": "does not match the digest"}.get(
        damage, ""
    ) in msg
    assert f"delete {images} and rerun the workflow (prepare_images rebuilds it)" in msg


def test_changed_split_or_factor_chunk_is_refused(images, tmp_path):
    factors = images / "factors" / "c" / "0" / "0"
    flip_byte(factors, at=factors.stat().st_size // 2)  # inside the compressed data, not its trailer
    with pytest.raises(InputError, match=f"image store {images}: chunk factors/c/0/0 "):
        image_readers(tmp_path)["factors"](images)
    (images / "split" / "c" / "0").unlink()
    with pytest.raises(InputError, match=r"chunk split/c/0 \(rows 0-60\) is missing"):
        image_readers(tmp_path)["training"](images)


def test_store_without_chunk_digests_is_refused(images):
    from aelatent.io.images import open_image_store

    meta = json.loads((images / "zarr.json").read_text())
    del meta["attributes"]["chunk_sha256"]
    (images / "zarr.json").write_text(json.dumps(meta))
    with pytest.raises(InputError, match=f"image store {images} records no chunk digests.*delete {images}"):
        open_image_store(images)


def test_rebuilt_image_store_is_bitwise_the_clean_one(images, tmp_path):
    from aelatent.io.images import open_image_store

    clean = open_image_store(images)["images"][:]
    digests = dict(zarr.open_group(str(images), mode="r").attrs["chunk_sha256"])
    flip_byte(images / "images" / "c" / "2" / "0" / "0" / "0")
    shutil.rmtree(images)  # what the message says to delete
    ds = with_defaults({"dataset": {"n_images": 60, "image_size": 16, "chunk_images": 20}})["dataset"]
    prepare_images(ds, str(images), threads=2, seed=0)
    assert open_image_store(images)["images"][:].tobytes() == clean.tobytes()
    assert dict(zarr.open_group(str(images), mode="r").attrs["chunk_sha256"]) == digests


def latent_readers(z, tmp_path):
    """Every library reader of z.zarr downstream of verified.json, each as its job calls it."""
    from aelatent.figures.pairs import special_vector
    from aelatent.stats.components import histograms
    from aelatent.stats.factors import factor_correlations
    from aelatent.stats.moments import Moments
    from aelatent.stats.sample import sample_rows
    from aelatent.stats.special import special_points_table

    m = Moments(5).update(zarr.open_array(str(z), mode="r")[:])
    return {
        "sample_latents": lambda: sample_rows(str(z), 25, 0),
        "special_points": lambda: special_points_table(str(z), np.zeros((4, 5)), 0, 1, np.ones(5), "1"),
        "factor_correlations": lambda: factor_correlations(str(z), np.ones((60, 2))),
        "component_stats": lambda: histograms(str(z), m, 0.125),
        "plot_pair_grid": lambda: special_vector(str(z), 35),
    }


@pytest.mark.parametrize(
    ("reader", "damage"),
    [
        *[
            (r, "another chunk's bytes")
            for r in [
                "sample_latents",
                "special_points",
                "factor_correlations",
                "component_stats",
                "plot_pair_grid",
            ]
        ],
        ("sample_latents", "flipped byte"),
        ("special_points", "deleted"),
    ],
)
def test_latent_chunk_changed_after_verification_is_refused_by_every_reader(
    latents, tmp_path, reader, damage
):
    z, markers = latents
    verify_latents(z, markers, tmp_path / "verified.json")
    readers = latent_readers(z, tmp_path)
    readers[reader]()  # reads fine before
    chunk = z / "c" / "3" / "0"
    if damage == "flipped byte":
        flip_byte(chunk)
    elif damage == "deleted":
        chunk.unlink()
    else:
        shutil.copyfile(z / "c" / "2" / "0", chunk)
    with pytest.raises(InputError) as err:
        readers[reader]()
    msg = str(err.value)
    assert f"latent store {z}: chunk c/3/0 (rows 30-40) " in msg
    assert {"deleted": "is missing", "another chunk's bytes": "does not match the digest"}.get(
        damage, ""
    ) in msg
    assert f"delete {markers[1]} and rerun the workflow" in msg  # shard 1 owns rows 20-40


def test_pipeline_latent_store_without_verification_is_refused(latents, tmp_path):
    from aelatent.io.latents import open_latents

    z, _ = latents
    with pytest.raises(
        InputError, match=f"latent store {z} has not been verified: {tmp_path / 'verified.json'} is missing"
    ):
        open_latents(z)
    (tmp_path / "verified.json").write_text('{"rows": 60')
    with pytest.raises(InputError, match="verified.json is truncated or of an older format"):
        open_latents(z)


def test_shard_job_reads_its_checked_rows_while_verified_json_is_stale(latents, tmp_path):
    """moments_shard runs before verify_latents reruns: its own verify_shard vouches for its rows."""
    from aelatent.stats.shards import shard_moments

    z, markers = latents
    verify_latents(z, markers, tmp_path / "verified.json")
    summary = json.loads((tmp_path / "verified.json").read_text())
    for shard in summary["shards"]:
        shard["chunks"] = ["0" * 64] * len(shard["chunks"])  # as if from an older encoding
    (tmp_path / "verified.json").write_text(json.dumps(summary))
    m = shard_moments(str(z), markers[1], str(tmp_path / "m1.npz"), shards=SHARDS)
    assert m.n == 20


def test_after_deleting_the_named_marker_a_rerun_restores_the_rows_bitwise(latents, tmp_path):
    from aelatent.stats.sample import sample_rows

    z, markers = latents
    verify_latents(z, markers, tmp_path / "verified.json")
    clean_idx, clean = sample_rows(str(z), 25, 0)
    flip_byte(z / "c" / "3" / "0")
    with pytest.raises(InputError, match=f"delete {markers[1]} and rerun"):
        sample_rows(str(z), 25, 0)
    Path(markers[1]).unlink()
    images, ae = str(tmp_path / "images.zarr"), str(tmp_path / "ae.pt")
    encode_shard(images, ae, str(z), markers[1], shard=1, shards=SHARDS, batch_size=7, device="cpu")
    verify_latents(z, markers, tmp_path / "verified.json")
    idx, again = sample_rows(str(z), 25, 0)
    assert idx.tolist() == clean_idx.tolist() and again.tobytes() == clean.tobytes()


def test_bare_store_made_outside_the_workflow_is_read_as_it_is(tmp_path):
    from aelatent.io.latents import create_latent_store, open_latents

    create_latent_store(tmp_path / "z.zarr", 10, 3, 4, {})[:] = np.ones((10, 3), np.float32)
    assert isinstance(open_latents(tmp_path / "z.zarr"), zarr.Array)


def sample_arrays(path: Path) -> tuple[bytes, bytes]:
    with np.load(path) as f:
        return f["index"].tobytes(), f["z"].tobytes()


@pytest.mark.e2e
def test_workflow_refuses_chunks_changed_after_they_were_checked_and_a_rerun_restores_them(own_work):
    """Rows 1 and 2 of issue 22 through the workflow: a latent chunk flipped after
    verified.json exists, then a new stats.sample_size; an image chunk flipped, then the
    sample grid redrawn. Each job stops naming the chunk and what to delete; deleting it and
    rerunning gives bitwise the clean results."""
    work = own_work
    r, run = results(work), run_dir(work)
    sample, grid = r / "stats" / "sample.npz", run / "figures" / "sample_grid.png"
    targets = [str(p.relative_to(work)) for p in (sample, grid)]
    z, images = r / "latents" / "z.zarr", run / "data" / "images.zarr"
    clean_sample = sample_arrays(sample)
    clean_z = zarr.open_array(str(z), mode="r")[:].tobytes()
    clean_images = zarr.open_group(str(images), mode="r")["images"][:].tobytes()

    flip_byte(z / "c" / "3" / "0")  # rows 300-400: shard 1 (rows 200-400) of config/tiny.yaml
    cfg = yaml.safe_load((work / "config" / "tiny.yaml").read_text())
    cfg["stats"]["sample_size"] = 250
    (work / "config" / "m250.yaml").write_text(yaml.safe_dump(cfg))
    res = snakemake(work, targets[0], config="config/m250.yaml", check=False)
    assert res.returncode != 0
    log = next((r / "logs").glob("sample_latents*.log")).read_text()
    assert "latent store results/tiny/ae/latents/z.zarr: chunk c/3/0 (rows 300-400)" in log
    assert "delete results/tiny/ae/latents/shards/1.json and rerun the workflow" in log
    assert not sample.exists()
    marker = r / "latents" / "shards" / "1.json"
    marker.unlink()
    snakemake(work, targets[0], str(marker.relative_to(work)))  # as rule all asks for every marker
    assert sample_arrays(sample) == clean_sample
    assert zarr.open_array(str(z), mode="r")[:].tobytes() == clean_z

    flip_byte(images / "images" / "c" / "0" / "0" / "0" / "0")  # the grid's 64 images are in it
    res = snakemake(work, "--force", targets[1], check=False)
    assert res.returncode != 0
    log = next((run / "logs").glob("*sample_grid*.log")).read_text()
    assert "image store results/tiny/data/images.zarr: chunk images/c/0/0/0/0 (rows 0-100)" in log
    assert "delete results/tiny/data/images.zarr and rerun the workflow" in log
    shutil.rmtree(images)
    snakemake(work, targets[1])
    assert zarr.open_group(str(images), mode="r")["images"][:].tobytes() == clean_images
