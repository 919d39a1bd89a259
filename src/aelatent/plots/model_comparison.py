"""The models of one run side by side: pair shares against threshold, coverage by each generator,
and faces decoded from N(0, I). Rows are those of report/model_comparison.py (one dict per model)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np

from ..kinds import KINDS
from .common import save, tile

LOG_SPAN = 20.0  # a log axis once the positive values span more than this factor
NAMES = {"standard_normal": "standard_normal\nN(0, I)"}


def _colour(k: int):
    return plt.cm.tab10(k % 10)


def _label(r: dict) -> str:
    d = r.get("latent_dim")
    dim = f", D = {d:g}" if isinstance(d, (int, float)) and math.isfinite(d) else ""
    return f"{r['model']} ({r.get('kind', '?')}{dim})"


def _values(rows: list[dict], keys: list[str], scale: float = 1.0) -> np.ndarray:
    """(models, keys) array of the rows' numbers, NaN where a row lacks one."""
    out = np.full((len(rows), len(keys)), np.nan)
    for i, r in enumerate(rows):
        for j, k in enumerate(keys):
            v = r.get(k)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out[i, j] = scale * v
    return out


def _log_wanted(values: np.ndarray) -> bool:
    pos = values[np.isfinite(values) & (values > 0)]
    return pos.size > 1 and pos.max() / pos.min() > LOG_SPAN


def plot_threshold_shares(rows: list[dict], thresholds, out, dpi: int = 96) -> None:
    """Share of all D(D-1)/2 pairs with |r| > t against t, one line per model (colour per model,
    marker per kind), so models of different latent dimension compare. A log axis once the shares
    span more than a factor LOG_SPAN; on it a share of 0 is drawn as an open triangle at the bottom."""
    t = np.asarray(thresholds, dtype=float)
    shares = _values(rows, [f"share_r{x:g}" for x in t], 100.0)
    log = _log_wanted(shares)
    pos = shares[np.isfinite(shares) & (shares > 0)]
    floor = pos.min() / 2.5 if log else 0.0
    fig, ax = plt.subplots(figsize=(8.5, 5.5))
    zeros_drawn = False
    for k, (r, s) in enumerate(zip(rows, shares, strict=True)):
        style = {
            "color": _colour(k),
            "marker": KINDS[r["kind"]].marker if r.get("kind") in KINDS else "D",
            "ms": 6,
        }
        if log:
            keep = s > 0
            ax.plot(t[keep], s[keep], "-", lw=1.6, label=_label(r), **style)
            zero = s == 0
            if zero.any():
                zeros_drawn = True
                ax.plot(t[zero], np.full(zero.sum(), floor), "v", mfc="white", color=_colour(k), ms=7)
        else:
            ax.plot(t, s, "-", lw=1.6, label=_label(r), **style)
    if log:
        ax.set_yscale("log")
        ax.set_ylim(bottom=floor / 1.6)
        if zeros_drawn:
            ax.plot([], [], "v", mfc="white", color="0.3", label="no pair above t (drawn at the bottom)")
        ax.yaxis.set_minor_formatter(
            mticker.FuncFormatter(lambda v, _: f"{v:g}%" if f"{v:g}"[0] in "25" else "")
        )
    else:
        ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}%"))
    ax.set_xticks(t, [f"{x:g}" for x in t])
    ax.set_xlabel("threshold t")
    ax.set_ylabel("pairs with |r| > t, share of all D(D-1)/2 pairs")
    ax.set_title("Correlated component pairs against threshold, per model")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9, title="model (kind, D)", title_fontsize=9, loc="best")
    save(fig, out, dpi)


def plot_model_coverage(rows: list[dict], generators, out, dpi: int = 96) -> None:
    """Two panels, a group of bars per generator and a bar per model in it: the share of the
    generator's vectors inside each model's real cloud, and their distance to the nearest real
    vector over the real-to-real baseline (log axis when it spans more than a factor LOG_SPAN).
    Generators no model measured are left out; with up to 4 models every bar carries its value."""
    gens = [g for g in generators if any(f"inside_{g}" in r or f"nn_ratio_{g}" in r for r in rows)]
    if not gens:
        raise ValueError(f"no model has coverage numbers for any of {list(generators)}")
    fig, axes = plt.subplots(1, 2, figsize=(max(11.0, 2.0 * len(gens) + 1.5), 5.6))
    width = 0.8 / len(rows)
    x0 = np.arange(len(gens))
    specs = [
        ("inside", "share inside the real cloud", 0.99, "{:.2f}"),
        ("nn_ratio", "distance to nearest real vector / real-to-real", 1.0, "{:.3g}"),
    ]
    for ax, (prefix, ylabel, ref, form) in zip(axes, specs, strict=True):
        values = _values(rows, [f"{prefix}_{g}" for g in gens])
        log = prefix == "nn_ratio" and _log_wanted(values) and np.nanmin(values) > 0
        for k, (r, v) in enumerate(zip(rows, values, strict=True)):
            bars = ax.bar(
                x0 + (k - (len(rows) - 1) / 2) * width,
                np.nan_to_num(v, nan=0.0),
                width,
                color=_colour(k),
                edgecolor="black",
                linewidth=0.6,
                label=_label(r),
            )
            if len(rows) <= 4:
                text = ["n/a" if math.isnan(a) else form.format(a) for a in v]
            else:  # too many bars to label each: a zero is still labelled, never an empty gap
                text = ["n/a" if math.isnan(a) else "0" if a == 0 else "" for a in v]
            ax.bar_label(bars, text, padding=2, fontsize=7, rotation=90)
        ax.axhline(ref, color="k", ls="--", lw=1)
        finite = values[np.isfinite(values)]
        top = max(finite.max() if finite.size else ref, ref)
        if log:
            ax.set_yscale("log")
            ax.set_ylim(min(finite.min(), ref) / 1.5, top * 4)
        else:
            ax.set_ylim(0, 1.2 * top)
        ax.set_xticks(x0, [NAMES.get(g, g) for g in gens], fontsize=8.5)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("statistical vector generator")
    axes[0].set_title("Share of each generator's vectors inside the model's cloud", fontsize=10.5)
    axes[1].set_title("Nearest-neighbour distance against real vectors", fontsize=10.5)
    handles, labels = axes[0].get_legend_handles_labels()
    handles.append(plt.Line2D([], [], color="k", ls="--", lw=1))
    labels.append("real vectors (inside 0.99, ratio 1)")
    ncol = min(len(handles), 4)
    fig.legend(handles, labels, loc="lower center", ncol=ncol, fontsize=9, frameon=False)
    fig.suptitle("How the statistical vectors cover each model's real z-point cloud")
    fig.tight_layout(rect=(0, 0.04 + 0.04 * math.ceil(len(handles) / ncol), 1, 0.97))
    save(fig, out, dpi)


def plot_prior_faces(faces: dict, out, dpi: int = 96) -> None:
    """One row per model, labelled with its name: the faces its decoder makes from N(0, I)
    vectors. ``faces`` maps name -> uint8 (n, H, W, 3); rows of fewer faces stay left-aligned."""
    if not faces:
        raise ValueError("no model's faces to show")
    strips = {name: tile(np.asarray(imgs, dtype=np.uint8), len(imgs)) for name, imgs in faces.items()}
    h = max(s.shape[0] for s in strips.values())
    w = max(s.shape[1] for s in strips.values())
    n = max(len(imgs) for imgs in faces.values())
    width = min(max(0.9 * n, 4.0), 14.0)  # about 0.9 inch a face
    row = width * h / w
    fig, axes = plt.subplots(len(strips), 1, figsize=(width + 1.8, row * len(strips) + 0.9), squeeze=False)
    for ax, (name, strip) in zip(axes[:, 0], strips.items(), strict=True):
        ax.imshow(strip, interpolation="nearest")
        ax.set_xlim(-0.5, w - 0.5)
        ax.set_ylim(h - 0.5, -0.5)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=11, labelpad=8)
    fig.suptitle(f"Faces decoded from N(0, I) vectors,\n{n} per model", fontsize=11)
    fig.tight_layout()
    save(fig, out, dpi)
