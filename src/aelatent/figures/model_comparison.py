"""The model comparison's figures: its table's pair shares and coverage, and the faces each
model's decoder makes from N(0, I) vectors."""

from __future__ import annotations

import numpy as np

from ..io.tables import read_tsv
from ..nn.decode import decode_vectors
from ..plots.model_comparison import plot_model_coverage, plot_prior_faces, plot_threshold_shares


def prior_faces(
    model_paths: dict, vector_paths: dict, out, *, n: int, dpi: int, model_cfgs: dict | None = None
) -> None:
    """Decode the first ``n`` vectors of each model's N(0, I) file (name -> standard_normal.npy)
    with that model's decoder (name -> model.pt, checked against name -> its settings), in the
    order of ``model_paths``."""
    cfgs = model_cfgs or {}
    faces = {
        name: decode_vectors(path, np.load(vector_paths[name])[:n], cfgs.get(name))
        for name, path in model_paths.items()
    }
    plot_prior_faces(faces, out, dpi)


def comparison_figures(table_path, out_thresholds, out_coverage, *, thresholds, generators, dpi) -> None:
    """The comparison table's figures: pair shares per threshold, and coverage per generator."""
    rows = read_tsv(table_path)
    plot_threshold_shares(rows, thresholds, out_thresholds, dpi)
    plot_model_coverage(rows, generators, out_coverage, dpi)
