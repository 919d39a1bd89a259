"""Stream a row range of a chunked array chunk by chunk, the next chunk read ahead."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor

import numpy as np


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
    arr, start: int = 0, stop: int | None = None, step: int | None = None, readers: int = 1
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first_row, block)`` over [start, stop) in blocks of ``step`` rows (default: the
    array's chunk), in order; ``readers`` threads read and decompress the next blocks ahead
    (decompression releases the GIL, so a fast consumer is fed by several cores)."""
    stop = arr.shape[0] if stop is None else stop
    step = step or arr.chunks[0]
    starts = range(start, stop, step)
    with ThreadPoolExecutor(max(readers, 1)) as pool:
        blocks = bounded_map(pool, lambda a: arr[a : min(a + step, stop)], starts, ahead=2 * max(readers, 1))
        yield from zip(starts, blocks, strict=True)
