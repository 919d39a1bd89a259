"""The correlation-structure figure from structure.tsv, spectrum.tsv, gaussianity.tsv."""

from __future__ import annotations

import numpy as np

from ..io.sample import load_sample
from ..io.tables import read_tsv
from ..plots.structure import plot_structure
from ..stats.structure import off_diagonal_abs


def structure_figure(
    structure_path, spectrum_path, gaussianity_path, corr_path, sample_path, out, *, thresholds, dpi
):
    """All-N |r| beside the M-sample's, so the sampling noise the article's counts carry shows."""
    info = {r["quantity"]: r["value"] for r in read_tsv(structure_path)}
    _, sample = load_sample(sample_path)
    plot_structure(
        read_tsv(spectrum_path),
        off_diagonal_abs(np.load(corr_path)),
        off_diagonal_abs(np.corrcoef(sample, rowvar=False)),
        read_tsv(gaussianity_path),
        info,
        out,
        thresholds=thresholds,
        dpi=dpi,
    )
