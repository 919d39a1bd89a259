"""Start-up checks of the config that its schema cannot express, torch-free so the workflow runs
them before any job; each check is one small function raising InputError that names the key."""

from __future__ import annotations

import math

import jsonschema

from .errors import InputError

# The settings only one kind of model reads: another kind's params never carry them.
KIND_KEYS = {"vae": ("beta",), "rae": ("latent_l2", "decoder_weight_decay")}


def model_settings(config: dict, model_schema: dict) -> dict[str, dict]:
    """Each model's settings: its ``models.<name>`` entry merged over ``model`` and checked against
    model's schema. Keys of other kinds are dropped, so tuning the VAE's beta reruns no AE."""
    validator = jsonschema.Draft202012Validator(model_schema)
    settings = {}
    for name, over in config["models"].items():
        merged = {**config["model"], **(over or {})}
        for error in sorted(validator.iter_errors(merged), key=lambda e: list(e.path)):
            key = ".".join(["models", name, *map(str, error.path)])
            raise InputError(f"{key}: {error.message}")
        other = {k for kind, keys in KIND_KEYS.items() if kind != merged["kind"] for k in keys}
        settings[name] = {k: v for k, v in sorted(merged.items()) if k not in other}
    return settings


def check_special_pair(config: dict, models: dict) -> None:
    """stats.special_pair: two distinct component indices below every model's latent_dim (or null)."""
    pair = config["stats"].get("special_pair")
    if pair is None:
        return
    name, dim = min(((n, m["latent_dim"]) for n, m in models.items()), key=lambda t: t[1])
    if len(pair) != 2 or pair[0] == pair[1] or not all(0 <= int(j) < dim for j in pair):
        raise InputError(
            f"stats.special_pair={list(pair)} must be two distinct component indices "
            f"in 0..{dim - 1} (latent_dim={dim} of model {name})"
        )


def check_learning_rate(config: dict, models: dict) -> None:
    """train.learning_rate finite: YAML's .inf and .nan pass the schema's exclusiveMinimum 0."""
    lr = config["train"]["learning_rate"]
    if not math.isfinite(lr):
        raise InputError(f"train.learning_rate={lr} must be a finite number above 0")


def check_batch_norm_batch(config: dict, models: dict) -> None:
    """Batch normalisation needs two images per batch (torch stops on one value per channel);
    a last batch of one is left out by training, but batches of one throughout are a mistake."""
    batchnorm = [n for n, m in models.items() if m["normalization"] == "batch"]
    if batchnorm and config["train"]["batch_size"] < 2:
        raise InputError(
            f"train.batch_size=1 with normalization=batch (model {batchnorm[0]}): batch "
            "normalisation needs at least 2 images per batch (raise train.batch_size or set "
            "model.normalization: none)"
        )


CHECKS = [check_special_pair, check_learning_rate, check_batch_norm_batch]


def validate_config(config: dict, model_schema: dict) -> dict[str, dict]:
    """Run every check on a schema-validated config (defaults filled in); return each model's
    settings (``model_settings``)."""
    models = model_settings(config, model_schema)
    for check in CHECKS:
        check(config, models)
    return models
