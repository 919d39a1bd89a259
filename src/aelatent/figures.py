"""Figures of the study; every function writes one PNG and is readable without the code."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from .imagestore import open_image_store  # noqa: E402
from .model import to_input  # noqa: E402
from .tables import read_tsv  # noqa: E402
from .train import load_model  # noqa: E402


def tile(images: np.ndarray, cols: int) -> np.ndarray:
    """(n, H, W, 3) uint8 -> one mosaic image, ``cols`` per row, 1 px white gaps."""
    n, h, w, c = images.shape
    rows = -(-n // cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1, c), 255, np.uint8)
    for i, img in enumerate(images):
        r, k = divmod(i, cols)
        out[r * (h + 1) : r * (h + 1) + h, k * (w + 1) : k * (w + 1) + w] = img
    return out


def _save(fig, out: str, dpi: int) -> None:
    fig.savefig(out, dpi=dpi, bbox_inches="tight")
    plt.close(fig)


def show_mosaic(images: np.ndarray, cols: int, title: str, out: str, dpi: int) -> None:
    mosaic = tile(images, cols)
    scale = 8.0 / max(mosaic.shape[:2])
    fig, ax = plt.subplots(figsize=(mosaic.shape[1] * scale + 0.4, mosaic.shape[0] * scale + 0.6))
    ax.imshow(mosaic, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
    _save(fig, out, dpi)


def plot_sample_grid(images_path: str, out: str, n: int = 64, dpi: int = 96) -> None:
    store = open_image_store(images_path)
    imgs = store["images"][: min(n, store["images"].shape[0])]
    src = store.attrs["source"]
    show_mosaic(
        imgs,
        int(np.ceil(np.sqrt(len(imgs)))),
        f"First {len(imgs)} images ({src}, {imgs.shape[1]} px)",
        out,
        dpi,
    )


def plot_loss_curve(metrics_path: str, out: str, dpi: int = 96) -> None:
    rows = read_tsv(metrics_path)
    ep = [int(r["epoch"]) for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(ep, [float(r["train_mse"]) for r in rows], "o-", label="train MSE")
    ax.plot(ep, [float(r["valid_mse"]) for r in rows], "s--", label="validation MSE")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error (pixels in [0, 1])")
    ax.set_yscale("log")
    ax.set_title("Autoencoder training loss")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    ax.grid(alpha=0.3)
    _save(fig, out, dpi)


def plot_reconstructions(model_path: str, images_path: str, out: str, n: int = 8, dpi: int = 96) -> None:
    """Validation images (top row) over their reconstructions (bottom row)."""
    store = open_image_store(images_path)
    idx = np.flatnonzero(store["split"][:] == 1)[:n]
    if len(idx) == 0:
        idx = np.arange(min(n, store["images"].shape[0]))
    imgs = store["images"].get_orthogonal_selection((idx, slice(None), slice(None), slice(None)))
    model = load_model(model_path)
    with torch.inference_mode():
        rec = model(to_input(torch.from_numpy(imgs)))
    rec = (rec.permute(0, 2, 3, 1).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)
    show_mosaic(
        np.concatenate([imgs, rec]),
        len(idx),
        "Validation images (top) and reconstructions (bottom)",
        out,
        dpi,
    )


def plot_pair_grid(
    sample: np.ndarray,
    pairs: list[tuple[int, int]],
    out: str,
    *,
    title: str,
    stat: np.ndarray | None = None,
    stat_label: str = "",
    special: np.ndarray | None = None,
    special_label: str = "",
    point_size: float = 0.8,
    dpi: int = 96,
) -> None:
    """The article's grid: real z-points (blue), statistical vectors (red), one real image's
    z-point (orange, black edge) and the origin (yellow, black edge), one panel per pair."""
    cols = min(4, len(pairs))
    rows = -(-len(pairs) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 4 * rows + 0.6), squeeze=False)
    for ax, (i, j) in zip(axes.flat, pairs, strict=False):
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
        c = np.corrcoef(sample[:, i], sample[:, j])[0, 1]
        ax.set_title(f"{i} - {j}  (corr {c:+.2f})", fontsize=10)
    for ax in axes.flat[len(pairs) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    legend = fig.legend(handles, labels, loc="lower center", ncol=4, frameon=False)
    for handle in legend.legend_handles:
        handle.set_sizes([40])  # one readable marker size, whatever the point sizes in the panels
    fig.suptitle(title, fontsize=14)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    _save(fig, out, dpi)


def plot_component_histograms(hist_path: str, components: list[dict], out: str, dpi: int = 96) -> None:
    """Left: every component's value distribution, dominant ones coloured. Right: mean against
    half-width per component, which is how the dominant ones stand out."""
    with np.load(hist_path) as f:
        edges, counts = f["edges"], f["counts"]
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
    _save(fig, out, dpi)


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
    _save(fig, out, dpi)


def plot_threshold_counts(rows: list[dict], n_all: int, m: int, out: str, dpi: int = 96) -> None:
    t = np.array([r["threshold"] for r in rows])
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.plot(t, [r["n_all"] for r in rows], "o-", label=f"all N = {n_all} vectors (exact)")
    s = np.array([r["n_sample"] for r in rows], float)
    err = np.array([s - [r["sample_low"] for r in rows], [r["sample_high"] for r in rows] - s])
    ax.errorbar(
        t, s, yerr=np.clip(err, 0, None), fmt="s--", capsize=4, label=f"M = {m} sampled (95% bootstrap)"
    )
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xlabel("threshold t")
    ax.set_ylabel("pairs with |corr| > t")
    ax.set_title("Correlated component pairs against threshold")
    ax.legend()
    ax.grid(alpha=0.3)
    _save(fig, out, dpi)


def plot_radii(
    r_real: np.ndarray, radii: list[np.ndarray], rows: list[dict], out: str, dpi: int = 96
) -> None:
    """Radii of real vectors against uniform [-b, b] vectors for the swept b values; every
    histogram is scaled to peak 1 so the narrow uniform peaks do not flatten the real one."""
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
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _save(fig, out, dpi)


def decode_vectors(model_path: str, vectors: np.ndarray) -> np.ndarray:
    """Decode latent vectors to uint8 images (n, H, W, 3) with the trained decoder."""
    model = load_model(model_path)
    with torch.inference_mode():
        x = model.decode(torch.as_tensor(vectors, dtype=torch.float32))
    return (x.permute(0, 2, 3, 1).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)


def plot_decoded(
    model_path: str, vectors: np.ndarray, grid: int, title: str, out: str, dpi: int = 96
) -> None:
    show_mosaic(decode_vectors(model_path, vectors[: grid * grid]), grid, title, out, dpi)


def plot_origin(d_real: np.ndarray, info: dict, positions: np.ndarray, out: str, dpi: int = 96) -> None:
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
    _save(fig, out, dpi)


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
    _save(fig, out, dpi)


def plot_factor_correlations(rows: list[dict], out: str, dpi: int = 96) -> None:
    names = [k for k in rows[0] if k != "component"]
    c = np.array([[r[n] for n in names] for r in rows])
    top = np.argsort(-np.abs(c).max(axis=1))[:32]
    fig, ax = plt.subplots(figsize=(9, 8))
    im = ax.imshow(c[top].T, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    fig.colorbar(im, ax=ax, label="Pearson correlation")
    ax.set_yticks(range(len(names)), names)
    ax.set_xticks(range(len(top)), top, rotation=90, fontsize=7)
    ax.set_xlabel("latent component (the 32 most factor-correlated)")
    ax.set_ylabel("generative factor")
    ax.set_title("Which latent components encode which face factor")
    _save(fig, out, dpi)
