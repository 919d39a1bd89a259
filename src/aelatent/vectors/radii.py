"""Lengths of real vectors against the article's uniform vectors over a sweep of b.

The sweep of ``vectors.b_sweep`` is refined around its best value in steps of REFINE_STEP, from
the sweep's value below the best to the one above it, so the best b is known to within
REFINE_STEP / 2 whatever the sweep's spacing.
"""

from __future__ import annotations

import numpy as np

from ..io.atomic import atomic_path
from ..io.sample import load_sample
from ..io.seeds import rng
from ..io.tables import read_tsv, write_tsv

REFINE_STEP = 0.05


def unit_radii(n: int, dim: int, seed: int) -> np.ndarray:
    """Lengths of ``n`` uniform [-1, 1] vectors: scaled by b they are the lengths of uniform [-b, b]
    vectors. Every b of the sweep scales the same draws, so the match varies smoothly with b (the
    refinement finds the optimum, not the luckiest draw) and adding a b changes no other's radii."""
    return np.linalg.norm(rng(seed, "radii").uniform(-1.0, 1.0, (n, dim)), axis=1)


def refinement(b_values, best: float, step: float = REFINE_STEP) -> list[float]:
    """The b values between the sweep's neighbours of ``best`` (or ``best`` itself at an end), in
    steps of ``step``, that the sweep lacks."""
    bs = sorted(float(b) for b in b_values)
    k = bs.index(best)
    lo, hi = bs[max(k - 1, 0)], bs[min(k + 1, len(bs) - 1)]
    grid = np.round(np.arange(lo, hi + step / 2, step), 6)
    return [float(b) for b in grid if b > 0 and not np.isclose(bs, b).any()]


def uniform_radii_match(
    sample: np.ndarray, b_values, n: int, seed: int, step: float = REFINE_STEP
) -> tuple[list[dict], list[np.ndarray]]:
    """For each b of the sweep and of its refinement around the best, how well the radii of ``n``
    uniform [-b, b] vectors match the real radii (KS statistic), sorted by b, with the best b
    flagged (``best``) and the refinement's rows marked (``refined``); also returns those radii."""
    from scipy.stats import ks_2samp  # here: the generators read best_b without scipy

    r_real = np.linalg.norm(sample, axis=1)
    unit = unit_radii(n, sample.shape[1], seed)

    def row(b: float, refined: int) -> tuple[dict, np.ndarray]:
        r = b * unit
        ks = float(ks_2samp(r, r_real).statistic)
        return {"b": float(b), "radius_median": float(np.median(r)), "ks": ks, "refined": refined}, r

    done = [row(float(b), 0) for b in b_values]
    coarse_best = min(done, key=lambda x: x[0]["ks"])[0]["b"]
    done += [row(b, 1) for b in refinement(b_values, coarse_best, step)]
    done.sort(key=lambda x: x[0]["b"])
    rows, radii = [d[0] for d in done], [d[1] for d in done]
    best = min(rows, key=lambda r: r["ks"])
    for r in rows:
        r["best"] = int(r is best)
    return rows, radii


def best_b(radii_path: str) -> float:
    """The best-matching b of a radii table."""
    return float(next(r["b"] for r in read_tsv(radii_path) if r["best"]))


def write_radii(sample_path, out_table, out_arrays, *, b_sweep, seed):
    """Radius match of uniform vectors over a sweep of b and its refinement (best b flagged), and
    for the figure the real lengths (``real``), each row's uniform lengths (``uniform``, one row per
    table row) and the table's b (``b``)."""
    _, sample = load_sample(sample_path)
    rows, radii = uniform_radii_match(sample, b_sweep, len(sample), seed)
    write_tsv(rows, out_table)
    with atomic_path(out_arrays) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, real=np.linalg.norm(sample, axis=1), uniform=np.stack(radii), b=[r["b"] for r in rows])
