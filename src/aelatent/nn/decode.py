"""Latent vectors and images through the trained model, back to uint8 images for figures."""

from __future__ import annotations

import numpy as np
import torch

from .model import to_input
from .train import load_model


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """float NCHW in [0, 1] -> uint8 NHWC."""
    return (x.permute(0, 2, 3, 1).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)


def decode_vectors(model_path: str, vectors: np.ndarray, model_cfg: dict | None = None) -> np.ndarray:
    """Decode latent vectors to uint8 images (n, H, W, 3) with the trained decoder (checked
    against ``model_cfg``: see ``load_model``)."""
    model = load_model(model_path, model_cfg=model_cfg)
    with torch.inference_mode():
        return to_uint8(model.decode(torch.as_tensor(vectors, dtype=torch.float32)))


def reconstruct(
    model_path: str, images: np.ndarray, model_cfg: dict | None = None, images_sha: str | None = None
) -> np.ndarray:
    """uint8 images (n, H, W, 3) through encoder and decoder, the model checked against the
    settings and the image store's digest (see ``load_model``)."""
    model = load_model(model_path, model_cfg=model_cfg, images_sha=images_sha)
    with torch.inference_mode():
        return to_uint8(model(to_input(torch.from_numpy(images))))


def decoder(model_path: str, model_cfg: dict | None = None):
    """A function from latent vectors (n, D) to uint8 images (n, H, W, 3) through the trained
    decoder, the model loaded once: what a torch-free page builder is handed to decode with."""
    model = load_model(model_path, model_cfg=model_cfg)

    def decode(vectors: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return to_uint8(model.decode(torch.as_tensor(np.asarray(vectors), dtype=torch.float32)))

    return decode
