"""Read access to the image store ``images.zarr`` (the data stage writes it), verified.

Every array of the store (``images``, ``split``, ``factors``) is read through ``VerifiedArray``:
each chunk is checked against the sha256 ``write_image_store`` recorded for it in the attrs
(``chunk_sha256``) before any of its rows is used, so a changed or lost chunk stops the job that
reads it, naming the store, the chunk and what to delete, instead of moving latents silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import zarr

from ..errors import InputError
from .checksum import VerifiedArray

DIGESTS = "chunk_sha256"  # attrs key: array name -> the sha256 of each of its chunks


class ImageStore:
    """A finished ``images.zarr``, read-only: ``store["images"]`` etc. are verified arrays."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            self.group = zarr.open_group(str(path), mode="r")
        except Exception as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise InputError(f"cannot open image store {path} ({why}); {self.fix}") from None
        digests = self.group.attrs.get(DIGESTS)
        if not isinstance(digests, dict):
            raise InputError(
                f"image store {path} records no chunk digests (made by an older version, or its "
                f"zarr.json was edited): nothing can vouch for its images; {self.fix}"
            )
        self.digests = digests

    @property
    def fix(self) -> str:
        return f"delete {self.path} and rerun the workflow (prepare_images rebuilds it)"

    @property
    def attrs(self):
        return self.group.attrs

    def __contains__(self, name: str) -> bool:
        return name in self.group

    def __getitem__(self, name: str) -> VerifiedArray:
        array = self.group[name]
        recorded = self.digests.get(name)
        if not isinstance(recorded, list) or len(recorded) != -(-array.shape[0] // array.chunks[0]):
            raise InputError(
                f"image store {self.path}: array {name} has {array.shape[0]} rows in chunks of "
                f"{array.chunks[0]}, but its recorded chunk digests do not match that; {self.fix}"
            )

        def refuse(k: int, rows: str, problem: str) -> InputError:
            key = verified.chunk_key(k)
            return InputError(
                f"image store {self.path}: chunk {name}/{key} (rows {rows}) {problem}; {self.fix}"
            )

        verified = VerifiedArray(array, self.path / name, lambda k: recorded[k], refuse)
        return verified


def open_image_store(path: str | os.PathLike) -> ImageStore:
    """Open a finished ``images.zarr`` read-only; its arrays verify every chunk they read."""
    return ImageStore(path)
