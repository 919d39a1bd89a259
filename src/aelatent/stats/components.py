"""Per-component statistics: histograms, peak and widths at half maximum, the dominant components.

Both widths are *full* widths at half maximum (FWHM). The article calls its value "half-width"
(German Halbwertsbreite, the FWHM); its hw values are whole multiples of its 0.125 bin. ``hw``
repeats that measurement: on the article's fixed grid, the number of contiguous bins around the
peak holding at least half the peak count, times the bin width; so it is comparable with the
article's table but never narrower than one bin. ``hw_fine`` is free of the binning: the FWHM of a
kernel density estimate on a grid scaled to each component's spread, with the kernel's broadening
taken out (``fwhm_fine``); it ranks the dominant components and is what the figures plot. ``peak``
is where that density estimate peaks: what the article calls a component's mu ("mean values" read
off the histograms), beside the exact ``mean``.
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
FWHM_PER_SD = 2.0 * np.sqrt(2.0 * np.log(2.0))  # 2.3548: FWHM of a Gaussian over its sigma
IQR_PER_SD = 1.349  # interquartile range of a Gaussian over its sigma
MIN_KERNEL_BINS = 0.5  # the smoothing kernel is never narrower than half a fine bin


def dominant_rule(n: int) -> str:
    """The one definition of "dominant", in words (every page and figure that says "dominant"
    means this)."""
    return f"the {n} components with the largest |mean| + hw_fine"


def dominant_indices(mean: np.ndarray, hw_fine: np.ndarray, n: int) -> list[int]:
    """The ``n`` components with the largest |mean| + hw_fine (``dominant_rule``), ties by index:
    the article's "relatively large absolute mean values or a relatively large half-width", with
    the article's count of 20 by default."""
    score = np.abs(np.asarray(mean, float)) + np.asarray(hw_fine, float)
    return sorted(np.argsort(-score, kind="stable")[:n].tolist())


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


def fwhm_bins(counts: np.ndarray, bin_width: float) -> float:
    """The article's width: the contiguous bins around the highest one that hold at least half its
    count, times the bin width (a whole multiple of the bin, as the article's hw values are)."""
    counts = np.asarray(counts, dtype=np.float64)
    p = int(np.argmax(counts))
    above = counts >= counts[p] / 2.0
    lo, hi = p, p
    while lo > 0 and above[lo - 1]:
        lo -= 1
    while hi < len(counts) - 1 and above[hi + 1]:
        hi += 1
    return float((hi - lo + 1) * bin_width)


def quantiles(counts: np.ndarray, lo: float, width: float, q) -> np.ndarray:
    """Quantiles of the values a histogram counts (linear within bins)."""
    cdf = np.concatenate([[0.0], np.cumsum(counts, dtype=np.float64)])
    cdf /= cdf[-1]
    edges = lo + width * np.arange(len(counts) + 1)
    return np.interp(q, cdf, edges)


def kernel_sd(counts: np.ndarray, lo: float, width: float) -> float:
    """Silverman's robust bandwidth 0.9 min(sd, IQR / 1.349) n^(-1/5), in the histogram's units:
    wide enough that noise peaks do not set the maximum at a few hundred vectors, narrow enough at
    many that it hardly broadens the peak. sd is FINE_BINS_PER_SD bins by construction of the grid."""
    n = float(np.sum(counts))
    q1, q3 = quantiles(counts, lo, width, [0.25, 0.75])
    spread = min(FINE_BINS_PER_SD * width, (q3 - q1) / IQR_PER_SD) or FINE_BINS_PER_SD * width
    return 0.9 * spread * n ** (-0.2)


def fwhm_fine(counts: np.ndarray, lo: float, width: float) -> tuple[float, float]:
    """(peak, FWHM) from a fine histogram on a grid scaled to the component's std.

    The histogram is smoothed by a Gaussian kernel of Silverman's robust bandwidth (``kernel_sd``):
    a kernel density estimate sampled on the grid. The broadening the kernel and the bins add
    (h^2 + width^2 / 12 in variance) is taken out in quadrature, exact for a Gaussian peak and a
    small correction for others, so the width is that of the distribution, not of the estimate.
    """
    counts = np.asarray(counts, dtype=np.float64)
    centres = lo + width * (np.arange(len(counts)) + 0.5)
    h = kernel_sd(counts, lo, width)
    s = max(h / width, MIN_KERNEL_BINS)  # kernel std in bins
    half = int(np.ceil(4 * s))
    k = np.exp(-0.5 * (np.arange(-half, half + 1) / s) ** 2)
    smooth = np.convolve(np.pad(counts, half), k / k.sum(), mode="same")[half:-half]
    peak, w = fwhm(centres, smooth)
    w = float(np.sqrt(max(w * w - FWHM_PER_SD**2 * (s**2 + 1.0 / 12.0) * width**2, 0.0)))
    return peak, w


def component_table(m: Moments, hist: dict[str, np.ndarray], n_dominant: int) -> list[dict]:
    """One row per component: exact mean and std, the smoothed histogram's peak, the article's hw
    and the binning-free hw_fine, the range, and whether it is dominant (``dominant_rule``)."""
    std = m.std()
    bin_width = float(hist["edges"][1] - hist["edges"][0])
    rows = []
    for i in range(m.dim):
        peak, hw_fine = (
            fwhm_fine(hist["fine_counts"][i], hist["fine_lo"][i], hist["fine_width"][i])
            if std[i] > 0
            else (float(m.mean[i]), 0.0)
        )
        rows.append(
            {
                "index": i,
                "mean": m.mean[i],
                "std": std[i],
                "peak": peak,
                "hw": fwhm_bins(hist["counts"][i], bin_width),
                "hw_fine": hw_fine,
                "min": m.min[i],
                "max": m.max[i],
            }
        )
    dominant = set(dominant_indices(m.mean, [r["hw_fine"] for r in rows], n_dominant))
    for r in rows:
        r["dominant"] = int(r["index"] in dominant)
    return rows


DOMINANT_COLUMNS = ("index", "mean", "peak", "std", "hw", "hw_fine")


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
    write_tsv([{k: r[k] for k in DOMINANT_COLUMNS} for r in rows if r["dominant"]], out_dominant)
    with atomic_path(out_hist) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **hist)
