"""Image sources are tracked by content: a changed image reruns the image store and everything
after it; the same images copied elsewhere or touched (new mtimes) rerun nothing."""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import copy_workflow, planned, snakemake
from PIL import Image

from aelatent.data import synthetic
from aelatent.data.layout import source_fingerprint

pytestmark = pytest.mark.e2e
N_IMAGES = 300


def write_faces(folder: Path, n: int, seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    faces = synthetic.render_faces(synthetic.sample_factors(n, seed), 32)
    for i, face in enumerate(faces):
        Image.fromarray(face).save(folder / f"{seed}_{i:04d}.png")


def folder_config(work: Path, name: str, path: str) -> str:
    cfg = yaml.safe_load((work / "config" / "tiny.yaml").read_text())
    cfg["run"] = "faces"
    cfg["dataset"] = {"source": "imagefolder", "path": path, "image_size": 32, "chunk_images": 40}
    cfg["train"]["epochs"] = 6
    cfg["encode"].update(shards=2, chunk_rows=40)
    cfg["stats"]["sample_size"] = 100
    (work / "config" / name).write_text(yaml.safe_dump(cfg, sort_keys=False))
    return f"config/{name}"


@pytest.fixture(scope="module")
def faces(tmp_path_factory):
    """A workflow copy whose complete run read a folder of PNG faces."""
    work = copy_workflow(tmp_path_factory.mktemp("faces"))
    write_faces(work / "data" / "faces", N_IMAGES, seed=1)
    config = folder_config(work, "faces.yaml", "data/faces")
    snakemake(work, config=config)
    assert planned(work, config) == {}
    return work, config


def test_copy_with_new_mtimes_reruns_nothing(faces):
    work, _ = faces
    shutil.copytree(work / "data" / "faces", work / "data" / "moved", copy_function=shutil.copy)
    try:
        assert planned(work, folder_config(work, "moved.yaml", "data/moved")) == {}
    finally:
        shutil.rmtree(work / "data" / "moved")


def test_touching_every_image_reruns_nothing(faces):
    work, config = faces
    for f in (work / "data" / "faces").iterdir():
        os.utime(f, (f.stat().st_atime + 100, f.stat().st_mtime + 100))
    assert planned(work, config) == {}


def test_an_added_image_reruns_the_image_store_and_everything_after_it(faces):
    work, config = faces
    extra = work / "data" / "faces" / "zz_extra.png"
    Image.fromarray(np.full((32, 32, 3), 128, np.uint8)).save(extra)
    try:
        jobs = planned(work, config)
    finally:
        extra.unlink()
    assert jobs["prepare_images"] == 1 and jobs["train_model"] == 1
    assert jobs["encode_shard"] == 2 and jobs["coverage"] == 1 and jobs["plot_sample_grid"] == 1
    assert planned(work, config) == {}


def test_an_edited_image_of_the_same_size_reruns_the_image_store(faces):
    work, config = faces
    victim = sorted((work / "data" / "faces").iterdir())[5]
    saved = victim.read_bytes()
    data = bytearray(saved)
    data[-20] ^= 0xFF  # same size, different content
    victim.write_bytes(bytes(data))
    try:
        assert planned(work, config).get("prepare_images") == 1
    finally:
        victim.write_bytes(saved)


def test_an_edit_that_keeps_size_and_mtime_reruns_the_image_store(faces):
    """An in-place edit with ``touch -r`` (size and mtime as before) is caught by the ctime."""
    work, config = faces
    victim = sorted((work / "data" / "faces").iterdir())[7]
    saved, st = victim.read_bytes(), victim.stat()
    data = bytearray(saved)
    data[-20] ^= 0xFF
    victim.write_bytes(bytes(data))
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (victim.stat().st_size, victim.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    try:
        assert planned(work, config).get("prepare_images") == 1
    finally:
        victim.write_bytes(saved)
        os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert planned(work, config) == {}


def test_fingerprint_follows_names_and_content_of_zip_members(tmp_path):
    import zipfile

    write_faces(tmp_path / "f", 3, seed=2)
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    for archive, rename in ((a, False), (b, True)):
        with zipfile.ZipFile(archive, "w") as zf:
            for i, f in enumerate(sorted((tmp_path / "f").iterdir())):
                zf.write(f, f"x{i}.png" if rename else f.name)
    assert source_fingerprint("imagefolder", a) != source_fingerprint("imagefolder", b)
    shutil.copy(a, tmp_path / "c.zip")
    assert source_fingerprint("imagefolder", a) == source_fingerprint("imagefolder", tmp_path / "c.zip")
