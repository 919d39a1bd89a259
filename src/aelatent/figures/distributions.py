"""Histograms, the correlation heatmap and the threshold counts, from the statistics files."""

from __future__ import annotations

import numpy as np

from ..io.sample import load_sample
from ..io.tables import read_tsv
from ..plots.distributions import plot_component_histograms, plot_correlation_heatmap, plot_threshold_counts
from ..stats.moments import Moments


def histograms(hist_path, components_path, out, *, dpi):
    with np.load(hist_path) as f:
        edges, counts = f["edges"], f["counts"]
    plot_component_histograms(edges, counts, read_tsv(components_path), out, dpi)


def heatmap(corr_path, out, *, dpi):
    plot_correlation_heatmap(np.load(corr_path), out, dpi)


def threshold_figure(counts_path, moments_path, sample_path, out, *, dpi):
    _, sample = load_sample(sample_path)
    plot_threshold_counts(read_tsv(counts_path), Moments.load(moments_path).n, len(sample), out, dpi)
