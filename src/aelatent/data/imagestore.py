"""Write ``images.zarr``: uint8 images (N, H, W, 3) chunked along N, split, factors.

The store is built in a temporary folder and renamed into place only when complete, so an
interrupted job never leaves a store that looks finished. The sha256 of every chunk of every
array is recorded in the attrs (``chunk_sha256``) as it is written; ``io.images`` checks each
chunk against it wherever the store is read.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import zarr
from tqdm import tqdm

from ..errors import InputError
from ..io.atomic import atomic_dir
from ..io.checksum import chunk_digests, rows_digest
from ..io.images import DIGESTS
from ..io.stream import bounded_map

log = logging.getLogger(__name__)

# A block loader gets a candidate range [a, b) and returns the images it could load, a boolean
# mask over the range saying which candidates those are, and how many of them needed each
# conversion to 8-bit RGB (e.g. {"16bit": 2}; empty for images made as 8-bit RGB).
BlockLoader = Callable[[int, int], tuple[np.ndarray, np.ndarray, Mapping[str, int]]]


class ChunkWriter:
    """Appends images of any count and writes them to ``array`` in whole chunks, in order,
    hashing exactly the bytes written (so the checksum does not depend on how loading was split):
    all of them in order (``digest``), and each chunk on its own (``chunk_digests``)."""

    def __init__(self, array: zarr.Array):
        self.array, self.chunk = array, array.chunks[0]
        self.pending: list[np.ndarray] = []
        self.n_pending = self.written = 0
        self.digest = hashlib.sha256()
        self.chunk_digests: list[str] = []

    def append(self, images: np.ndarray) -> None:
        self.pending.append(images)
        self.n_pending += len(images)
        if self.n_pending >= self.chunk:
            self._flush(whole_chunks_only=True)

    def close(self) -> int:
        self._flush(whole_chunks_only=False)
        return self.written

    def _flush(self, whole_chunks_only: bool) -> None:
        if not self.pending:
            return
        data = np.concatenate(self.pending)
        n = len(data) // self.chunk * self.chunk if whole_chunks_only else len(data)
        if n:
            self.array[self.written : self.written + n] = data[:n]
            self.digest.update(data[:n].tobytes())
            # written from a chunk boundary, so these are exactly the store's chunks
            step = self.chunk
            self.chunk_digests += [rows_digest(data[a : min(a + step, n)]) for a in range(0, n, step)]
            self.written += n
        self.pending = [data[n:]] if n < len(data) else []
        self.n_pending = len(data) - n


def write_image_store(
    out: str | os.PathLike,
    n_candidates: int,
    load_block: BlockLoader,
    *,
    size: int,
    chunk: int,
    threads: int,
    split: np.ndarray,
    attrs: dict,
    min_images: int,
    factors: np.ndarray | None = None,
    factor_names: Iterable[str] | None = None,
    names: list[str] | None = None,
) -> int:
    """Load ``n_candidates`` images block by block in parallel and write them as whole chunks.

    With candidate ``names``, the ones the loader skipped are logged and listed in the attrs;
    the attrs count the images that needed each conversion (``conversions``).
    """
    blocks = [(a, min(a + chunk, n_candidates)) for a in range(0, n_candidates, chunk)]
    keep = np.zeros(n_candidates, dtype=bool)
    conversions: Counter = Counter()
    with atomic_dir(out) as tmp:
        group = zarr.open_group(tmp, mode="w")
        shape = (max(n_candidates, 1), size, size, 3)
        images = group.create_array("images", shape=shape, chunks=(chunk, size, size, 3), dtype="u1")
        writer = ChunkWriter(images)
        workers = max(threads, 1)
        with ThreadPoolExecutor(workers) as ex, tqdm(total=n_candidates, desc="images", unit="img") as bar:
            loaded = bounded_map(ex, lambda ab: load_block(*ab), blocks, 2 * workers)
            for (a, b), (imgs, ok, converted) in zip(blocks, loaded, strict=True):
                keep[a:b] = ok
                conversions.update(converted)
                writer.append(imgs)
                bar.update(b - a)
        written = writer.close()
        if written < min_images:
            raise InputError(
                f"only {written} usable images (of {n_candidates} candidates); "
                f"dataset.min_images requires at least {min_images}"
            )
        images.resize((written, size, size, 3))
        digests = {"images": writer.chunk_digests}
        kept_split = np.asarray(split, dtype=np.int8)[keep]
        group.create_array("split", data=kept_split, chunks=(chunk * 16,))
        digests["split"] = chunk_digests(kept_split, chunk * 16)
        if factors is not None:
            f = np.asarray(factors, dtype=np.float32)[keep]
            group.create_array("factors", data=f, chunks=(chunk * 16, f.shape[1]))
            digests["factors"] = chunk_digests(f, chunk * 16)
            attrs = {**attrs, "factor_names": list(factor_names or [])}
        if names is not None:
            skipped = [names[i] for i in np.flatnonzero(~keep)]
            attrs = {**attrs, "skipped": skipped}
            if skipped:
                log.warning("skipped %d unreadable images: %s", len(skipped), ", ".join(skipped))
        if any(conversions.values()):
            log.info("converted to 8-bit RGB: %s", ", ".join(f"{k} {v}" for k, v in conversions.items() if v))
        attrs = {**attrs, "conversions": dict(sorted(conversions.items()))}
        group.attrs.update(
            {**attrs, "n_images": written, "content_sha256": writer.digest.hexdigest(), DIGESTS: digests}
        )
    return written
