"""Correlations of latent components with the synthetic faces' generative factors."""

from __future__ import annotations

import numpy as np

from ..io.images import open_image_store
from ..io.latents import open_latents
from ..io.stream import iter_chunks
from ..io.tables import write_tsv
from .moments import Moments


def factor_correlations(latents_path: str, factors: np.ndarray) -> np.ndarray:
    """Correlation (latent_dim, n_factors) of every component with every factor, streamed."""
    z = open_latents(latents_path)
    d = z.shape[1]
    m = Moments(d + factors.shape[1])
    for a, block in iter_chunks(z):
        m.update(np.hstack([block.astype(np.float64), factors[a : a + len(block)]]), first_row=a)
    return m.corr()[:d, d:]


def write_factor_correlations(latents_path: str, images_path: str, out: str) -> None:
    """Component x factor correlations (synthetic data), one row per component."""
    store = open_image_store(images_path)
    names = list(store.attrs["factor_names"])
    c = factor_correlations(latents_path, store["factors"][:].astype(np.float64))
    write_tsv(
        [
            {"component": i, **{n: float(v) for n, v in zip(names, row, strict=True)}}
            for i, row in enumerate(c)
        ],
        out,
    )
