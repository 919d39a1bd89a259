"""Checksums: of files (sha256 for provenance, md5 where a download lists one), and of the
chunks of the stored arrays, checked on every read by ``VerifiedArray``."""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import InputError


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, algorithm).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    return file_digest(path, "sha256")


def md5sum(path: str | os.PathLike) -> str:
    return file_digest(path, "md5")


def rows_digest(block: np.ndarray) -> str:
    """sha256 of an array's C-order bytes: what a chunk digest is taken of."""
    return hashlib.sha256(np.ascontiguousarray(block).tobytes()).hexdigest()


def chunk_digests(data: np.ndarray, chunk: int) -> list[str]:
    """The digest of every ``chunk`` rows of ``data`` (the last one may be short)."""
    return [rows_digest(data[a : a + chunk]) for a in range(0, len(data), chunk)]


class VerifiedArray:
    """Read access to a zarr array whose every chunk along the first axis is checked against a
    recorded digest before any of its rows is handed out.

    ``digest_of(k)`` gives chunk ``k``'s expected sha256 (None: nothing vouches for it);
    ``refuse(k, rows, problem)`` returns the InputError to raise, naming the store, the chunk and
    what to delete. Reads take whole chunks (zarr decompresses whole chunks anyway); the last
    few verified chunks are kept, so reading a chunk in pieces hashes it once.
    """

    def __init__(
        self,
        array,
        root: str | os.PathLike,
        digest_of: Callable[[int], str | None],
        refuse: Callable[[int, str, str], InputError],
        keep: int = 4,
    ):
        self.array, self.root = array, Path(root)
        self._digest_of, self._refuse = digest_of, refuse
        self._keep, self._cache = keep, OrderedDict()
        self._lock = threading.Lock()

    # what readers use of a zarr array
    shape = property(lambda self: self.array.shape)
    chunks = property(lambda self: self.array.chunks)
    dtype = property(lambda self: self.array.dtype)
    ndim = property(lambda self: self.array.ndim)
    attrs = property(lambda self: self.array.attrs)
    store = property(lambda self: self.array.store)

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, dtype=None, copy=None):
        out = self[:]
        return out if dtype is None else out.astype(dtype)

    def chunk_key(self, k: int) -> str:
        """The chunk's file under the array's folder, as zarr names it (``c/3/0``)."""
        return self.array.metadata.encode_chunk_key((k,) + (0,) * (self.ndim - 1))

    def chunk_rows(self, k: int) -> tuple[int, int]:
        step = self.chunks[0]
        return k * step, min((k + 1) * step, self.shape[0])

    def read_chunk(self, k: int) -> np.ndarray:
        """Chunk ``k``'s rows, verified (read-only: callers get copies or views of it)."""
        with self._lock:
            if k in self._cache:
                self._cache.move_to_end(k)
                return self._cache[k]
        a, b = self.chunk_rows(k)
        rows = f"{a}-{b}"
        key = self.chunk_key(k)
        expected = self._digest_of(k)
        if expected is None:
            raise self._refuse(k, rows, "has no recorded digest to check it against")
        try:
            block = np.asarray(self.array[a:b])
        except Exception as exc:
            raise self._refuse(k, rows, f"is unreadable ({type(exc).__name__}: {exc})") from None
        if rows_digest(block) != expected:
            # zarr does not store a chunk of fill values, so only a mismatch makes a lost file
            if not (self.root / key).is_file():
                raise self._refuse(k, rows, "is missing")
            raise self._refuse(k, rows, "does not match the digest recorded when it was written")
        block.flags.writeable = False
        with self._lock:
            self._cache[k] = block
            while len(self._cache) > self._keep:
                self._cache.popitem(last=False)
        return block

    def _rows(self, first) -> tuple[np.ndarray, bool]:
        """Row indices a first-axis key selects, and whether the axis is dropped (an int)."""
        n = self.shape[0]
        if isinstance(first, slice):
            return np.arange(n)[first], False
        if isinstance(first, int | np.integer):
            i = int(first)
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for axis 0 with size {n}")
            return np.array([i % n]), True
        idx = np.asarray(first)
        if idx.ndim == 0 and idx.dtype != bool:  # a 0-d array indexes like the int it holds
            return self._rows(int(idx))
        if idx.ndim > 1:
            raise IndexError(f"a {idx.ndim}-dimensional index array for axis 0: give one dimension")
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"index out of bounds for axis 0 with size {n}")
        return idx % n if idx.size else idx, False

    def _take(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` (any order, repeats allowed), each read from its verified chunk."""
        step = self.chunks[0]
        out = np.empty((len(rows), *self.shape[1:]), dtype=self.dtype)
        if not len(rows):
            return out
        ks = rows // step
        for k in np.unique(ks):
            sel = ks == k
            out[sel] = self.read_chunk(int(k))[rows[sel] - int(k) * step]
        return out

    def _contiguous(self, rows: np.ndarray) -> np.ndarray | None:
        """The rows as one block when they are a contiguous ascending range (cheaper copy)."""
        if len(rows) == 0 or rows[-1] - rows[0] != len(rows) - 1 or np.any(np.diff(rows) != 1):
            return None
        step = self.chunks[0]
        a, b = int(rows[0]), int(rows[-1]) + 1
        parts = []
        for k in range(a // step, (b - 1) // step + 1):
            c0 = k * step
            parts.append(self.read_chunk(k)[max(a, c0) - c0 : min(b, c0 + step) - c0])
        return np.concatenate(parts) if len(parts) > 1 else parts[0].copy()

    def _select(self, key, orthogonal: bool) -> np.ndarray:
        key = key if isinstance(key, tuple) else (key,)
        if any(k is Ellipsis for k in key):
            rest = self.ndim - (len(key) - 1)
            i = next(j for j, k in enumerate(key) if k is Ellipsis)
            key = key[:i] + (slice(None),) * rest + key[i + 1 :]
        first, rest = (key[0] if key else slice(None)), key[1:]
        rows, drop = self._rows(first)
        block = self._contiguous(rows)
        if block is None:
            block = self._take(rows)
        if orthogonal:  # each remaining axis on its own, as zarr's orthogonal selection does
            drops = []
            for axis, k in enumerate(rest, start=1):
                if isinstance(k, slice):
                    block = block[(slice(None),) * axis + (k,)]
                elif isinstance(k, int | np.integer):
                    block = np.take(block, [int(k)], axis=axis)
                    drops.append(axis)
                else:
                    block = np.take(block, np.asarray(k), axis=axis)
            if drops:
                block = block.squeeze(axis=tuple(drops))
        elif rest:
            block = block[(slice(None), *rest)]
        return block[0] if drop else block

    def __getitem__(self, key) -> np.ndarray:
        return self._select(key, orthogonal=False)

    def get_orthogonal_selection(self, selection) -> np.ndarray:
        return self._select(selection, orthogonal=True)

    @property
    def oindex(self):
        return _OIndex(self)


class _OIndex:
    def __init__(self, arr: VerifiedArray):
        self.arr = arr

    def __getitem__(self, key) -> np.ndarray:
        return self.arr.get_orthogonal_selection(key)
