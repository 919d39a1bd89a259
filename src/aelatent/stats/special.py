"""The article's special-points slice: vectors with all components small except one pair."""

from __future__ import annotations

import numpy as np

from ..io.latents import open_latents
from ..io.sample import load_sample
from ..io.stream import iter_chunks
from ..io.tables import read_tsv, write_tsv


def special_point_steps(block: np.ndarray, j1: int, j2: int, threshold: float) -> list[np.ndarray]:
    """The article's slice: masks after each step (components below j1, between, above j2)."""
    j1, j2 = sorted((j1, j2))
    a = np.abs(block) < threshold
    s1 = a[:, :j1].all(axis=1)
    s2 = s1 & a[:, j1 + 1 : j2].all(axis=1)
    s3 = s2 & a[:, j2 + 1 :].all(axis=1)
    return [s1, s2, s3]


def special_points(latents_path: str, sample: np.ndarray, j1: int, j2: int, threshold: float) -> list[dict]:
    """Counts of vectors left after each filter step, over all N and over the M sample."""
    j1, j2 = sorted((j1, j2))
    n_all = np.zeros(3, dtype=np.int64)
    for _, block in iter_chunks(open_latents(latents_path)):
        n_all += [int(s.sum()) for s in special_point_steps(block, j1, j2, threshold)]
    n_sample = [int(s.sum()) for s in special_point_steps(sample, j1, j2, threshold)]
    steps = [
        f"|z_k| < {threshold} for k < {j1}",
        f"... and for {j1} < k < {j2}",
        f"... and for k > {j2}",
    ]
    return [
        {"step": k + 1, "condition": c, "n_all": int(a), "n_sample": s}
        for k, (c, a, s) in enumerate(zip(steps, n_all, n_sample, strict=True))
    ]


def write_special_points(
    latents_path: str, sample_path: str, pairs_path: str, out: str, *, threshold: float, pair
) -> None:
    """The special-points slice for the configured pair, or the strongest correlated pair."""
    if pair is None:
        rows = read_tsv(pairs_path)
        if not rows:
            raise ValueError(
                f"{pairs_path} has no pairs: set stats.special_pair or lower stats.pair_threshold"
            )
        pair = (rows[0]["i"], rows[0]["j"])
    _, sample = load_sample(sample_path)
    write_tsv(special_points(latents_path, sample, pair[0], pair[1], threshold), out)
