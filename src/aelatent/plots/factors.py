"""Latent components against the synthetic faces' generative factors."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .common import save


def plot_factor_correlations(rows: list[dict], out, dpi: int = 96) -> None:
    names = [k for k in rows[0] if k != "component"]
    c = np.array([[r[n] for n in names] for r in rows])
    top = np.argsort(-np.abs(c).max(axis=1))[:32]
    fig, ax = plt.subplots(figsize=(9, 8))
    im = ax.imshow(c[top].T, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    fig.colorbar(im, ax=ax, label="Pearson correlation")
    ax.set_yticks(range(len(names)), names)
    ax.set_xticks(range(len(top)), top, rotation=90, fontsize=7)
    ax.set_xlabel("latent component (the 32 most factor-correlated)")
    ax.set_ylabel("generative factor")
    ax.set_title("Which latent components encode which face factor")
    save(fig, out, dpi)
