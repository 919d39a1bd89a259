"""Latents are encoded in full fp32 on every device: a GPU gives the CPU's numbers."""

import numpy as np
import pytest
import torch
import zarr
from conftest import with_defaults

from aelatent.data.prepare import prepare_images
from aelatent.io.latents import shard_ranges
from aelatent.nn.encode import create_for_model, encode_shard, full_fp32
from aelatent.nn.train import train

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def test_full_fp32_turns_tf32_off_and_restores_the_settings():
    before = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    try:
        with full_fp32():
            assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32
        assert torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A small model trained on CPU, and the images it encodes."""
    d = tmp_path_factory.mktemp("gpu")
    cfg = with_defaults(
        {
            "dataset": {"n_images": 400, "image_size": 32, "chunk_images": 100},
            "model": {
                "filters_encoder": [16, 16, 32, 32],
                "filters_decoder": [32, 32, 16, 16],
                "latent_dim": 32,
            },
            "train": {"epochs": 5, "batch_size": 32, "learning_rate": 0.002, "threads": 2},
        }
    )
    prepare_images(cfg["dataset"], str(d / "images.zarr"), threads=2, seed=0)
    train(
        str(d / "images.zarr"),
        str(d / "model.pt"),
        str(d / "metrics.tsv"),
        str(d / "checkpoint.pt"),
        model_cfg=cfg["model"],
        train_cfg=cfg["train"],
        seed=0,
        device="cpu",
        threads=2,
    )
    return d


def encode(d, name, device, shards=3, only=None):
    path = d / f"{name}.zarr"
    if only is None:
        create_for_model(str(d / "images.zarr"), str(d / "model.pt"), str(path), chunk_rows=100)
    for k in range(shards) if only is None else [only]:
        encode_shard(
            str(d / "images.zarr"),
            str(d / "model.pt"),
            str(path),
            str(d / f"{name}.{k}.json"),
            shard=k,
            shards=shards,
            batch_size=64,
            device=device,
        )
    return zarr.open_array(str(path), mode="r")[:]


def max_relative(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


@pytest.mark.gpu
@needs_cuda
def test_gpu_latents_equal_cpu_latents(checkpoint):
    cpu = encode(checkpoint, "cpu", "cpu")
    gpu = encode(checkpoint, "gpu", "cuda")
    assert np.isfinite(gpu).all() and np.abs(cpu).max() > 0
    # bf16 autocast gives ~4e-3 here and TF32 ~1e-3; fp32 differs only in summation order
    assert max_relative(gpu, cpu) <= 1e-5


@pytest.mark.gpu
@needs_cuda
def test_a_rerun_gpu_shard_reproduces_its_rows(checkpoint):
    first = encode(checkpoint, "again", "cuda")
    start, stop = shard_ranges(len(first), 100, 3)[1]
    z = zarr.open_array(str(checkpoint / "again.zarr"), mode="r+")
    z[start:stop] = np.nan
    again = encode(checkpoint, "again", "cuda", only=1)
    assert np.isfinite(again).all()
    assert max_relative(again[start:stop], first[start:stop]) <= 1e-6
    assert np.array_equal(np.delete(again, np.s_[start:stop], 0), np.delete(first, np.s_[start:stop], 0))
