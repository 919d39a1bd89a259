"""Coverage of the real cloud by each generator."""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..vectors.names import GENERATOR_KINDS
from .common import save

COLOURS = {"independent": "tab:orange", "correlated": "tab:green", "prior": "tab:blue"}


def plot_coverage(rows: list[dict], out, dpi: int = 96) -> None:
    """One panel per coverage number, one bar per generator, coloured by whether the generator
    models the correlations; every bar carries its value, so a zero is a labelled line, not a gap."""
    names = [r["generator"] for r in rows]
    kinds = [GENERATOR_KINDS[n][0] for n in names]
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.2))
    specs = [
        ("inside_fraction", "share inside the real cloud", 0.99, "real vectors: 0.99", "{:.2f}"),
        ("nn_ratio", "distance to nearest real vector / real-to-real", 1.0, "real vectors: 1", "{:.3g}"),
        ("radius_ks", "KS distance of vector lengths to real", 0.0, "same lengths: 0", "{:.2f}"),
    ]
    for ax, (key, label, ref, ref_label, form) in zip(axes, specs, strict=True):
        values = [r[key] for r in rows]
        bars = ax.bar(
            range(len(rows)), values, color=[COLOURS[k] for k in kinds], edgecolor="black", linewidth=0.8
        )
        ax.bar_label(bars, [form.format(v) for v in values], padding=2, fontsize=8)
        ax.axhline(ref, color="k", ls="--", lw=1, label=ref_label)
        if key == "nn_ratio" and min(values) > 0 and max(values) / min(values) > 20:
            ax.set_yscale("log")
        else:
            top = max(max(values), ref, 1e-9)
            ax.set_ylim(-0.03 * top, 1.15 * top)
        ax.set_xticks(range(len(rows)), [n.replace("_", "_\n") for n in names], fontsize=9)
        ax.set_ylabel(label)
        ax.legend(fontsize=8, loc="upper right")
    legend = {
        "independent": "components drawn independently",
        "correlated": "components correlated as in the real vectors",
        "prior": "the prior N(0, I)",
    }
    shown = [k for k in COLOURS if k in kinds]
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLOURS[k], ec="black") for k in shown]
    fig.legend(
        handles,
        [legend[k] for k in shown],
        loc="lower center",
        bbox_to_anchor=(0.5, 0.07),
        ncol=len(shown),
        frameon=False,
    )
    key = "   ".join(f"{n}: {GENERATOR_KINDS[n][1]}." for n in names)
    fig.text(0.5, 0.01, key, ha="center", va="bottom", fontsize=8.5, wrap=True)
    fig.suptitle("How well each statistical vector generator covers the real z-point cloud")
    fig.tight_layout(rect=(0, 0.13, 1, 0.97))
    save(fig, out, dpi)
