"""Issue 22, results a group can share and writes that say what went wrong: the umask's modes,
a killed job's temporaries removed by its next run, a full disk named, adjusted counts said,
and the whole DAG at latent_dim 2."""

import errno
import json
import logging
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
import zarr
from conftest import copy_workflow, model_schema, results, run_dir, snakemake, with_defaults

import aelatent.io.atomic as atomic
from aelatent.checks import validate_config
from aelatent.data.prepare import prepare_images
from aelatent.errors import InputError
from aelatent.io.atomic import NoSpaceError, atomic_dir, atomic_path, temporaries, write_text_atomic
from aelatent.io.latents import create_latent_store, rows_to_use
from aelatent.nn import checkpoint

SRC = str(Path(__file__).resolve().parents[1] / "src")


@contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def modes(root: Path) -> dict[str, int]:
    """Permission bits of every file and folder under ``root`` (root included)."""
    out = {".": stat.S_IMODE(root.stat().st_mode)}
    for p in root.rglob("*"):
        out[str(p.relative_to(root))] = stat.S_IMODE(p.lstat().st_mode)
    return out


def ds(n: int = 40, chunk: int = 20) -> dict:
    return with_defaults({"dataset": {"n_images": n, "image_size": 16, "chunk_images": chunk}})["dataset"]


# ---------------------------------------------------------------- the umask's modes


@pytest.mark.parametrize("mask", [0o002, 0o022])
def test_every_writer_gives_the_mode_the_umask_gives(tmp_path, mask):
    with umask(mask):
        write_text_atomic(tmp_path / "t.tsv", "a\n")
        checkpoint.save_atomic({"w": torch.zeros(3)}, tmp_path / "model" / "checkpoint.pt")
        with atomic_path(tmp_path / "x.npy") as tmp:
            np.save(tmp, np.zeros(3))
        prepare_images(ds(), str(tmp_path / "images.zarr"), threads=1, seed=0)
        create_latent_store(tmp_path / "z.zarr", 10, 2, 5, {})[:] = np.zeros((10, 2), np.float32)
    got = modes(tmp_path)
    want_file, want_dir = 0o666 & ~mask, 0o777 & ~mask
    wrong = {
        p: oct(m)
        for p, m in got.items()
        if m != (want_dir if (tmp_path / p).is_dir() else want_file) and p != "."
    }
    assert not wrong, f"not {oct(want_file)}/{oct(want_dir)} under umask {oct(mask)}: {wrong}"


# ---------------------------------------------------------------- a killed job's temporaries

KILLED_STORE = """
import sys
sys.path.insert(0, sys.argv[3])
from conftest import with_defaults
from aelatent.data.prepare import prepare_images
cfg = {"n_images": int(sys.argv[2]), "image_size": 32, "chunk_images": 50}
prepare_images(with_defaults({"dataset": cfg})["dataset"], sys.argv[1], threads=1, seed=0)
"""

KILLED_FILE = """
import sys, time
from aelatent.io.atomic import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_text("half")
    print(tmp, flush=True)
    time.sleep(600)
"""


def age(path: Path, seconds: float = 60) -> None:
    """Make ``path`` look ``seconds`` old: staleness is the lock's, not the age's, to decide."""
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_store_temporary_left_by_a_sigkilled_job_is_removed_by_its_next_run(tmp_path):
    out = tmp_path / "data" / "images.zarr"
    job = subprocess.Popen(
        [sys.executable, "-c", KILLED_STORE, str(out), "100000", str(Path(__file__).parent)],
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while not any((t / "images").is_dir() for t in temporaries(out, directory=True)):
        assert time.time() < deadline and job.poll() is None
        time.sleep(0.05)
    time.sleep(0.5)  # some chunks written
    job.send_signal(signal.SIGKILL)
    job.wait()
    left = temporaries(out, directory=True)
    assert len(left) == 1 and left[0].name.startswith(".images.zarr.") and not out.exists()
    age(left[0])
    prepare_images(ds(), str(out), threads=1, seed=0)  # the job's next run
    assert temporaries(out, directory=True) == [] and sorted(p.name for p in out.parent.iterdir()) == [
        "images.zarr"
    ]


def test_file_temporary_of_a_sigkilled_writer_is_removed_but_a_live_writers_is_not(tmp_path):
    target = tmp_path / "stats" / "pairs.tsv"
    # the live writer starts first: a writer starting after the kill would itself remove the dead
    # one's temporary once it is older than STALE_AFTER_S, as a loaded machine makes it
    live = subprocess.Popen(
        [sys.executable, "-c", KILLED_FILE, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        live_tmp = Path(live.stdout.readline().strip())
        killed = subprocess.Popen(
            [sys.executable, "-c", KILLED_FILE, str(target)], stdout=subprocess.PIPE, text=True
        )
        dead_tmp = Path(killed.stdout.readline().strip())
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        age(dead_tmp)
        age(live_tmp)
        assert temporaries(target) == sorted([dead_tmp, live_tmp])
        write_text_atomic(target, "i\tj\n")  # the next run of the job that writes it
        assert temporaries(target) == [live_tmp]  # the live writer holds its lock: kept
        assert target.read_text() == "i\tj\n"
    finally:
        live.send_signal(signal.SIGKILL)
        live.wait()
    write_text_atomic(target, "i\tj\n")
    assert temporaries(target) == []


def test_a_fresh_temporary_is_never_taken_for_stale(tmp_path):
    """A temporary younger than STALE_AFTER_S may belong to a writer that has not locked it yet."""
    target = tmp_path / "m.json"
    fresh = tmp_path / ".m.abcdefgh.json"
    fresh.write_text("{}")
    write_text_atomic(target, "{}")
    assert fresh.exists()
    age(fresh)
    write_text_atomic(target, "{}")
    assert not fresh.exists()


# ---------------------------------------------------------------- disk full


def test_checkpoint_on_a_full_disk_names_the_file_and_the_file_system(tmp_path, monkeypatch):
    """torch says only "basic_ios::clear: iostream error" when the disk fills."""
    monkeypatch.setattr(atomic, "free_bytes", lambda folder: 0)

    def full(obj, f):
        Path(f).write_bytes(b"x" * 10)
        raise RuntimeError("basic_ios::clear: iostream error")

    monkeypatch.setattr(torch, "save", full)
    path = tmp_path / "model" / "checkpoint.pt"
    with pytest.raises(NoSpaceError) as err:
        checkpoint.save_atomic({"w": 1}, path)
    msg = str(err.value)
    assert err.value.errno == errno.ENOSPC and f"no space left on {atomic.describe_device(tmp_path)}" in msg
    assert f"while writing {path}; 0 bytes free: free some space there and rerun" in msg
    assert list(path.parent.iterdir()) == []  # nothing half-written left


def test_enospc_from_any_writer_names_the_file(tmp_path):
    def fill(tmp):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp))

    a, d = tmp_path / "a.tsv", tmp_path / "d.zarr"
    with pytest.raises(NoSpaceError, match=rf"no space left on .* while writing {a}"), atomic_path(a) as tmp:
        fill(tmp)
    with pytest.raises(NoSpaceError, match=rf"no space left on .* while writing {d}"), atomic_dir(d) as tmp:
        fill(tmp)
    with pytest.raises(ValueError, match="not about space"), atomic_path(tmp_path / "b.tsv"):
        raise ValueError("not about space")  # other errors pass unchanged


@pytest.fixture
def full_disk(tmp_path):
    """A 1 MiB tmpfs (needs root; skipped elsewhere)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True)
    if res.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_a_really_full_disk_is_named(full_disk):
    with pytest.raises(
        NoSpaceError, match=rf"no space left on tmpfs \(mounted at {full_disk}\) while writing"
    ):
        checkpoint.save_atomic({"w": torch.zeros(1_000_000)}, full_disk / "model" / "checkpoint.pt")
    big = with_defaults({"dataset": {"n_images": 2000, "image_size": 64, "chunk_images": 100}})["dataset"]
    with pytest.raises(NoSpaceError, match=rf"while writing {full_disk / 'images.zarr'}"):
        prepare_images(big, str(full_disk / "images.zarr"), threads=1, seed=0)
    assert [p.name for p in full_disk.iterdir()] == ["model"] and not list((full_disk / "model").iterdir())


# ---------------------------------------------------------------- adjusted counts


def test_n_dominant_above_latent_dim_is_refused_at_start_up():
    cfg = with_defaults({"model": {"latent_dim": 16}, "models": {"ae": {}, "small": {"latent_dim": 4}}})
    with pytest.raises(InputError, match=r"stats\.n_dominant=20 is above latent_dim=4 of model small"):
        validate_config(cfg, model_schema())
    cfg["stats"]["n_dominant"] = 4
    validate_config(cfg, model_schema())


def test_sample_size_above_the_synthetic_images_is_refused_at_start_up():
    cfg = with_defaults({"dataset": {"n_images": 600}, "stats": {"sample_size": 601, "n_dominant": 5}})
    with pytest.raises(
        InputError, match=r"stats\.sample_size=601 is above the 600 images of dataset\.n_images"
    ):
        validate_config(cfg, model_schema())
    cfg["stats"]["sample_size"] = 600
    validate_config(cfg, model_schema())


def test_sample_size_above_n_is_a_warning_stating_the_value_used(tmp_path, caplog):
    create_latent_store(tmp_path / "z.zarr", 30, 2, 10, {})
    with caplog.at_level(logging.WARNING):
        assert rows_to_use(tmp_path / "z.zarr", 50, "stats.sample_size") == 30
    assert (
        f"stats.sample_size=50 is above the 30 vectors in {tmp_path / 'z.zarr'}: using all 30" in caplog.text
    )
    caplog.clear()
    assert rows_to_use(tmp_path / "z.zarr", 30, "stats.sample_size") == 30 and not caplog.text


# ---------------------------------------------------------------- latent_dim 2, shared folders


@pytest.mark.e2e
def test_whole_dag_at_latent_dim_2_under_umask_002_leaves_every_file_group_writable(tmp_path):
    work = copy_workflow(tmp_path)
    cfg = yaml.safe_load((work / "config" / "tiny.yaml").read_text())
    cfg["model"]["latent_dim"] = 2  # the schema's minimum
    cfg["stats"]["n_dominant"] = 2  # at most D: checked at start-up
    cfg["stats"]["pair_threshold"] = 0.99  # no pair passes: the pair grids still show the one pair
    (work / "config" / "d2.yaml").write_text(yaml.safe_dump(cfg))
    with umask(0o002):
        snakemake(work, config="config/d2.yaml")
    r = results(work)
    assert zarr.open_array(str(r / "latents" / "z.zarr"), mode="r").shape == (600, 2)
    special = (r / "stats" / "special_points.tsv").read_text().splitlines()
    assert special == ["step\tcondition\tcomponents\tn_all\tn_sample\tempty"]  # no other component
    assert any(run_dir(work).rglob("summary.html"))  # the DAG ran to its end
    assert (r / "stats" / "pairs.tsv").read_text().splitlines() == ["i\tj\tcorr\tsubset_fraction"]
    assert (r / "figures" / "pair_grid_b4.0.png").stat().st_size > 0
    got = modes(run_dir(work))
    wrong = {
        p: oct(m)
        for p, m in got.items()
        if m != (0o775 if (run_dir(work) / p).is_dir() else 0o664) and p != "."
    }
    assert not wrong, (
        f"{len(wrong)} of {len(got)} paths lack the umask's mode: {dict(list(wrong.items())[:10])}"
    )
    json.loads((r / "latents" / "verified.json").read_text())
    shutil.rmtree(work / "results")
