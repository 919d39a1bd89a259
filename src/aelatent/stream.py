"""Read a row range of a chunked array one chunk at a time, fetching the next while you compute."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def iter_chunks(arr, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first_row, block)`` over [start, stop), chunk-aligned, one chunk prefetched."""
    stop = arr.shape[0] if stop is None else stop
    step = arr.chunks[0]
    starts = list(range(start, stop, step))
    if not starts:
        return
    with ThreadPoolExecutor(1) as pool:
        nxt = pool.submit(lambda a: arr[a : min(a + step, stop)], starts[0])
        for i, a in enumerate(starts):
            block = nxt.result()
            if i + 1 < len(starts):
                nxt = pool.submit(lambda a: arr[a : min(a + step, stop)], starts[i + 1])
            yield a, block
