"""Distributions: component histograms, the correlation matrix, pair counts against threshold."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np

from .common import place_labels, save, stagger_tick_labels

# Twenty colours told apart on white (after Trubetskoy's list of 20 distinct colours, its two palest
# replaced by black and slate), none the grey of the ordinary components.
DISTINCT = (
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324", "#000075",
    "#800000", "#469990", "#808000", "#bfef45", "#000000", "#ffe119", "#fabed4", "#dcbeff", "#aaffc3",
    "#ffd8b1", "#5c5c8a",
)  # fmt: skip
LINE_STYLES = ("-", "--", "-.")


def dominant_styles(n: int) -> list[dict]:
    """Up to 20 dominant curves, each its own colour, line styles cycling on top (beyond 20 the
    colours repeat with another style)."""
    return [
        {"color": DISTINCT[k % len(DISTINCT)], "ls": LINE_STYLES[(k + k // len(DISTINCT)) % len(LINE_STYLES)]}
        for k in range(n)
    ]


def plot_component_histograms(
    edges: np.ndarray,
    counts: np.ndarray,
    components: list[dict],
    out,
    dpi: int = 96,
    reference: list[dict] | None = None,
    reference_name: str = "reference",
) -> None:
    """Left: every component's value distribution, the dominant ones in colour and listed in the
    legend. Right: each component's peak position (what the article calls mu) against its full
    width at half maximum hw_fine (the width the dominant components are ranked by), the dominant
    ones labelled, with the line where |mean| + hw_fine equals the smallest dominant score;
    ``reference`` rows (index, mu, hw) are drawn beside them, as their indices are not comparable."""
    centres = 0.5 * (edges[:-1] + edges[1:])
    dom = sorted((r for r in components if r["dominant"]), key=lambda r: -r["hw_fine"])
    rest = [r for r in components if not r["dominant"]]
    styles = dominant_styles(len(dom))
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(16, 6.5), gridspec_kw={"width_ratios": [1.25, 1]})
    for r in rest:
        ax.plot(centres, counts[r["index"]], color="0.75", lw=0.5, alpha=0.6)
    ax.plot([], [], color="0.75", lw=1.5, label=f"{len(rest)} other components")
    for r, st in zip(dom, styles, strict=True):
        ax.plot(centres, counts[r["index"]], lw=1.8, label=f"{r['index']}", **st)
    used = np.flatnonzero(counts.sum(axis=0) > 0)  # the values any vector takes
    lo, hi = edges[used[0]], edges[used[-1] + 1]
    ax.set_xlim(lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo))
    ax.set_xlabel("component value")
    ax.set_ylabel("vectors per bin")
    ax.set_title(f"Value distribution of all {len(components)} components over all vectors")
    ax.legend(
        fontsize=9,
        ncol=2,
        title="dominant component\n(widest first)",
        title_fontsize=9,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0,
    )

    bx.scatter(
        [r["peak"] for r in rest],
        [r["hw_fine"] for r in rest],
        s=14,
        color="0.65",
        label="other components",
    )
    for r, st in zip(dom, styles, strict=True):
        bx.scatter(r["peak"], r["hw_fine"], s=55, color=st["color"], edgecolors="black", linewidths=0.6)
    bx.scatter([], [], s=55, color="white", edgecolors="black", label="dominant (index shown)")
    if reference:
        bx.scatter(
            [r["mu"] for r in reference],
            [r["hw"] for r in reference],
            s=45,
            marker="D",
            facecolors="none",
            edgecolors="crimson",
            linewidths=1.2,
            label=f"{reference_name}: dominant",
        )
    bx.axvline(0, color="k", lw=0.6)
    if dom:
        cut = min(abs(r["mean"]) + r["hw_fine"] for r in dom)
        x = np.linspace(-cut, cut, 3)
        bx.plot(x, cut - np.abs(x), ":", color="0.3", lw=1, label="|mean| + hw_fine = smallest dominant")
    bx.set_xlabel("peak position (what the article calls mu)")
    bx.set_ylabel("full width at half maximum hw_fine")
    bx.set_title(f"The {len(dom)} dominant components: largest |mean| + hw_fine")
    bx.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    fig.tight_layout()
    place_labels(
        bx,
        np.array([[r["peak"], r["hw_fine"]] for r in dom]).reshape(-1, 2),
        [str(r["index"]) for r in dom],
        avoid=np.array([[r["peak"], r["hw_fine"]] for r in rest]).reshape(-1, 2),
        fontsize=8,
    )
    save(fig, out, dpi)


def cluster_order(corr: np.ndarray) -> np.ndarray:
    """The components in clustered order: average-linkage clustering on 1 - |corr|, so
    correlated groups sit together (the heatmap's and the explorer's order)."""
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    dist = np.clip(1.0 - np.abs(np.nan_to_num(corr)), 0, None)
    np.fill_diagonal(dist, 0.0)
    return leaves_list(linkage(squareform(dist, checks=False), method="average"))


def plot_correlation_heatmap(corr: np.ndarray, components: list[dict], out, dpi: int = 96) -> None:
    """The full matrix (|corr| would hide the sign), rows ordered by clustering on 1 - |corr| so
    correlated groups form blocks. Index labels in clustered order are unreadable beyond a few
    dozen, so larger matrices label only the dominant components, where they sit."""
    c = np.nan_to_num(corr)
    order = cluster_order(corr)
    dominant = {r["index"] for r in components if r["dominant"]}
    fig, ax = plt.subplots(figsize=(9.5, 8.5))
    im = ax.imshow(c[np.ix_(order, order)], cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    fig.colorbar(im, ax=ax, label="Pearson correlation over all vectors", shrink=0.85)
    if len(order) <= 48:
        ticks = np.arange(len(order))
        what = "every component"
    else:
        ticks = np.array([k for k, i in enumerate(order) if i in dominant], dtype=int)
        what = "dominant components labelled"
    fs = 7 if len(ticks) <= 32 else 5
    ax.set_xticks(ticks, order[ticks], rotation=90, fontsize=fs)
    ax.set_yticks(ticks, order[ticks], fontsize=fs)
    ax.set_xlabel(f"component, in clustered order ({what})")
    ax.set_ylabel(f"component, in clustered order ({what})")
    ax.set_title(f"Correlation matrix of all {len(order)} components")
    stagger_tick_labels(ax, "x")
    stagger_tick_labels(ax, "y")
    save(fig, out, dpi)


def plot_threshold_counts(
    rows: list[dict], n_all: int, m: int, dim: int, out, dpi: int = 96, reference: dict | None = None
) -> None:
    """Pairs above each threshold as a share of all D(D-1)/2 pairs (log axis; this run's counts on
    the right axis): exact over all N, the article's one M-sample, the band in which the count of
    any other M-sample would fall (2.5-97.5 % of fresh M-subsets, median dotted), and the
    ``reference`` counts (threshold_counts, latent_dim, sample_size, name) as shares of its pairs,
    so runs of different latent dimension compare."""
    total = dim * (dim - 1) / 2
    t = np.array([r["threshold"] for r in rows])

    def share(key):
        return 100 * np.array([r[key] for r in rows], float) / total

    fig, ax = plt.subplots(figsize=(8, 5.5))
    low, high = share("subset_low"), share("subset_high")
    ax.fill_between(t, low, high, color="tab:orange", alpha=0.2, lw=0)
    s = share("n_sample")
    ax.errorbar(
        t + 0.006,
        s,
        yerr=np.clip([s - low, high - s], 0, None),
        fmt="s",
        mfc="white",
        color="tab:orange",
        capsize=4,
        label=f"seeded M = {m} sample; bar and band: 95% of fresh M-subsets",
    )
    ax.plot(t, share("subset_median"), ":", color="tab:orange")
    ax.plot(t - 0.006, share("n_all"), "o-", color="tab:blue", label=f"all N = {n_all} vectors (exact)")
    if reference:
        rt = np.array([r["threshold"] for r in reference["threshold_counts"]])
        rc = np.array([r["count"] for r in reference["threshold_counts"]], float)
        rd = reference["latent_dim"]
        ax.plot(
            rt,
            100 * rc / (rd * (rd - 1) / 2),
            "*",
            ms=12,
            color="firebrick",
            label=f"{reference['name']}: M = {reference['sample_size']}, D = {rd}",
        )
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}%"))
    ax.yaxis.set_minor_formatter(
        mticker.FuncFormatter(lambda v, _: f"{v:g}%" if str(f"{v:g}")[0] in "25" else "")
    )
    right = ax.secondary_yaxis("right", functions=(lambda p: p * total / 100, lambda c: c * 100 / total))
    right.set_ylabel(f"pairs in this run (of {int(total)})")
    right.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xticks(t)
    ax.set_xlabel("threshold t")
    ax.set_ylabel("pairs with |r| > t, share of all D(D-1)/2 pairs")
    ax.set_title("Correlated component pairs against threshold")
    ax.legend(fontsize=8.5, loc="lower left")
    ax.grid(alpha=0.3, which="both")
    save(fig, out, dpi)
