"""Coverage of the real cloud by each generator."""

from __future__ import annotations

import matplotlib.pyplot as plt

from .common import save


def plot_coverage(rows: list[dict], out: str, dpi: int = 96) -> None:
    names = [r["generator"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    specs = [
        ("inside_fraction", "fraction inside the real cloud", 0.99, "real vectors: 0.99"),
        ("nn_ratio", "NN distance / real-to-real NN distance", 1.0, "real vectors: 1"),
        ("radius_ks", "KS statistic of radii vs real", 0.0, "perfect match: 0"),
    ]
    for ax, (key, label, ref, ref_label) in zip(axes, specs, strict=True):
        ax.bar(names, [r[key] for r in rows], color="tab:green")
        ax.axhline(ref, color="k", ls="--", label=ref_label)
        ax.set_ylabel(label)
        ax.set_xlabel("generator")
        ax.tick_params(axis="x", rotation=30)
        ax.legend(fontsize=8)
    fig.suptitle("How well each statistical vector generator covers the real z-point cloud")
    fig.tight_layout()
    save(fig, out, dpi)
