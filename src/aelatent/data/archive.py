"""Read images straight out of zip archives: refuse members that could escape a folder, leave out
what macOS adds, find duplicate names, and never decompress a member larger than a limit."""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import PurePosixPath, PureWindowsPath

from ..errors import InputError
from .layout import is_hidden

# The most bytes one image file may have, read from a folder or decompressed from a zip: far
# above any photograph (a 50-megapixel JPEG is ~20 MB), far below what a zip bomb expands to.
MAX_IMAGE_BYTES = 256 << 20


def check_member_name(name: str, archive: str) -> None:
    """Refuse absolute paths, drive letters and ``..`` components (zip-slip)."""
    posix = PurePosixPath(name.replace("\\", "/"))
    if posix.is_absolute() or PureWindowsPath(name).drive or ".." in posix.parts:
        raise InputError(f"{archive}: unsafe member path {name!r} (absolute or contains '..')")


def safe_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """All file members of ``zf`` but hidden ones (``.x``, ``._x``, ``__MACOSX/``), after
    checking every name is safe."""
    members = []
    for info in zf.infolist():
        check_member_name(info.filename, zf.filename or "<zip>")
        if not info.is_dir() and not is_hidden(info.filename):
            members.append(info)
    return members


def repeated(names) -> dict[str, int]:
    """Each name that occurs more than once, with how often, in first-seen order."""
    counts = Counter(names)
    return {n: c for n, c in counts.items() if c > 1}


def describe_repeats(repeats: dict[str, int], limit: int = 10) -> str:
    """``a.png (2 times), b.png (3 times)``, the first ``limit`` of them."""
    shown = ", ".join(f"{n} ({c} times)" for n, c in list(repeats.items())[:limit])
    more = len(repeats) - limit
    return shown + (f" and {more} more" if more > 0 else "")


def read_member(zf: zipfile.ZipFile, member: str, limit: int = MAX_IMAGE_BYTES) -> bytes:
    """A member's bytes, refused before decompressing anything when the zip directory says it
    is larger than ``limit``; never more than ``limit`` bytes are held even if it lies."""
    info = zf.getinfo(member)
    if info.file_size > limit:
        raise InputError(
            f"{info.file_size} bytes uncompressed (from {info.compress_size} in the archive), "
            f"above the limit of {limit} bytes for one image: not decompressed"
        )
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # zipfile stops at the directory's size: cannot happen, but never trust it
        raise InputError(f"decompresses to more than {limit} bytes: not read")
    return data
