"""Component x factor correlations as a figure."""

from __future__ import annotations

from ..io.tables import read_tsv
from ..plots.factors import plot_factor_correlations


def factor_figure(factor_path, out, *, dpi):
    plot_factor_correlations(read_tsv(factor_path), out, dpi)
