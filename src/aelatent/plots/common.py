"""What every figure shares: a headless backend, atomic saving, image mosaics."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..io.atomic import atomic_path  # noqa: E402


def save(fig, out: str, dpi: int) -> None:
    """Save atomically (a unique temporary name, then renamed) and free the figure."""
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
    plt.close(fig)


def tile(images: np.ndarray, cols: int) -> np.ndarray:
    """(n, H, W, 3) uint8 -> one mosaic image, ``cols`` per row, 1 px white gaps."""
    n, h, w, c = images.shape
    rows = -(-n // cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1, c), 255, np.uint8)
    for i, img in enumerate(images):
        r, k = divmod(i, cols)
        out[r * (h + 1) : r * (h + 1) + h, k * (w + 1) : k * (w + 1) + w] = img
    return out


def show_mosaic(images: np.ndarray, cols: int, title: str, out: str, dpi: int) -> None:
    mosaic = tile(images, cols)
    scale = 8.0 / max(mosaic.shape[:2])
    fig, ax = plt.subplots(figsize=(mosaic.shape[1] * scale + 0.4, mosaic.shape[0] * scale + 0.6))
    ax.imshow(mosaic, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
    save(fig, out, dpi)
