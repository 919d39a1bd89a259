"""Where a source's images are, without reading them: image file names, CelebA's layout, and a
content fingerprint the workflow uses to rerun ``prepare_images`` exactly when the images change.

Torch-free on purpose: the workflow computes the fingerprint every time it plans.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

from ..errors import InputError
from ..io.atomic import write_text_atomic
from ..io.checksum import sha256_file

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"}
PARTITION_FILE = "list_eval_partition.txt"


def is_image(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_EXTENSIONS


def is_hidden(name: str) -> bool:
    """A hidden file or one in a hidden folder (``.x``, macOS's ``._x`` resource forks), or
    anything under ``__MACOSX/`` (what Finder's "Compress" adds beside the real files)."""
    parts = Path(name.replace("\\", "/")).parts
    return any(p.startswith(".") and p not in {".", ".."} or p == "__MACOSX" for p in parts)


def is_source_image(name: str) -> bool:
    """A source item ``prepare_images`` reads: an image file name, not hidden."""
    return is_image(name) and not is_hidden(name)


def celeba_root(path: str | Path) -> Path:
    """The folder holding CelebA's files: ``path`` itself or torchvision's ``path/celeba``."""
    for root in (Path(path), Path(path) / "celeba"):
        if (root / PARTITION_FILE).is_file():
            return root
    raise InputError(
        f"no CelebA found at {str(path)!r}: expected {PARTITION_FILE} and "
        "img_align_celeba/ or img_align_celeba.zip (torchvision's layout)"
    )


def _zip_entries(path: Path) -> list[str]:
    """Members' names, sizes and CRC-32s from the central directory: content without decompressing."""
    try:
        with zipfile.ZipFile(path) as zf:
            return [f"{i.filename}\t{i.file_size}\t{i.CRC:08x}" for i in zf.infolist() if not i.is_dir()]
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"cannot read zip archive {path}: {exc}") from exc


def rehash_requested() -> bool:
    """``AELATENT_REHASH=1`` in the environment: hash every source file, trusting no cache."""
    return os.environ.get("AELATENT_REHASH", "") not in {"", "0"}


def _file_entries(files: list[Path], base: Path, cache_path: Path | None, rehash: bool = False) -> list[str]:
    """(name, size, sha256) per file; a file's hash is recomputed only when its size, mtime or
    ctime changed since the cached listing (or always, with ``rehash``), so planning stays cheap
    and a copy (new times) is hashed once, to the same fingerprint. The ctime catches an edit
    whose mtime was put back (``touch -r``): no user can set a file's ctime."""
    cache: dict = {}
    if cache_path is not None and cache_path.is_file() and not rehash:
        try:
            cache = json.loads(cache_path.read_text())
        except ValueError:
            cache = {}
    fresh, entries = {}, []
    for f in files:
        rel = f.relative_to(base).as_posix()
        st = f.stat()
        stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns]
        hit = cache.get(rel)
        digest = hit[3] if isinstance(hit, list) and len(hit) == 4 and hit[:3] == stamp else sha256_file(f)
        fresh[rel] = [*stamp, digest]
        entries.append(f"{rel}\t{st.st_size}\t{digest}")
    if cache_path is not None and fresh != cache:
        write_text_atomic(cache_path, json.dumps(fresh))
    return entries


def source_entries(
    source: str, path: str | Path, cache_path: Path | None = None, rehash: bool = False
) -> list[str]:
    """One line per source item that ``prepare_images`` reads, in a stable order."""
    path = Path(path)
    if source == "celeba":
        root = celeba_root(path)
        partition = root / PARTITION_FILE
        folder, archive = root / "img_align_celeba", root / "img_align_celeba.zip"
        entries = [f"{PARTITION_FILE}\t{partition.stat().st_size}\t{sha256_file(partition)}"]
        if folder.is_dir():
            files = sorted(p for p in folder.iterdir() if p.is_file() and is_source_image(p.name))
            return entries + _file_entries(files, root, cache_path, rehash)
        if archive.is_file():
            return entries + _zip_entries(archive)
        raise InputError(f"{root}: neither img_align_celeba/ nor img_align_celeba.zip exists")
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and is_source_image(p.relative_to(path).as_posix())
        )
        return _file_entries(files, path, cache_path, rehash)
    if path.is_file() and zipfile.is_zipfile(path):
        return _zip_entries(path)
    raise InputError(f"dataset.path {str(path)!r} is neither a folder nor a zip archive")


def source_fingerprint(
    source: str, path: str | Path, cache_dir: str | Path | None = None, rehash: bool | None = None
) -> str:
    """Hash of the source's content (names, sizes, contents), independent of its location and
    of file times. ``cache_dir`` keeps per-file hashes between plans; ``rehash`` (default:
    ``AELATENT_REHASH`` set in the environment) hashes every file again and renews the cache."""
    cache_path = None
    if cache_dir is not None:
        key = hashlib.sha256(os.fsencode(Path(path).resolve())).hexdigest()[:16]
        cache_path = Path(cache_dir) / f"source-{key}.json"
    rehash = rehash_requested() if rehash is None else rehash
    lines = source_entries(source, path, cache_path, rehash)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
