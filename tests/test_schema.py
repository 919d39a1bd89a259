import subprocess
import sys

import numpy as np
import pytest
import yaml
from conftest import ROOT, model_schema, with_defaults
from snakemake.exceptions import WorkflowError

from aelatent.checks import model_settings, validate_config
from aelatent.errors import InputError


def test_defaults_fill_every_section():
    cfg = with_defaults({"run": "x"})
    assert cfg["dataset"]["source"] == "synthetic"
    assert cfg["dataset"]["on_corrupt"] == "error"
    assert cfg["model"]["filters_encoder"] == [64, 64, 128, 128]
    assert cfg["figures"]["b_values"] == [4.0, 1.5]
    assert cfg["stats"]["pair_threshold"] == 0.5


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        ({"datset": {}}, "datset"),
        ({"dataset": {"sorce": "synthetic"}}, "sorce"),
        ({"dataset": {"source": "imagenet"}}, "imagenet"),
        ({"dataset": {"image_size": "64"}}, "image_size"),
        ({"dataset": {"n_images": 0}}, "n_images"),
        ({"dataset": {"on_corrupt": "ignore"}}, "on_corrupt"),
        ({"model": {"latent_dim": 2.5}}, "latent_dim"),
        ({"figures": {"b_values": "4.0"}}, "b_values"),
        ({"stats": {"pair_threshold": 1.5}}, "pair_threshold"),
        ({"run": "a/b"}, "run"),
        ({"models": {}}, "models"),
        ({"models": {"compare": {}}}, "compare"),
        ({"models": {"1st": {}}}, "1st"),
    ],
)
def test_schema_rejects_bad_config_naming_the_key(patch, needle):
    with pytest.raises(WorkflowError) as err:
        with_defaults(patch)
    assert needle in str(err.value)


def test_all_shipped_configs_are_valid(tmp_path):
    shipped = sorted((ROOT / "config").glob("*.yaml"))
    assert {p.stem for p in shipped} >= {"config", "tiny", "tiny_sweep", "sweep", "celeba", "scale"}
    # a latents config names the user's file: checked here against vectors enough for its sample
    np.save(tmp_path / "z.npy", np.random.default_rng(0).standard_normal((5000, 32), dtype=np.float32))
    # and a torchscript config the user's encoder: checked against one scripted here
    import torch

    encoder = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.LazyLinear(24))
    encoder(torch.zeros(1, 3, 64, 64))
    torch.jit.save(torch.jit.script(encoder), str(tmp_path / "encoder.pt"))
    for path in shipped:
        cfg = with_defaults(yaml.safe_load(path.read_text()))
        if cfg["dataset"]["source"] == "latents":
            cfg["dataset"]["path"] = str(tmp_path / "z.npy")
        if cfg["model"]["kind"] == "torchscript":
            cfg["model"]["encoder"] = str(tmp_path / "encoder.pt")
        assert validate_config(cfg, model_schema()), path.name


def dry_run(tmp_path, config_text: str) -> subprocess.CompletedProcess:
    """``snakemake -n`` with the given config in an empty working directory."""
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(config_text)
    cmd = [sys.executable, "-m", "snakemake", "-n", "--configfile", str(cfg), "-d", str(tmp_path)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)


def test_workflow_refuses_unknown_key_before_any_job(tmp_path):
    res = dry_run(tmp_path, "run: bad\ndataset:\n  image_sise: 64\n")
    assert res.returncode != 0
    assert "image_sise" in res.stdout + res.stderr
    assert not (tmp_path / "results").exists()


def test_config_readme_documents_every_key():
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    readme = (ROOT / "config" / "README.md").read_text()

    def keys(props, prefix=""):
        for k, v in props.items():
            assert "description" in v, prefix + k
            if v.get("type") == "object" and "properties" in v:
                yield from keys(v["properties"], f"{prefix}{k}.")
            else:
                assert "default" in v, prefix + k
                yield prefix + k

    for key in keys(schema["properties"]):
        assert f"`{key}`" in readme, key


def test_workflow_refuses_image_size_that_does_not_fit_the_strides(tmp_path):
    res = dry_run(tmp_path, "run: bad\ndataset:\n  image_size: 60\n")
    assert res.returncode != 0
    assert "dataset.image_size=60 does not fit model.strides=[2, 2, 2, 2]" in res.stdout + res.stderr


def test_each_model_is_its_entry_over_model_with_only_its_kinds_keys():
    cfg = with_defaults(
        {
            "model": {"latent_dim": 32, "beta": 2.0},
            "models": {"ae": None, "vae": {"kind": "vae"}, "rae": {"kind": "rae", "latent_dim": 8}},
        }
    )
    models = model_settings(cfg, model_schema())
    assert list(models) == ["ae", "vae", "rae"]
    others = {"beta", "latent_l2", "decoder_weight_decay", "encoder", "decoder", "input_size"}
    others |= {"input_mean", "input_std"}
    assert models["ae"] == {k: v for k, v in cfg["model"].items() if k not in others}
    assert models["vae"]["beta"] == 2.0 and models["vae"]["latent_dim"] == 32
    assert "latent_l2" not in models["vae"] and "beta" not in models["rae"]
    assert models["rae"]["latent_dim"] == 8 and models["rae"]["latent_l2"] == 1e-4


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"betta": 1.0}, r"models\.vae: Additional properties are not allowed \('betta' was unexpected\)"),
        ({"beta": -1}, r"models\.vae\.beta: -1 is less than the minimum of 0"),
        ({"latent_dim": "8"}, r"models\.vae\.latent_dim: '8' is not of type 'integer'"),
    ],
)
def test_a_bad_model_entry_is_refused_naming_the_model_and_key(entry, message):
    cfg = with_defaults({"models": {"ae": {}, "vae": {"kind": "vae", **entry}}})
    with pytest.raises(InputError, match=message):
        validate_config(cfg, model_schema())


def test_workflow_refuses_a_models_entry_that_does_not_fit_the_images(tmp_path):
    res = dry_run(tmp_path, "run: bad\nmodels:\n  ae: {}\n  deep: {strides: [2, 2, 2, 2, 2, 2, 2]}\n")
    assert res.returncode != 0 and "Job stats" not in res.stdout + res.stderr
    assert "models.deep.filters_encoder, models.deep.filters_decoder" in res.stdout + res.stderr
