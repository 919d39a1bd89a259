"""User latents (``dataset.source: latents``): an (N, D) float array from a ``.npy``, ``.npz``,
``.zarr``, ``.parquet`` or ``.csv`` file, read block by block into the run's verified ``z.zarr``
so the whole study runs on vectors no model of ours made.

Every reader streams: a ``.npy`` is memory-mapped, an ``.npz`` member is read from the archive
row by row, parquet by record batches, a CSV line by line; memory stays a few chunks whatever N.
Every problem of the input (rank, dtype, a non-finite row, a ragged row, a column that is not a
float) is an InputError naming the file, the row or column, and what to do about it.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import mmap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import zarr

from ..errors import InputError
from ..io.latents import ShardWriter, create_latent_store, shard_ranges
from .layout import _file_entries

log = logging.getLogger(__name__)
FORMATS = ("npy", "npz", "zarr", "parquet", "csv")
_SUFFIXES = {".npy": "npy", ".npz": "npz", ".zarr": "zarr", ".parquet": "parquet", ".pq": "parquet"}
_SUFFIXES[".csv"] = "csv"
BLOCK_ROWS = 8192  # rows per read: a few MB at D = 256


def detect_format(path: str | Path, fmt: str = "auto") -> str:
    """``fmt``, or for ``auto`` the format the file's suffix (a folder holding ``zarr.json``: zarr) names."""
    if fmt != "auto":
        return fmt
    p = Path(path)
    if p.suffix.lower() in _SUFFIXES:
        return _SUFFIXES[p.suffix.lower()]
    if p.is_dir() and (p / "zarr.json").is_file():
        return "zarr"
    raise InputError(
        f"dataset.path {str(path)!r}: cannot tell its format from the name; "
        f"set dataset.format to one of {', '.join(FORMATS)}"
    )


def fingerprint(path: str | Path, cache_dir: str | Path | None = None) -> str:
    """Hash of the latents' content (sizes and sha256 of the file, or of every file of a zarr
    folder), not of its name, place or times: a copied or touched file reruns nothing, a changed
    one reruns the import and everything after it. Per-file hashes are cached as for images."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"dataset.path {str(path)!r} does not exist: point it at your latents file")
    cache = None
    if cache_dir is not None:
        cache = Path(cache_dir) / f"latents-{hashlib.sha256(str(p.resolve()).encode()).hexdigest()[:16]}.json"
    if p.is_dir():
        entries = _file_entries(sorted(f for f in p.rglob("*") if f.is_file()), p, cache)
    else:
        entries = [e.split("\t", 1)[1] for e in _file_entries([p], p.parent, cache)]
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:16]


class LatentsSource:
    """One latents file: ``n`` rows (None until counted, for a CSV), ``dim`` components, and
    ``blocks()``: its rows in order, as float arrays of up to BLOCK_ROWS rows."""

    def __init__(self, label: str, n: int | None, dim: int):
        self.label, self.n, self.dim = label, n, dim
        if dim < 2:
            raise InputError(
                f"{label}: {dim} component per vector; the study needs D >= 2 (correlations are "
                "between components): give an (N, D) array with D >= 2"
            )

    def blocks(self) -> Iterator[np.ndarray]:
        raise NotImplementedError


def _check_array(label: str, shape: tuple, dtype: np.dtype) -> None:
    if len(shape) != 2:
        raise InputError(
            f"{label}: an array of shape {shape}, not (N, D): save your vectors as one 2-D array"
        )
    if dtype.kind != "f":
        raise InputError(
            f"{label}: dtype {dtype} is not floating point: save the vectors as float32 "
            "(e.g. np.save(path, z.astype('float32')))"
        )


class _ArraySource(LatentsSource):
    """A zarr array: sliced block by block."""

    def __init__(self, label: str, array):
        _check_array(label, array.shape, np.dtype(array.dtype))
        super().__init__(label, int(array.shape[0]), int(array.shape[1]))
        self.array = array

    def blocks(self) -> Iterator[np.ndarray]:
        for a in range(0, self.n, BLOCK_ROWS):
            yield np.asarray(self.array[a : a + BLOCK_ROWS])


class _NpySource(LatentsSource):
    """A .npy, memory-mapped; the pages of each block read are handed back to the kernel
    (MADV_DONTNEED), so resident memory stays one block even when N x D exceeds the RAM."""

    def __init__(self, path: Path):
        array = np.load(path, mmap_mode="r")
        _check_array(str(path), array.shape, array.dtype)
        if not array.flags.c_contiguous:
            raise InputError(f"{path} is stored in Fortran order: save np.ascontiguousarray(z) instead")
        super().__init__(str(path), int(array.shape[0]), int(array.shape[1]))
        self.path, self.dtype, self.offset = path, array.dtype, array.offset
        del array

    def blocks(self) -> Iterator[np.ndarray]:
        row = self.dim * self.dtype.itemsize
        with open(self.path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            for a in range(0, self.n, BLOCK_ROWS):
                k = min(BLOCK_ROWS, self.n - a)
                start = self.offset + a * row
                yield np.frombuffer(mm, self.dtype, k * self.dim, start).reshape(k, self.dim).copy()
                page = start - start % mmap.PAGESIZE
                mm.madvise(mmap.MADV_DONTNEED, page, start + k * row - page)


class _NpzSource(LatentsSource):
    """One member of an .npz, read from the archive in blocks (np.load would read it whole)."""

    def __init__(self, path: Path, key: str | None):
        with zipfile.ZipFile(path) as zf:
            names = [n.removesuffix(".npy") for n in zf.namelist() if n.endswith(".npy")]
        if key is None:
            if len(names) != 1:
                raise InputError(f"{path} holds arrays {names}: set dataset.latents.key to the one to study")
            key = names[0]
        if key not in names:
            raise InputError(f"{path} has no array {key!r} (it holds {names}): fix dataset.latents.key")
        self.path, self.member = path, f"{key}.npy"
        label = f"{path}:{key}"
        with zipfile.ZipFile(path) as zf, zf.open(self.member) as fh:
            shape, fortran, dtype = _npy_header(fh)
        _check_array(label, shape, dtype)
        if fortran:
            raise InputError(f"{label} is stored in Fortran order: save np.ascontiguousarray(z) instead")
        self.dtype = dtype
        super().__init__(label, int(shape[0]), int(shape[1]))

    def blocks(self) -> Iterator[np.ndarray]:
        row = self.dim * self.dtype.itemsize
        with zipfile.ZipFile(self.path) as zf, zf.open(self.member) as fh:
            _npy_header(fh)
            for a in range(0, self.n, BLOCK_ROWS):
                k = min(BLOCK_ROWS, self.n - a)
                yield np.frombuffer(fh.read(k * row), dtype=self.dtype).reshape(k, self.dim)


def _npy_header(fh) -> tuple[tuple, bool, np.dtype]:
    version = np.lib.format.read_magic(fh)
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = read(fh)
    return shape, fortran, dtype


class _ParquetSource(LatentsSource):
    """Parquet: one float column per component, or one list column holding each vector."""

    def __init__(self, path: Path, skip_columns: set[str]):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.file = pq.ParquetFile(path)
        schema = self.file.schema_arrow
        self.columns = [f.name for f in schema if f.name not in skip_columns]
        types = {f.name: f.type for f in schema}
        self.list_column = len(self.columns) == 1 and pa.types.is_list(types[self.columns[0]])
        for name in self.columns:
            t = types[name].value_type if self.list_column else types[name]
            if not pa.types.is_floating(t):
                raise InputError(
                    f"{path}: column {name!r} is of type {types[name]}, not a float: store every "
                    "component as a float column (or all of them as one list<float> column), and "
                    "name id or split columns in dataset.latents.id_column / split_column"
                )
        n = self.file.metadata.num_rows
        if self.list_column:
            first = next(self.file.iter_batches(batch_size=1, columns=self.columns), None)
            dim = len(first.column(0)[0]) if first is not None and first.num_rows else 0
        else:
            dim = len(self.columns)
        super().__init__(str(path), n, dim)

    def blocks(self) -> Iterator[np.ndarray]:
        a = 0
        for batch in self.file.iter_batches(batch_size=BLOCK_ROWS, columns=self.columns):
            if self.list_column:
                yield self._list_block(batch.column(0), a)
            else:
                yield np.column_stack([c.to_numpy(zero_copy_only=False) for c in batch.columns])
            a += batch.num_rows

    def _list_block(self, col, a: int) -> np.ndarray:
        lengths = np.asarray(col.value_lengths().fill_null(0))
        bad = np.flatnonzero(lengths != self.dim)
        if bad.size:
            raise InputError(
                f"{self.label}: row {a + bad[0]} of column {self.columns[0]!r} has {lengths[bad[0]]} "
                f"values, not {self.dim} as the first row: every vector needs the same length"
            )
        return np.asarray(col.flatten().to_numpy(zero_copy_only=False)).reshape(-1, self.dim)


class _CsvSource(LatentsSource):
    """A CSV with one column per component (a header row is taken when a field of the first line
    is not a number). Its rows are not counted until the import reads them (``n`` is None)."""

    def __init__(self, path: Path, skip_columns: set[str]):
        self.path = path
        with open(path, newline="") as fh:
            first = next(csv.reader(fh), None)
        if first is None:
            raise InputError(f"{path} is empty: give one row per vector")
        self.header = not all(_is_number(f) for f in first)
        names = first if self.header else [str(i) for i in range(len(first))]
        missing = skip_columns - set(names) if self.header else set()
        if missing:
            raise InputError(f"{path}: no column {sorted(missing)} in its header: fix dataset.latents")
        self.keep = [i for i, name in enumerate(names) if name not in skip_columns]
        self.width = len(names)
        super().__init__(str(path), None, len(self.keep))

    def blocks(self) -> Iterator[np.ndarray]:
        with open(self.path, newline="") as fh:
            rows = csv.reader(fh)
            if self.header:
                next(rows)
            block: list[list[str]] = []
            for line, row in enumerate(rows, start=2 if self.header else 1):
                if len(row) != self.width:
                    raise InputError(
                        f"{self.path}: line {line} has {len(row)} fields, not {self.width}: the CSV is "
                        "ragged; every row needs one value per component"
                    )
                block.append([row[i] for i in self.keep])
                if len(block) == BLOCK_ROWS:
                    yield self._floats(block, line)
                    block = []
            if block:
                yield self._floats(block, line)

    def _floats(self, block: list[list[str]], last_line: int) -> np.ndarray:
        try:
            return np.array(block, dtype=np.float64)
        except ValueError:
            first = last_line - len(block) + 1
            for i, row in enumerate(block):
                for j, field in enumerate(row):
                    if not _is_number(field):
                        raise InputError(
                            f"{self.path}: line {first + i}, column {self.keep[j] + 1} holds {field!r}, "
                            "not a number: fix the file, or name an id or split column in dataset.latents"
                        ) from None
            raise


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def open_source(path: str | Path, fmt: str = "auto", settings: dict | None = None) -> LatentsSource:
    """The latents at ``path`` as a LatentsSource; ``settings`` is ``dataset.latents`` (key,
    id_column, split_column). Only the header is read: planning a run stays fast."""
    settings = settings or {}
    p = Path(path)
    if not p.exists():
        raise InputError(f"dataset.path {str(path)!r} does not exist: point it at your latents file")
    fmt = detect_format(p, fmt)
    skip = {c for c in (settings.get("id_column"), settings.get("split_column")) if c}
    try:
        if fmt == "npy":
            return _NpySource(p)
        if fmt == "npz":
            return _NpzSource(p, settings.get("key"))
        if fmt == "zarr":
            node = zarr.open(str(p), mode="r")
            key = settings.get("key")
            if isinstance(node, zarr.Group):
                arrays = sorted(node.array_keys())
                if key is None and len(arrays) != 1:
                    raise InputError(
                        f"{p} holds arrays {arrays}: set dataset.latents.key to the one to study"
                    )
                node = node[key or arrays[0]]
            return _ArraySource(str(p) if key is None else f"{p}/{key}", node)
        if fmt == "parquet":
            return _ParquetSource(p, skip)
        return _CsvSource(p, skip)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"cannot read {p} as {fmt}: {type(exc).__name__}: {exc}") from exc


def _finite_blocks(source: LatentsSource, skip: bool, counts: dict) -> Iterator[np.ndarray]:
    """The source's rows as float32; a row with NaN or inf (also once cast to float32) is refused,
    naming it, or with ``skip`` left out and counted in ``counts['skipped']``."""
    a = 0
    for block in source.blocks():
        with np.errstate(over="ignore"):  # beyond float32's range becomes inf: refused below
            z = np.asarray(block, dtype=np.float32)
        ok = np.isfinite(z).all(axis=1)
        if not ok.all():
            bad = np.flatnonzero(~ok)
            if not skip:
                raise InputError(
                    f"{source.label}: row {a + bad[0]} (0-based) holds NaN or inf ({bad.size} such rows "
                    f"in rows {a}-{a + len(z)}): fix or drop those rows, or set dataset.on_corrupt: skip"
                )
            counts["skipped"] += bad.size
            z = z[ok]
        a += len(block)
        if len(z):
            yield z


def _rechunk(blocks: Iterator[np.ndarray], rows: int) -> Iterator[np.ndarray]:
    """The same rows in blocks of exactly ``rows`` (the last may be short): chunk-aligned writes."""
    pending: list[np.ndarray] = []
    held = 0
    for block in blocks:
        pending.append(block)
        held += len(block)
        while held >= rows:
            buf = np.concatenate(pending)
            yield buf[:rows]
            pending, held = [buf[rows:]], held - rows
    if held:
        yield np.concatenate(pending)


def import_latents(
    path: str | Path,
    store_path: str | Path,
    marker_paths: list[str],
    *,
    fmt: str = "auto",
    settings: dict | None = None,
    chunk_rows: int,
    on_corrupt: str = "error",
    min_rows: int = 2,
    content: str = "",
) -> int:
    """Write the latents into a new ``z.zarr`` of chunks of ``chunk_rows`` rows, each of the
    ``len(marker_paths)`` shards with its marker as ``encode_shard`` leaves it, so
    ``verify_latents`` and every reader after it see the same store as for a trained model.

    A first pass checks every row (and counts them, without the skipped ones), so a bad row is
    refused before anything is written; the second writes. Returns the rows stored."""
    source = open_source(path, fmt, settings)
    skip = on_corrupt == "skip"
    counts = {"skipped": 0}
    n = sum(len(z) for z in _finite_blocks(source, skip, counts))
    if counts["skipped"]:
        log.warning(
            "%s: skipped %d rows holding NaN or inf (dataset.on_corrupt: skip)",
            source.label,
            counts["skipped"],
        )
    if n < min_rows:
        raise InputError(
            f"{source.label}: {n} usable vectors, below stats.sample_size={min_rows}: give more vectors "
            "or lower stats.sample_size"
        )
    attrs = {"source": source.label, "source_sha256": content, "skipped_rows": counts["skipped"]}
    z = create_latent_store(store_path, n, source.dim, chunk_rows, attrs)
    writers = [
        ShardWriter(z, marker, k, start, stop)
        for k, (marker, (start, stop)) in enumerate(
            zip(marker_paths, shard_ranges(n, chunk_rows, len(marker_paths)), strict=True)
        )
    ]
    chunks = _rechunk(_finite_blocks(source, skip, {"skipped": 0}), chunk_rows)
    a = 0
    for writer in writers:
        while a < writer.stop:
            block = next(chunks)
            writer.write(a, block)
            a += len(block)
        writer.close()
    log.info(
        "%s: %d x %d vectors into %s (%d skipped)", source.label, n, source.dim, store_path, counts["skipped"]
    )
    return n


def describe(path: str | Path, fmt: str = "auto", settings: dict | None = None) -> tuple[int | None, int]:
    """(N, D) of the latents from the header (N None for a CSV), for the start-up checks."""
    source = open_source(path, fmt, settings)
    return source.n, source.dim
