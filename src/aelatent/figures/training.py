"""Training figures from the metrics table and the trained model."""

from __future__ import annotations

import numpy as np

from ..io.images import open_image_store
from ..io.tables import read_tsv
from ..nn.decode import reconstruct
from ..plots.training import plot_loss_curve, plot_reconstructions


def training_figures(metrics_path, model_path, images_path, out_loss, out_recon, *, n, dpi, model_cfg=None):
    """The loss curve, and ``n`` validation images over their reconstructions."""
    plot_loss_curve(read_tsv(metrics_path), out_loss, dpi)
    store = open_image_store(images_path)
    idx = np.flatnonzero(store["split"][:] == 1)[:n]
    if len(idx) == 0:
        idx = np.arange(min(n, store["images"].shape[0]))
    imgs = store["images"].get_orthogonal_selection((idx, slice(None), slice(None), slice(None)))
    plot_reconstructions(
        imgs, reconstruct(model_path, imgs, model_cfg, store.attrs["content_sha256"]), out_recon, dpi
    )
