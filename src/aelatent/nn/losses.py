"""The training objective of each model kind, returned with the per-pixel MSE of the reconstruction
it used, so that the metrics of different kinds compare.

An objective is ``f(model, x, amp) -> (objective, mse)`` on a float NCHW batch ``x`` in [0, 1]; the
forward pass runs under ``amp()`` (bf16 autocast on CUDA) and every loss term is computed in fp32.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
from torch import nn

from ..kinds import kind_of

Objective = Callable[[nn.Module, torch.Tensor, Callable], tuple[torch.Tensor, torch.Tensor]]


def sum_squared_error(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Per image, the summed squared pixel error: the negative log-likelihood (up to a constant) of
    a Gaussian decoder of variance 1/2, which keeps its weight against the latent terms."""
    return (out - x).square().flatten(1).sum(1)


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Per image, KL(N(mu, exp(logvar)) || N(0, I)) in closed form."""
    return -0.5 * (1 + logvar - mu.square() - logvar.exp()).sum(1)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """A draw z ~ N(mu, exp(logvar)) written as mu + sigma * eps, so gradients reach mu and logvar.
    eps comes from the global generator: graph-safe on CUDA, seeded per epoch by the training."""
    return mu + (0.5 * logvar).exp() * torch.randn_like(mu)


def ae_objective(model: nn.Module, x: torch.Tensor, amp: Callable) -> tuple[torch.Tensor, torch.Tensor]:
    """The plain autoencoder's objective is the mean per-pixel MSE itself."""
    with amp():
        out = model(x)
    mse = nn.functional.mse_loss(out.float(), x)
    return mse, mse


def vae_objective(
    model: nn.Module, x: torch.Tensor, amp: Callable, *, beta: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """The negative ELBO with the KL weighted by ``beta``, averaged over the batch; the
    reconstruction is that of one posterior draw per image."""
    with amp():
        mu, logvar = model.encode_stats(x)
        mu, logvar = mu.float(), logvar.float()
        out = model.decode(reparameterize(mu, logvar))
    sse = sum_squared_error(out.float(), x)
    return (sse + beta * kl_divergence(mu, logvar)).mean(), sse.sum() / x.numel()


def rae_objective(
    model: nn.Module, x: torch.Tensor, amp: Callable, *, latent_l2: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """RAE-L2 (Ghosh et al. 2020): the deterministic reconstruction plus ``latent_l2`` times
    ½‖z‖², averaged over the batch; the decoder's weight decay is the optimizer's."""
    with amp():
        z = model.encode(x)
        out = model.decode(z)
    sse = sum_squared_error(out.float(), x)
    latent = 0.5 * z.float().square().sum(1)
    return (sse + latent_l2 * latent).mean(), sse.sum() / x.numel()


def objective_for(model_cfg: dict) -> Objective:
    """The objective of the config's kind (``kinds.py`` names it), given that kind's own settings."""
    kind = kind_of(model_cfg)
    return partial(globals()[kind.objective], **{k: model_cfg[k] for k in kind.objective_settings})
