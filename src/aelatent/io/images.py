"""Read access to the image store ``images.zarr`` (the data stage writes it)."""

from __future__ import annotations

import os

import zarr


def open_image_store(path: str | os.PathLike) -> zarr.Group:
    """Open a finished ``images.zarr`` read-only."""
    return zarr.open_group(path, mode="r")
