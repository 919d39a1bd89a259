"""One training step — forward, loss, backward, optimiser — eager on CPU, one CUDA graph on a GPU.

A small conv AE at batch 128 spends most of an eager GPU step launching kernels: replaying the whole
step as one captured CUDA graph with fused, capturable Adam removes that (measured on an H100:
eager ~13k images/s, fused Adam ~20k, graph + fused Adam ~61k). The CPU keeps the plain eager
step, deterministic, so a killed run resumes to bit-identical weights.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .losses import Objective, ae_objective
from .model import to_input

WARMUP_STEPS = 3  # eager steps on a side stream before capture, as CUDA graphs require


def make_optimizer(
    model: nn.Module, lr: float, device: torch.device, decoder_weight_decay: float = 0.0
) -> torch.optim.Adam:
    """Adam; on CUDA fused and capturable, so its update can live inside the captured graph. A
    ``decoder_weight_decay`` (the RAE's) puts the decoder's parameters in a group of their own with
    Adam's L2 penalty, the gradient of decay/2 * |theta|^2; the encoder's stay undecayed."""
    params = model.parameters()
    if decoder_weight_decay:
        params = [
            {"params": model.encoder.parameters()},
            {"params": model.decoder.parameters(), "weight_decay": decoder_weight_decay},
        ]
    if device.type == "cuda":
        return torch.optim.Adam(params, lr=lr, fused=True, capturable=True)
    return torch.optim.Adam(params, lr=lr)


class TrainStep:
    """``step(x_u8)`` runs one optimiser step of ``objective`` on a batch of uint8 NHWC images on
    the device and returns the batch's [objective, per-pixel MSE] as a device tensor (read it
    before the next call: with a graph it is the graph's static output). Full batches replay one
    captured graph; a last, smaller batch of an epoch runs eagerly."""

    def __init__(
        self,
        model,
        opt,
        batch: int,
        device: torch.device,
        amp: Callable,
        graph: bool,
        objective: Objective = ae_objective,
    ):
        self.model, self.opt, self.batch, self.amp = model, opt, batch, amp
        self.objective = objective
        self.use_graph = graph and device.type == "cuda"
        self.graph: torch.cuda.CUDAGraph | None = None
        self.static_x: torch.Tensor | None = None
        self.static_out: torch.Tensor | None = None
        self.warm = 0

    def __call__(self, x_u8: torch.Tensor) -> torch.Tensor:
        if not self.use_graph or len(x_u8) != self.batch:
            return self._eager(x_u8)
        if self.graph is None and self.warm < WARMUP_STEPS:
            self.warm += 1
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                out = self._eager(x_u8)
            torch.cuda.current_stream().wait_stream(side)
            return out
        if self.graph is None:
            self._capture(x_u8)
        self.static_x.copy_(x_u8)
        self.graph.replay()
        return self.static_out

    def _losses(self, x_u8: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The objective to back-propagate, and [objective, MSE] detached to report."""
        objective, mse = self.objective(self.model, to_input(x_u8), self.amp)
        return objective, torch.stack([objective.detach(), mse.detach()])

    def _eager(self, x_u8: torch.Tensor) -> torch.Tensor:
        objective, out = self._losses(x_u8)
        # Once captured, the graph owns the .grad tensors: zero them in place, never drop them.
        self.opt.zero_grad(set_to_none=self.graph is None)
        objective.backward()
        self.opt.step()
        return out

    def _capture(self, x_u8: torch.Tensor) -> None:
        """Capture forward, backward and the fused Adam update once; grads set to None first so
        backward allocates them from the graph's private pool (PyTorch's whole-network recipe)."""
        self.static_x = x_u8.clone()
        self.opt.zero_grad(set_to_none=True)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            objective, self.static_out = self._losses(self.static_x)
            objective.backward()
            self.opt.step()
