"""The CUDA training path: the captured graph step equals the eager step, training resumes and
stops on divergence on the GPU, and the tiny DAG runs with ``device: cuda``. Skipped without CUDA."""

import copy
import math
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from conftest import copy_workflow, image_store, planned, snakemake, with_defaults

from aelatent.errors import InputError
from aelatent.nn import checkpoint
from aelatent.nn.model import Autoencoder
from aelatent.nn.step import TrainStep, make_optimizer
from aelatent.nn.train import train

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]
MODEL = {"filters_encoder": [8, 8, 16, 16], "filters_decoder": [16, 16, 8, 8], "latent_dim": 16}


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    return image_store(tmp_path_factory, 600, 32, 100)


def test_graph_replay_equals_the_eager_step():
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    cfg = with_defaults({"model": MODEL})["model"]
    torch.manual_seed(0)
    eager_model = Autoencoder(cfg, 32).to(dev, memory_format=torch.channels_last)
    graph_model = copy.deepcopy(eager_model)
    eager = TrainStep(eager_model, make_optimizer(eager_model, 1e-3, dev), 16, dev, nullcontext, graph=False)
    graph = TrainStep(graph_model, make_optimizer(graph_model, 1e-3, dev), 16, dev, nullcontext, graph=True)
    rng = np.random.default_rng(0)
    for i in range(10):  # warm-up steps, the capture, replays, and a last partial batch
        n = 16 if i < 9 else 7
        x = torch.from_numpy(rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)).to(dev)
        a, b = eager(x).tolist(), graph(x).tolist()  # [objective, MSE]
        assert all(math.isclose(u, v, rel_tol=1e-4) for u, v in zip(a, b, strict=True)), (i, a, b)
    assert graph.graph is not None
    for p, q in zip(eager_model.parameters(), graph_model.parameters(), strict=True):
        torch.testing.assert_close(q, p, rtol=1e-4, atol=1e-5)


def cuda_train(images, d: Path, model=None, **over):
    train_cfg = {"epochs": 4, "batch_size": 32, "learning_rate": 0.002, **over}
    cfg = with_defaults({"model": {**MODEL, **(model or {})}, "train": train_cfg})
    return train(
        images,
        str(d / "model.pt"),
        str(d / "metrics.tsv"),
        str(d / "checkpoint.pt"),
        model_cfg=cfg["model"],
        train_cfg=cfg["train"],
        seed=1,
        device="cuda",
    )


def test_cuda_training_learns_and_resumes_from_its_checkpoint(images, tmp_path):
    first = cuda_train(images, tmp_path)
    assert first["metrics"][-1]["valid_mse"] < first["metrics"][0]["valid_mse"] * 1.5
    (tmp_path / "model.pt").unlink()
    again = cuda_train(images, tmp_path)  # every epoch is in the checkpoint: nothing to train
    assert again["metrics"] == first["metrics"]
    saved = checkpoint.load(tmp_path / "model.pt")
    for k, v in first["model"].items():
        torch.testing.assert_close(saved["model"][k].cpu(), v.cpu())


@pytest.mark.parametrize("kind", [{"kind": "vae", "beta": 1.0}, {"kind": "rae", "latent_l2": 0.01}])
def test_cuda_vae_and_rae_learn_through_the_captured_step(images, tmp_path, kind):
    # the VAE draws its noise inside the graph; the RAE's decoder decays in a second param group
    result = cuda_train(images, tmp_path, model=kind)
    rows = result["metrics"]
    assert all(math.isfinite(r["train_loss"]) and r["train_loss"] > r["train_mse"] for r in rows)
    assert rows[-1]["valid_mse"] < rows[0]["valid_mse"]
    assert result["quality"]["mse"] < 0.9 * result["quality"]["mean_image_mse"]


def test_cuda_divergence_is_stopped_with_a_clear_error(images, tmp_path):
    with pytest.raises((InputError, RuntimeError), match="(?i)learning rate|loss became"):
        cuda_train(images, tmp_path, learning_rate=1e6)
    assert not (tmp_path / "model.pt").exists()


def test_tiny_dag_runs_on_cuda(tmp_path):
    work = copy_workflow(tmp_path)
    cfg = yaml.safe_load((work / "config" / "tiny.yaml").read_text())
    cfg["device"] = "cuda"
    (work / "config" / "cuda.yaml").write_text(yaml.safe_dump(cfg))
    snakemake(work, config="config/cuda.yaml")
    assert planned(work, "config/cuda.yaml") == {}
    assert (work / "results" / "tiny" / "ae" / "stats" / "coverage.tsv").read_text().count("\n") > 2
