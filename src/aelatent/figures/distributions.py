"""Histograms, the correlation heatmap and the threshold counts, from the statistics files."""

from __future__ import annotations

import numpy as np

from ..io.sample import load_sample
from ..io.tables import read_tsv
from ..plots.distributions import plot_component_histograms, plot_correlation_heatmap, plot_threshold_counts
from ..stats.moments import Moments


def histograms(hist_path, components_path, out, *, dpi, reference=None):
    """The value distributions and the mu-hw plane, with a reference run's dominant components."""
    with np.load(hist_path) as f:
        edges, counts = f["edges"], f["counts"]
    plot_component_histograms(
        edges,
        counts,
        read_tsv(components_path),
        out,
        dpi,
        reference=reference["dominant"] if reference else None,
        reference_name=reference["name"] if reference else "reference",
    )


def heatmap(corr_path, components_path, out, *, dpi):
    plot_correlation_heatmap(np.load(corr_path), read_tsv(components_path), out, dpi)


def threshold_figure(counts_path, moments_path, sample_path, out, *, dpi, reference=None):
    """Pair counts against threshold, with a reference run's counts as shares of its pairs."""
    _, sample = load_sample(sample_path)
    m = Moments.load(moments_path)
    plot_threshold_counts(read_tsv(counts_path), m.n, len(sample), m.dim, out, dpi, reference=reference)
