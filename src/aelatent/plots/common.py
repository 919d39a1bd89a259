"""What every figure shares: a headless backend, atomic saving in every asked format, image
mosaics, labels that do not overlap."""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..io.atomic import atomic_path  # noqa: E402


def save(fig, out: str | Sequence[str], dpi: int) -> None:
    """Save to ``out``, one path or several (the same figure as PNG and PDF, say: each path's
    suffix picks the format), each atomically, then free the figure. ``dpi`` sets the PNG's
    resolution; a PDF carries no creation date, so the same figure gives the same bytes."""
    for path in [out] if isinstance(out, (str, os.PathLike)) else list(out):
        with atomic_path(path) as tmp:
            meta = {"CreationDate": None} if str(path).endswith(".pdf") else None
            fig.savefig(tmp, dpi=dpi, bbox_inches="tight", metadata=meta)
    plt.close(fig)


def place_labels(
    ax, xy: np.ndarray, texts: list[str], avoid: np.ndarray | None = None, fontsize: float = 8, **kw
) -> None:
    """Annotate each point with its text at the nearest of 24 offsets where the label overlaps no
    earlier label and no marker (the labelled points and ``avoid``, data coordinates); failing
    that, where it overlaps no label; so dense clusters stay readable. Call it once the axes'
    layout is final."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    pts = ax.transData.transform(np.asarray(xy, dtype=float).reshape(-1, 2))
    others = pts if avoid is None else np.vstack([pts, ax.transData.transform(np.asarray(avoid, float))])
    near = [(4, 4), (4, -11), (-4, 4), (-4, -11), (0, 9), (0, -15), (8, -3), (-8, -3)]
    offsets = [(k * dx, k * dy) for k in (1, 2, 3.5) for dx, dy in near]
    placed: list = []
    for (x, y), text, p in zip(np.asarray(xy, float).reshape(-1, 2), texts, pts, strict=True):

        def annotate(dx: float, dy: float, text=text, x=x, y=y):
            return ax.annotate(
                text,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                fontsize=fontsize,
                ha="left" if dx >= 0 else "right",
                arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "0.3"} if abs(dx) + abs(dy) > 20 else None,
                **kw,
            )

        candidates = []
        for dx, dy in offsets:
            ann = annotate(dx, dy)
            box = ann.get_window_extent(renderer).expanded(1.05, 1.1)
            ann.remove()
            hits_label = any(box.overlaps(b) for b in placed)
            hits_point = any(box.contains(*q) for q in others if not np.allclose(q, p))
            candidates.append((hits_label, hits_point, dx, dy, box))
        _, _, dx, dy, box = min(candidates, key=lambda c: (c[0], c[1]))
        annotate(dx, dy)
        placed.append(box)


def stagger_tick_labels(ax, axis: str = "x", max_levels: int = 8, gap_px: float = 1.0) -> None:
    """Move tick labels that would overprint their neighbours onto further rows (x) or columns
    (y), each reached by a longer tick, so every label stays readable; a label that finds no free
    place within ``max_levels`` is hidden (its tick stays). Call it once the layout is final."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ticks = [t for t in (ax.xaxis if axis == "x" else ax.yaxis).get_major_ticks() if t.label1.get_text()]
    boxes = [t.label1.get_window_extent(renderer) for t in ticks]
    if not boxes:
        return
    depth_pt = max(b.height if axis == "x" else b.width for b in boxes) * 72.0 / fig.dpi + 1.0
    ends: list[float] = []  # per level, where its last label ends along the axis
    for t, box in sorted(
        zip(ticks, boxes, strict=True), key=lambda tb: tb[1].x0 if axis == "x" else tb[1].y0
    ):
        start, end = (box.x0, box.x1) if axis == "x" else (box.y0, box.y1)
        level = next((k for k, e in enumerate(ends) if e + gap_px <= start), len(ends))
        if level >= max_levels:
            t.label1.set_visible(False)
            continue
        if level == len(ends):
            ends.append(end)
        ends[level] = end
        length = t.tick1line.get_markersize()
        t.tick1line.set_markersize(length + level * depth_pt)
        t.set_pad(t.get_pad() + level * depth_pt)


def tile(images: np.ndarray, cols: int) -> np.ndarray:
    """(n, H, W, 3) uint8 -> one mosaic image, ``cols`` per row, 1 px white gaps."""
    n, h, w, c = images.shape
    rows = -(-n // cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1, c), 255, np.uint8)
    for i, img in enumerate(images):
        r, k = divmod(i, cols)
        out[r * (h + 1) : r * (h + 1) + h, k * (w + 1) : k * (w + 1) + w] = img
    return out


def show_mosaic(images: np.ndarray, cols: int, title: str, out, dpi: int) -> None:
    mosaic = tile(images, cols)
    scale = 8.0 / max(mosaic.shape[:2])
    fig, ax = plt.subplots(figsize=(mosaic.shape[1] * scale + 0.4, mosaic.shape[0] * scale + 0.6))
    ax.imshow(mosaic, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
    save(fig, out, dpi)
