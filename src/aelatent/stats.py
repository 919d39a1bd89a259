"""Statistics of the latent vectors: per-shard moments, component table, correlated pairs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from .latentstore import open_latents
from .moments import Moments
from .stream import iter_chunks

log = logging.getLogger(__name__)


def shard_moments(latents_path: str, marker_path: str, out: str) -> Moments:
    """Accumulate the moments of the rows one encode shard wrote (range from its marker)."""
    marker = json.loads(Path(marker_path).read_text())
    z = open_latents(latents_path)
    m = Moments(z.shape[1])
    for a, block in iter_chunks(z, marker["start"], marker["stop"]):
        m.update(block, first_row=a, source=f"shard {marker['shard']}")
    m.save(out)
    log.info("shard %d: %d rows", marker["shard"], m.n)
    return m
