"""Find, read and decode images from folders, zip archives and CelebA's layout."""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

import numpy as np
import torch
from PIL import Image
from torchvision.io import ImageReadMode, decode_image
from torchvision.transforms.v2 import functional as tvf

from ..errors import InputError
from .archive import safe_members
from .layout import PARTITION_FILE, celeba_root, is_image

_zip_handles = threading.local()


@dataclass(frozen=True)
class ImageRef:
    """One image: a file on disk, or a member of a zip archive (``member`` set)."""

    name: str
    path: str
    member: str | None = None

    def read_bytes(self) -> bytes:
        try:
            if self.member is None:
                return Path(self.path).read_bytes()
            return _open_zip(self.path).read(self.member)
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise InputError(f"cannot read image {self.name}: {exc}") from exc


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


def decode(data: bytes, name: str) -> torch.Tensor:
    """Decode to a uint8 RGB tensor (3, H, W); grayscale and palette images become RGB."""
    try:
        return decode_image(torch.frombuffer(bytearray(data), dtype=torch.uint8), ImageReadMode.RGB)
    except RuntimeError as exc:
        if "Unsupported image file" not in str(exc):
            raise InputError(f"corrupt or truncated image {name}: {str(exc).splitlines()[-1]}") from exc
    try:  # formats torchvision does not decode (BMP, TIFF)
        with Image.open(io.BytesIO(data)) as im:
            arr = np.asarray(im.convert("RGB"))
    except OSError as exc:
        raise InputError(f"corrupt or unreadable image {name}: {exc}") from exc
    return torch.from_numpy(arr.copy()).permute(2, 0, 1)


def crop_resize(img: torch.Tensor, crop: int | None, size: int) -> torch.Tensor:
    """Centre-crop to ``crop`` (default: the largest centred square), then resize to ``size``."""
    h, w = img.shape[-2:]
    side = min(h, w) if crop is None else min(crop, h, w)
    img = tvf.center_crop(img, [side, side])
    if side != size:
        img = tvf.resize(img, [size, size], antialias=True)
    return img


def load_image(ref: ImageRef, crop: int | None, size: int) -> np.ndarray:
    """Read, decode, crop and resize one image to (size, size, 3) uint8."""
    img = crop_resize(decode(ref.read_bytes(), ref.name), crop, size)
    return img.permute(1, 2, 0).contiguous().numpy()
