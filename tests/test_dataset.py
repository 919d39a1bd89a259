import logging
import zipfile

import numpy as np
import pytest
import zarr
from conftest import ds_config, image_bytes, make_celeba_tree, with_defaults

from aelatent.data import synthetic
from aelatent.data.prepare import prepare_images
from aelatent.errors import InputError


def test_synthetic_store_layout_and_determinism(tmp_path):
    cfg = with_defaults({"dataset": {"n_images": 50, "image_size": 32, "chunk_images": 16}})["dataset"]
    prepare_images(cfg, str(tmp_path / "a.zarr"), threads=2, seed=5)
    prepare_images(cfg, str(tmp_path / "b.zarr"), threads=1, seed=5)
    a, b = zarr.open_group(tmp_path / "a.zarr", mode="r"), zarr.open_group(tmp_path / "b.zarr", mode="r")
    assert a["images"].shape == (50, 32, 32, 3) and a["images"].dtype == np.uint8
    assert a["images"].chunks[0] == 16
    assert np.array_equal(a["images"][:], b["images"][:])
    assert a.attrs["content_sha256"] == b.attrs["content_sha256"]
    # the default (rich) faces: the 12 named factors first, then every added degree of freedom
    names = a.attrs["factor_names"]
    assert a.attrs["synthetic"] == "rich" and a["factors"].shape == (50, len(names)) and len(names) > 256
    assert names[:12] == list(synthetic.FACTOR_NAMES)
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

    ref = crop_resize(decode(image_bytes(0, size=(178, 218)), "x"), 148, 16)
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
