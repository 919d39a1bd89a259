"""Stream a row range of a chunked array: chunk by chunk with prefetch, or reduced in parallel."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from .moments import Moments


def bounded_map(ex: Executor, fn: Callable, items: Iterable, ahead: int) -> Iterator:
    """Like ``ex.map`` but with at most ``ahead`` tasks in flight, so memory stays bounded."""
    pending: deque = deque()
    for item in items:
        pending.append(ex.submit(fn, item))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def iter_chunks(
    arr, start: int = 0, stop: int | None = None, step: int | None = None
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first_row, block)`` over [start, stop) in blocks of ``step`` rows (default: the
    array's chunk), the next block read ahead on a worker thread."""
    stop = arr.shape[0] if stop is None else stop
    step = step or arr.chunks[0]
    starts = range(start, stop, step)
    with ThreadPoolExecutor(1) as pool:
        blocks = bounded_map(pool, lambda a: arr[a : min(a + step, stop)], starts, ahead=2)
        yield from zip(starts, blocks, strict=True)


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
