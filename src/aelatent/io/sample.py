"""The seeded M-sample of latent rows (``stats/sample.npz``): row indices and vectors."""

from __future__ import annotations

import numpy as np

from .atomic import atomic_path


def save_sample(path: str, index: np.ndarray, z: np.ndarray) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, index=index, z=z)


def load_sample(path: str) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path) as f:
        return f["index"], f["z"]
