"""The article's statistical vectors."""

from __future__ import annotations

import numpy as np


def uniform(n: int, dim: int, b: float, rng: np.random.Generator) -> np.ndarray:
    """The article's vectors: every component independent and uniform in [-b, b]."""
    return rng.uniform(-b, b, size=(n, dim))
