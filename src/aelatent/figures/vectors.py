"""The figures of the statistical-vector tables: lengths per b, coverage, the origin."""

from __future__ import annotations

import numpy as np

from ..io.tables import read_tsv
from ..plots.coverage import plot_coverage
from ..plots.origin import plot_origin, plot_origin_views
from ..plots.radii import plot_radii


def radii_figure(table_path, arrays_path, out, *, dpi):
    with np.load(arrays_path) as f:
        plot_radii(f["real"], list(f["uniform"]), read_tsv(table_path), out, dpi)


def coverage_figure(table_path, out, *, dpi):
    plot_coverage(read_tsv(table_path), out, dpi)


VIEWS = (
    "k_principal",
    "dim",
    "d_principal",
    "d_rest",
    "origin_principal",
    "origin_rest",
    "along",
    "origin_along",
    "plane",
    "origin_plane",
    "plane_share",
)


def origin_figure(table_path, arrays_path, out, *, dpi, out_views=None):
    """origin.png (all-axes distance, per-component positions) and, with ``out_views``, the four
    views of origin_views.png; both from the origin_border job's table and arrays."""
    with np.load(arrays_path) as f:
        plot_origin(f["d_real"], read_tsv(table_path)[0], f["positions"], out, dpi)
        if out_views:
            plot_origin_views({k: f[k] for k in VIEWS}, out_views, dpi)
