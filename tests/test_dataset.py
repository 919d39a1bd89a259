import hashlib
import http.server
import io
import logging
import subprocess
import sys
import threading
import zipfile
from functools import partial

import numpy as np
import pytest
import yaml
import zarr
from conftest import ROOT, with_defaults
from PIL import Image

from aelatent.data.fetch import fetch_celeba
from aelatent.data.prepare import prepare_images
from aelatent.errors import InputError
from aelatent.io.download import download


def image_bytes(seed: int, fmt: str = "JPEG", size=(40, 50), mode="RGB") -> bytes:
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    img = Image.fromarray(arr).convert(mode)
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def ds_config(source: str, path, **over) -> dict:
    ds = {"source": source, "path": str(path), "image_size": 16, "chunk_images": 4, "min_images": 2}
    ds.update(over)
    return with_defaults({"dataset": ds})["dataset"]


def make_celeba_tree(root, n=10, as_zip=False):
    root.mkdir(parents=True, exist_ok=True)
    names = [f"{i + 1:06d}.jpg" for i in range(n)]
    split = [0] * (n - 3) + [1, 2, 2]
    (root / "list_eval_partition.txt").write_text(
        "".join(f"{f} {s}\n" for f, s in zip(names, split, strict=True))
    )
    if as_zip:
        with zipfile.ZipFile(root / "img_align_celeba.zip", "w") as zf:
            for i, f in enumerate(names):
                zf.writestr(f"img_align_celeba/{f}", image_bytes(i, size=(178, 218)))
    else:
        (root / "img_align_celeba").mkdir()
        for i, f in enumerate(names):
            (root / "img_align_celeba" / f).write_bytes(image_bytes(i, size=(178, 218)))
    return names, split


def test_synthetic_store_layout_and_determinism(tmp_path):
    cfg = with_defaults({"dataset": {"n_images": 50, "image_size": 32, "chunk_images": 16}})["dataset"]
    prepare_images(cfg, str(tmp_path / "a.zarr"), threads=2, seed=5)
    prepare_images(cfg, str(tmp_path / "b.zarr"), threads=1, seed=5)
    a, b = zarr.open_group(tmp_path / "a.zarr", mode="r"), zarr.open_group(tmp_path / "b.zarr", mode="r")
    assert a["images"].shape == (50, 32, 32, 3) and a["images"].dtype == np.uint8
    assert a["images"].chunks[0] == 16
    assert np.array_equal(a["images"][:], b["images"][:])
    assert a.attrs["content_sha256"] == b.attrs["content_sha256"]
    assert a["factors"].shape == (50, 12) and len(a.attrs["factor_names"]) == 12
    assert set(np.unique(a["split"][:])) <= {0, 1, 2}
    assert a.attrs["source"] == "synthetic" and a.attrs["seed"] == 5
    assert not (tmp_path / "a.zarr.tmp").exists()


@pytest.mark.parametrize("as_zip", [False, True])
def test_celeba_layout_folder_and_zip(tmp_path, as_zip):
    root = tmp_path / "data" / "celeba"
    names, split = make_celeba_tree(root, as_zip=as_zip)
    out = tmp_path / "images.zarr"
    n = prepare_images(ds_config("celeba", tmp_path / "data", crop=148), str(out), threads=2, seed=0)
    g = zarr.open_group(out, mode="r")
    assert n == len(names) and g["images"].shape == (len(names), 16, 16, 3)
    assert g["split"][:].tolist() == split
    # centre crop 148 of a 178x218 image, then resize: compare with a direct computation
    from aelatent.data.sources import crop_resize, decode

    ref = crop_resize(decode(image_bytes(0, size=(178, 218)), "x"), 148, 16).permute(1, 2, 0).numpy()
    assert np.array_equal(g["images"][0], ref)


def test_imagefolder_mixed_formats_nested_grayscale_palette(tmp_path):
    src = tmp_path / "imgs"
    (src / "b" / "deep").mkdir(parents=True)
    (src / "a.png").write_bytes(image_bytes(1, "PNG"))
    (src / "b" / "c.jpg").write_bytes(image_bytes(2, "JPEG"))
    (src / "b" / "deep" / "gray.png").write_bytes(image_bytes(3, "PNG", mode="L"))
    (src / "b" / "deep" / "pal.gif").write_bytes(image_bytes(4, "GIF", mode="P"))
    (src / "b" / "deep" / "old.bmp").write_bytes(image_bytes(5, "BMP"))
    (src / "notes.txt").write_text("not an image")
    out = tmp_path / "images.zarr"
    n = prepare_images(ds_config("imagefolder", src), str(out), threads=2, seed=0)
    g = zarr.open_group(out, mode="r")
    assert n == 5 and g["images"].shape == (5, 16, 16, 3)
    gray = g["images"][3]  # sorted: a.png, b/c.jpg, b/deep/gray.png, b/deep/old.bmp, b/deep/pal.gif
    assert g["images"][2][..., 0].tolist() == g["images"][2][..., 2].tolist()  # grayscale -> equal channels
    assert gray.std() > 0


def test_imagefolder_from_zip(tmp_path):
    archive = tmp_path / "imgs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(4):
            zf.writestr(f"x/{i}.png", image_bytes(i, "PNG"))
    n = prepare_images(ds_config("imagefolder", archive), str(tmp_path / "o.zarr"), threads=1, seed=0)
    assert n == 4


def make_folder_with_truncated(tmp_path):
    src = tmp_path / "imgs"
    src.mkdir()
    for i in range(5):
        (src / f"{i}.jpg").write_bytes(image_bytes(i))
    good = image_bytes(9)
    (src / "3.jpg").write_bytes(good[: len(good) // 2])
    return src


def test_truncated_jpeg_stops_with_the_file_named(tmp_path):
    src = make_folder_with_truncated(tmp_path)
    out = tmp_path / "o.zarr"
    with pytest.raises(InputError, match=r"3\.jpg"):
        prepare_images(ds_config("imagefolder", src), str(out), threads=2, seed=0)
    assert not out.exists() and not (tmp_path / "o.zarr.tmp").exists()


def test_on_corrupt_skip_skips_and_logs(tmp_path, caplog):
    src = make_folder_with_truncated(tmp_path)
    out = tmp_path / "o.zarr"
    with caplog.at_level(logging.WARNING):
        n = prepare_images(ds_config("imagefolder", src, on_corrupt="skip"), str(out), threads=2, seed=0)
    assert n == 4
    g = zarr.open_group(out, mode="r")
    assert g["images"].shape[0] == 4 and g["split"].shape == (4,)
    assert list(g.attrs["skipped"]) == ["3.jpg"]
    assert "skipped 1 unreadable images: 3.jpg" in caplog.text


def test_empty_folder_and_too_few_images(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no images found"):
        prepare_images(
            ds_config("imagefolder", tmp_path / "empty"), str(tmp_path / "o.zarr"), threads=1, seed=0
        )
    (tmp_path / "few").mkdir()
    (tmp_path / "few" / "1.png").write_bytes(image_bytes(1, "PNG"))
    with pytest.raises(InputError, match="min_images requires at least 2"):
        prepare_images(
            ds_config("imagefolder", tmp_path / "few"), str(tmp_path / "o.zarr"), threads=1, seed=0
        )
    assert not (tmp_path / "o.zarr").exists()


@pytest.mark.parametrize("evil", ["../evil.png", "/abs/evil.png", "a/../../evil.png"])
def test_zip_slip_archive_is_refused(tmp_path, evil):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.png", image_bytes(1, "PNG"))
        zf.writestr(evil, image_bytes(2, "PNG"))
    with pytest.raises(InputError, match="unsafe member path"):
        prepare_images(ds_config("imagefolder", archive), str(tmp_path / "o.zarr"), threads=1, seed=0)


@pytest.fixture
def http_root(tmp_path):
    """A real HTTP server on 127.0.0.1 serving ``tmp_path / 'www'``."""
    www = tmp_path / "www"
    www.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def md5(path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def celeba_files(www, url) -> list[dict]:
    """The ``dataset.files`` entries for the CelebA files served from ``www``."""
    return [
        {"name": n, "url": f"{url}/{n}", "md5": md5(www / n)}
        for n in ("img_align_celeba.zip", "list_eval_partition.txt")
    ]


def test_download_with_good_md5_builds_the_store(tmp_path, http_root):
    www, url = http_root
    make_celeba_tree(www, n=8, as_zip=True)
    files = celeba_files(www, url)
    dest = tmp_path / "celeba"
    fetch_celeba(str(dest), files)
    n = prepare_images(ds_config("celeba", dest, crop=148), str(tmp_path / "o.zarr"), threads=2, seed=0)
    assert n == 8


def test_download_with_bad_md5_is_refused_and_removed(tmp_path, http_root):
    www, url = http_root
    (www / "f.bin").write_bytes(b"x" * 5000)
    dest = tmp_path / "dl" / "f.bin"
    with pytest.raises(InputError, match="md5 mismatch"):
        download(f"{url}/f.bin", dest, "0" * 32)
    assert not dest.exists() and not dest.with_name("f.bin.part").exists()
    assert download(f"{url}/f.bin", dest, md5(www / "f.bin")).read_bytes() == b"x" * 5000


def test_workflow_downloads_celeba_then_builds_the_store(tmp_path, http_root):
    www, url = http_root
    make_celeba_tree(www, n=20, as_zip=True)
    files = celeba_files(www, url)
    cfg = {
        "run": "dl",
        "device": "cpu",
        "dataset": {
            "source": "celeba",
            "path": "data/celeba",
            "download": True,
            "files": files,
            "image_size": 16,
            "crop": 148,
            "chunk_images": 8,
        },
    }
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--configfile", "c.yaml"]
    res = subprocess.run(
        [*cmd, "-c1", "--until", "prepare_images"], cwd=tmp_path, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr[-2000:]
    g = zarr.open_group(tmp_path / "results" / "dl" / "data" / "images.zarr", mode="r")
    assert g["images"].shape == (20, 16, 16, 3) and g.attrs["source"] == "celeba"
    assert (tmp_path / "data" / "celeba" / "img_align_celeba.zip").exists()
    assert "downloaded" in (tmp_path / "results" / "dl" / "logs" / "download_celeba.log").read_text()
