"""Training figures: the loss curve and reconstructions."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .common import save, show_mosaic


def plot_loss_curve(rows: list[dict], out, dpi: int = 96) -> None:
    """Train and validation MSE per epoch; the title gives the final validation MSE, the number
    the decoded-vector figures depend on."""
    ep = [int(r["epoch"]) for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(ep, [float(r["train_mse"]) for r in rows], "o-", label="train MSE")
    ax.plot(ep, [float(r["valid_mse"]) for r in rows], "s--", label="validation MSE")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error (pixels in [0, 1])")
    ax.set_yscale("log")
    ax.set_title(f"Autoencoder training loss: validation MSE {float(rows[-1]['valid_mse']):.3g} at the end")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    ax.grid(alpha=0.3)
    save(fig, out, dpi)


def plot_reconstructions(images: np.ndarray, recon: np.ndarray, out, dpi: int = 96) -> None:
    """Validation images (top row) over their reconstructions (bottom row)."""
    show_mosaic(
        np.concatenate([images, recon]),
        len(images),
        "Validation images (top) and reconstructions (bottom)",
        out,
        dpi,
    )
