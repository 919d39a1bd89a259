"""The article's special-points slice: vectors close to the plane of two components' axes, i.e.
with every other component small, filtered in the article's three steps.

"Small" is |z_k| < t, either absolute as in the article (t = 2.0) or in units of each component's
standard deviation (t_k = sd * std_k): a fixed t means little when component widths differ tenfold,
and leaves nothing when they are wide.
"""

from __future__ import annotations

import logging

import numpy as np

from ..io.latents import open_latents
from ..io.sample import load_sample
from ..io.stream import iter_chunks
from ..io.tables import read_tsv, write_tsv
from .moments import Moments

log = logging.getLogger(__name__)
COLUMNS = ["step", "condition", "components", "n_all", "n_sample", "empty"]


def slice_steps(dim: int, j1: int, j2: int) -> list[tuple[str, np.ndarray]]:
    """The article's steps as (label, component indices): k < j1, then j1 < k < j2, then k > j2.
    A range that is empty by construction (j1 = 0, j2 = j1 + 1, j2 = dim - 1) is no step."""
    j1, j2 = sorted((j1, j2))
    ranges = [(0, j1, f"k < {j1}"), (j1 + 1, j2, f"{j1} < k < {j2}"), (j2 + 1, dim, f"k > {j2}")]
    return [(label, np.arange(a, b)) for a, b, label in ranges if b > a]


def slice_masks(block: np.ndarray, steps, limits: np.ndarray) -> list[np.ndarray]:
    """Rows of ``block`` still in the slice after each step: |z_k| < limits[k] for its components."""
    small = np.abs(block) < limits
    keep = np.ones(len(block), dtype=bool)
    out = []
    for _, comps in steps:
        keep = keep & small[:, comps].all(axis=1)
        out.append(keep)
    return out


def slice_limits(m: Moments, threshold: float | None, threshold_sd: float | None) -> tuple[np.ndarray, str]:
    """Per-component limits and how to print them: ``threshold_sd`` std when set, else absolute."""
    if threshold_sd is not None:
        return threshold_sd * m.std(), f"{threshold_sd:g} std_k"
    return np.full(m.dim, float(threshold)), f"{threshold:g}"


def special_points_table(
    latents_path: str, sample: np.ndarray, j1: int, j2: int, limits: np.ndarray, unit: str
) -> list[dict]:
    """Vectors left after each step, over all N (streamed) and over the M sample; an empty step is
    flagged in the table and logged as a warning."""
    z = open_latents(latents_path)
    steps = slice_steps(z.shape[1], j1, j2)
    if not steps:  # latent_dim 2: no component besides the pair, so every vector is in the slice
        log.info("special points (pair %d, %d): no other components, no step to take", j1, j2)
        return []
    n_all = np.zeros(len(steps), dtype=np.int64)
    for _, block in iter_chunks(z):
        n_all += np.array([int(s.sum()) for s in slice_masks(block, steps, limits)], dtype=np.int64)
    n_sample = [int(s.sum()) for s in slice_masks(sample, steps, limits)]
    rows = []
    for k, ((label, comps), a, s) in enumerate(zip(steps, n_all, n_sample, strict=True)):
        condition = f"|z_k| < {unit} for {label}" if k == 0 else f"... and for {label}"
        if a == 0:
            log.warning(
                "special points (pair %d, %d): step %d (%s) leaves no vectors", j1, j2, k + 1, condition
            )
        rows.append(
            {
                "step": k + 1,
                "condition": condition,
                "components": len(comps),
                "n_all": int(a),
                "n_sample": s,
                "empty": int(a == 0),
            }
        )
    return rows


def write_special_points(
    latents_path: str,
    moments_path: str,
    sample_path: str,
    pairs_path: str,
    out: str,
    *,
    threshold: float | None,
    threshold_sd: float | None,
    pair,
) -> None:
    """The special-points slice for the configured pair, or the strongest correlated pair."""
    m = Moments.load(moments_path)
    if pair is None and m.dim == 2:
        pair = (0, 1)  # the only pair, correlated or not: the slice has no step either way
    if pair is None:
        rows = read_tsv(pairs_path)
        if not rows:
            raise ValueError(
                f"{pairs_path} has no pairs: set stats.special_pair or lower stats.pair_threshold"
            )
        pair = (rows[0]["i"], rows[0]["j"])
    limits, unit = slice_limits(m, threshold, threshold_sd)
    _, sample = load_sample(sample_path)
    rows = special_points_table(latents_path, sample, pair[0], pair[1], limits, unit)
    write_tsv(rows, out, columns=COLUMNS)
