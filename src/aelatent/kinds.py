"""The registry of model kinds: everything the config, training, comparison and pages know about a
kind lives in its entry here. Torch-free, so the workflow checks the config and the report
describes models without importing torch; ``nn/losses.py`` holds each kind's objective function
under the name the entry gives.

Adding a kind: an entry here, its objective in ``nn/losses.py``, its settings (if any) in the
schema's ``model`` section, and ``python -m aelatent.docs`` for config/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One kind of model: trained with the article's conv architecture, or (``trained`` False)
    the user's own modules, used as given (``nn/external.py``).

    ``settings``: the ``model`` keys only this kind reads (passed to its objective as keyword
    arguments, except ``decoder_decay``); ``head``: the encoder's output width in units of
    ``latent_dim`` (2: a posterior mean and log-variance); ``decoder_decay``: the setting that
    gives the decoder's parameters their own Adam group with that weight decay; ``loss``: the
    objective in words, or None when it is the per-pixel MSE itself."""

    name: str
    description: str
    objective: str
    settings: tuple[str, ...] = ()
    head: int = 1
    decoder_decay: str | None = None
    loss: str | None = None
    marker: str = "o"
    trained: bool = True

    @property
    def stochastic(self) -> bool:
        """Whether the encoder gives a Gaussian posterior (mean, log-variance) per image."""
        return self.head == 2

    @property
    def objective_settings(self) -> tuple[str, ...]:
        return tuple(k for k in self.settings if k != self.decoder_decay)


DEFAULT = "ae"  # a model without a kind: the article's plain autoencoder

KINDS = {
    k.name: k
    for k in (
        Kind("ae", "plain autoencoder (the article's)", "ae_objective"),
        Kind(
            "vae",
            "(beta-)VAE, its latent the encoder's mean",
            "vae_objective",
            settings=("beta",),
            head=2,
            loss="summed squared error + beta KL",
            marker="s",
        ),
        Kind(
            "rae",
            "regularised autoencoder (RAE-L2, Ghosh et al. 2020)",
            "rae_objective",
            settings=("latent_l2", "decoder_weight_decay"),
            decoder_decay="decoder_weight_decay",
            loss="summed squared error + latent_l2 |z|^2/2",
            marker="^",
        ),
        Kind(
            "torchscript",
            "your own encoder (and decoder) as torch.jit.save files, used as given: nothing is trained",
            "",
            settings=("encoder", "decoder", "input_size", "input_mean", "input_std"),
            marker="D",
            trained=False,
        ),
    )
}

# the settings of the article's architecture, which only trained kinds read
ARCHITECTURE = (
    "filters_encoder",
    "filters_decoder",
    "kernel_sizes",
    "strides",
    "latent_dim",
    "activation",
    "normalization",
)

# every setting that some kind alone reads
KIND_SETTINGS = tuple(k for kind in KINDS.values() for k in kind.settings)
# those of the trained kinds: the only ones a comparison of models holds (torchscript runs alone)
TRAINED_SETTINGS = tuple(k for kind in KINDS.values() if kind.trained for k in kind.settings)


def kind_of(model: dict) -> Kind:
    """The kind of a model's settings (``DEFAULT`` for settings written before there were kinds)."""
    return KINDS[model.get("kind", DEFAULT)]
