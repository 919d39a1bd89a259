"""Encoding throughput through the store (parallel zarr reads -> pinned copy -> fp32 encoder ->
zarr write, overlapped) against the bare fp32 forward on tensors already on the device. Prints
both and the ratio (goals: >= 0.9 on CPU, >= 0.5 on a GPU, where the forward is ~460k images/s).

    python bench/bench_encode.py [--images 20000] [--size 64] [--batch 500] [--chunk 2000] [--readers N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
import zarr
from common import default_config

from aelatent.data.prepare import prepare_images
from aelatent.io.latents import create_latent_store
from aelatent.nn.encode import encode_rows, full_fp32
from aelatent.nn.model import Autoencoder, pick_device, to_input

MODEL = default_config()["model"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=20_000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--chunk", type=int, default=2000)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--readers", type=int, help="read threads (default: --threads on CUDA, 1 on CPU)")
    args = ap.parse_args()
    dev = pick_device(args.device)
    torch.set_num_threads(args.threads)
    model = Autoencoder(MODEL, args.size).to(dev, memory_format=torch.channels_last).eval()
    readers = args.readers or (args.threads if dev.type == "cuda" else 1)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ds = {"source": "synthetic", "n_images": args.images, "image_size": args.size}
        ds.update(chunk_images=args.chunk, min_images=1, valid_fraction=0.0, test_fraction=0.0)
        prepare_images(ds, str(tmp / "images.zarr"), threads=args.threads, seed=0)
        images = zarr.open_group(tmp / "images.zarr", mode="r")["images"]
        resident = torch.from_numpy(images[:]).to(dev)

        def bare() -> float:
            t0 = time.perf_counter()
            with torch.inference_mode(), full_fp32():
                for a in range(0, len(resident), args.batch):
                    model.encode(to_input(resident[a : a + args.batch])).cpu()
            return args.images / (time.perf_counter() - t0)

        def ours() -> float:
            z = create_latent_store(tmp / "z.zarr", args.images, MODEL["latent_dim"], args.chunk, {})

            def sink(a, block):
                z[a : a + len(block)] = block

            t0 = time.perf_counter()
            encode_rows(model, images, 0, args.images, args.chunk, args.batch, dev, sink, readers=readers)
            return args.images / (time.perf_counter() - t0)

        bare()  # warm-up
        rates = [(ours(), bare()) for _ in range(3)]
    o, b = max(r[0] for r in rates), max(r[1] for r in rates)
    print(
        f"device {dev}, {args.images} images of {args.size} px, batch {args.batch}, "
        f"{args.threads} threads, {readers} readers"
    )
    print(f"  through the store (read, encode, write) {o:9.1f} images/s")
    print(f"  bare forward on in-memory tensors       {b:9.1f} images/s")
    goal = 0.5 if dev.type == "cuda" else 0.9
    print(f"ratio store/bare = {o / b:.2f}  (goal >= {goal})")


if __name__ == "__main__":
    main()
