"""Start-up checks of the config that its schema cannot express, torch-free so the workflow runs
them before any job; each check is one small function raising InputError that names the key."""

from __future__ import annotations

import math

from .errors import InputError


def check_special_pair(config: dict) -> None:
    """stats.special_pair: two distinct component indices below model.latent_dim (or null)."""
    pair = config["stats"].get("special_pair")
    dim = config["model"]["latent_dim"]
    if pair is None:
        return
    if len(pair) != 2 or pair[0] == pair[1] or not all(0 <= int(j) < dim for j in pair):
        raise InputError(
            f"stats.special_pair={list(pair)} must be two distinct component indices "
            f"in 0..{dim - 1} (model.latent_dim={dim})"
        )


def check_learning_rate(config: dict) -> None:
    """train.learning_rate finite: YAML's .inf and .nan pass the schema's exclusiveMinimum 0."""
    lr = config["train"]["learning_rate"]
    if not math.isfinite(lr):
        raise InputError(f"train.learning_rate={lr} must be a finite number above 0")


def check_batch_norm_batch(config: dict) -> None:
    """Batch normalisation needs two images per batch (torch stops on one value per channel);
    a last batch of one is left out by training, but batches of one throughout are a mistake."""
    if config["model"]["normalization"] == "batch" and config["train"]["batch_size"] < 2:
        raise InputError(
            "train.batch_size=1 with model.normalization=batch: batch normalisation needs at least "
            "2 images per batch (raise train.batch_size or set model.normalization: none)"
        )


CHECKS = [check_special_pair, check_learning_rate, check_batch_norm_batch]


def validate_config(config: dict) -> None:
    """Run every check on a schema-validated config (defaults filled in)."""
    for check in CHECKS:
        check(config)
