"""The one way outputs are written: under a unique temporary name in the target's folder, then
renamed, so a killed job leaves the old file or none, and two writers never share a temporary.

Temporaries are created the way ``open()`` creates files (mode 0o666, or 0o777 for a folder,
less the umask), so a group sharing a results folder can read every output. A writer holds an
exclusive ``flock`` on its temporary while it works; the next writer of the same target removes
the temporaries nobody holds (those of a killed job), so they never pile up. A write that fails
for lack of space is a ``NoSpaceError`` naming the file and the file system.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# mkstemp's alphabet and length, so temporaries of older runs are recognised (and removed) too
_RANDOM = "abcdefghijklmnopqrstuvwxyz0123456789_"
_RANDOM_LEN = 8
# A temporary younger than this is never removed: its writer may not hold its lock yet.
STALE_AFTER_S = 1.0
# Below this much free space on the target's file system, a failed write is taken as disk full.
LOW_SPACE_BYTES = 1 << 20


class NoSpaceError(OSError):
    """A write failed because its file system is full (or the user's quota is used up)."""


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a fresh temporary path beside ``path`` (same extension, so writers that infer the
    format from it still work); it replaces ``path`` when the block succeeds, else is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    tmp, fd = _create(path.parent, f".{path.stem}.", path.suffix, directory=False)
    try:
        try:
            yield tmp
            os.replace(tmp, path)
        except BaseException as exc:
            _raise_if_out_of_space(exc, path, tmp)
            raise
    finally:
        Path(tmp).unlink(missing_ok=True)
        os.close(fd)


@contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a fresh temporary folder beside ``path``; it replaces ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path, directory=True)
    tmp, fd = _create(path.parent, f".{path.name}.", "", directory=True)
    try:
        try:
            yield tmp
            if path.exists():
                shutil.rmtree(path)
            os.replace(tmp, path)
        except BaseException as exc:
            _raise_if_out_of_space(exc, path, tmp)
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        os.close(fd)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def _create(folder: Path, prefix: str, suffix: str, *, directory: bool) -> tuple[Path, int]:
    """A new file or folder ``prefix + 8 random characters + suffix`` in ``folder``, created as
    ``open()``/``mkdir`` would (the umask decides its mode), and an fd holding its lock."""
    for _ in range(100):
        name = prefix + "".join(secrets.choice(_RANDOM) for _ in range(_RANDOM_LEN)) + suffix
        tmp = folder / name
        try:
            if directory:
                os.mkdir(tmp, 0o777)
                fd = os.open(tmp, os.O_RDONLY | os.O_DIRECTORY)
            else:
                fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        # on a file system without flock the temporary stays unlocked: never taken for stale
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return tmp, fd
    raise FileExistsError(errno.EEXIST, f"no free temporary name for {folder / prefix}*{suffix}")


def _temporary_pattern(path: Path, directory: bool) -> re.Pattern:
    stem, suffix = (path.name, "") if directory else (path.stem, path.suffix)
    chars = re.escape(_RANDOM)
    return re.compile(rf"\.{re.escape(stem)}\.[{chars}]{{{_RANDOM_LEN}}}{re.escape(suffix)}")


def temporaries(path: str | os.PathLike, directory: bool = False) -> list[Path]:
    """The temporaries of ``path`` (made by ``atomic_path``, or ``atomic_dir`` when
    ``directory``) in its folder, whoever made them."""
    path = Path(path)
    pattern = _temporary_pattern(path, directory)
    try:
        names = os.listdir(path.parent)
    except FileNotFoundError:
        return []
    return sorted(path.parent / n for n in names if pattern.fullmatch(n))


def remove_stale_temporaries(path: str | os.PathLike, directory: bool = False) -> list[Path]:
    """Remove the temporaries of ``path`` that no writer holds (a killed job's); return them.

    A temporary is another writer's while its lock is held, and is left alone when it cannot be
    locked at all or is younger than ``STALE_AFTER_S`` (its writer may be about to lock it)."""
    removed = []
    for tmp in temporaries(path, directory):
        try:
            if time.time() - tmp.lstat().st_mtime < STALE_AFTER_S:
                continue
            flags = os.O_RDONLY | os.O_DIRECTORY if directory else os.O_RDWR
            fd = os.open(tmp, flags | os.O_NOFOLLOW)
        except OSError:
            continue  # gone already, or not ours to open
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # a live writer's (or locks do not work here: keep it)
        try:
            if directory:
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink(missing_ok=True)
            removed.append(tmp)
        finally:
            os.close(fd)
    return removed


# ------------------------------------------------------------------ disk full


def _errnos(exc: BaseException | None) -> set[int]:
    seen, out = set(), set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno is not None:
            out.add(exc.errno)
        exc = exc.__cause__ or exc.__context__
    return out


def free_bytes(folder: str | os.PathLike) -> int | None:
    """Bytes an unprivileged user may still write in ``folder``'s file system (None: unknown)."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def describe_device(folder: str | os.PathLike) -> str:
    """``/dev/sda1 (mounted at /work)``: the file system holding ``folder``, as mount lists it."""
    folder = os.path.abspath(folder)
    mount = folder
    while not os.path.ismount(mount) and mount != os.path.dirname(mount):
        mount = os.path.dirname(mount)
    device = None
    try:
        with open("/proc/self/mounts") as fh:
            for line in fh:
                fields = line.split()
                if len(fields) > 1 and fields[1].replace("\\040", " ") == mount:
                    device = fields[0]  # the last entry for a mount point is the one in use
    except OSError:
        pass
    return f"{device} (mounted at {mount})" if device else mount


def _raise_if_out_of_space(exc: BaseException, path: Path, tmp: Path) -> None:
    """Turn a write that failed on a full disk (an ENOSPC/EDQUOT anywhere in the chain, or any
    error - torch says only "basic_ios::clear" - while the file system has next to nothing
    left) into a NoSpaceError naming the file and the file system."""
    if isinstance(exc, NoSpaceError) or not isinstance(exc, OSError | RuntimeError):
        return
    codes = _errnos(exc)
    free = free_bytes(path.parent)
    if not codes & {errno.ENOSPC, errno.EDQUOT} and (free is None or free >= LOW_SPACE_BYTES):
        return
    quota = errno.EDQUOT in codes and errno.ENOSPC not in codes
    what = "disk quota exceeded" if quota else "no space left"
    left = f"; {free} bytes free" if free is not None else ""
    raise NoSpaceError(
        errno.EDQUOT if quota else errno.ENOSPC,
        f"{what} on {describe_device(path.parent)} while writing {path}{left}: "
        f"free some space there and rerun (the unfinished {tmp.name} is removed)",
    ) from exc
