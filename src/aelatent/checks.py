"""Start-up checks of the config that its schema cannot express, torch-free so the workflow runs
them before any job; each check is one small function raising InputError that names the key."""

from __future__ import annotations

import math

import jsonschema

from .errors import InputError
from .kinds import ARCHITECTURE, KIND_SETTINGS, KINDS
from .vectors.names import GENERATORS


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
        if merged["kind"] not in KINDS:
            raise InputError(
                f"models.{name}.kind: {merged['kind']!r} is not a model kind; choose from {', '.join(KINDS)}"
            )
        other = set(KIND_SETTINGS) - set(KINDS[merged["kind"]].settings)
        if not KINDS[merged["kind"]].trained:
            other |= set(ARCHITECTURE)
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
    batchnorm = [n for n, m in models.items() if m.get("normalization") == "batch"]
    if batchnorm and config["train"]["batch_size"] < 2:
        raise InputError(
            f"train.batch_size=1 with normalization=batch (model {batchnorm[0]}): batch "
            "normalisation needs at least 2 images per batch (raise train.batch_size or set "
            "model.normalization: none)"
        )


def check_generators(config: dict, models: dict) -> None:
    """vectors.generators: names of the generators in ``vectors/names.py``."""
    unknown = [g for g in config["vectors"]["generators"] if g not in GENERATORS]
    if unknown:
        raise InputError(
            f"vectors.generators: {', '.join(map(repr, unknown))} is not a generator; "
            f"choose from {', '.join(GENERATORS)}"
        )


def check_counts(config: dict, models: dict) -> None:
    """stats.n_dominant at most every model's latent_dim; for synthetic faces (whose count is
    known now) stats.sample_size at most the images drawn: never clipped without a word."""
    name, dim = min(((n, m["latent_dim"]) for n, m in models.items()), key=lambda t: t[1])
    k = config["stats"]["n_dominant"]
    if k > dim:
        raise InputError(f"stats.n_dominant={k} is above latent_dim={dim} of model {name}: at most {dim}")
    ds, m = config["dataset"], config["stats"]["sample_size"]
    n = ds.get("n_images") or 10_000  # what prepare_images draws
    if ds["source"] == "synthetic" and m > n:
        raise InputError(f"stats.sample_size={m} is above the {n} images of dataset.n_images: at most {n}")


CHECKS = [check_special_pair, check_learning_rate, check_batch_norm_batch, check_generators, check_counts]


def latents_settings(config: dict, models: dict) -> dict[str, dict]:
    """For ``dataset.source: latents``: one model (its name names the results folder; nothing is
    trained), and the file's D as its latent_dim, so every check on latent_dim checks the file;
    the file's rank, dtype and D (and N against stats.sample_size, where the header tells N) are
    checked here, before any job runs."""
    from .data.latents import describe

    ds = config["dataset"]
    if len(models) > 1:
        raise InputError(
            f"dataset.source: latents studies one set of vectors, but models lists {', '.join(models)}: "
            "keep one entry (it names the results folder)"
        )
    if not ds["path"]:
        raise InputError("dataset.source: latents needs dataset.path: the file holding your (N, D) vectors")
    n, dim = describe(ds["path"], ds["format"], ds["latents"])
    m = config["stats"]["sample_size"]
    if n is not None and n < m:
        raise InputError(
            f"{ds['path']}: {n} vectors, below stats.sample_size={m}: lower stats.sample_size to at most {n}"
        )
    return {name: {**s, "latent_dim": dim} for name, s in models.items()}


def own_model_settings(config: dict, models: dict) -> dict[str, dict]:
    """For ``model.kind: torchscript``: the one model of the run, on images; its files loaded and
    tried on a probe batch now (torch imported only here), replaced by their digests, and the
    encoder's D as its latent_dim (``nn.external.describe``)."""
    from .nn.external import describe

    own = [n for n, m in models.items() if not KINDS[m["kind"]].trained]
    if len(models) > 1:
        raise InputError(
            f"models.{own[0]}.kind: torchscript studies your own model alone, but models lists "
            f"{', '.join(models)}: give it a config of its own"
        )
    if config["dataset"]["source"] == "latents":
        raise InputError(
            "model.kind: torchscript encodes images, but dataset.source is latents: "
            "choose an image source, or drop the model settings"
        )
    name = own[0]
    key = f"models.{name}" if config["models"][name] else "model"
    return {name: describe(models[name], config["dataset"]["image_size"], key)}


def validate_config(config: dict, model_schema: dict) -> dict[str, dict]:
    """Run every check on a schema-validated config (defaults filled in); return each model's
    settings (``model_settings``)."""
    models = model_settings(config, model_schema)
    if config["dataset"]["source"] == "latents":
        models = latents_settings(config, models)
    if not all(KINDS[m["kind"]].trained for m in models.values()):
        models = own_model_settings(config, models)
    for check in CHECKS:
        check(config, models)
    return models
