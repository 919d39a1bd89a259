"""The latent store ``z.zarr``: one float32 array (N, latent_dim), written by disjoint shards.

Zarr has no locking, so every shard owns a whole number of chunks; ``shard_ranges`` is the one
place that decides which rows a shard owns. Each shard's marker records the sha256 of its rows,
and ``verify_latents`` checks every row against it: a lost chunk reads as the NaN fill value, and
an overwritten one as plausible numbers, so neither may reach a statistic unverified.

``verify_latents`` also records the sha256 of every chunk in ``verified.json`` beside the store,
and ``open_latents`` (the one reader of the store) checks each chunk it reads against it: a chunk
changed after verification stops the job that reads it, naming the chunk and the shard marker
to delete, instead of reaching a sample or a figure.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np
import zarr

from ..errors import InputError
from .atomic import write_text_atomic
from .checksum import VerifiedArray, rows_digest

log = logging.getLogger(__name__)
_MARKER_KEYS = {"shard": int, "start": int, "stop": int, "rows": int, "sha256": str}
VERIFIED = "verified.json"  # beside z.zarr: verify_latents' summary, with every chunk's sha256
# chunk digests of the shards ``verify_shard`` checked in this process: store -> chunk -> (sha, marker)
_checked: dict[str, dict[int, tuple[str, str]]] = {}


def shard_ranges(n: int, chunk_rows: int, shards: int) -> list[tuple[int, int]]:
    """Split rows [0, n) into ``shards`` chunk-aligned ranges, as even as whole chunks allow."""
    n_chunks = -(-n // chunk_rows)
    bounds = np.linspace(0, n_chunks, shards + 1).round().astype(int)
    return [
        (min(int(a) * chunk_rows, n), min(int(b) * chunk_rows, n))
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]


def create_latent_store(
    path: str | os.PathLike, n: int, dim: int, chunk_rows: int, attrs: dict
) -> zarr.Array:
    """Create (or replace) the empty store; chunks hold whole vectors."""
    arr = zarr.create_array(
        str(path),
        shape=(n, dim),
        chunks=(chunk_rows, dim),
        dtype="f4",
        fill_value=np.nan,
        overwrite=True,
    )
    arr.attrs.update(attrs)
    return arr


def open_latents(path: str | os.PathLike, mode: str = "r"):
    """The latent store; read-only (the default) it is verified: every chunk a read touches is
    checked against its sha256 in ``verified.json`` beside the store (or the shard checked by
    ``verify_shard`` in this process), and a missing or changed chunk is an InputError naming
    the chunk and the marker to delete. A bare store with no marker or summary to check against
    (made outside the workflow, without model provenance) is read as it is."""
    if mode != "r":
        return zarr.open_array(str(path), mode=mode)
    raw = _open_raw(path)
    store = Path(path)
    summary_path = store.parent / VERIFIED
    anchors, unusable = _summary_digests(summary_path, raw)
    anchors.update(_checked.get(_key(store), {}))
    if not anchors:
        if "model_sha256" not in raw.attrs and not summary_path.exists():
            return raw
        raise InputError(f"latent store {store} has not been verified: {unusable}; {_REVERIFY}")

    def refuse(k: int, rows: str, problem: str) -> InputError:
        marker = anchors.get(k, (None, None))[1]
        fix = _redo([marker]) if marker else f"{unusable or 'it does not cover this chunk'}; {_REVERIFY}"
        return InputError(f"latent store {store}: chunk {z.chunk_key(k)} (rows {rows}) {problem}; {fix}")

    z = VerifiedArray(raw, store, lambda k: anchors.get(k, (None, None))[0], refuse)
    return z


_REVERIFY = "rerun the workflow (verify_latents checks every row against the shard markers)"


def _open_raw(path: str | os.PathLike) -> zarr.Array:
    return zarr.open_array(str(path), mode="r")


def _key(store: Path) -> str:
    return os.path.realpath(store)


def _summary_digests(summary_path: Path, z: zarr.Array) -> tuple[dict[int, tuple[str, str]], str]:
    """chunk -> (sha256, marker) from ``verified.json``, and why it is of no use when it is not:
    missing, unreadable, of another layout or an older format (then verify_latents reruns
    before any job that needs it; only a shard's own job, already checked, reads meanwhile)."""
    if not summary_path.is_file():
        return {}, f"{summary_path} is missing"
    try:
        summary = json.loads(summary_path.read_text())
        if (summary["rows"], summary["latent_dim"], summary["chunk_rows"]) != (*z.shape, z.chunks[0]):
            return {}, f"{summary_path} describes another store layout"
        chunk = z.chunks[0]
        return {
            shard["start"] // chunk + i: (digest, shard["marker"])
            for shard in summary["shards"]
            for i, digest in enumerate(shard["chunks"])
        }, ""
    except (ValueError, KeyError, TypeError) as exc:
        return {}, f"{summary_path} is truncated or of an older format ({type(exc).__name__}: {exc})"


def check_provenance(store: zarr.Array, model_sha: str, images_sha: str) -> None:
    """Refuse to mix vectors from another model or image store into this one."""
    got = (store.attrs.get("model_sha256"), store.attrs.get("images_sha256"))
    if got != (model_sha, images_sha):
        raise InputError(
            f"latent store {store.store} was made for model {got[0]} and images {got[1]}, "
            f"not {model_sha} / {images_sha}: rerun create_latent_store"
        )


def write_marker(path: str | os.PathLike, shard: int, start: int, stop: int, digest: str) -> None:
    """The shard's proof of completion, written last and atomically."""
    marker = {"shard": shard, "start": start, "stop": stop, "rows": stop - start, "sha256": digest}
    write_text_atomic(path, json.dumps(marker, indent=1))


class ShardWriter:
    """One shard's rows going into the store, then its marker: the one place that writes a shard,
    for the encoder and for imported latents alike. Blocks come in row order; the marker's sha256
    is of their float32 bytes, and it is written (atomically, last) only once every row is in."""

    def __init__(self, store: zarr.Array, marker_path: str | os.PathLike, shard: int, start: int, stop: int):
        self.store, self.marker_path, self.shard = store, marker_path, shard
        self.start, self.stop, self.next = start, stop, start
        self.digest = hashlib.sha256()

    def write(self, a: int, block: np.ndarray) -> None:
        if a != self.next or a + len(block) > self.stop:
            raise ValueError(
                f"shard {self.shard}: rows {a}-{a + len(block)} out of order (next is {self.next})"
            )
        block = np.ascontiguousarray(block, dtype=np.float32)
        self.store[a : a + len(block)] = block
        self.digest.update(block.tobytes())
        self.next = a + len(block)

    def close(self) -> None:
        if self.next != self.stop:
            raise ValueError(f"shard {self.shard}: rows {self.next}-{self.stop} were never written")
        write_marker(self.marker_path, self.shard, self.start, self.stop, self.digest.hexdigest())


def read_marker(path: str | os.PathLike) -> dict:
    """A shard marker; a truncated or malformed one is an InputError saying to delete it."""
    marker, problem = _load_marker(path)
    if marker is None:
        raise InputError(f"{problem}; {_redo([path])}")
    return marker


def verify_latents(
    store_path: str | os.PathLike, marker_paths: list[str], out: str | os.PathLike | None = None
) -> dict:
    """Check that the markers (one per shard, in order) cover the store's rows as
    ``shard_ranges`` splits them, and that every shard's rows are all stored and hash to its
    marker's sha256. Every failing shard is named with the marker to delete (rerunning re-encodes
    exactly those shards); only when all pass is the summary written to ``out``."""
    z = _open_raw(store_path)
    n, chunk = z.shape[0], z.chunks[0]
    problems: dict[str, str] = {}  # marker to delete -> what is wrong
    shards = []
    for k, (path, (start, stop)) in enumerate(
        zip(marker_paths, shard_ranges(n, chunk, len(marker_paths)), strict=True)
    ):
        where = f"shard {k} (rows {start}-{stop})"
        marker, problem = _load_marker(path)
        if marker is not None:
            problem, chunks = _shard_problem(z, Path(store_path), k, start, stop, marker)
        if problem:
            problems[str(path)] = f"{where}: {problem}"
            continue
        shards.append({**marker, "marker": str(path), "chunks": chunks})
        log.info("%s verified: sha256 %s", where, marker["sha256"])
    if problems:
        lines = "".join(f"\n  {text}" for text in problems.values())
        raise InputError(f"latent store {store_path} failed verification:{lines}\n{_redo(list(problems))}")
    summary = {
        "store": str(store_path),
        "rows": n,
        "latent_dim": z.shape[1],
        "chunk_rows": chunk,
        "model_sha256": z.attrs.get("model_sha256"),
        "images_sha256": z.attrs.get("images_sha256"),
        # one fingerprint of every row: the shards' checksums, in order
        "sha256": hashlib.sha256("".join(s["sha256"] for s in shards).encode()).hexdigest(),
        "shards": shards,
    }
    if out is not None:
        write_text_atomic(out, json.dumps(summary, indent=1))
    return summary


def verify_shard(store_path: str | os.PathLike, marker_path: str | os.PathLike, shards: int) -> dict:
    """``verify_latents`` for one shard of ``shards``, for a job that reads only that shard: its
    rows are checked against its own marker, so a lost shard still reruns alone."""
    z = _open_raw(store_path)
    marker = read_marker(marker_path)
    k = marker["shard"]
    if not 0 <= k < shards:
        raise InputError(f"marker {marker_path} names shard {k} of {shards}; {_redo([marker_path])}")
    start, stop = shard_ranges(z.shape[0], z.chunks[0], shards)[k]
    problem, chunks = _shard_problem(z, Path(store_path), k, start, stop, marker)
    if problem:
        raise InputError(f"shard {k} (rows {start}-{stop}): {problem}\n{_redo([marker_path])}")
    # what open_latents checks this process's further reads of these rows against
    first = start // z.chunks[0]
    checked = _checked.setdefault(_key(Path(store_path)), {})
    checked.update({first + i: (d, str(marker_path)) for i, d in enumerate(chunks)})
    return marker


def _load_marker(path: str | os.PathLike) -> tuple[dict | None, str]:
    try:
        marker = json.loads(Path(path).read_text())
    except ValueError as exc:
        return None, f"marker {path} is truncated or not JSON ({exc})"
    if not isinstance(marker, dict) or any(not isinstance(marker.get(k), t) for k, t in _MARKER_KEYS.items()):
        return None, f"marker {path} lacks one of {', '.join(_MARKER_KEYS)}"
    return marker, ""


def _shard_problem(
    z: zarr.Array, store: Path, k: int, start: int, stop: int, marker: dict
) -> tuple[str, list[str]]:
    """What is wrong with shard ``k``'s rows against its marker, or "" when nothing is (then with
    the sha256 of each of its chunks): a marker of another layout, a chunk file missing (its rows
    would read as the NaN fill value) or unreadable, or rows whose sha256 (of the float32 bytes,
    as the marker hashed them) differs."""
    got = (marker["shard"], marker["start"], marker["stop"], marker["rows"])
    if got != (k, start, stop, stop - start):
        return f"its marker is for shard {got[0]}, rows {got[1]}-{got[2]}: another store layout", []
    chunk = z.chunks[0]
    digest, chunks = hashlib.sha256(), []
    for a in range(start, stop, chunk):
        b = min(a + chunk, stop)
        key = z.metadata.encode_chunk_key((a // chunk, 0))
        if not (store / key).is_file():
            return f"chunk {key} (rows {a}-{b}) is missing", []
        try:
            block = np.ascontiguousarray(z[a:b], dtype=np.float32)
        except Exception as exc:
            return f"chunk {key} (rows {a}-{b}) is unreadable ({type(exc).__name__}: {exc})", []
        digest.update(block.tobytes())
        chunks.append(rows_digest(block))
    if digest.hexdigest() != marker["sha256"]:
        return "its rows do not match the sha256 in its marker: they changed after encoding", []
    return "", chunks


def _redo(markers: list) -> str:
    return (
        f"delete {' '.join(str(m) for m in markers)} and rerun the workflow: "
        "it re-encodes exactly the shards whose markers are gone"
    )


def rows_to_use(store_path: str | os.PathLike, requested: int, key: str) -> int:
    """``requested`` rows, or every row of the store when it holds fewer: then a WARNING in the
    job's log names ``key`` and the value used (the file written records it: its row count)."""
    n = _open_raw(store_path).shape[0]
    if requested > n:
        log.warning("%s=%d is above the %d vectors in %s: using all %d", key, requested, n, store_path, n)
        return n
    return requested
