"""The objectives of the three model kinds against values worked out by hand, the VAE's sampling,
the RAE's decoder weight decay, and short CPU trainings of a VAE and an RAE (resumable bit for bit)."""

import math
from contextlib import nullcontext

import pytest
import torch
from conftest import image_store, with_defaults
from torch import nn

from aelatent.nn.losses import (
    ae_objective,
    kl_divergence,
    objective_for,
    rae_objective,
    reparameterize,
    vae_objective,
)
from aelatent.nn.model import Autoencoder
from aelatent.nn.step import make_optimizer
from aelatent.nn.train import load_model, train

TINY = {
    "filters_encoder": [8, 8],
    "filters_decoder": [8, 8],
    "kernel_sizes": [3, 3],
    "strides": [2, 2],
    "latent_dim": 4,
    "activation": "leaky_relu",
    "normalization": "batch",
}
KINDS = {
    "ae": {},
    "vae": {"kind": "vae", "beta": 0.1},
    "rae": {"kind": "rae", "latent_l2": 0.01, "decoder_weight_decay": 1e-3},
}


class Fixed(nn.Module):
    """A stand-in model with fixed latent statistics and reconstruction; it records what it is given
    and what it decodes."""

    def __init__(self, mu, logvar, out):
        super().__init__()
        self.mu, self.logvar, self.out = mu, logvar, out

    def encode_stats(self, x):
        return self.mu, self.logvar

    def encode(self, x):
        return self.mu

    def decode(self, z):
        self.decoded = z
        return self.out

    def forward(self, x):
        self.seen = x
        return self.out


def batch_of_two():
    """Two 3x2x2 images at 0.5 and a reconstruction off by 0.1 in channel 0 and by -0.2 in channel 1
    of the first image: summed squared errors 4*0.01 + 4*0.04 = 0.2 and 0, over 24 pixels."""
    x = torch.full((2, 3, 2, 2), 0.5)
    out = x.clone()
    out[0, 0] += 0.1
    out[0, 1] -= 0.2
    return x, out


def test_ae_objective_is_the_mean_pixel_mse():
    x, out = batch_of_two()
    model = Fixed(None, None, out)
    objective, mse = ae_objective(model, x, nullcontext)
    assert model.seen is x  # the reconstruction is of the batch itself
    assert objective.item() == pytest.approx(0.2 / 24, rel=1e-6)
    assert mse.item() == pytest.approx(0.2 / 24, rel=1e-6)


def test_kl_of_a_two_dimensional_posterior():
    # mu=[1, 0], logvar=[0, ln 2]: 0.5 * ((1 - 1 + 0) + (2 - 1 - ln 2)); a standard normal has KL 0
    mu, logvar = torch.tensor([[1.0, 0.0], [0.0, 0.0]]), torch.tensor([[0.0, math.log(2)], [0.0, 0.0]])
    kl = kl_divergence(mu, logvar)
    assert kl.tolist() == pytest.approx([0.5 * (1 + (2 - 1 - math.log(2))), 0.0], rel=1e-6)


def test_vae_objective_decodes_a_draw_and_weighs_the_kl_by_beta():
    x, out = batch_of_two()
    mu, logvar = torch.tensor([[1.0, 0.0], [0.0, 0.0]]), torch.tensor([[0.0, math.log(2)], [0.0, 0.0]])
    model = Fixed(mu, logvar, out)
    torch.manual_seed(3)
    eps = torch.randn(2, 2)
    torch.manual_seed(3)
    objective, mse = vae_objective(model, x, nullcontext, beta=0.5)
    kl = 0.5 * (1 + (2 - 1 - math.log(2)))
    assert objective.item() == pytest.approx((0.2 + 0.5 * kl + 0.0) / 2, rel=1e-6)
    assert mse.item() == pytest.approx(0.2 / 24, rel=1e-6)
    expected_z = torch.tensor([[1 + eps[0, 0], math.sqrt(2) * eps[0, 1]], [eps[1, 0], eps[1, 1]]])
    torch.testing.assert_close(model.decoded, expected_z)


def test_rae_objective_adds_half_the_squared_latent_norm():
    x, out = batch_of_two()
    z = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    model = Fixed(z, None, out)
    objective, mse = rae_objective(model, x, nullcontext, latent_l2=0.1)
    # image 0: 0.2 + 0.1 * 0.5 * (1 + 4); image 1: 0
    assert objective.item() == pytest.approx((0.2 + 0.1 * 0.5 * 5) / 2, rel=1e-6)
    assert mse.item() == pytest.approx(0.2 / 24, rel=1e-6)
    assert torch.equal(model.decoded, z)  # deterministic: the code itself is decoded


def test_objective_for_reads_the_kind_and_its_weight():
    x, out = batch_of_two()
    z = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    assert objective_for(TINY).func is ae_objective
    rae = objective_for({**TINY, **KINDS["rae"], "latent_l2": 2.0})
    assert rae(Fixed(z, None, out), x, nullcontext)[0].item() == pytest.approx((0.2 + 5) / 2, rel=1e-6)
    vae = objective_for({**TINY, "kind": "vae", "beta": 0.0})
    logvar = torch.full((2, 2), 3.0)  # a large KL that beta 0 leaves out
    assert vae(Fixed(z, logvar, out), x, nullcontext)[0].item() == pytest.approx(0.1, rel=1e-6)


def test_reparameterize_without_variance_is_the_mean():
    mu = torch.tensor([[0.0, 1.5, -2.0]])
    assert torch.equal(reparameterize(mu, torch.full_like(mu, -1000.0)), mu)


def test_reparameterize_draws_have_the_posterior_mean_and_variance():
    torch.manual_seed(0)
    n = 200_000
    mu = torch.tensor([1.0, -2.0]).expand(n, 2)
    logvar = torch.tensor([0.0, math.log(4)]).expand(n, 2)
    z = reparameterize(mu, logvar)
    # standard errors: 1/sqrt(n) = 0.0022 and 2/sqrt(n) = 0.0045 for the means
    torch.testing.assert_close(z.mean(0), torch.tensor([1.0, -2.0]), rtol=0, atol=0.015)
    torch.testing.assert_close(z.std(0), torch.tensor([1.0, 2.0]), rtol=0.01, atol=0)


def test_vae_encodes_to_its_posterior_mean():
    torch.manual_seed(0)
    model = Autoencoder({**TINY, **KINDS["vae"]}, 8).eval()
    assert model.encoder[-1].out_features == 8
    x = torch.rand(3, 3, 8, 8)
    mu, logvar = model.encode_stats(x)
    assert mu.shape == logvar.shape == (3, 4)
    assert torch.equal(model.encode(x), mu)
    assert not torch.equal(mu, logvar)
    assert torch.equal(model(x), model.decode(mu))


def test_every_kind_has_the_ae_module_names():
    names = {k: list(Autoencoder({**TINY, **over}, 8).state_dict()) for k, over in KINDS.items()}
    assert names["ae"] == names["vae"] == names["rae"]
    ae = Autoencoder({**TINY, "kind": "ae"}, 8)
    ae.load_state_dict(Autoencoder(TINY, 8).state_dict())  # a checkpoint from before there were kinds
    assert ae.encode_stats(torch.rand(2, 3, 8, 8))[1] is None


def test_rae_decays_the_decoder_and_not_the_encoder():
    torch.manual_seed(0)
    model = Autoencoder({**TINY, **KINDS["rae"]}, 8)
    lr, decay = 1e-3, 0.5
    opt = make_optimizer(model, lr, torch.device("cpu"), decay)
    enc, dec = opt.param_groups
    assert enc["weight_decay"] == 0 and dec["weight_decay"] == decay
    assert {id(p) for p in enc["params"]} == {id(p) for p in model.encoder.parameters()}
    assert {id(p) for p in dec["params"]} == {id(p) for p in model.decoder.parameters()}
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    opt.step()
    for n, p in model.named_parameters():
        if n.startswith("encoder."):
            assert torch.equal(p, before[n]), n
        else:
            # Adam's first step on the gradient decay * theta moves by lr * g / (|g| + eps): about lr
            g = decay * before[n]
            torch.testing.assert_close(p.detach(), before[n] - lr * g / (g.abs() + 1e-8))
            far = before[n].abs() > lr  # nearer zero, a step of lr overshoots it
            assert (p.abs() < before[n].abs())[far].all(), n
    shrunk = sum(
        p.abs().sum() - before[f"decoder.{n}"].abs().sum() for n, p in model.decoder.named_parameters()
    )
    assert shrunk < -lr


def test_ae_keeps_one_undecayed_group():
    opt = make_optimizer(Autoencoder(TINY, 8), 1e-3, torch.device("cpu"))
    assert len(opt.param_groups) == 1 and opt.param_groups[0]["weight_decay"] == 0


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    return image_store(tmp_path_factory, 160, 8, 40)


def run_train(images, d, kind, epochs=4):
    train_cfg = with_defaults({"train": {"epochs": epochs, "batch_size": 8, "learning_rate": 5e-3}})
    return train(
        images,
        str(d / "model.pt"),
        str(d / "metrics.tsv"),
        str(d / "checkpoint.pt"),
        model_cfg={**TINY, **KINDS[kind]},
        train_cfg=train_cfg["train"],
        seed=1,
        device="cpu",
        threads=1,
    )


@pytest.mark.parametrize("kind", ["vae", "rae"])
def test_training_writes_the_kinds_model_and_loss(images, tmp_path, kind):
    res = run_train(images, tmp_path, kind)
    lines = (tmp_path / "metrics.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    assert header == ["epoch", "train_mse", "valid_mse", "images_per_s", "warmup_s", "train_loss"]
    assert len(lines) == 5
    for m in res["metrics"]:
        # the objective sums over 8*8*3 = 192 pixels per image and adds a latent term
        assert m["train_loss"] > 192 * m["train_mse"] > 0
    model = load_model(str(tmp_path / "model.pt"))
    assert model.kind.name == kind and model.encoder[-1].out_features == (8 if kind == "vae" else 4)
    assert model.encode(torch.rand(2, 3, 8, 8)).shape == (2, 4)
