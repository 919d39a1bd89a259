"""Where artificial vectors sit relative to the real cloud, in numbers rather than by eye."""

from __future__ import annotations

import numpy as np
from scipy.stats import ks_2samp

from ..io.sample import load_sample
from ..io.tables import write_tsv
from ..stats.moments import Moments
from .cloud import RealCloud, mahalanobis


def coverage_row(name: str, vecs: np.ndarray, cloud: RealCloud) -> dict:
    """Fraction inside the real cloud, nearest-neighbour distance against real-to-real, radius match,
    all against the held-out real half.

    Inside: Mahalanobis distance (regularised metric) at most the 99th percentile of the held-out
    real vectors' distances, so real vectors score 0.99.
    """
    nn_gen = float(cloud.nn.kneighbors(vecs)[0].mean())
    r_gen = np.linalg.norm(vecs, axis=1)
    inside = mahalanobis(vecs, cloud.mean, cloud.whiten) <= np.percentile(cloud.d_real, 99)
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
        "n_reference": len(cloud.ref),
        "condition": cloud.condition,
        "condition_raw": cloud.condition_raw,
    }


def write_coverage(moments_path, sample_path, vector_paths, names, out_table, *, seed, eigen_floor):
    _, sample = load_sample(sample_path)
    cloud = RealCloud.build(Moments.load(moments_path), sample, seed=seed, floor=eigen_floor)
    rows = [coverage_row(n, np.load(p), cloud) for n, p in zip(names, vector_paths, strict=True)]
    write_tsv(rows, out_table)
