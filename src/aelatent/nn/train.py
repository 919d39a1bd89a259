"""Train the autoencoder from ``images.zarr``, resumably and (on CPU) deterministically.

Determinism across a kill and resume comes from seeding each epoch's shuffle with its own stream
(``train:epoch:<epoch>``), and the global generator (a VAE's noise) with a draw from that shuffle's
generator, and from checkpointing model and optimizer state after every epoch. A model that
learned nothing usable is refused before ``model.pt`` is written, so no statistic is computed from it.
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
from ..errors import InputError
from ..io.images import open_image_store
from ..io.seeds import seed_int
from ..io.tables import write_tsv
from . import checkpoint
from .losses import objective_for
from .model import Autoencoder, pick_device, to_input
from .step import TrainStep, make_optimizer

log = logging.getLogger(__name__)
WARMUP_BATCHES = 5  # left out of images/s: graph capture, compilation, allocator warm-up


# A usable model reconstructs the validation images with an MSE at least MIN_GAIN below that of
# predicting the mean training image for each, and encodes them to finite values within MAX_LATENT.
MIN_GAIN = 0.1
MAX_LATENT = 1e6


class TrainingFailed(RuntimeError):
    """Training produced no usable model."""


class TrainingDiverged(TrainingFailed):
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


def epoch_batches(n: int, batch: int, batchnorm: bool) -> list[int]:
    """Start rows of an epoch's batches over ``n`` shuffled images. With batch normalisation a last
    batch of one image is left out (torch refuses to normalise a single value per channel); the
    order is reshuffled every epoch, so no image is left out for good."""
    starts = list(range(0, n, batch))
    if batchnorm and starts and n - starts[-1] == 1:
        starts.pop()
    return starts


def _mean_image(images: torch.Tensor, batch: int) -> torch.Tensor:
    """The mean of uint8 NHWC ``images`` as a model input (1, 3, H, W), summed in float64."""
    total = torch.zeros(images.shape[1:], dtype=torch.float64, device=images.device)
    for a in range(0, len(images), batch):
        total += images[a : a + batch].sum(0, dtype=torch.float64)
    return to_input((total / len(images)).unsqueeze(0))


def _quality(model: nn.Module, images: torch.Tensor, mean_image: torch.Tensor, batch: int) -> dict:
    """One fp32 pass over ``images``: the model's MSE, the MSE of predicting ``mean_image`` for
    each image, and the largest |latent value| (inf when any is not finite)."""
    model.eval()
    mse = baseline = 0.0
    largest = 0.0
    with torch.inference_mode():
        for a in range(0, len(images), batch):
            x = to_input(images[a : a + batch])
            z = model.encode(x)
            mse += nn.functional.mse_loss(model.decode(z), x, reduction="sum").item()
            baseline += nn.functional.mse_loss(mean_image.expand_as(x), x, reduction="sum").item()
            biggest = z.abs().max().item()
            largest = max(largest, biggest) if math.isfinite(biggest) else math.inf
    n = images.numel()
    return {"mse": mse / n, "mean_image_mse": baseline / n, "max_abs_latent": largest}


def check_quality(q: dict, which: str, train_cfg: dict) -> None:
    """Refuse a model whose latents are unbounded or that reconstructs no better than the mean
    training image: every statistic downstream would describe nothing (or overflow)."""
    settings = f"train.learning_rate={train_cfg['learning_rate']}, train.epochs={train_cfg['epochs']}"
    if not q["max_abs_latent"] <= MAX_LATENT:
        raise TrainingFailed(
            f"the trained model encodes the {which} images to latent values up to "
            f"{q['max_abs_latent']:.3g} (limit {MAX_LATENT:.0e}): training ran away, most likely "
            f"because the learning rate is too high ({settings}); model.pt was not written"
        )
    if not q["mse"] <= (1 - MIN_GAIN) * q["mean_image_mse"]:
        raise TrainingFailed(
            f"the trained model learned nothing usable: its {which} MSE {q['mse']:.4g} is not "
            f"{MIN_GAIN:.0%} below {q['mean_image_mse']:.4g}, the MSE of predicting the mean "
            f"training image for every image; the learning rate is too high or too low, or there "
            f"are too few epochs ({settings}); model.pt was not written"
        )


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
    """Train; write ``model.pt`` and ``metrics.tsv``; resume from ``checkpoint_path`` if it matches."""
    dev = pick_device(device)
    torch.set_num_threads(max(threads, 1))
    if dev.type == "cpu":
        torch.use_deterministic_algorithms(True)
    store = open_image_store(images_path)
    size = int(store.attrs["image_size"])
    images_sha = store.attrs["content_sha256"]
    key = run_key(model_cfg, train_cfg, size, images_sha, seed)

    torch.manual_seed(seed_int(seed, "train:init"))
    model = Autoencoder(model_cfg, size).to(dev, memory_format=torch.channels_last)
    kind = model.kind
    decay = model_cfg[kind.decoder_decay] if kind.decoder_decay else 0.0
    opt = make_optimizer(model, train_cfg["learning_rate"], dev, decay)
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
        raise InputError("the image store has no training images (split 0)")
    batch, lr = train_cfg["batch_size"], train_cfg["learning_rate"]
    starts = epoch_batches(len(train_imgs), batch, model_cfg["normalization"] == "batch")
    if not starts:
        raise InputError(
            "model.normalization=batch needs at least 2 training images; the training split has 1"
        )
    if len(starts) * batch < len(train_imgs):
        log.info("each epoch leaves out its last batch of one image (batch normalisation)")
    use_amp = dev.type == "cuda"

    def amp():  # no autocast cache: CUDA graphs capture what autocast would have cached
        return torch.autocast("cuda", dtype=torch.bfloat16, enabled=use_amp, cache_enabled=False)

    compiled = bool(train_cfg.get("compile"))
    if compiled:  # the halves, in place: the objectives call encode and decode, not forward
        model.encoder.compile()
        model.decoder.compile()
    step = TrainStep(model, opt, batch, dev, amp, graph=not compiled, objective=objective_for(model_cfg))
    sync_every = 1 if dev.type == "cpu" else 50
    for epoch in range(start_epoch, train_cfg["epochs"]):
        model.train()
        gen = torch.Generator().manual_seed(seed_int(seed, f"train:epoch:{epoch}"))
        order = torch.randperm(len(train_imgs), generator=gen).to(dev)
        torch.manual_seed(int(torch.randint(2**62, (), generator=gen)))  # a stream apart from gen's
        t0, seen = time.perf_counter(), 0
        t_warm, seen_warm = t0, 0
        total = torch.zeros(2, device=dev)  # summed [objective, MSE] of the images seen
        bar = tqdm(starts, desc=f"epoch {epoch + 1}/{train_cfg['epochs']}")
        for i, a in enumerate(bar):
            x = train_imgs[order[a : a + batch]]
            total += step(x) * len(x)
            seen += len(x)
            if i == WARMUP_BATCHES - 1 and len(starts) > WARMUP_BATCHES:
                # images/s leaves out the first batches: graph capture or compilation
                if dev.type == "cuda":
                    torch.cuda.synchronize()
                t_warm, seen_warm = time.perf_counter(), seen
            # Reading the loss waits for the GPU, so there it happens every `sync_every` steps;
            # a NaN caught a few steps late still never reaches a checkpoint.
            if i % sync_every == 0 or i == len(starts) - 1:
                loss, mse = (v / seen for v in total.tolist())
                if not math.isfinite(loss):
                    raise TrainingDiverged(
                        f"loss became {loss} in epoch {epoch + 1} by batch {i}: training diverged "
                        f"(train.learning_rate={lr} is likely too high){_kept(ckpt, epoch)}"
                    )
                bar.set_postfix(loss=f"{loss:.5g}", mse=f"{mse:.5f}")
        if dev.type == "cuda":
            torch.cuda.synchronize()
        rate = (seen - seen_warm) / (time.perf_counter() - t_warm)
        valid = _evaluate(model, valid_imgs, batch * 2, dev, amp) if len(valid_imgs) else math.nan
        if not math.isfinite(valid) and len(valid_imgs):
            raise TrainingDiverged(
                f"validation loss became {valid} in epoch {epoch + 1}: training diverged "
                f"(train.learning_rate={lr} is likely too high){_kept(ckpt, epoch)}"
            )
        row = {
            "epoch": epoch + 1,
            "train_mse": mse,
            "valid_mse": valid,
            "images_per_s": rate,
            "warmup_s": t_warm - t0,
        }
        if kind.loss:  # otherwise the objective is train_mse
            row["train_loss"] = loss
        metrics.append(row)
        msg = "epoch %d: train loss %.5g mse %.5f, valid mse %.5f, %.0f images/s"
        log.info(msg, epoch + 1, loss, mse, valid, rate)
        ckpt_state = {
            "key": key,
            "epoch": epoch,
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "metrics": metrics,
        }
        checkpoint.save_atomic(ckpt_state, ckpt)

    # the validation images, or (with no validation split) as many training images
    which = "validation" if len(valid_imgs) else "training"
    check = valid_imgs if len(valid_imgs) else train_imgs[: train_cfg.get("n_valid") or 2000]
    quality = _quality(model, check, _mean_image(train_imgs, batch), batch)
    log.info(
        "%s MSE %.5f, predicting the mean training image %.5f; largest |latent| %.3g",
        which,
        quality["mse"],
        quality["mean_image_mse"],
        quality["max_abs_latent"],
    )
    check_quality(quality, which, train_cfg)
    result = {
        "model": model.state_dict(),
        "model_config": model_cfg,
        "image_size": size,
        "images_sha256": images_sha,
        "metrics": metrics,
        "quality": quality,
    }
    write_tsv(metrics, out_metrics)
    checkpoint.save_atomic(result, out_model)
    return result


def load_model(
    path: str,
    device: str | torch.device = "cpu",
    model_cfg: dict | None = None,
    images_sha: str | None = None,
) -> nn.Module:
    """Rebuild the trained autoencoder, of the kind in its ``model_config``, from ``model.pt``
    (weights only), or the user's own modules it holds, in eval mode; with ``model_cfg``
    (``images_sha``), only if it was trained with those settings (on those images)."""
    state = checkpoint.load(path, device, keys=("model_config", "image_size"))
    check_model(state, path, model_cfg, images_sha)
    if "own_model" in state:  # the user's TorchScript modules (model.kind: torchscript)
        from .external import from_state

        return from_state(state, device)
    if "model" not in state:
        raise InputError(
            f"checkpoint {path} lacks model: not written by this workflow; delete it and rerun the workflow"
        )
    model = Autoencoder(state["model_config"], int(state["image_size"]))
    model.load_state_dict(state["model"])
    return model.to(device).eval()


def check_model(state: dict, path, model_cfg: dict | None, images_sha: str | None = None) -> None:
    """Refuse a ``model.pt`` that is not this run's: another run's model copied over it (other
    settings) or one trained on other images. Its mtime alone would make Snakemake take it."""
    problems = []
    if model_cfg is not None:
        have = state.get("model_config", {})
        keys = sorted(set(have) | set(model_cfg), key=str)
        problems += [
            f"{k} {have.get(k)!r} (the config: {model_cfg.get(k)!r})"
            for k in keys
            if have.get(k) != model_cfg.get(k)
        ]
    if images_sha is not None and state.get("images_sha256") != images_sha:
        problems.append("images other than this run's images.zarr")
    if problems:
        raise InputError(
            f"{path} is not this run's model: it was trained with {'; '.join(problems)}. "
            "Restore this run's model, or delete it and rerun the workflow to train it again"
        )


def _kept(ckpt: Path, epoch: int) -> str:
    """Where this run's last good state is, if it has one: a run that diverges in its first epoch
    has none (a checkpoint file there belongs to other settings and is left alone)."""
    return f"; the checkpoint after epoch {epoch} is kept at {ckpt}" if epoch > 0 else ""
