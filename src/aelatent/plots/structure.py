"""Correlation structure that does not depend on component numbers, and per-component shape."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .common import save


def plot_structure(
    spectrum: list[dict],
    abs_r: np.ndarray,
    abs_r_sample: np.ndarray | None,
    shape: list[dict],
    info: dict,
    out,
    *,
    thresholds=(),
    dpi: int = 96,
) -> None:
    """Four panels: the correlation matrix's eigenvalues against the noise edge; the share of
    variance in the leading principal axes; the distribution of |r| over all pairs; each
    component's KS distance to its fitted normal against its excess kurtosis, with the limit below
    which it counts as Gaussian. ``info`` holds structure.tsv's quantities."""
    fig, axes = plt.subplots(2, 2, figsize=(14, 10))
    a, b, c, d = axes.flat
    rank = np.array([r["rank"] for r in spectrum])
    ev = np.array([r["corr_eigenvalue"] for r in spectrum])
    a.semilogy(rank, np.clip(ev, 1e-6, None), ".-", color="tab:blue", ms=4, label="this run")
    a.axhline(1.0, color="0.4", ls=":", label="uncorrelated components: all 1")
    a.axhline(
        info["marchenko_pastur_edge"], color="firebrick", ls="--", label="noise edge (Marchenko-Pastur)"
    )
    a.set_xlabel("eigenvalue rank")
    a.set_ylabel("eigenvalue of the correlation matrix")
    a.set_title(
        f"{int(info['corr_eigenvalues_above_edge'])} eigenvalues above the noise edge; correlation "
        f"participation ratio {info['corr_participation_ratio']:.3g} of {len(rank)}",
        fontsize=10,
    )
    a.legend(fontsize=8)
    a.grid(alpha=0.3, which="both")

    cum = np.array([r["cov_cumulative"] for r in spectrum])
    cumc = np.array([r["corr_cumulative"] for r in spectrum])
    b.plot(rank, 100 * cum, color="tab:purple", label="covariance: share of the variance")
    b.plot(rank, 100 * cumc, color="tab:blue", ls="--", label="correlation matrix: share of its trace")
    b.plot(rank, 100 * rank / len(rank), color="0.4", ls=":", label="uncorrelated, equal variances")
    k90 = int(info["cov_components_90pct"])
    b.axhline(90, color="0.6", lw=0.8)
    b.axvline(k90, color="tab:purple", lw=0.8)
    b.annotate(f"{k90} axes hold 90% of the variance", (k90, 90), xytext=(8, -18), textcoords="offset points")
    b.set_xscale("log")
    b.set_xlabel("leading principal axes (log scale)")
    b.set_ylabel("cumulative share (%)")
    b.set_title(
        f"Variance spreads over {info['cov_participation_ratio']:.3g} directions (covariance "
        "participation ratio)",
        fontsize=10,
    )
    b.legend(fontsize=8, loc="lower right")
    b.grid(alpha=0.3, which="both")

    edges = np.linspace(0, 1, 51)
    c.hist(abs_r, edges, color="tab:blue", alpha=0.6, label=f"all N = {int(info['n_vectors'])} vectors")
    if abs_r_sample is not None:
        c.hist(abs_r_sample, edges, histtype="step", color="black", lw=1.2, label="M-sample")
    for t in thresholds:
        c.axvline(t, color="0.5", lw=0.6, ls=":")
    c.set_yscale("log")
    c.set_xlabel("|r| of a component pair")
    c.set_ylabel("pairs per bin (log scale)")
    c.set_title(
        f"|r| over all {len(abs_r)} pairs: median {np.median(abs_r):.3f}, 99th percentile "
        f"{np.quantile(abs_r, 0.99):.3f} (noise ~ {info['abs_r_noise']:.3f})",
        fontsize=10,
    )
    c.legend(fontsize=8)

    ku = np.array([r["excess_kurtosis"] for r in shape], dtype=float)
    ks = np.array([r.get("ks_normal", np.nan) for r in shape], dtype=float)
    dom = np.array([bool(r["dominant"]) for r in shape])
    limit = float(info.get("ks_limit", np.nan))
    d.axhline(limit, color="tab:green", ls="--", label=f"limit {limit:.3g}: below it Gaussian")
    d.axvline(0, color="0.5", lw=0.8)
    d.scatter(ku[~dom], ks[~dom], s=12, color="0.5", label="other components")
    d.scatter(
        ku[dom], ks[dom], s=40, color="tab:red", edgecolors="black", lw=0.5, label="dominant components"
    )
    d.set_xlabel("excess kurtosis (< 0: flat-topped, > 0: heavy-tailed)")
    d.set_ylabel("KS distance to a normal with the same mean and std")
    share = info.get("near_gaussian_share", float("nan"))
    d.set_title(f"{share:.0%} of components Gaussian by the KS distance", fontsize=10)
    d.legend(fontsize=8, loc="upper center", framealpha=0.9)
    fig.suptitle("Correlation structure without component numbers, and the shape of each component")
    fig.tight_layout()
    save(fig, out, dpi)
