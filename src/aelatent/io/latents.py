"""The latent store ``z.zarr``: one float32 array (N, latent_dim), written by disjoint shards.

Zarr has no locking, so every shard owns a whole number of chunks; ``shard_ranges`` is the one
place that decides which rows a shard owns.
"""

from __future__ import annotations

import json
import os

import numpy as np
import zarr

from ..errors import InputError
from .atomic import write_text_atomic


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


def open_latents(path: str | os.PathLike, mode: str = "r") -> zarr.Array:
    return zarr.open_array(str(path), mode=mode)


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
