"""Training throughput, three ways in one run on the same images, model and batch size:
the eager step (plain Adam) on resident uint8 images — the baseline; our training path (on CUDA
the whole step captured as one CUDA graph with fused Adam), as ``metrics.tsv`` reports it; and
torchvision's ImageFolder + DataLoader reading the same images as JPEG files. Prints images/s and
ratios against the eager baseline.

    python bench/bench_train.py [--images 1024] [--size 64] [--batch 128] [--device auto]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch
from common import default_config
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from aelatent.data import synthetic
from aelatent.data.prepare import prepare_images
from aelatent.nn import checkpoint
from aelatent.nn.model import Autoencoder, pick_device
from aelatent.nn.step import TrainStep
from aelatent.nn.train import TrainingFailed, train

MODEL = default_config()["model"]


def dataloader_rate(root: Path, size: int, batch: int, dev: torch.device, workers: int) -> float:
    torch.manual_seed(0)
    model = Autoencoder(MODEL, size).to(dev, memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    ds = datasets.ImageFolder(str(root), transform=transforms.ToTensor())
    loader = DataLoader(
        ds, batch_size=batch, shuffle=True, num_workers=workers, pin_memory=dev.type == "cuda"
    )
    use_amp = dev.type == "cuda"
    t0, seen = time.perf_counter(), 0
    for x, _ in loader:
        x = x.to(dev, non_blocking=True).contiguous(memory_format=torch.channels_last)
        with torch.autocast("cuda", torch.bfloat16, enabled=use_amp):
            loss = nn.functional.mse_loss(model(x).float(), x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        seen += len(x)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    return seen / (time.perf_counter() - t0)


def eager_rate(faces: np.ndarray, batch: int, dev: torch.device, steps: int = 40) -> float:
    """The plain eager step (forward, backward, foreach Adam) on images already on the device."""
    torch.manual_seed(0)
    model = Autoencoder(MODEL, faces.shape[1]).to(dev, memory_format=torch.channels_last).train()
    resident = torch.from_numpy(faces).to(dev)
    amp = (lambda: torch.autocast("cuda", torch.bfloat16)) if dev.type == "cuda" else nullcontext
    step = TrainStep(model, torch.optim.Adam(model.parameters(), lr=5e-4), batch, dev, amp, graph=False)
    n = len(resident) // batch * batch
    for i in range(5):  # warm-up
        step(resident[(i * batch) % n : (i * batch) % n + batch])
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for i in range(steps):
        loss = step(resident[(i * batch) % n : (i * batch) % n + batch])
    loss[0].item()  # waits for the last step: [objective, MSE]
    return steps * batch / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=1024)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--compile", action="store_true")
    args = ap.parse_args()
    dev = pick_device(args.device)
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        faces = synthetic.render_faces(synthetic.sample_factors(args.images, 0), args.size)
        (tmp / "jpeg" / "faces").mkdir(parents=True)
        for i, img in enumerate(faces):
            Image.fromarray(img).save(tmp / "jpeg" / "faces" / f"{i:06d}.jpg", quality=95)
        ds = {
            "source": "synthetic",
            "n_images": args.images,
            "image_size": args.size,
            "chunk_images": 256,
            "min_images": 1,
            "valid_fraction": 0.0,
            "test_fraction": 0.0,
        }
        prepare_images(ds, str(tmp / "images.zarr"), threads=args.threads, seed=0)
        train_cfg = {"epochs": 2, "batch_size": args.batch, "learning_rate": 5e-4, "compile": args.compile}
        try:
            train(
                str(tmp / "images.zarr"),
                str(tmp / "model.pt"),
                str(tmp / "metrics.tsv"),
                str(tmp / "ckpt.pt"),
                model_cfg=MODEL,
                train_cfg=train_cfg,
                seed=0,
                device=args.device,
                threads=args.threads,
            )
        except TrainingFailed as e:  # a speed measurement: two epochs of few steps may learn too little
            print(f"(the trained model is refused, which does not matter for its speed: {e})")
        metrics = checkpoint.load(tmp / "ckpt.pt")["metrics"]  # every epoch, refused or not
        ours = metrics[-1]["images_per_s"]  # second epoch: warm caches, captured graph
        eager = eager_rate(faces, args.batch, dev)
        dataloader_rate(tmp / "jpeg", args.size, args.batch, dev, args.workers)  # warm-up
        base = dataloader_rate(tmp / "jpeg", args.size, args.batch, dev, args.workers)
    print(f"device {dev}, {args.images} images of {args.size} px, batch {args.batch}, {args.threads} threads")
    print(f"  eager step, resident uint8 (baseline) {eager:9.1f} images/s  1.00")
    print(f"  ours, metrics.tsv                     {ours:9.1f} images/s  {ours / eager:.2f}")
    loader = f"ImageFolder + DataLoader (JPEG, {args.workers} workers)"
    print(f"  {loader:37s} {base:9.1f} images/s  {base / eager:.2f}")
    print(f"ratio ours/DataLoader = {ours / base:.2f}  (GPU goal >= 10)")
    if dev.type == "cuda":
        print(
            f"170,000-image epoch at this rate: {170_000 / ours:.1f} s  (goal <= 3.1 s, >= 55,000 images/s)"
        )


if __name__ == "__main__":
    main()
