"""Where the origin sits relative to the real cloud."""

from __future__ import annotations

import numpy as np

from ..io.atomic import atomic_path
from ..io.sample import load_sample
from ..io.tables import write_tsv
from ..stats.moments import Moments
from .cloud import RealCloud, mahalanobis


def origin_border(cloud: RealCloud, edge: float = 0.1) -> dict:
    """How the origin sits relative to the cloud: its Mahalanobis distance (regularised metric) and
    its percentile among the held-out real vectors, and per component where 0 falls inside the
    central 99% range of the whole sample."""
    d0 = float(mahalanobis(np.zeros(len(cloud.mean)), cloud.mean, cloud.whiten)[0])
    pos = zero_positions(np.concatenate([cloud.fit, cloud.ref]))
    inside = (pos >= 0) & (pos <= 1)
    return {
        "origin_mahalanobis": d0,
        "real_mahalanobis_median": float(np.median(cloud.d_real)),
        "real_mahalanobis_p99": float(np.percentile(cloud.d_real, 99)),
        "origin_percentile": float((cloud.d_real < d0).mean() * 100),
        "components_containing_0": float(inside.mean()),
        "components_0_near_edge": float((inside & ((pos < edge) | (pos > 1 - edge))).mean()),
        "edge_fraction": edge,
        "condition": cloud.condition,
        "condition_raw": cloud.condition_raw,
    }


def zero_positions(sample: np.ndarray) -> np.ndarray:
    """Where 0 sits in each component's central 99% range: 0 = lower end, 1 = upper end."""
    lo, hi = np.percentile(sample, [0.5, 99.5], axis=0)
    return (0.0 - lo) / np.where(hi > lo, hi - lo, np.nan)


def write_origin(moments_path, sample_path, out_table, out_arrays, *, seed, eigen_floor):
    """The origin's table, and for its figure the held-out real vectors' Mahalanobis distances
    (``d_real``) and where 0 sits in each component's range (``positions``)."""
    _, sample = load_sample(sample_path)
    cloud = RealCloud.build(Moments.load(moments_path), sample, seed=seed, floor=eigen_floor)
    write_tsv([origin_border(cloud)], out_table)
    with atomic_path(out_arrays) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, d_real=cloud.d_real, positions=zero_positions(sample))
