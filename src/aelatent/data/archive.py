"""Read images straight out of zip archives, refusing members that could escape a folder."""

from __future__ import annotations

import zipfile
from pathlib import PurePosixPath, PureWindowsPath

from ..errors import InputError


def check_member_name(name: str, archive: str) -> None:
    """Refuse absolute paths, drive letters and ``..`` components (zip-slip)."""
    posix = PurePosixPath(name.replace("\\", "/"))
    if posix.is_absolute() or PureWindowsPath(name).drive or ".." in posix.parts:
        raise InputError(f"{archive}: unsafe member path {name!r} (absolute or contains '..')")


def safe_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """All file members of ``zf``, after checking every name is safe."""
    members = []
    for info in zf.infolist():
        check_member_name(info.filename, zf.filename or "<zip>")
        if not info.is_dir():
            members.append(info)
    return members
