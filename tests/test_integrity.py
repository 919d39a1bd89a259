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
    copy_workflow,
    ds_config,
    image_bytes,
    model_schema,
    results,
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
    assert g.attrs["conversions"] == {"16bit": 2, "alpha": 0, "grey": 1, "multiframe": 0}


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
    assert g.attrs["conversions"] == {"16bit": 0, "alpha": 2, "grey": 1, "multiframe": 0}


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
    "truncated": (image_bytes(3, "PNG")[:80], "RuntimeError"),
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
    checkpoint.save_atomic({"model": model.state_dict(), "model_config": model_cfg, "image_size": 16}, ae)
    create_for_model(images, ae, str(z), chunk_rows=CHUNK)
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
def test_workflow_refuses_corrupt_latents_and_a_rerun_restores_them_bitwise(tmp_path):
    """Three corruptions at once, one per shard of config/tiny.yaml (600 rows, chunks of 100):
    a chunk deleted, a chunk overwritten with another's bytes, a marker truncated."""
    work = copy_workflow(tmp_path)
    snakemake(work, "--until", "verify_latents")
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
