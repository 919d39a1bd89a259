"""Atomic, weights-only torch checkpoints."""

from __future__ import annotations

import os
import pickle
import zipfile

import torch

from ..errors import InputError
from ..io.atomic import atomic_path


def save_atomic(obj: dict, path: str | os.PathLike) -> None:
    """Write under a unique temporary name and rename, so a kill mid-write leaves the old file."""
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def load(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict:
    """``torch.load(weights_only=True)`` with a clear error for a damaged file."""
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError) as exc:
        raise InputError(f"corrupt or unreadable checkpoint {path}: {exc}") from exc
