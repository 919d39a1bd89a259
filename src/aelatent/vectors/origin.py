"""Where the origin sits relative to the real cloud, in three views that add up.

The article's claim has two parts: the cloud's centre is off the origin, and the origin lies in a
border region of the cloud. A Mahalanobis distance over all D axes mixes two very different
spaces: the few principal axes that hold most of the variance (where the article's pair plots
look) and the many axes of tiny variance (where a small offset is many standard deviations).
Whitened along the covariance's eigenvectors the squared distance splits exactly into the two:
``d0^2 = d_principal^2 + d_rest^2``, so the table gives the origin's distance and percentile in
each part and how much of d0^2 comes from the rest. The principal subspace is the fewest leading
axes holding PRINCIPAL_SHARE of the variance.
"""

from __future__ import annotations

import numpy as np

from ..io.atomic import atomic_path
from ..io.sample import load_sample
from ..io.tables import write_tsv
from ..stats.moments import Moments
from ..stats.structure import PRINCIPAL_SHARE, components_for_share
from .cloud import RealCloud

EDGE_FRACTION = 0.1  # "near an edge": within this share of a component's central 99% range


def zero_positions(sample: np.ndarray) -> np.ndarray:
    """Where 0 sits in each component's central 99% range: 0 = lower end, 1 = upper end; below 0
    or above 1 where the range excludes 0."""
    lo, hi = np.percentile(sample, [0.5, 99.5], axis=0)
    return (0.0 - lo) / np.where(hi > lo, hi - lo, np.nan)


def percentile_of(value: float, reference: np.ndarray) -> float:
    """Percentage of ``reference`` values below ``value``."""
    return float((np.asarray(reference) < value).mean() * 100)


def principal_count(cloud: RealCloud, share: float = PRINCIPAL_SHARE) -> int:
    """How many leading principal axes hold ``share`` of the (exact) variance."""
    return components_for_share(cloud.evals_raw[::-1], share)


def whitened(cloud: RealCloud, x: np.ndarray) -> np.ndarray:
    """Coordinates of rows ``x`` along the covariance's eigenvectors, largest variance first, in
    standard deviations (the regularised ones) from the cloud's centre."""
    return ((np.atleast_2d(x) - cloud.mean) @ cloud.whiten)[:, ::-1]


def origin_views(cloud: RealCloud, share: float = PRINCIPAL_SHARE) -> dict[str, np.ndarray]:
    """The arrays behind the origin's figure and table, for the held-out real vectors (``ref``) and
    the origin: Mahalanobis distances in the principal subspace and in the rest; projections on
    the whitened centre->origin direction (in standard deviations, the origin at d0); and
    coordinates in the first principal plane (latent units, centred on the cloud's centre)."""
    k = principal_count(cloud, share)
    y, y0 = whitened(cloud, cloud.ref), whitened(cloud, np.zeros(len(cloud.mean)))[0]
    d0 = float(np.linalg.norm(y0))
    direction = y0 / d0 if d0 > 0 else y0
    top2 = cloud.evecs[:, ::-1][:, :2]
    return {
        "k_principal": np.array(k),
        "dim": np.array(len(cloud.mean)),
        "d_principal": np.linalg.norm(y[:, :k], axis=1),
        "d_rest": np.linalg.norm(y[:, k:], axis=1),
        "origin_principal": np.array(np.linalg.norm(y0[:k])),
        "origin_rest": np.array(np.linalg.norm(y0[k:])),
        "along": y @ direction,
        "origin_along": np.array(d0),
        "plane": (cloud.ref - cloud.mean) @ top2,
        "origin_plane": -cloud.mean @ top2,
        "plane_share": cloud.evals_raw[::-1][:2] / cloud.evals_raw.sum(),
    }


def centre_offset(m: Moments) -> dict:
    """How far the centre is from the origin: |mean|, and the same in standard deviations of the
    cloud along the line from the centre to the origin (exact covariance)."""
    norm = float(np.linalg.norm(m.mean))
    u = m.mean / norm if norm > 0 else m.mean
    sd = float(np.sqrt(max(u @ m.cov() @ u, 0.0)))
    return {
        "centre_norm": norm,
        "centre_rms_radius": float(np.sqrt(np.trace(m.cov()))),
        "centre_sd_along": sd,
        "centre_offset_sd": norm / sd if sd > 0 else float("inf"),
    }


def origin_border(cloud: RealCloud, m: Moments | None = None, edge: float = EDGE_FRACTION) -> dict:
    """The origin's table row: its Mahalanobis distance (regularised metric) and percentile among
    the held-out real vectors', over all axes, in the principal subspace and in the rest; the
    centre's offset from it (with ``m``, the exact moments); and per component where 0 falls inside
    the central 99% range of the whole sample."""
    v = origin_views(cloud)
    d0 = float(v["origin_along"])
    pos = zero_positions(np.concatenate([cloud.fit, cloud.ref]))
    fin = np.isfinite(pos)
    inside = fin & (pos >= 0) & (pos <= 1)
    row = {
        "origin_mahalanobis": d0,
        "real_mahalanobis_median": float(np.median(cloud.d_real)),
        "real_mahalanobis_p99": float(np.percentile(cloud.d_real, 99)),
        "origin_percentile": percentile_of(d0, cloud.d_real),
        "principal_axes": int(v["k_principal"]),
        "principal_share": float(cloud.evals_raw[::-1][: int(v["k_principal"])].sum())
        / float(cloud.evals_raw.sum()),
    }
    for part in ("principal", "rest"):
        o, real = float(v[f"origin_{part}"]), v[f"d_{part}"]
        row |= {
            f"origin_{part}": o,
            f"real_{part}_median": float(np.median(real)) if len(real) else 0.0,
            f"real_{part}_p99": float(np.percentile(real, 99)) if len(real) else 0.0,
            f"origin_{part}_percentile": percentile_of(o, real) if len(real) else float("nan"),
        }
    row["rest_share_of_d0_squared"] = float(v["origin_rest"]) ** 2 / d0**2 if d0 > 0 else 0.0
    row["origin_along_percentile"] = percentile_of(d0, v["along"])
    if m is not None:
        row |= centre_offset(m)
    row |= {
        "components_containing_0": float(inside.mean()),
        "components_0_near_edge": float((inside & ((pos < edge) | (pos > 1 - edge))).mean()),
        "components_0_outside": float((fin & ~inside).mean()),
        "edge_fraction": edge,
        "condition": cloud.condition,
        "condition_raw": cloud.condition_raw,
    }
    return row


def write_origin(moments_path, sample_path, out_table, out_arrays, *, seed, eigen_floor):
    """The origin's table, and for its figures the held-out real vectors' Mahalanobis distances
    (``d_real``), where 0 sits in each component's range (``positions``) and ``origin_views``."""
    _, sample = load_sample(sample_path)
    m = Moments.load(moments_path)
    cloud = RealCloud.build(m, sample, seed=seed, floor=eigen_floor)
    write_tsv([origin_border(cloud, m)], out_table)
    with atomic_path(out_arrays) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, d_real=cloud.d_real, positions=zero_positions(sample), **origin_views(cloud))
