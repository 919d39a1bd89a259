"""Where artificial vectors sit relative to the real cloud, in numbers rather than by eye."""

from __future__ import annotations

import numpy as np
from scipy.stats import ks_2samp

from ..io.sample import load_sample
from ..io.tables import write_tsv
from ..plots.coverage import plot_coverage
from ..stats.moments import Moments
from .cloud import RealCloud, mahalanobis


def coverage_row(name: str, vecs: np.ndarray, cloud: RealCloud) -> dict:
    """Fraction inside the real cloud, nearest-neighbour distance against real-to-real, radius match.

    Inside: Mahalanobis distance at most the 99th percentile of the real sample's distances.
    ``cloud`` must have been fitted with an ``nn_seed``.
    """
    nn_gen = float(cloud.nn.kneighbors(vecs)[0].mean())
    r_gen = np.linalg.norm(vecs, axis=1)
    inside = mahalanobis(vecs, cloud.mean, cloud.chol) <= np.percentile(cloud.d_real, 99)
    return {
        "generator": name,
        "n": len(vecs),
        "inside_fraction": float(inside.mean()),
        "nn_distance": nn_gen,
        "nn_baseline": cloud.nn_base,
        "nn_ratio": nn_gen / cloud.nn_base,
        "radius_median": float(np.median(r_gen)),
        "real_radius_median": float(np.median(cloud.r_real)),
        "radius_ks": float(ks_2samp(r_gen, cloud.r_real).statistic),
    }


def write_coverage(moments_path, sample_path, vector_paths, names, out_table, out_figure, *, seed, dpi):
    _, sample = load_sample(sample_path)
    cloud = RealCloud.fit(Moments.load(moments_path), sample, nn_seed=seed)
    rows = [coverage_row(n, np.load(p), cloud) for n, p in zip(names, vector_paths, strict=True)]
    write_tsv(rows, out_table)
    plot_coverage(rows, out_figure, dpi)
