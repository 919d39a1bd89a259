"""Streaming mean and covariance in float64: exact over any number of rows, in O(dim^2) memory.

Blocks are combined with the pairwise update of Chan, Golub and LeVeque: each block's own mean
and centred scatter matrix are computed first, then merged with a correction term. Plain sums of
x and x x^T lose about 1e-7 relative when the data sit far from the origin; this does not.
All arithmetic happens relative to a fixed ``shift`` (the first row seen): subtracting it from
nearby values is exact, so rounding scales with the spread of the data, not with its offset.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import reduce

import numpy as np

from ..io.atomic import atomic_path


class Moments:
    """Count, mean, centred scatter ``m2`` (sum of outer products of deviations), min, max."""

    def __init__(self, dim: int):
        self.dim = int(dim)
        self.n = 0
        self.shift = np.zeros(self.dim)
        self._mean = np.zeros(self.dim)  # relative to shift
        self.m2 = np.zeros((self.dim, self.dim))
        self.min = np.full(self.dim, np.inf)
        self.max = np.full(self.dim, -np.inf)

    @property
    def mean(self) -> np.ndarray:
        return self.shift + self._mean

    def update(self, block, *, first_row: int = 0, rows=None, source: str = "") -> Moments:
        """Add the rows of ``block`` (k, dim), any float dtype; returns ``self``.

        ``first_row`` (the block's rows are consecutive) or ``rows`` (their row numbers, for a
        selection) and ``source`` only serve the error message for NaN/inf input.
        """
        x = np.asarray(block)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"expected a block of shape (k, {self.dim}), got {x.shape}")
        if len(x) == 0:
            return self
        other = Moments(self.dim)
        other.shift = x[0].astype(np.float64) if self.n == 0 else self.shift
        d = np.subtract(x, other.shift, dtype=np.float64)  # convert and shift in one pass
        mean = d.mean(axis=0)
        if not np.isfinite(mean).all():  # NaN/inf anywhere poisons the mean: find the row
            bad = int(np.argmin(np.isfinite(x).all(axis=1)))
            row = int(rows[bad]) if rows is not None else first_row + bad
            where = f"{source} " if source else ""
            raise ValueError(f"non-finite value in {where}row {row}")
        d -= mean
        other.n, other._mean, other.m2 = len(x), mean, d.T @ d
        other.min, other.max = x.min(axis=0).astype(np.float64), x.max(axis=0).astype(np.float64)
        self._absorb(other)
        return self

    def _absorb(self, other: Moments) -> None:
        if other.n == 0:
            return
        if self.n == 0:
            self.n, self.shift, self._mean = other.n, other.shift.copy(), other._mean.copy()
            self.m2, self.min, self.max = other.m2.copy(), other.min.copy(), other.max.copy()
            return
        n = self.n + other.n
        delta = (other.shift - self.shift) + (other._mean - self._mean)
        self.m2 = self.m2 + other.m2 + np.outer(delta, delta) * (self.n * other.n / n)
        self._mean = self._mean + delta * (other.n / n)
        self.n = n
        self.min = np.minimum(self.min, other.min)
        self.max = np.maximum(self.max, other.max)

    def merge(self, other: Moments) -> Moments:
        """A new accumulator holding both; neither input changes."""
        if other.dim != self.dim:
            raise ValueError(f"cannot merge dim {self.dim} with dim {other.dim}")
        out = self.copy()
        out._absorb(other)
        return out

    @staticmethod
    def combine(parts: Iterable[Moments]) -> Moments:
        """Merge many accumulators (pairwise tree, for accuracy)."""
        parts = list(parts)
        if not parts:
            raise ValueError("nothing to combine")
        while len(parts) > 1:
            parts = [reduce(Moments.merge, parts[i : i + 2]) for i in range(0, len(parts), 2)]
        return parts[0].copy()

    def copy(self) -> Moments:
        out = Moments(self.dim)
        out.n, out.shift, out._mean = self.n, self.shift.copy(), self._mean.copy()
        out.m2, out.min, out.max = self.m2.copy(), self.min.copy(), self.max.copy()
        return out

    def cov(self, ddof: int = 1) -> np.ndarray:
        if ddof >= self.n:
            raise ValueError(f"cov needs more rows than ddof: n={self.n}, ddof={ddof}")
        return self.m2 / (self.n - ddof)

    def std(self, ddof: int = 1) -> np.ndarray:
        return np.sqrt(np.diag(self.cov(ddof)))

    def corr(self) -> np.ndarray:
        """Pearson correlation; components with zero variance give NaN rows, as np.corrcoef."""
        if self.n < 2:
            raise ValueError(f"corr needs at least 2 rows, have {self.n}")
        d = np.sqrt(np.diag(self.m2))
        with np.errstate(invalid="ignore", divide="ignore"):
            c = self.m2 / np.outer(d, d)
        np.clip(c, -1.0, 1.0, out=c)
        return c

    def save(self, path: str | os.PathLike) -> None:
        """Write ``.npz`` (atomically: to a temporary name, then renamed)."""
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez(
                fh,
                n=self.n,
                mean=self.mean,
                m2=self.m2,
                min=self.min,
                max=self.max,
                shift=self.shift,
                mean_shifted=self._mean,
            )

    @classmethod
    def load(cls, path: str | os.PathLike) -> Moments:
        with np.load(path) as f:
            out = cls(len(f["mean"]))
            out.n = int(f["n"])
            out.shift, out._mean = f["shift"], f["mean_shifted"]
            out.m2, out.min, out.max = f["m2"], f["min"], f["max"]
        return out
