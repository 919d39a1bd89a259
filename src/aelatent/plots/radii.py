"""Radii of real vectors against uniform vectors."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .common import save


def plot_radii(r_real: np.ndarray, radii: list[np.ndarray], rows: list[dict], out, dpi: int = 96) -> None:
    """Radii of real vectors against uniform [-b, b] vectors for the swept b values; every
    histogram is scaled to peak 1 so the narrow uniform peaks do not flatten the real one. A best
    b at either end of the sweep gets a warning: the true optimum may lie outside it."""
    edges = np.linspace(0, max(r_real.max(), max(r.max() for r in radii)) * 1.02, 240)
    centres = 0.5 * (edges[:-1] + edges[1:])

    def peak_one(x: np.ndarray) -> np.ndarray:
        h, _ = np.histogram(x, edges)
        return h / h.max()

    fig, ax = plt.subplots(figsize=(9, 5))
    ax.fill_between(centres, peak_one(r_real), step="mid", color="tab:blue", alpha=0.45, label="real vectors")
    cmap = plt.cm.viridis(np.linspace(0, 0.9, len(rows)))
    for row, r, col in zip(rows, radii, cmap, strict=True):
        label = f"uniform b={row['b']:g}" + (" (best)" if row["best"] else "")
        ax.step(centres, peak_one(r), where="mid", color=col, lw=2.5 if row["best"] else 1.0, label=label)
    ax.set_xlabel("vector length |z|")
    ax.set_ylabel("vectors per bin (scaled to peak 1)")
    best = next(r for r in rows if r["best"])
    ax.set_title(
        f"Radii: real vectors against uniform [-b, b] vectors (best b = {best['b']:g}, KS {best['ks']:.2f})"
    )
    bs = [r["b"] for r in rows]
    if best["b"] in (min(bs), max(bs)):
        ax.text(
            0.5,
            0.97,
            f"best b = {best['b']:g} is at the end of the sweep ({min(bs):g} to {max(bs):g}):\n"
            "the best fit may lie beyond it; extend figures.b_sweep",
            transform=ax.transAxes,
            ha="center",
            va="top",
            color="firebrick",
            fontsize=10,
            bbox={"facecolor": "white", "edgecolor": "firebrick"},
        )
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    save(fig, out, dpi)
