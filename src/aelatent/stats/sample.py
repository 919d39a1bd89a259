"""The article's M-sample: rows drawn without replacement, read chunk by chunk."""

from __future__ import annotations

import numpy as np

from ..io.latents import open_latents
from ..io.sample import save_sample
from ..io.seeds import rng


def sample_rows(latents_path: str, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """M rows drawn without replacement (the article's np.random.choice), sorted by index."""
    z = open_latents(latents_path)
    n = z.shape[0]
    idx = np.sort(rng(seed, "sample").choice(n, size=min(m, n), replace=False))
    return idx, z.get_orthogonal_selection((idx, slice(None)))


def write_sample(latents_path: str, out: str, m: int, seed: int) -> None:
    idx, z = sample_rows(latents_path, m, seed)
    save_sample(out, idx, z)
