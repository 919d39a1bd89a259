"""The origin's position relative to the real cloud."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .common import save


def plot_origin(d_real: np.ndarray, info: dict, positions: np.ndarray, out, dpi: int = 96) -> None:
    """Left: Mahalanobis distances of real vectors and of the origin. Right: where 0 sits in each
    component's central 99% range (0 = lower end, 1 = upper end)."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    a.hist(d_real, bins=60, color="tab:blue", alpha=0.7, label="real vectors")
    a.axvline(info["real_mahalanobis_p99"], color="k", ls="--", label="99th percentile")
    a.axvline(
        info["origin_mahalanobis"],
        color="orange",
        lw=2.5,
        label=f"origin ({info['origin_percentile']:.1f}th pct)",
    )
    a.set_xlabel("Mahalanobis distance from the cloud's mean")
    a.set_ylabel("number of vectors")
    a.set_title("How far the origin sits from the z-point cloud")
    a.legend()
    p = np.sort(positions[np.isfinite(positions)])
    b.plot(np.arange(len(p)), p, ".", color="tab:purple", label="position of 0")
    e = info["edge_fraction"]
    b.axhspan(0, e, color="orange", alpha=0.25, label=f"within {e:.0%} of an edge")
    b.axhspan(1 - e, 1, color="orange", alpha=0.25)
    b.axhline(0, color="k", lw=0.8)
    b.axhline(1, color="k", lw=0.8)
    b.set_xlabel("component (sorted by position of 0)")
    b.set_ylabel("position of 0 in the component's 99% range")
    b.set_title(f"0 near an edge in {info['components_0_near_edge']:.0%} of components")
    b.legend(loc="upper left")
    fig.tight_layout()
    save(fig, out, dpi)
