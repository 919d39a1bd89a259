"""Distributions: component histograms, the correlation matrix, pair counts against threshold."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .common import save


def plot_component_histograms(
    edges: np.ndarray, counts: np.ndarray, components: list[dict], out: str, dpi: int = 96
) -> None:
    """Left: every component's value distribution, dominant ones coloured. Right: mean against
    half-width per component, which is how the dominant ones stand out."""
    centres = 0.5 * (edges[:-1] + edges[1:])
    dom = [r for r in components if r["dominant"]]
    rest = [r for r in components if not r["dominant"]]
    colours = plt.cm.tab20(np.linspace(0, 1, max(len(dom), 1)))
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(15, 6), gridspec_kw={"width_ratios": [3, 2]})
    for r in rest:
        ax.plot(centres, counts[r["index"]], color="0.8", lw=0.5)
    ax.plot([], [], color="0.8", label=f"{len(rest)} other components")
    for r, col in zip(dom, colours, strict=False):
        ax.plot(centres, counts[r["index"]], color=col, lw=1.5, label=f"{r['index']}")
    lo = min(r["mean"] - 4 * r["std"] for r in components)
    hi = max(r["mean"] + 4 * r["std"] for r in components)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("component value")
    ax.set_ylabel("number of vectors per bin")
    ax.set_title("Value distribution of every latent component")
    ax.legend(fontsize=7, ncol=2, title="dominant component", title_fontsize=8, loc="upper left")

    bx.scatter([r["mean"] for r in rest], [r["half_width"] for r in rest], s=12, color="0.6", label="other")
    for r, col in zip(dom, colours, strict=False):
        bx.scatter(r["mean"], r["half_width"], s=40, color=col, edgecolors="black", linewidths=0.5)
        bx.annotate(
            str(r["index"]),
            (r["mean"], r["half_width"]),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )
    bx.scatter([], [], s=40, color="white", edgecolors="black", label="dominant (index shown)")
    bx.axvline(0, color="k", lw=0.6)
    bx.set_xlabel("mean mu")
    bx.set_ylabel("half-width at half maximum hw")
    bx.set_title("Dominant components: large |mu| or large hw")
    bx.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    save(fig, out, dpi)


def plot_correlation_heatmap(corr: np.ndarray, out: str, dpi: int = 96) -> None:
    """|corr| would hide the sign, so the full matrix is shown, rows ordered by clustering."""
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    c = np.nan_to_num(corr)
    dist = np.clip(1.0 - np.abs(c), 0, None)
    np.fill_diagonal(dist, 0.0)
    order = leaves_list(linkage(squareform(dist, checks=False), method="average"))
    fig, ax = plt.subplots(figsize=(8.5, 7.5))
    im = ax.imshow(c[np.ix_(order, order)], cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    fig.colorbar(im, ax=ax, label="Pearson correlation")
    ticks = np.linspace(0, len(order) - 1, min(len(order), 16)).astype(int)
    ax.set_xticks(ticks, order[ticks], rotation=90, fontsize=7)
    ax.set_yticks(ticks, order[ticks], fontsize=7)
    ax.set_xlabel("component (clustered order)")
    ax.set_ylabel("component (clustered order)")
    ax.set_title(f"Correlation matrix of all {len(order)} components over all vectors")
    save(fig, out, dpi)


def plot_threshold_counts(rows: list[dict], n_all: int, m: int, out: str, dpi: int = 96) -> None:
    """Exact counts over all N, the article's one M-sample, and the band in which the count of any
    other M-sample would fall (2.5-97.5 % of fresh M-subsets, their median dotted)."""
    t = np.array([r["threshold"] for r in rows])
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.fill_between(
        t,
        [r["subset_low"] for r in rows],
        [r["subset_high"] for r in rows],
        color="tab:orange",
        alpha=0.25,
        label="95% of fresh M-subsets of all N (median dotted)",
    )
    ax.plot(t, [r["subset_median"] for r in rows], ":", color="tab:orange")
    ax.plot(t, [r["n_all"] for r in rows], "o-", color="tab:blue", label=f"all N = {n_all} vectors (exact)")
    ax.plot(t, [r["n_sample"] for r in rows], "s--", color="tab:orange", label=f"the seeded M = {m} sample")
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xlabel("threshold t")
    ax.set_ylabel("pairs with |corr| > t")
    ax.set_title("Correlated component pairs against threshold")
    ax.legend()
    ax.grid(alpha=0.3)
    save(fig, out, dpi)
