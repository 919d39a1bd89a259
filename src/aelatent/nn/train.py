"""Train the autoencoder from ``images.zarr``, resumably and (on CPU) deterministically.

Determinism across a kill and resume comes from seeding each epoch's shuffle with
``seed + epoch`` and checkpointing model and optimizer state after every epoch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ..codehash import module_hash
from ..io.images import open_image_store
from ..io.tables import write_tsv
from . import checkpoint
from .model import Autoencoder, pick_device, to_input

log = logging.getLogger(__name__)


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


def load_split(store, split: int, limit: int | None) -> torch.Tensor:
    """The images of one split (up to ``limit``) as a uint8 NHWC tensor, each chunk read once."""
    idx = np.flatnonzero(store["split"][:] == split)[:limit]
    images = store["images"]
    chunk = images.chunks[0]
    parts = [np.zeros((0, *images.shape[1:]), dtype=np.uint8)]
    for c0 in range(0, images.shape[0], chunk):
        sel = idx[(idx >= c0) & (idx < c0 + chunk)]
        if len(sel):
            parts.append(images[c0 : c0 + chunk][sel - c0])
    return torch.from_numpy(np.concatenate(parts))


def run_key(model_cfg: dict, train_cfg: dict, image_size: int, images_sha: str, seed: int) -> str:
    """What a checkpoint must match to be resumed from: the settings, the data, and the code
    that trains (so a fixed bug is never skipped by resuming a run of the old code)."""
    code = module_hash(__name__)
    text = json.dumps([model_cfg, train_cfg, image_size, images_sha, seed, code], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _evaluate(model: nn.Module, images: torch.Tensor, batch: int, device, amp) -> float:
    model.eval()
    total = 0.0
    with torch.inference_mode(), amp():
        for a in range(0, len(images), batch):
            x = to_input(images[a : a + batch].to(device, non_blocking=True))
            total += nn.functional.mse_loss(model(x).float(), x, reduction="sum").item()
    return total / max(images.numel(), 1)


def train(
    images_path: str,
    out_model: str,
    out_metrics: str,
    checkpoint_path: str,
    *,
    model_cfg: dict,
    train_cfg: dict,
    seed: int,
    device: str = "auto",
    threads: int = 1,
) -> dict:
    """Train; write ``ae.pt`` and ``metrics.tsv``; resume from ``checkpoint_path`` if it matches."""
    dev = pick_device(device)
    torch.set_num_threads(max(threads, 1))
    if dev.type == "cpu":
        torch.use_deterministic_algorithms(True)
    store = open_image_store(images_path)
    size = int(store.attrs["image_size"])
    images_sha = store.attrs["content_sha256"]
    key = run_key(model_cfg, train_cfg, size, images_sha, seed)

    torch.manual_seed(seed)
    model = Autoencoder(model_cfg, size).to(dev, memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=train_cfg["learning_rate"])
    metrics: list[dict] = []
    start_epoch = 0
    ckpt = Path(checkpoint_path)
    if ckpt.exists():
        state = checkpoint.load(ckpt, dev)
        if state.get("key") == key:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            metrics = list(state["metrics"])
            start_epoch = int(state["epoch"]) + 1
            log.info("resuming from %s after epoch %d", ckpt, start_epoch)
        else:
            log.info("ignoring %s: made for another config or image store", ckpt)

    train_imgs = load_split(store, 0, train_cfg.get("n_train")).to(dev)
    valid_imgs = load_split(store, 1, train_cfg.get("n_valid")).to(dev)
    if len(train_imgs) == 0:
        raise ValueError("the image store has no training images (split 0)")
    use_amp = dev.type == "cuda"

    def amp():
        return torch.autocast("cuda", dtype=torch.bfloat16, enabled=use_amp)

    step = torch.compile(model) if train_cfg.get("compile") else model
    batch = train_cfg["batch_size"]
    sync_every = 1 if dev.type == "cpu" else 50
    for epoch in range(start_epoch, train_cfg["epochs"]):
        model.train()
        gen = torch.Generator().manual_seed(seed + epoch)
        order = torch.randperm(len(train_imgs), generator=gen).to(dev)
        t0, seen = time.perf_counter(), 0
        total = torch.zeros((), device=dev)
        bar = tqdm(range(0, len(order), batch), desc=f"epoch {epoch + 1}/{train_cfg['epochs']}")
        for i, a in enumerate(bar):
            x = to_input(train_imgs[order[a : a + batch]])
            with amp():
                loss = nn.functional.mse_loss(step(x).float(), x)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach() * len(x)
            seen += len(x)
            # Reading the loss waits for the GPU, so there it happens every `sync_every` steps;
            # a NaN caught a few steps late still never reaches a checkpoint.
            if i % sync_every == 0 or a + batch >= len(order):
                mean = total.item() / seen
                if not math.isfinite(mean):
                    raise TrainingDiverged(
                        f"loss became {mean} in epoch {epoch + 1} by batch {i}; "
                        f"stopped, last good checkpoint kept at {ckpt}"
                    )
                bar.set_postfix(mse=f"{mean:.5f}")
        if dev.type == "cuda":
            torch.cuda.synchronize()
        rate = seen / (time.perf_counter() - t0)
        valid = _evaluate(model, valid_imgs, batch * 2, dev, amp) if len(valid_imgs) else math.nan
        if not math.isfinite(valid) and len(valid_imgs):
            raise TrainingDiverged(f"validation loss became {valid} in epoch {epoch + 1}")
        metrics.append(
            {
                "epoch": epoch + 1,
                "train_mse": mean,
                "valid_mse": valid,
                "images_per_s": rate,
            }
        )
        log.info("epoch %d: train %.5f valid %.5f, %.0f images/s", epoch + 1, mean, valid, rate)
        ckpt_state = {
            "key": key,
            "epoch": epoch,
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "metrics": metrics,
        }
        checkpoint.save_atomic(ckpt_state, ckpt)

    result = {
        "model": model.state_dict(),
        "model_config": model_cfg,
        "image_size": size,
        "images_sha256": images_sha,
        "metrics": metrics,
    }
    write_tsv(metrics, out_metrics)
    checkpoint.save_atomic(result, out_model)
    return result


def load_model(path: str, device: str | torch.device = "cpu") -> Autoencoder:
    """Rebuild the trained autoencoder from ``ae.pt`` (weights only), in eval mode."""
    state = checkpoint.load(path, device)
    model = Autoencoder(state["model_config"], int(state["image_size"]))
    model.load_state_dict(state["model"])
    return model.to(device).eval()
