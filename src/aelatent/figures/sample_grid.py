"""A mosaic of the first images of the store."""

from __future__ import annotations

import numpy as np

from ..io.images import open_image_store
from ..plots.common import show_mosaic


def sample_grid(images_path: str, out, n: int = 64, dpi: int = 96) -> None:
    store = open_image_store(images_path)
    imgs = store["images"][: min(n, store["images"].shape[0])]
    src = store.attrs["source"]
    show_mosaic(
        imgs,
        int(np.ceil(np.sqrt(len(imgs)))),
        f"First {len(imgs)} images ({src}, {imgs.shape[1]} px)",
        out,
        dpi,
    )
