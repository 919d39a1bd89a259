"""Seeded random streams, one per purpose: ``rng(seed, "purpose")``.

Every consumer of random numbers names what it draws for; the name is hashed into the
``SeedSequence``, so two purposes never share a stream and adding one (a generator, a figure)
changes no other's numbers. Purposes are plain strings, e.g. ``"sample"`` or
``"generator:mvn"``.
"""

from __future__ import annotations

import hashlib

import numpy as np


def entropy(seed: int, purpose: str) -> list[int]:
    """The ``SeedSequence`` entropy of ``purpose`` under ``seed``: the seed, then the purpose's
    SHA-256 as eight 32-bit words."""
    digest = hashlib.sha256(purpose.encode()).digest()
    return [int(seed), *(int.from_bytes(digest[k : k + 4], "little") for k in range(0, 32, 4))]


def rng(seed: int, purpose: str) -> np.random.Generator:
    """A numpy generator for ``purpose`` under the run's ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(entropy(seed, purpose)))


def seed_int(seed: int, purpose: str) -> int:
    """A 63-bit integer seed for ``purpose``, for libraries that take one (torch, scikit-learn
    take at most 2**32 - 1: use ``% 2**32`` there)."""
    return int(rng(seed, purpose).integers(2**63))
