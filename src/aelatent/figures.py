"""Figures of the study; every function writes one PNG and is readable without the code."""

from __future__ import annotations

import csv

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from .imagestore import open_image_store  # noqa: E402
from .model import to_input  # noqa: E402
from .train import load_model  # noqa: E402


def tile(images: np.ndarray, cols: int) -> np.ndarray:
    """(n, H, W, 3) uint8 -> one mosaic image, ``cols`` per row, 1 px white gaps."""
    n, h, w, c = images.shape
    rows = -(-n // cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1, c), 255, np.uint8)
    for i, img in enumerate(images):
        r, k = divmod(i, cols)
        out[r * (h + 1) : r * (h + 1) + h, k * (w + 1) : k * (w + 1) + w] = img
    return out


def _save(fig, out: str, dpi: int) -> None:
    fig.savefig(out, dpi=dpi, bbox_inches="tight")
    plt.close(fig)


def show_mosaic(images: np.ndarray, cols: int, title: str, out: str, dpi: int) -> None:
    mosaic = tile(images, cols)
    scale = 8.0 / max(mosaic.shape[:2])
    fig, ax = plt.subplots(figsize=(mosaic.shape[1] * scale + 0.4, mosaic.shape[0] * scale + 0.6))
    ax.imshow(mosaic, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
    _save(fig, out, dpi)


def plot_sample_grid(images_path: str, out: str, n: int = 64, dpi: int = 96) -> None:
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


def read_tsv(path: str) -> list[dict]:
    with open(path) as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def plot_loss_curve(metrics_path: str, out: str, dpi: int = 96) -> None:
    rows = read_tsv(metrics_path)
    ep = [int(r["epoch"]) for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(ep, [float(r["train_mse"]) for r in rows], "o-", label="train MSE")
    ax.plot(ep, [float(r["valid_mse"]) for r in rows], "s--", label="validation MSE")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error (pixels in [0, 1])")
    ax.set_yscale("log")
    ax.set_title("Autoencoder training loss")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    ax.grid(alpha=0.3)
    _save(fig, out, dpi)


def plot_reconstructions(
    model_path: str, images_path: str, out: str, n: int = 8, dpi: int = 96
) -> None:
    """Validation images (top row) over their reconstructions (bottom row)."""
    store = open_image_store(images_path)
    idx = np.flatnonzero(store["split"][:] == 1)[:n]
    if len(idx) == 0:
        idx = np.arange(min(n, store["images"].shape[0]))
    imgs = store["images"].get_orthogonal_selection((idx, slice(None), slice(None), slice(None)))
    model = load_model(model_path)
    with torch.inference_mode():
        rec = model(to_input(torch.from_numpy(imgs)))
    rec = (rec.permute(0, 2, 3, 1).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)
    show_mosaic(
        np.concatenate([imgs, rec]),
        len(idx),
        "Validation images (top) and reconstructions (bottom)",
        out,
        dpi,
    )
