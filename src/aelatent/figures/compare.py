"""Faces each model's decoder makes from N(0, I) vectors, one row per model."""

from __future__ import annotations

import numpy as np

from ..nn.decode import decode_vectors
from ..plots.compare import plot_prior_faces


def prior_faces(model_paths: dict, vector_paths: dict, out, *, n: int, dpi: int) -> None:
    """Decode the first ``n`` vectors of each model's N(0, I) file (name -> standard_normal.npy)
    with that model's decoder (name -> ae.pt), in the order of ``model_paths``."""
    faces = {
        name: decode_vectors(path, np.load(vector_paths[name])[:n]) for name, path in model_paths.items()
    }
    plot_prior_faces(faces, out, dpi)
