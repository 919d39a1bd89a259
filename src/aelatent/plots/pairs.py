"""The article's scatter grids of component pairs."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .common import save


def plot_pair_grid(
    sample: np.ndarray,
    pairs: list[tuple[int, int]],
    out,
    *,
    title: str,
    panel_titles: list[str] | None = None,
    stat: np.ndarray | None = None,
    stat_label: str = "",
    special: np.ndarray | None = None,
    special_label: str = "",
    point_size: float = 0.8,
    dpi: int = 96,
) -> None:
    """The article's grid: real z-points (blue), statistical vectors (red), one real image's
    z-point (orange, black edge) and the origin (yellow, black edge), one panel per pair, titled
    by ``panel_titles`` (default: the pair)."""
    cols = min(4, len(pairs))
    rows = -(-len(pairs) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 4 * rows + 0.6), squeeze=False)
    panel_titles = panel_titles or [f"{i} - {j}" for i, j in pairs]
    for ax, (i, j), panel_title in zip(axes.flat, pairs, panel_titles, strict=False):
        ax.scatter(
            sample[:, i], sample[:, j], s=point_size, color="tab:blue", label=f"{len(sample)} real z-points"
        )
        if stat is not None:
            ax.scatter(stat[:, i], stat[:, j], s=20, color="red", alpha=0.9, label=stat_label)
        if special is not None:
            ax.scatter(special[i], special[j], s=70, color="orange", edgecolors="black", label=special_label)
        ax.scatter(0, 0, s=80, color="yellow", edgecolors="black", label="origin")
        ax.set_xlabel(f"component {i}")
        ax.set_ylabel(f"component {j}")
        ax.set_title(panel_title, fontsize=10)
    for ax in axes.flat[len(pairs) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    legend = fig.legend(handles, labels, loc="lower center", ncol=4, frameon=False)
    for handle in legend.legend_handles:
        handle.set_sizes([40])  # one readable marker size, whatever the point sizes in the panels
    fig.suptitle(title, fontsize=14)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    save(fig, out, dpi)


def plot_special_image(
    image: np.ndarray, recon: np.ndarray, z: np.ndarray, title: str, out, dpi: int = 96
) -> None:
    """The pair grids' highlighted real image beside its reconstruction, and its latent vector's
    components (the orange point's coordinates in every panel)."""
    fig = plt.figure(figsize=(11, 3.6))
    grid = fig.add_gridspec(1, 3, width_ratios=[1, 1, 2.6])
    for k, (img, name) in enumerate([(image, "the image"), (recon, "its reconstruction")]):
        ax = fig.add_subplot(grid[0, k])
        ax.imshow(img, interpolation="nearest")
        ax.set_title(name, fontsize=10)
        ax.axis("off")
    ax = fig.add_subplot(grid[0, 2])
    ax.bar(np.arange(len(z)), z, width=1.0, color="orange", edgecolor="none")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlabel("latent component")
    ax.set_ylabel("value")
    ax.set_title("its latent vector", fontsize=10)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    save(fig, out, dpi)
