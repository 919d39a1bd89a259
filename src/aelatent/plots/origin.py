"""The origin's position relative to the real cloud."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .common import save

OUTSIDE_MARGIN = 0.15  # components whose range excludes 0 are drawn this far beyond the axis' ends


def plot_origin(d_real: np.ndarray, info: dict, positions: np.ndarray, out, dpi: int = 96) -> None:
    """Left: Mahalanobis distances of real vectors and of the origin. Right: where 0 sits in each
    component's central 99% range (0 = lower end, 1 = upper end); a component whose range excludes
    0 is drawn as a red triangle just beyond the end it lies past, and counted."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(13, 4.8))
    a.hist(d_real, bins=60, color="tab:blue", alpha=0.7, label="held-out real vectors")
    a.axvline(info["real_mahalanobis_p99"], color="k", ls="--", label="their 99th percentile")
    a.axvline(
        info["origin_mahalanobis"],
        color="orange",
        lw=2.5,
        label=f"origin (farther than {info['origin_percentile']:.1f}%)",
    )
    a.set_xlabel("Mahalanobis distance from the cloud's centre, all axes")
    a.set_ylabel("number of vectors")
    a.set_title("How far the origin sits from the centre over all axes", fontsize=11)
    a.legend(fontsize=9, loc="upper right")
    p = np.sort(positions[np.isfinite(positions)])
    k = np.arange(len(p))
    low, high, inside = p < 0, p > 1, (p >= 0) & (p <= 1)
    e = info["edge_fraction"]
    b.axhspan(0, e, color="orange", alpha=0.25, label=f"within {e:.0%} of an end")
    b.axhspan(1 - e, 1, color="orange", alpha=0.25)
    b.plot(k[inside], p[inside], ".", color="tab:purple", label="position of 0")
    if (low | high).any():
        b.plot(k[low], np.full(low.sum(), -OUTSIDE_MARGIN / 2), "v", color="red", ms=8)
        b.plot(k[high], np.full(high.sum(), 1 + OUTSIDE_MARGIN / 2), "^", color="red", ms=8)
        n = int((low | high).sum())
        b.plot([], [], "^", color="red", label=f"range excludes 0 ({n} component{'s' * (n != 1)})")
    b.axhline(0, color="k", lw=0.8)
    b.axhline(1, color="k", lw=0.8)
    b.set_ylim(-OUTSIDE_MARGIN, 1 + OUTSIDE_MARGIN)
    b.set_xlabel("component (sorted by position of 0)")
    b.set_ylabel("position of 0 in the component's 99% range")
    n_out = int((low | high).sum())
    b.set_title(
        f"0 near an end of the range in {info['components_0_near_edge']:.0%} of components, "
        f"outside it in {n_out} component{'s' * (n_out != 1)}",
        fontsize=11,
    )
    b.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    save(fig, out, dpi)


def _distance_panel(ax, real: np.ndarray, origin: float, title: str, xlabel: str) -> None:
    hi = max(float(np.max(real)) if len(real) else 1.0, origin) * 1.05
    ax.hist(real, bins=np.linspace(0, hi, 60), color="tab:blue", alpha=0.7, label="held-out real vectors")
    if len(real):
        ax.axvline(np.percentile(real, 99), color="k", ls="--", label="their 99th percentile")
    pct = float((real < origin).mean() * 100) if len(real) else float("nan")
    ax.axvline(origin, color="orange", lw=2.5, label=f"origin (farther than {pct:.0f}%)")
    ax.set_title(title, fontsize=10.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("number of vectors")
    ax.legend(fontsize=8.5, loc="upper right")


def plot_origin_views(views: dict, out, dpi: int = 96) -> None:
    """The origin in four views (``views``: the arrays of ``vectors.origin.origin_views``). Top left:
    real vectors along the whitened direction from the centre to the origin, where the origin lies
    d0 standard deviations out. Top right: the first principal plane. Bottom: Mahalanobis
    distances in the principal axes holding most of the variance, and in the rest."""
    k, dim = int(views["k_principal"]), int(views["dim"])
    fig, axes = plt.subplots(2, 2, figsize=(13, 10))
    a, b, c, d = axes.flat
    along, d0 = np.asarray(views["along"]), float(views["origin_along"])
    lo, hi = min(float(along.min()), 0.0), max(float(along.max()), d0)
    pad = 0.05 * (hi - lo)
    bins = np.linspace(lo - pad, hi + pad, 80)
    a.hist(along, bins=bins, color="tab:blue", alpha=0.7, label="held-out real vectors")
    a.axvline(0, color="k", lw=1, label="the cloud's centre")
    pct = float((along < d0).mean() * 100)
    a.axvline(d0, color="orange", lw=2.5, label=f"origin at {d0:.3g} sd (farther than {pct:.0f}%)")
    a.set_xlabel("position along the whitened centre-to-origin direction (standard deviations)")
    a.set_ylabel("number of vectors")
    a.set_title("The direction in which the origin is farthest out (all axes)", fontsize=10.5)
    a.legend(fontsize=8.5, loc="upper center")

    plane, o2 = np.asarray(views["plane"]), np.asarray(views["origin_plane"])
    share = np.asarray(views["plane_share"])
    b.scatter(plane[:, 0], plane[:, 1], s=3, color="tab:blue", alpha=0.5, label="held-out real vectors")
    b.scatter(0, 0, s=90, color="white", edgecolors="black", marker="s", label="the cloud's centre", zorder=3)
    b.scatter(o2[0], o2[1], s=120, color="yellow", edgecolors="black", label="origin", zorder=3)
    b.set_xlabel(f"first principal axis ({share[0]:.0%} of the variance)")
    b.set_ylabel(f"second principal axis ({share[1]:.0%} of the variance)")
    b.set_title("The first principal plane (latent units, centred)", fontsize=10.5)
    b.legend(fontsize=8.5, loc="best", framealpha=0.9)
    b.set_aspect("equal", adjustable="datalim")

    _distance_panel(
        c,
        np.asarray(views["d_principal"]),
        float(views["origin_principal"]),
        f"In the {k} principal axes holding most of the variance",
        "Mahalanobis distance from the centre, principal axes",
    )
    _distance_panel(
        d,
        np.asarray(views["d_rest"]),
        float(views["origin_rest"]),
        f"In the other {dim - k} axes",
        "Mahalanobis distance from the centre, the other axes",
    )
    fig.suptitle("Where the origin sits: one distance over all axes splits into the two bottom panels")
    fig.tight_layout()
    save(fig, out, dpi)
