"""Write and read ``images.zarr``: uint8 images (N, H, W, 3) chunked along N, split, factors.

The store is built in ``<path>.tmp`` and renamed into place only when complete, so an
interrupted job never leaves a store that looks finished.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import zarr
from tqdm import tqdm

from .errors import InputError
from .stream import bounded_map

log = logging.getLogger(__name__)

# A block loader gets a candidate range [a, b) and returns the images it could load and a
# boolean mask over the range saying which candidates those are.
BlockLoader = Callable[[int, int], tuple[np.ndarray, np.ndarray]]


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
) -> int:
    """Load ``n_candidates`` images block by block in parallel and write them as whole chunks."""
    with atomic_dir(out) as tmp:
        return _fill(
            tmp,
            n_candidates,
            load_block,
            size,
            chunk,
            threads,
            split,
            attrs,
            min_images,
            factors,
            factor_names,
        )


@contextmanager
def atomic_dir(out: str | os.PathLike) -> Iterator[Path]:
    """Yield ``<out>.tmp`` to build in; rename it to ``out`` on success, delete it on failure."""
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)


def _fill(
    tmp, n_candidates, load_block, size, chunk, threads, split, attrs, min_images, factors, factor_names
) -> int:
    group = zarr.open_group(tmp, mode="w")
    shape = (max(n_candidates, 1), size, size, 3)
    images = group.create_array("images", shape=shape, chunks=(chunk, size, size, 3), dtype="u1")
    keep = np.zeros(n_candidates, dtype=bool)
    digest = hashlib.sha256()
    buffered: list[np.ndarray] = []
    n_buffered = written = 0

    def flush(final: bool) -> None:
        nonlocal buffered, n_buffered, written
        if not buffered:
            return
        data = np.concatenate(buffered)
        whole = len(data) if final else len(data) // chunk * chunk
        if whole:
            images[written : written + whole] = data[:whole]
            digest.update(data[:whole].tobytes())
            written += whole
        buffered = [data[whole:]] if whole < len(data) else []
        n_buffered = len(data) - whole

    blocks = [(a, min(a + chunk, n_candidates)) for a in range(0, n_candidates, chunk)]
    with (
        ThreadPoolExecutor(max(threads, 1)) as ex,
        tqdm(total=n_candidates, desc="images", unit="img") as bar,
    ):
        loaded = bounded_map(ex, lambda ab: load_block(*ab), blocks, 2 * max(threads, 1))
        for (a, b), (imgs, ok) in zip(blocks, loaded, strict=True):
            keep[a:b] = ok
            buffered.append(imgs)
            n_buffered += len(imgs)
            if n_buffered >= chunk:
                flush(final=False)
            bar.update(b - a)
    flush(final=True)

    if written < min_images:
        raise InputError(
            f"only {written} usable images (of {n_candidates} candidates); "
            f"dataset.min_images requires at least {min_images}"
        )
    images.resize((written, size, size, 3))
    group.create_array("split", data=np.asarray(split, dtype=np.int8)[keep], chunks=(chunk * 16,))
    if factors is not None:
        f = np.asarray(factors, dtype=np.float32)[keep]
        group.create_array("factors", data=f, chunks=(chunk * 16, f.shape[1]))
        attrs = {**attrs, "factor_names": list(factor_names or [])}
    group.attrs.update({**attrs, "n_images": written, "content_sha256": digest.hexdigest()})
    return written


def open_image_store(path: str | os.PathLike) -> zarr.Group:
    """Open a finished ``images.zarr`` read-only."""
    return zarr.open_group(path, mode="r")
