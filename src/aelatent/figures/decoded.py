"""Faces decoded from statistical vectors."""

from __future__ import annotations

import numpy as np

from ..nn.decode import decode_vectors
from ..plots.common import show_mosaic


def decoded(model_path, vectors_path, out, *, grid, generator, dpi, model_cfg=None):
    vecs = np.load(vectors_path)[: grid * grid]
    title = f"Faces decoded from '{generator}' statistical vectors"
    show_mosaic(decode_vectors(model_path, vecs, model_cfg), grid, title, out, dpi)
