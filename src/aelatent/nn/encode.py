"""Encode a shard's rows of ``images.zarr`` into ``z.zarr``, overlapping I/O with compute."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import torch
from tqdm import tqdm

from ..io.checksum import sha256_file
from ..io.images import open_image_store
from ..io.latents import (
    ShardWriter,
    check_provenance,
    create_latent_store,
    open_latents,
    shard_ranges,
)
from ..io.stream import iter_chunks
from . import checkpoint
from .model import pick_device, to_input
from .train import check_model, load_model

log = logging.getLogger(__name__)


@contextmanager
def full_fp32():
    """TF32 off for matmuls and convolutions inside the block (cuDNN allows it by default)."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def encode_rows(
    model, images, start: int, stop: int, chunk: int, batch: int, device, sink, readers: int = 1
) -> None:
    """Encode rows [start, stop) in blocks of ``chunk`` rows; ``sink(a, z)`` receives each block.

    The next blocks are read by ``readers`` threads, and the previous one handed to ``sink``, while
    the model computes; on CUDA a block goes through pinned memory with an asynchronous copy.
    Batches restart at each block, so results never depend on the shard layout.
    The encoder runs in full fp32 (no autocast, no TF32): the statistics are exact, so their
    inputs must not depend on the device.
    """
    n_blocks = -(-(stop - start) // chunk)
    with ThreadPoolExecutor(1) as writer:
        pending = None
        blocks = iter_chunks(images, start, stop, step=chunk, readers=readers)
        cuda = device.type == "cuda"
        for a, block in tqdm(blocks, total=n_blocks, desc=f"encode rows {start}-{stop}", unit="chunk"):
            x_all = torch.from_numpy(block)
            x_all = x_all.pin_memory().to(device, non_blocking=True) if cuda else x_all
            with torch.inference_mode(), full_fp32():
                z = torch.cat(
                    [
                        model.encode(to_input(x_all[b : b + batch])).float()
                        for b in range(0, len(x_all), batch)
                    ]
                )
            z = z.cpu().numpy()
            if not np.isfinite(z).all():
                raise FloatingPointError(f"non-finite latent values in rows {a}-{a + len(z)}")
            if pending is not None:
                pending.result()
            pending = writer.submit(sink, a, z)
        if pending is not None:
            pending.result()


def encode_shard(
    images_path: str,
    model_path: str,
    latents_path: str,
    marker_path: str,
    *,
    shard: int,
    shards: int,
    batch_size: int,
    device: str = "auto",
    threads: int = 1,
) -> tuple[int, int]:
    """Encode this shard's chunk-aligned rows, then write its marker (range, rows, checksum)."""
    dev = pick_device(device)
    torch.set_num_threads(max(threads, 1))
    store = open_image_store(images_path)
    images = store["images"]
    z = open_latents(latents_path, mode="r+")
    check_provenance(z, sha256_file(model_path), store.attrs["content_sha256"])
    start, stop = shard_ranges(z.shape[0], z.chunks[0], shards)[shard]
    model = load_model(model_path, dev).to(memory_format=torch.channels_last)
    writer = ShardWriter(z, marker_path, shard, start, stop)
    t0 = time.perf_counter()
    readers = threads if dev.type == "cuda" else 1  # on CPU the threads compute, one reads ahead
    encode_rows(model, images, start, stop, z.chunks[0], batch_size, dev, writer.write, readers=readers)
    log.info("shard %d: rows %d-%d in %.1f s", shard, start, stop, time.perf_counter() - t0)
    writer.close()
    return start, stop


def create_for_model(
    images_path: str, model_path: str, latents_path: str, *, chunk_rows: int, model_cfg: dict | None = None
) -> None:
    """Create an empty latent store sized for the image store and stamped with both checksums,
    once the model is known to be this run's (its settings, with ``model_cfg``, and its images)."""
    store = open_image_store(images_path)
    state = checkpoint.load(model_path, keys=("model_config", "images_sha256"))
    check_model(state, model_path, model_cfg, store.attrs["content_sha256"])
    n = store["images"].shape[0]
    dim = int(state["model_config"]["latent_dim"])
    attrs = {
        "model_sha256": sha256_file(model_path),
        "images_sha256": store.attrs["content_sha256"],
    }
    create_latent_store(latents_path, n, dim, chunk_rows, attrs)
    log.info("created %s: %d x %d, chunks of %d rows", latents_path, n, dim, chunk_rows)
