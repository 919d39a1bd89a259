"""Per-component statistics: histograms, mode and widths at half maximum, the dominant components.

Both widths are *full* widths at half maximum. The article calls its value "half-width" (German
Halbwertsbreite, the FWHM): its hw values are whole multiples of its 0.125 bin, as a full width
counted in bins is. ``hw`` repeats the article's measurement on its fixed 0.125 grid, so it is
comparable with the article's table but never narrower than about one bin. ``hw_fine`` is measured
on a grid scaled to each component's own spread, so its error does not depend on the binning.
"""

from __future__ import annotations

import numpy as np

from ..io.atomic import atomic_path
from ..io.latents import open_latents
from ..io.stream import iter_chunks
from ..io.tables import write_tsv
from .moments import Moments

FINE_BINS_PER_SD = 20  # fine bins per standard deviation of the component
FINE_RANGE_SD = 8  # the fine grid spans mean +- this many standard deviations
SMOOTH_SD = 0.1  # Gaussian smoothing of the fine histogram, in standard deviations
FWHM_PER_SD = 2.0 * np.sqrt(2.0 * np.log(2.0))  # 2.3548: FWHM of a Gaussian over its sigma


def fine_grid(m: Moments) -> tuple[np.ndarray, np.ndarray, int]:
    """Per-component grid (lower edge, bin width, bins), the width a fixed fraction of the std."""
    std = m.std()
    width = np.where(std > 0, std / FINE_BINS_PER_SD, 1.0)
    return m.mean - FINE_RANGE_SD * FINE_BINS_PER_SD * width, width, 2 * FINE_RANGE_SD * FINE_BINS_PER_SD


def histograms(latents_path: str, m: Moments, bin_width: float) -> dict[str, np.ndarray]:
    """In one streaming pass: per-component histograms on one common grid of ``bin_width`` bins
    (the article's) and on each component's own fine grid (values beyond it are left out)."""
    lo = np.floor(m.min.min() / bin_width) * bin_width
    hi = np.ceil(m.max.max() / bin_width) * bin_width + bin_width
    nbins = int(round((hi - lo) / bin_width))
    edges = lo + bin_width * np.arange(nbins + 1)
    counts = np.zeros(m.dim * nbins, dtype=np.int64)
    offset = np.arange(m.dim) * nbins
    f_lo, f_width, f_bins = fine_grid(m)
    fine = np.zeros(m.dim * f_bins, dtype=np.int64)
    f_offset = np.arange(m.dim) * f_bins
    for _, block in iter_chunks(open_latents(latents_path)):
        b = np.clip(((block - lo) / bin_width).astype(np.int64), 0, nbins - 1)
        counts += np.bincount((b + offset).ravel(), minlength=m.dim * nbins)
        f = np.floor((block - f_lo) / f_width).astype(np.int64)
        ok = (f >= 0) & (f < f_bins)
        fine += np.bincount((f + f_offset)[ok], minlength=m.dim * f_bins)
    return {
        "edges": edges,
        "counts": counts.reshape(m.dim, nbins),
        "fine_lo": f_lo,
        "fine_width": f_width,
        "fine_counts": fine.reshape(m.dim, f_bins),
    }


def fwhm(centres: np.ndarray, counts: np.ndarray) -> tuple[float, float]:
    """(mode, full width at half maximum) of one histogram, crossings linearly interpolated."""
    counts = np.asarray(counts, dtype=np.float64)
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

    return float(centres[p]), crossing(1) - crossing(-1)


def fwhm_fine(counts: np.ndarray, lo: float, width: float) -> tuple[float, float]:
    """(mode, FWHM) from a fine histogram on a grid scaled to the component's std.

    The histogram is smoothed by a Gaussian so that the peak and the crossings are not noise: first
    SMOOTH_SD std wide, then a tenth of that first width (FWHM), so a peak narrower than the std is
    not smoothed away. The broadening this adds (and the bins' own, width^2 / 12) is taken out in
    quadrature, exact for a Gaussian peak and a small correction for others.
    """
    centres = lo + width * (np.arange(len(counts)) + 0.5)
    s = SMOOTH_SD * FINE_BINS_PER_SD  # kernel std in bins
    for _ in range(2):
        k = np.exp(-0.5 * (np.arange(-int(4 * s), int(4 * s) + 1) / s) ** 2)
        mode, w = fwhm(centres, np.convolve(counts, k / k.sum(), mode="same"))
        w = float(np.sqrt(max(w * w - FWHM_PER_SD**2 * (s**2 + 1.0 / 12.0) * width**2, 0.0)))
        s = min(s, max(w / width / (10.0 * FWHM_PER_SD), 0.5))
    return mode, w


def component_table(m: Moments, hist: dict[str, np.ndarray], n_dominant: int) -> list[dict]:
    """One row per component. Dominant: the ``n_dominant`` largest by |mean| + hw_fine."""
    std = m.std()
    centres = 0.5 * (hist["edges"][:-1] + hist["edges"][1:])
    rows = []
    for i in range(m.dim):
        mode, hw = fwhm(centres, hist["counts"][i])
        _, hw_fine = (
            fwhm_fine(hist["fine_counts"][i], hist["fine_lo"][i], hist["fine_width"][i])
            if std[i] > 0
            else (0.0, 0.0)
        )
        rows.append(
            {
                "index": i,
                "mean": m.mean[i],
                "std": std[i],
                "mode": mode,
                "half_width": hw,
                "hw_fine": hw_fine,
                "min": m.min[i],
                "max": m.max[i],
            }
        )
    score = np.abs(m.mean) + np.array([r["hw_fine"] for r in rows])
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
    hist = histograms(latents_path, m, bin_width)
    rows = component_table(m, hist, n_dominant)
    write_tsv(rows, out_table)
    dom = [
        {
            "index": r["index"],
            "mu": r["mean"],
            "mode": r["mode"],
            "hw": r["half_width"],
            "hw_fine": r["hw_fine"],
        }
        for r in rows
        if r["dominant"]
    ]
    write_tsv(dom, out_dominant)
    with atomic_path(out_hist) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **hist)
