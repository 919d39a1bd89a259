"""Per-component statistics: histograms, mode and half-width, the dominant components."""

from __future__ import annotations

import numpy as np

from ..io.atomic import atomic_path
from ..io.latents import open_latents
from ..io.stream import iter_chunks
from ..io.tables import write_tsv
from .moments import Moments


def histograms(latents_path: str, m: Moments, bin_width: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-component histograms on one common grid of ``bin_width`` bins, in one streaming pass."""
    lo = np.floor(m.min.min() / bin_width) * bin_width
    hi = np.ceil(m.max.max() / bin_width) * bin_width + bin_width
    nbins = int(round((hi - lo) / bin_width))
    edges = lo + bin_width * np.arange(nbins + 1)
    counts = np.zeros(m.dim * nbins, dtype=np.int64)
    offset = np.arange(m.dim) * nbins
    for _, block in iter_chunks(open_latents(latents_path)):
        b = np.clip(((block - lo) / bin_width).astype(np.int64), 0, nbins - 1)
        counts += np.bincount((b + offset).ravel(), minlength=m.dim * nbins)
    return edges, counts.reshape(m.dim, nbins)


def half_width(edges: np.ndarray, counts: np.ndarray) -> tuple[float, float]:
    """(mode, half-width at half maximum) of one histogram, crossings linearly interpolated."""
    centres = 0.5 * (edges[:-1] + edges[1:])
    p = int(np.argmax(counts))
    half = counts[p] / 2.0

    def crossing(step: int) -> float:
        i = p
        while 0 <= i + step < len(counts) and counts[i + step] >= half:
            i += step
        j = i + step
        if not 0 <= j < len(counts):
            return float(centres[i])
        t = (counts[i] - half) / (counts[i] - counts[j])
        return float(centres[i] + t * (centres[j] - centres[i]))

    return float(centres[p]), (crossing(1) - crossing(-1)) / 2.0


def component_table(m: Moments, edges: np.ndarray, counts: np.ndarray, n_dominant: int) -> list[dict]:
    """One row per component. Dominant: the ``n_dominant`` largest by |mean| + half-width."""
    std = m.std()
    rows = []
    for i in range(m.dim):
        mode, hw = half_width(edges, counts[i])
        rows.append(
            {
                "index": i,
                "mean": m.mean[i],
                "std": std[i],
                "mode": mode,
                "half_width": hw,
                "min": m.min[i],
                "max": m.max[i],
            }
        )
    score = np.abs(m.mean) + np.array([r["half_width"] for r in rows])
    dominant = set(np.argsort(-score, kind="stable")[:n_dominant].tolist())
    for r in rows:
        r["dominant"] = int(r["index"] in dominant)
    return rows


def write_component_stats(
    latents_path: str,
    moments_path: str,
    out_table: str,
    out_dominant: str,
    out_hist: str,
    *,
    bin_width: float,
    n_dominant: int,
) -> None:
    """components.tsv, the article's dominant-component table, and the histograms behind them."""
    m = Moments.load(moments_path)
    edges, counts = histograms(latents_path, m, bin_width)
    rows = component_table(m, edges, counts, n_dominant)
    write_tsv(rows, out_table)
    dom = [
        {"index": r["index"], "mu": r["mean"], "mode": r["mode"], "hw": r["half_width"]}
        for r in rows
        if r["dominant"]
    ]
    write_tsv(dom, out_dominant)
    with atomic_path(out_hist) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, edges=edges, counts=counts)
