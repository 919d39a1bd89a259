"""The article's convolutional autoencoder, with its geometry taken from the config.

One architecture serves every model kind (``model.kind``, ``kinds.py``): a kind sets only the
encoder's output width (a stochastic kind outputs a mean and a log-variance per latent
dimension) and the objective it is trained with.
"""

from __future__ import annotations

import torch
from torch import nn

from ..kinds import kind_of
from .geometry import check_geometry

_ACTIVATIONS = {"leaky_relu": lambda: nn.LeakyReLU(0.2), "relu": nn.ReLU, "elu": nn.ELU}


class Autoencoder(nn.Module):
    """Encoder: convs -> flatten -> linear to the kind's ``head`` times ``latent_dim`` (a VAE's
    mean and log-variance); decoder mirrors it, sigmoid output."""

    def __init__(self, model: dict, image_size: int):
        super().__init__()
        self.kind = kind_of(model)
        inner = check_geometry(model, image_size)
        act = _ACTIVATIONS[model["activation"]]
        batchnorm = model["normalization"] == "batch"
        enc, dec = model["filters_encoder"], model["filters_decoder"]
        kernels, strides = model["kernel_sizes"], model["strides"]
        layers: list[nn.Module] = []
        cin = 3
        for f, k, s in zip(enc, kernels, strides, strict=True):
            layers += [nn.Conv2d(cin, f, k, s, k // 2, bias=not batchnorm)]
            layers += [nn.BatchNorm2d(f)] if batchnorm else []
            layers += [act()]
            cin = f
        self.encoder = nn.Sequential(
            *layers,
            nn.Flatten(),
            nn.Linear(cin * inner * inner, model["latent_dim"] * self.kind.head),
        )
        self.unflatten_shape = (dec[0], inner, inner)
        layers = [
            nn.Linear(model["latent_dim"], dec[0] * inner * inner),
            nn.Unflatten(1, self.unflatten_shape),
            act(),
        ]
        cin = dec[0]
        for f, k, s in zip(dec, kernels[::-1], strides[::-1], strict=True):
            layers += [nn.ConvTranspose2d(cin, f, k, s, k // 2, output_padding=s - 1, bias=not batchnorm)]
            layers += [nn.BatchNorm2d(f)] if batchnorm else []
            layers += [act()]
            cin = f
        layers += [nn.Conv2d(cin, 3, 3, 1, 1), nn.Sigmoid()]
        self.decoder = nn.Sequential(*layers)

    def encode_stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """A VAE's posterior mean and log-variance; for the deterministic kinds (z, None)."""
        h = self.encoder(x)
        if self.kind.stochastic:
            mu, logvar = h.chunk(2, dim=1)
            return mu, logvar
        return h, None

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The latent vector studied downstream: for a VAE, the posterior mean."""
        return self.encode_stats(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The deterministic reconstruction (a VAE decodes its mean)."""
        return self.decoder(self.encode(x))


def to_input(batch_u8: torch.Tensor) -> torch.Tensor:
    """uint8 NHWC -> float NCHW in [0, 1]; the permute keeps NHWC storage (channels_last)."""
    return batch_u8.permute(0, 3, 1, 2).float().div_(255.0)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)
