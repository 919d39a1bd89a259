"""Find, read and decode images from folders, zip archives and CelebA's layout.

Every way reading or decoding one image can fail ends here as an InputError naming the file (or
``archive.zip:member``), so ``dataset.on_corrupt: skip`` can skip it; images that are not plain
8-bit RGB are converted here, and each conversion is reported so the image store can count it.
Decoding is Pillow's (no torch here: the image stage stays small in memory), one image at a time.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import NamedTuple

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..errors import InputError
from .archive import MAX_IMAGE_BYTES, describe_repeats, read_member, repeated, safe_members
from .layout import PARTITION_FILE, celeba_root, is_source_image

# What an image may need to become 8-bit RGB: samples scaled from 16 to 8 bits, the first frame
# taken of several, the alpha channel dropped, one grey channel repeated; and upright: turned or
# mirrored as its EXIF Orientation tag says (phones store pixels as the sensor saw them).
CONVERSIONS = ("16bit", "multiframe", "alpha", "grey", "orientation")
EXIF_ORIENTATION = 0x0112
_GREY_MODES = {"1", "L", "LA", "La", "I", "F", "I;16", "I;16B", "I;16L", "I;16N"}
_ALPHA_MODES = {"LA", "La", "PA", "RGBA", "RGBa"}
# Pillow's exif_transpose: what turns each EXIF orientation upright
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_zip_handles = threading.local()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImageRef:
    """One image: a file on disk, or a member of a zip archive (``member`` set)."""

    name: str
    path: str
    member: str | None = None

    @property
    def label(self) -> str:
        """How errors name it: the file's path, or ``archive.zip:member``."""
        return self.path if self.member is None else f"{self.path}:{self.member}"

    def read_bytes(self, limit: int | None = None) -> bytes:
        """The file's bytes; any failure (a missing file, a corrupt deflate stream or CRC in an
        archive, a file or member above ``limit`` bytes (default ``MAX_IMAGE_BYTES``), refused
        before it is read) is an InputError naming it."""
        limit = MAX_IMAGE_BYTES if limit is None else limit
        try:
            if self.member is not None:
                return read_member(_open_zip(self.path), self.member, limit)
            size = Path(self.path).stat().st_size
            if size > limit:
                raise InputError(f"{size} bytes, above the limit of {limit} bytes for one image: not read")
            return Path(self.path).read_bytes()
        except InputError as exc:
            raise InputError(f"cannot read image {self.label}: {exc}") from None
        except Exception as exc:
            raise InputError(f"cannot read image {self.label}: {_reason(exc)}") from exc


def _open_zip(path: str) -> zipfile.ZipFile:
    """One ZipFile per thread and archive: ZipFile reads are not safe to share across threads."""
    handles = _zip_handles.__dict__.setdefault("open", {})
    if path not in handles:
        handles[path] = zipfile.ZipFile(path)
    return handles[path]


@dataclass
class Listing:
    """What a source holds, in the order it is stored: the images, their split (CelebA's
    partition file; None elsewhere), and the entries left out because their name occurs more
    than once (name -> how often; ``dataset.on_corrupt: skip``)."""

    refs: list[ImageRef]
    split: np.ndarray | None = None
    duplicates: dict[str, int] = field(default_factory=dict)


def _without_repeats(names: list[str], where: str, what: str, on_corrupt: str) -> dict[str, int]:
    """The names occurring more than once: an InputError naming them, or (skip) logged."""
    repeats = repeated(names)
    if repeats and on_corrupt == "error":
        raise InputError(
            f"{where}: {len(repeats)} {what} more than once: {describe_repeats(repeats)}; which "
            "copy is meant cannot be told: remove the duplicates, or set dataset.on_corrupt: skip "
            "to leave every copy out"
        )
    if repeats:
        log.warning(
            "%s: leaving out %d entries of %d %s more than once: %s",
            where,
            sum(repeats.values()),
            len(repeats),
            what,
            describe_repeats(repeats),
        )
    return repeats


def list_images(path: str | Path, on_corrupt: str = "error") -> list[ImageRef]:
    """All images under a folder (recursive) or in a zip archive, sorted by relative path."""
    return find_images(path, on_corrupt).refs


def find_images(path: str | Path, on_corrupt: str = "error") -> Listing:
    """``list_images`` with the zip members left out for a duplicated name (skip)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
        return Listing([ImageRef(f, str(path / f)) for f in files if is_source_image(f)])
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = [m.filename for m in safe_members(zf) if is_source_image(m.filename)]
        repeats = _without_repeats(names, str(path), "member names occur", on_corrupt)
        refs = [ImageRef(n, str(path), n) for n in sorted(set(names) - set(repeats))]
        return Listing(refs, None, repeats)
    raise InputError(f"dataset.path {str(path)!r} is neither a folder nor a zip archive")


def celeba_images(path: str | Path, on_corrupt: str = "error") -> tuple[list[ImageRef], np.ndarray]:
    """CelebA's aligned images in partition-file order, with their split (0/1/2)."""
    listing = find_celeba(path, on_corrupt)
    return listing.refs, listing.split


def find_celeba(path: str | Path, on_corrupt: str = "error") -> Listing:
    """``celeba_images``, with the partition lines (or archive members) of a name that occurs
    more than once left out (skip)."""
    root = celeba_root(path)
    partition = root / PARTITION_FILE
    rows = []
    for lineno, line in enumerate(partition.read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or parts[1] not in {"0", "1", "2"}:
            raise InputError(f"{partition}:{lineno}: bad line {line!r}")
        rows.append((parts[0], int(parts[1]), lineno))
    repeats = _without_repeats([n for n, _, _ in rows], str(partition), "images are listed", on_corrupt)
    if repeats and on_corrupt == "skip":
        lines = {n: [str(i) for m, _, i in rows if m == n] for n in repeats}
        log.warning(
            "%s: lines left out: %s",
            partition,
            "; ".join(f"{n} on lines {', '.join(v)}" for n, v in lines.items()),
        )
    rows = [r for r in rows if r[0] not in repeats]
    folder, archive = root / "img_align_celeba", root / "img_align_celeba.zip"
    if folder.is_dir():
        refs = [ImageRef(f"img_align_celeba/{n}", str(folder / n)) for n, _, _ in rows]
    elif archive.is_file():
        with zipfile.ZipFile(archive) as zf:
            found = [m.filename for m in safe_members(zf) if is_source_image(m.filename)]
        twice = _without_repeats(
            [PurePath(f).name for f in found], str(archive), "image names occur", on_corrupt
        )
        members = {PurePath(f).name: f for f in found}
        rows = [r for r in rows if r[0] not in twice]
        repeats = {**repeats, **{n: c for n, c in twice.items() if n not in repeats}}
        refs = [ImageRef(f"img_align_celeba.zip:{n}", str(archive), members.get(n) or n) for n, _, _ in rows]
    else:
        raise InputError(f"{root}: neither img_align_celeba/ nor img_align_celeba.zip exists")
    return Listing(refs, np.array([s for _, s, _ in rows], dtype=np.int8), repeats)


class Decoded(NamedTuple):
    image: np.ndarray  # uint8 (H, W, 3)
    conversions: frozenset[str]  # members of CONVERSIONS


def _reason(exc: BaseException) -> str:
    """The exception's type (``zlib.error``, ``RuntimeError``) and last message line, without
    torchvision's C++ source location."""
    kind = type(exc).__name__
    if type(exc).__module__ != "builtins":
        kind = f"{type(exc).__module__}.{kind}"
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    msg = re.sub(r"^.*\.cpp:\d+,\s*", "", lines[-1]) if lines else ""
    return f"{kind}: {msg}" if msg else kind


def decode(data: bytes, name: str) -> np.ndarray:
    """Decode to uint8 RGB (H, W, 3), as ``decode_noting`` does."""
    return decode_noting(data, name).image


def decode_noting(data: bytes, name: str) -> Decoded:
    """Decode to uint8 RGB (H, W, 3), upright, noting the conversions needed: 16-bit samples
    scaled to 8 bits (never wrapped), the first frame of an animation, alpha dropped, grey made
    RGB (palette images too, uncounted), the EXIF orientation applied. Whatever the decoder
    raises becomes an InputError naming ``name``."""
    img, notes = _decode_named(data, name)
    return Decoded(np.asarray(img), notes)


def _decode_named(data: bytes, name: str) -> tuple[Image.Image, frozenset[str]]:
    if not data:
        raise InputError(f"cannot decode image {name}: empty file (0 bytes)")
    try:
        return _decode(data)
    except InputError as exc:
        raise InputError(f"cannot decode image {name}: {exc}") from exc
    except Exception as exc:
        raise InputError(f"cannot decode image {name}: {_reason(exc)}") from exc


def _decode(data: bytes) -> tuple[Image.Image, frozenset[str]]:
    """The first frame as an upright RGB image, and the conversions it needed."""
    try:
        im = Image.open(io.BytesIO(data))  # reads the header only
    except UnidentifiedImageError:
        raise InputError("not an image format Pillow knows") from None
    with im:
        notes = set()
        # first: a PNG's getexif() loads the pixels, and loading empties the tile list
        if im.mode.startswith("I;16") or any(";16" in str(getattr(t, "args", "")) for t in im.tile):
            notes.add("16bit")  # 16-bit grey, or RGB(A) that Pillow reads as its high bytes
        stored = _orientation(im)  # before loading: a TIFF's loader turns it upright itself
        if getattr(im, "is_animated", False):
            notes.add("multiframe")
        if im.mode in _ALPHA_MODES or "transparency" in im.info:
            notes.add("alpha")
        if im.mode in _GREY_MODES:
            notes.add("grey")
        im.seek(0)
        im.load()
        orientation = _orientation(im)  # what is left to apply (a PNG's eXIf may follow its pixels)
        if stored != 1 or orientation != 1:
            notes.add("orientation")
        if im.mode.startswith("I;16"):
            high = (np.asarray(im).astype(np.uint16) >> 8).astype(np.uint8)
            rgb = Image.fromarray(high, "L").convert("RGB")
        elif im.mode in {"I", "F"}:
            raise InputError(f"unsupported pixel format {im.mode!r} (32-bit samples)")
        else:
            rgb = im.convert("RGB")  # decodes; drops alpha as it is (no compositing)
    if orientation in _UPRIGHT:
        rgb = rgb.transpose(_UPRIGHT[orientation])
    return rgb, frozenset(notes)


def _orientation(im: Image.Image) -> int:
    """The EXIF Orientation tag (1-8; 1 = as stored); 1 when there is none or it is unreadable."""
    try:
        value = int(im.getexif().get(EXIF_ORIENTATION, 1))
    except Exception:
        return 1
    return value if 1 <= value <= 8 else 1


def _crop_box(h: int, w: int, crop: int | None) -> tuple[int, int, int]:
    """(top, left, side) of the centred square: ``crop`` (default the largest), rounded as
    torchvision's ``center_crop`` rounds."""
    side = min(h, w) if crop is None else min(crop, h, w)
    return int(round((h - side) / 2.0)), int(round((w - side) / 2.0)), side


def _crop_resize_image(img: Image.Image, crop: int | None, size: int) -> np.ndarray:
    top, left, side = _crop_box(img.height, img.width, crop)
    img = img.crop((left, top, left + side, top + side))
    if side != size:
        img = img.resize((size, size), Image.Resampling.BILINEAR)  # antialiased when shrinking
    return np.asarray(img)


def crop_resize(img: np.ndarray, crop: int | None, size: int) -> np.ndarray:
    """uint8 (H, W, 3): centre-crop to ``crop`` (default: the largest centred square), then
    resize to (size, size, 3), bilinear with antialiasing."""
    return _crop_resize_image(Image.fromarray(np.ascontiguousarray(img)), crop, size)


def load_image(ref: ImageRef, crop: int | None, size: int) -> tuple[np.ndarray, frozenset[str]]:
    """Read, decode, crop and resize one image to (size, size, 3) uint8; with its conversions."""
    img, conversions = _decode_named(ref.read_bytes(), ref.label)
    return _crop_resize_image(img, crop, size), conversions
