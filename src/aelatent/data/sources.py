"""Find, read and decode images from folders, zip archives and CelebA's layout.

Every way reading or decoding one image can fail ends here as an InputError naming the file (or
``archive.zip:member``), so ``dataset.on_corrupt: skip`` can skip it; images that are not plain
8-bit RGB are converted here, and each conversion is reported so the image store can count it.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import NamedTuple

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torchvision.io import ImageReadMode, decode_image
from torchvision.transforms.v2 import functional as tvf

from ..errors import InputError
from .archive import safe_members
from .layout import PARTITION_FILE, celeba_root, is_image

# What an image may need to become 8-bit RGB: samples scaled from 16 to 8 bits, the first frame
# taken of several, the alpha channel dropped, one grey channel repeated.
CONVERSIONS = ("16bit", "multiframe", "alpha", "grey")
_GREY_MODES = {"1", "L", "LA", "La", "I", "F", "I;16", "I;16B", "I;16L", "I;16N"}
_ALPHA_MODES = {"LA", "La", "PA", "RGBA", "RGBa"}
_TORCHVISION_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}  # the rest (BMP, TIFF...) PIL decodes

_zip_handles = threading.local()


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

    def read_bytes(self) -> bytes:
        """The file's bytes; any failure (a missing file, a corrupt deflate stream or CRC in an
        archive...) is an InputError naming it."""
        try:
            if self.member is None:
                return Path(self.path).read_bytes()
            return _open_zip(self.path).read(self.member)
        except Exception as exc:
            raise InputError(f"cannot read image {self.label}: {_reason(exc)}") from exc


def _open_zip(path: str) -> zipfile.ZipFile:
    """One ZipFile per thread and archive: ZipFile reads are not safe to share across threads."""
    handles = _zip_handles.__dict__.setdefault("open", {})
    if path not in handles:
        handles[path] = zipfile.ZipFile(path)
    return handles[path]


def list_images(path: str | Path) -> list[ImageRef]:
    """All images under a folder (recursive) or in a zip archive, sorted by relative path."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
        return [ImageRef(f, str(path / f)) for f in files if is_image(f)]
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = sorted(m.filename for m in safe_members(zf))
        return [ImageRef(n, str(path), n) for n in names if is_image(n)]
    raise InputError(f"dataset.path {str(path)!r} is neither a folder nor a zip archive")


def celeba_images(path: str | Path) -> tuple[list[ImageRef], np.ndarray]:
    """CelebA's aligned images in partition-file order, with their split (0/1/2)."""
    root = celeba_root(path)
    rows = []
    for lineno, line in enumerate((root / PARTITION_FILE).read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or parts[1] not in {"0", "1", "2"}:
            raise InputError(f"{root / PARTITION_FILE}:{lineno}: bad line {line!r}")
        rows.append((parts[0], int(parts[1])))
    folder, archive = root / "img_align_celeba", root / "img_align_celeba.zip"
    if folder.is_dir():
        refs = [ImageRef(f"img_align_celeba/{n}", str(folder / n)) for n, _ in rows]
    elif archive.is_file():
        with zipfile.ZipFile(archive) as zf:
            members = {PurePath(m.filename).name: m.filename for m in safe_members(zf)}
        refs = []
        for n, _ in rows:
            member = members.get(n)
            refs.append(ImageRef(f"img_align_celeba.zip:{n}", str(archive), member or n))
    else:
        raise InputError(f"{root}: neither img_align_celeba/ nor img_align_celeba.zip exists")
    return refs, np.array([s for _, s in rows], dtype=np.int8)


class Decoded(NamedTuple):
    image: torch.Tensor  # uint8 (3, H, W)
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


def decode(data: bytes, name: str) -> torch.Tensor:
    """Decode to uint8 RGB (3, H, W), as ``decode_noting`` does."""
    return decode_noting(data, name).image


def decode_noting(data: bytes, name: str) -> Decoded:
    """Decode to uint8 RGB (3, H, W), noting the conversions needed: 16-bit samples scaled to
    8 bits (never wrapped), the first frame of an animation, alpha dropped, grey made RGB (palette
    images too, uncounted). Whatever the decoders raise becomes an InputError naming ``name``."""
    if not data:
        raise InputError(f"cannot decode image {name}: empty file (0 bytes)")
    try:
        return _decode(data)
    except InputError as exc:
        raise InputError(f"cannot decode image {name}: {exc}") from exc
    except Exception as exc:
        raise InputError(f"cannot decode image {name}: {_reason(exc)}") from exc


def _decode(data: bytes) -> Decoded:
    try:
        im = Image.open(io.BytesIO(data))  # reads the header only
    except UnidentifiedImageError:
        raise InputError("not an image format Pillow knows") from None
    with im:
        notes = set()
        if getattr(im, "is_animated", False):
            notes.add("multiframe")
        if im.mode in _ALPHA_MODES or "transparency" in im.info:
            notes.add("alpha")
        if im.mode in _GREY_MODES:
            notes.add("grey")
        if im.format in _TORCHVISION_FORMATS:
            raw = torch.frombuffer(bytearray(data), dtype=torch.uint8)
            img = decode_image(raw, ImageReadMode.RGB)
        else:
            img = _decode_pil(im)
    if img.ndim == 4:  # torchvision decodes every frame of a GIF
        img = img[0]
    if img.dtype == torch.uint16:
        notes.add("16bit")
        img = tvf.to_dtype(img, torch.uint8, scale=True)
    return Decoded(img, frozenset(notes))


def _decode_pil(im: Image.Image) -> torch.Tensor:
    """The first frame as (3, H, W): uint16 for 16-bit grey, else uint8."""
    im.seek(0)
    if im.mode.startswith("I;16"):
        grey = torch.from_numpy(np.asarray(im).astype(np.uint16))
        return grey.expand(3, *grey.shape).contiguous()
    if im.mode in {"I", "F"}:
        raise InputError(f"unsupported pixel format {im.mode!r} (32-bit samples)")
    return torch.from_numpy(np.asarray(im.convert("RGB")).copy()).permute(2, 0, 1)


def crop_resize(img: torch.Tensor, crop: int | None, size: int) -> torch.Tensor:
    """Centre-crop to ``crop`` (default: the largest centred square), then resize to ``size``."""
    h, w = img.shape[-2:]
    side = min(h, w) if crop is None else min(crop, h, w)
    img = tvf.center_crop(img, [side, side])
    if side != size:
        img = tvf.resize(img, [size, size], antialias=True)
    return img


def load_image(ref: ImageRef, crop: int | None, size: int) -> tuple[np.ndarray, frozenset[str]]:
    """Read, decode, crop and resize one image to (size, size, 3) uint8; with its conversions."""
    img, conversions = decode_noting(ref.read_bytes(), ref.label)
    return crop_resize(img, crop, size).permute(1, 2, 0).contiguous().numpy(), conversions
