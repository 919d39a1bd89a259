"""The pair grids' highlighted real image: its face, its reconstruction and its latent vector. Its
own module, as it decodes with the model: the pair grids' code stays free of torch."""

from __future__ import annotations

import numpy as np

from ..io.images import open_image_store
from ..io.latents import open_latents
from ..nn.decode import reconstruct
from ..plots.pairs import plot_special_image
from .pairs import special_vector


def special_image(latents_path, images_path, model_path, out, *, special_index, dpi, model_cfg=None):
    """The highlighted real image of the pair grids, its reconstruction and its latent vector,
    titled with how its index was chosen."""
    idx, z = special_vector(latents_path, special_index)
    store = open_image_store(images_path)
    image = store["images"][idx]
    n = open_latents(latents_path).shape[0]
    how = f"index {special_index:,} modulo N = {n:,}" if special_index >= n else f"index {special_index:,}"
    title = (
        f"The real image marked orange in every pair grid: image {idx} ({how}; the article "
        "highlights its image 90415)"
    )
    plot_special_image(
        image,
        reconstruct(model_path, image[None], model_cfg, store.attrs["content_sha256"])[0],
        np.asarray(z),
        title,
        out,
        dpi,
    )
