"""Moments of one encode shard's rows, read and reduced on worker threads."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from threadpoolctl import threadpool_limits

from ..io.latents import open_latents, verify_shard
from ..io.stream import bounded_map
from .moments import Moments

log = logging.getLogger(__name__)

SUB_ROWS = 2048


def chunk_moments(
    arr, start: int = 0, stop: int | None = None, *, workers: int = 1, source: str = ""
) -> Moments:
    """Moments of rows [start, stop), one chunk per task on ``workers`` threads.

    Each worker reads (decompression releases the GIL) and reduces its own chunk with a
    single-threaded BLAS, so reading and arithmetic overlap on every core instead of one reader
    waiting on a multi-threaded matrix product. Chunk results merge in row order: the outcome
    does not depend on the number of workers or on thread timing.
    """
    stop = arr.shape[0] if stop is None else stop
    step = arr.chunks[0]
    dim = arr.shape[1]

    def one(a: int) -> Moments:
        block, m = arr[a : min(a + step, stop)], Moments(dim)
        for b in range(0, len(block), SUB_ROWS):  # float64 copies stay small
            m.update(block[b : b + SUB_ROWS], first_row=a + b, source=source)
        return m

    total = Moments(dim)
    with threadpool_limits(1), ThreadPoolExecutor(max(workers, 1)) as pool:
        for part in bounded_map(pool, one, range(start, stop, step), ahead=2 * max(workers, 1)):
            total = total.merge(part)
    return total


def shard_moments(latents_path: str, marker_path: str, out: str, *, shards: int, threads: int = 1) -> Moments:
    """Accumulate the moments of the rows one encode shard wrote, after checking them against its
    marker (missing chunks, changed rows, a truncated marker are refused by name)."""
    marker = verify_shard(latents_path, marker_path, shards)
    z = open_latents(latents_path)
    m = chunk_moments(z, marker["start"], marker["stop"], workers=threads, source=f"shard {marker['shard']}")
    m.save(out)
    log.info("shard %d: %d rows", marker["shard"], m.n)
    return m
