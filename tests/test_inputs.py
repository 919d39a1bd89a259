"""Issue 22, inputs as users really have them: duplicate archive members and partition lines,
macOS Finder zips, zip bombs, EXIF orientation, counts above what the source holds, and a
content edit that keeps size and mtime."""

import io
import logging
import os
import struct
import subprocess
import sys
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import zarr
from conftest import ds_config, image_bytes, make_celeba_tree
from PIL import Image, ImageOps

from aelatent.data.archive import MAX_IMAGE_BYTES
from aelatent.data.layout import source_fingerprint
from aelatent.data.prepare import prepare_images
from aelatent.data.sources import decode_noting, find_images, list_images
from aelatent.errors import InputError


def store(path) -> zarr.Group:
    return zarr.open_group(str(path), mode="r")


def build(tmp_path, source, path, **over) -> int:
    return prepare_images(ds_config(source, path, **over), str(tmp_path / "o.zarr"), threads=2, seed=0)


# ---------------------------------------------------------------- duplicate archive members


def zip_with_duplicates(path: Path) -> None:
    """x/a.png twice (different images), x/b.png three times, x/c.png once."""
    with zipfile.ZipFile(path, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile's "Duplicate name": that is the point
        for i, name in enumerate(["x/a.png", "x/b.png", "x/a.png", "x/c.png", "x/b.png", "x/b.png"]):
            zf.writestr(name, image_bytes(i, "PNG"))


def test_zip_with_duplicate_member_names_is_refused_naming_them(tmp_path):
    archive = tmp_path / "dups.zip"
    zip_with_duplicates(archive)
    with pytest.raises(InputError) as err:
        build(tmp_path, "imagefolder", archive)
    msg = str(err.value)
    assert f"{archive}: 2 member names occur more than once: x/a.png (2 times), x/b.png (3 times)" in msg
    assert "dataset.on_corrupt: skip" in msg
    assert not (tmp_path / "o.zarr").exists()


def test_zip_duplicates_are_skipped_and_counted_with_on_corrupt_skip(tmp_path, caplog):
    archive = tmp_path / "dups.zip"
    zip_with_duplicates(archive)
    with caplog.at_level(logging.WARNING):
        n = build(tmp_path, "imagefolder", archive, on_corrupt="skip", min_images=1)
    g = store(tmp_path / "o.zarr")
    assert n == 1 and g["images"].shape[0] == 1  # only x/c.png: no copy of a duplicate is taken
    assert dict(g.attrs["duplicates_skipped"]) == {"x/a.png": 2, "x/b.png": 3}
    assert "leaving out 5 entries of 2 member names occur more than once" in caplog.text
    with zipfile.ZipFile(archive) as zf:
        want = np.asarray(Image.open(io.BytesIO(zf.read("x/c.png"))).convert("RGB").resize((16, 16)))
    assert g["images"][0].shape == want.shape


# ---------------------------------------------------------------- duplicate partition lines


@pytest.mark.parametrize("as_zip", [False, True])
def test_duplicate_partition_lines_are_refused_naming_the_images(tmp_path, as_zip):
    root = tmp_path / "celeba"
    names, _ = make_celeba_tree(root, n=8, as_zip=as_zip)
    partition = root / "list_eval_partition.txt"
    # the same image in training and validation, and one listed twice with the same split
    partition.write_text(partition.read_text() + f"{names[0]} 1\n{names[2]} 0\n")
    with pytest.raises(InputError) as err:
        build(tmp_path, "celeba", root)
    msg = str(err.value)
    assert (
        f"{partition}: 2 images are listed more than once: {names[0]} (2 times), {names[2]} (2 times)" in msg
    )


def test_duplicate_partition_lines_are_skipped_and_counted(tmp_path, caplog):
    root = tmp_path / "celeba"
    names, split = make_celeba_tree(root, n=8)
    partition = root / "list_eval_partition.txt"
    partition.write_text(partition.read_text() + f"{names[0]} 1\n")
    with caplog.at_level(logging.WARNING):
        n = build(tmp_path, "celeba", root, on_corrupt="skip")
    g = store(tmp_path / "o.zarr")
    assert n == 7 and g["split"][:].tolist() == split[1:]  # every line of 000001.jpg left out
    assert dict(g.attrs["duplicates_skipped"]) == {names[0]: 2}
    assert f"{names[0]} on lines 1, 9" in caplog.text


def test_celeba_zip_with_one_image_name_in_two_folders_is_refused(tmp_path):
    root = tmp_path / "celeba"
    names, _ = make_celeba_tree(root, n=6, as_zip=True)
    with zipfile.ZipFile(root / "img_align_celeba.zip", "a") as zf:
        zf.writestr(f"other/{names[3]}", image_bytes(99, size=(178, 218)))
    with pytest.raises(InputError, match=rf"1 image names occur more than once: {names[3]} \(2 times\)"):
        build(tmp_path, "celeba", root)


# ---------------------------------------------------------------- macOS Finder zips


def finder_zip(path: Path) -> None:
    """What Finder's Compress makes: every file, plus __MACOSX/ with ._ resource forks."""
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(3):
            zf.writestr(f"faces/{i}.png", image_bytes(i, "PNG"))
            zf.writestr(f"__MACOSX/faces/._{i}.png", b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
        zf.writestr("faces/._stray.png", b"\x00\x05\x16\x07")
        zf.writestr("faces/.hidden/x.png", b"not read")
        zf.writestr("faces/.DS_Store", b"Bud1")


def test_finder_zip_resource_forks_are_ignored_like_hidden_files(tmp_path):
    archive = tmp_path / "faces.zip"
    finder_zip(archive)
    assert [r.member for r in list_images(archive)] == ["faces/0.png", "faces/1.png", "faces/2.png"]
    assert build(tmp_path, "imagefolder", archive) == 3


def test_unpacked_finder_folder_is_read_the_same_and_fingerprinted_without_them(tmp_path):
    archive, folder = tmp_path / "faces.zip", tmp_path / "unpacked"
    finder_zip(archive)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(folder)
    assert [r.name for r in list_images(folder)] == ["faces/0.png", "faces/1.png", "faces/2.png"]
    before = source_fingerprint("imagefolder", folder)
    (folder / "__MACOSX" / "faces" / "._0.png").write_bytes(b"changed fork")
    assert source_fingerprint("imagefolder", folder) == before  # not a source item


# ---------------------------------------------------------------- zip bombs


def deflated_zeros(size: int, piece: int = 1 << 24) -> tuple[bytes, int]:
    """A raw deflate stream of ``size`` zero bytes and its CRC-32, made in a second: one piece
    compressed with a full flush is the same bytes wherever it stands, so it is repeated."""
    assert size % piece == 0
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(piece)) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    zero = bytes(piece)
    for _ in range(size // piece):
        crc = zlib.crc32(zero, crc)
    return block * (size // piece) + b"\x03\x00", crc


def bomb_zip(path: Path, members: list[str], size: int, extra: dict[str, bytes]) -> None:
    """A zip whose ``members`` each expand to ``size`` zero bytes (written by hand: zipfile would
    deflate them for half a minute), followed by the ``extra`` members, stored."""
    data, crc = deflated_zeros(size)
    central, offset = [], 0
    with open(path, "wb") as fh:
        entries = [(m, data, crc, size, 8) for m in members]
        entries += [(m, b, zlib.crc32(b), len(b), 0) for m, b in extra.items()]
        for name, body, c, usize, method in entries:
            raw = name.encode()
            head = struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, c, len(body), usize, len(raw), 0
            )
            fh.write(head + raw + body)
            central.append(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    20,
                    20,
                    0,
                    method,
                    0,
                    0x21,
                    c,
                    len(body),
                    usize,
                    len(raw),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + raw
            )
            offset += len(head) + len(raw) + len(body)
        cd = b"".join(central)
        fh.write(
            cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(cd), offset, 0)
        )


# Peak RSS of this process image: /proc's VmHWM, not getrusage's ru_maxrss, which a child keeps
# from the parent it was forked from (a pytest that imported torch) across exec.
BOMB_RUN = """
import sys
sys.path.insert(0, sys.argv[3])
from conftest import ds_config
from aelatent.data.prepare import prepare_images
n = prepare_images(ds_config("imagefolder", sys.argv[1], on_corrupt="skip"), sys.argv[2], threads=2, seed=0)
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(n, int(hwm.split()[1]) // 1024)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="measures VmHWM in /proc")
def test_zip_bomb_members_are_refused_from_the_directory_without_decompressing(tmp_path):
    archive = tmp_path / "bomb.zip"
    size = 3 << 29  # 1.5 GiB each
    good = {f"imgs/z{i}.png": image_bytes(i, "PNG") for i in range(3)}
    bomb_zip(archive, ["imgs/a.png", "imgs/b.png"], size, good)
    assert archive.stat().st_size < 16 << 20
    with zipfile.ZipFile(archive) as zf:
        assert zf.getinfo("imgs/a.png").file_size == size
    with pytest.raises(InputError) as err:
        build(tmp_path, "imagefolder", archive)
    assert f"cannot read image {archive}:imgs/a.png: {size} bytes uncompressed" in str(err.value)
    assert f"above the limit of {MAX_IMAGE_BYTES} bytes for one image: not decompressed" in str(err.value)
    # with skip: both refused, the rest stored, and the job never holds a member's expansion
    res = subprocess.run(
        [sys.executable, "-c", BOMB_RUN, str(archive), str(tmp_path / "s.zarr"), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
    )
    n, peak_mb = map(int, res.stdout.split())
    assert n == 3 and list(store(tmp_path / "s.zarr").attrs["skipped"]) == ["imgs/a.png", "imgs/b.png"]
    print(f"peak RSS of prepare_images with a {archive.stat().st_size >> 20} MB bomb: {peak_mb} MB")
    assert peak_mb <= 500, res.stderr


def test_oversized_file_in_a_folder_is_refused_before_it_is_read(tmp_path, monkeypatch):
    import aelatent.data.sources as sources

    src = tmp_path / "imgs"
    src.mkdir()
    for i in range(3):
        (src / f"{i}.png").write_bytes(image_bytes(i, "PNG", size=(20, 20)))
    big = src / "3.png"
    big.write_bytes(image_bytes(3, "PNG", size=(60, 60)))
    monkeypatch.setattr(sources, "MAX_IMAGE_BYTES", big.stat().st_size - 1)
    with pytest.raises(
        InputError, match=rf"cannot read image {big}: {big.stat().st_size} bytes, above the limit"
    ):
        build(tmp_path, "imagefolder", src)


# ---------------------------------------------------------------- EXIF orientation


def with_orientation(arr: np.ndarray, orientation: int, fmt: str = "JPEG") -> bytes:
    im = Image.fromarray(arr)
    exif = im.getexif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    im.save(buf, format=fmt, exif=exif.tobytes(), **({"quality": 95} if fmt == "JPEG" else {}))
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_as_pillow_does(orientation, fmt):
    arr = np.random.default_rng(orientation).integers(0, 255, (6, 10, 3), np.uint8)
    data = with_orientation(arr, orientation, fmt)
    got = decode_noting(data, "x")
    want = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))
    assert np.array_equal(got.image, want)
    assert ("orientation" in got.conversions) == (orientation != 1)


def test_phone_photo_is_stored_upright_and_counted_as_a_conversion(tmp_path):
    """A portrait photo as phones store it: landscape pixels and Orientation 6 (turn 90 clockwise)."""
    rng = np.random.default_rng(0)
    upright = np.zeros((64, 32, 3), np.uint8)  # tall: dark top half, bright bottom half
    upright[32:] = 220
    sensor = np.rot90(upright, 1).copy()  # what the sensor recorded: the photo on its side
    src = tmp_path / "imgs"
    src.mkdir()
    (src / "phone.jpg").write_bytes(with_orientation(sensor, 6))
    (src / "plain.png").write_bytes(image_bytes(int(rng.integers(100)), "PNG"))
    build(tmp_path, "imagefolder", src, image_size=16, crop=None)
    g = store(tmp_path / "o.zarr")
    face = g["images"][0].astype(int)
    assert face[:4].mean() < 60 and face[-4:].mean() > 160  # dark at the top: upright
    assert g.attrs["conversions"]["orientation"] == 1


# ---------------------------------------------------------------- n_images above the source


def test_n_images_above_the_source_is_a_warning_and_recorded(tmp_path, caplog):
    src = tmp_path / "imgs"
    src.mkdir()
    for i in range(5):
        (src / f"{i}.png").write_bytes(image_bytes(i, "PNG"))
    with caplog.at_level(logging.WARNING):
        assert build(tmp_path, "imagefolder", src, n_images=12) == 5
    assert f"dataset.n_images=12 is above the 5 images {src} holds: using all 5" in caplog.text
    assert dict(store(tmp_path / "o.zarr").attrs["adjusted"]) == {
        "dataset.n_images": {"requested": 12, "used": 5}
    }
    build(tmp_path, "imagefolder", src, n_images=4)
    assert dict(store(tmp_path / "o.zarr").attrs["adjusted"]) == {}


# ---------------------------------------------------------------- content edits keeping size and mtime


def edit_keeping_size_and_mtime(f: Path) -> None:
    st = f.stat()
    data = bytearray(f.read_bytes())
    data[-20] ^= 0xFF
    f.write_bytes(bytes(data))
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # touch -r
    assert (f.stat().st_size, f.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)


def test_edit_keeping_size_and_mtime_changes_the_fingerprint(tmp_path, monkeypatch):
    src, cache = tmp_path / "imgs", tmp_path / "cache"
    src.mkdir()
    for i in range(4):
        (src / f"{i}.png").write_bytes(image_bytes(i, "PNG"))
    before = source_fingerprint("imagefolder", src, cache)
    edit_keeping_size_and_mtime(src / "2.png")
    after = source_fingerprint("imagefolder", src, cache)
    assert after != before  # the ctime moved: the file was hashed again
    assert after == source_fingerprint("imagefolder", src)  # the uncached truth


def test_rehash_setting_ignores_the_cache(tmp_path, monkeypatch):
    """Where ctimes cannot be trusted (some network file systems, restored backups),
    AELATENT_REHASH=1 hashes every file again."""
    import aelatent.data.layout as layout

    src, cache = tmp_path / "imgs", tmp_path / "cache"
    src.mkdir()
    for i in range(3):
        (src / f"{i}.png").write_bytes(image_bytes(i, "PNG"))
    before = source_fingerprint("imagefolder", src, cache)
    hashed = []
    real = layout.sha256_file
    monkeypatch.setattr(layout, "sha256_file", lambda p: hashed.append(p) or real(p))
    assert source_fingerprint("imagefolder", src, cache) == before and hashed == []  # cached
    monkeypatch.setenv("AELATENT_REHASH", "1")
    assert source_fingerprint("imagefolder", src, cache) == before and len(hashed) == 3
    # a stale cache entry (same size, mtime and ctime, another digest) is caught by a rehash
    cached = next(cache.iterdir())
    entries = __import__("json").loads(cached.read_text())
    entries["0.png"][3] = "0" * 64
    cached.write_text(__import__("json").dumps(entries))
    assert source_fingerprint("imagefolder", src, cache) == before
    monkeypatch.delenv("AELATENT_REHASH")
    assert source_fingerprint("imagefolder", src, cache) == before  # and the cache was renewed


def test_find_images_lists_hidden_and_duplicates_apart(tmp_path):
    archive = tmp_path / "dups.zip"
    zip_with_duplicates(archive)
    listing = find_images(archive, "skip")
    assert [r.member for r in listing.refs] == ["x/c.png"] and listing.duplicates == {
        "x/a.png": 2,
        "x/b.png": 3,
    }
