"""The one-home registries: seeded streams, model kinds, outputs, and the documentation generated
from them."""

import ast
import dataclasses
import re

import numpy as np
import pytest
import torch
import yaml
from conftest import ROOT, with_defaults

from aelatent import docs, kinds
from aelatent.checks import validate_config
from aelatent.errors import InputError
from aelatent.io.seeds import entropy, rng
from aelatent.nn.losses import objective_for
from aelatent.nn.model import Autoencoder
from aelatent.outputs import OUTPUTS, expected
from aelatent.vectors import generators
from aelatent.vectors.names import GENERATORS

LIB = ROOT / "src" / "aelatent"


def purposes_in_code() -> list[str]:
    """Every purpose string the library passes to the stream helpers (f-strings as their
    constant parts joined by '*')."""
    found = []
    for path in LIB.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and len(node.args) == 2):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name not in {"rng", "seeded", "seed_int"}:
                continue
            arg = node.args[1]
            if isinstance(arg, ast.Constant):
                found.append(arg.value)
            elif isinstance(arg, ast.JoinedStr):
                found.append("*".join(v.value if isinstance(v, ast.Constant) else "" for v in arg.values))
    return found


def test_no_random_number_is_drawn_outside_the_stream_helper():
    for path in LIB.rglob("*.py"):
        if path.name == "seeds.py":
            continue
        text = path.read_text()
        assert "default_rng(" not in text and "SeedSequence(" not in text, path
        assert not re.search(r"manual_seed\(seed\b|random_state=seed\b", text), path


def test_every_purpose_is_used_once_and_draws_its_own_stream():
    purposes = purposes_in_code()
    assert len(purposes) >= 9
    assert len(purposes) == len(set(purposes)), sorted(purposes)
    names = [*purposes, *(f"generator:{g}" for g in GENERATORS), "radii:1.5", "radii:2"]
    draws = {tuple(rng(0, p).integers(2**63, size=4)) for p in names}
    assert len(draws) == len(set(names))
    # the same purpose under another seed is another stream; under the same seed the same one
    assert entropy(0, "sample") != entropy(1, "sample")
    assert np.array_equal(rng(3, "sample").random(5), rng(3, "sample").random(5))


def test_adding_a_generator_leaves_the_others_vectors_equal(monkeypatch):
    fit = rng(0, "test").normal(size=(200, 6))
    cfg = {"uniform_b": 1.5, "gmm_components": 2, "pca_sigma": None}
    before = {g: generators.generate(g, 50, fit, cfg, seed=4) for g in GENERATORS}
    monkeypatch.setattr(generators, "GENERATORS", ("new_one", *reversed(GENERATORS)))
    for g in GENERATORS:
        assert np.array_equal(generators.generate(g, 50, fit, cfg, seed=4), before[g]), g


def test_a_kind_is_one_registry_entry_and_its_objective(monkeypatch):
    """Add an L1-regularised AE as the registry entry plus its objective function: the config is
    checked, the model built and trained one step, the other kinds' settings dropped."""
    l1 = kinds.Kind(
        "l1ae", "AE with an L1 latent penalty", "l1ae_objective", settings=("latent_l2",), loss="x"
    )
    monkeypatch.setitem(kinds.KINDS, "l1ae", l1)
    import aelatent.nn.losses as losses

    def l1ae_objective(model, x, amp, *, latent_l2):
        z = model.encode(x)
        mse = torch.nn.functional.mse_loss(model.decode(z), x)
        return mse + latent_l2 * z.abs().mean(), mse

    monkeypatch.setattr(losses, "l1ae_objective", l1ae_objective, raising=False)
    cfg = with_defaults({"models": {"sparse": {"kind": "l1ae", "latent_l2": 0.5}}})
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    settings = validate_config(cfg, schema["properties"]["model"])["sparse"]
    assert "beta" not in settings and settings["latent_l2"] == 0.5
    model = Autoencoder(
        {
            **settings,
            "filters_encoder": [4],
            "filters_decoder": [4],
            "kernel_sizes": [3],
            "strides": [2],
            "latent_dim": 3,
        },
        8,
    )
    loss, mse = objective_for(settings)(
        model, torch.rand(2, 3, 8, 8), lambda: torch.autocast("cpu", enabled=False)
    )
    assert loss.item() > mse.item() > 0
    assert dataclasses.replace(l1, head=2).stochastic and not l1.stochastic


def test_the_default_kind_is_the_schemas_default():
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    assert schema["properties"]["model"]["properties"]["kind"]["default"] == kinds.DEFAULT


def test_an_unknown_kind_or_generator_is_refused_naming_the_key():
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    cfg = with_defaults({"models": {"x": {"kind": "gan"}}})
    with pytest.raises(
        InputError, match=r"models\.x\.kind: 'gan' is not a model kind; choose from ae, vae, rae"
    ):
        validate_config(cfg, schema["properties"]["model"])
    cfg = with_defaults({"vectors": {"generators": ["uniform", "sobol"]}})
    with pytest.raises(InputError, match=r"vectors\.generators: 'sobol' is not a generator"):
        validate_config(cfg, schema["properties"]["model"])


def test_the_outputs_registry_names_each_file_once():
    paths = [o.path for o in OUTPUTS.values()]
    assert len(paths) == len(set(paths))
    for o in OUTPUTS.values():
        if o.kind in {"figure", "table", "page"}:
            assert o.category and (ROOT / "workflow" / "report" / f"{o.caption}.rst").exists(), o
    files = expected(with_defaults({}), ["ae"])
    assert len(files) == len(set(files))
    assert "ae/stats/coverage.tsv" in files and "ae/tables/coverage.html" in files
    assert "ae/figures/pair_grid_b4.0.png" in files and "ae/model/model.pt" in files
    two = expected(with_defaults({"dataset": {"source": "imagefolder"}}), ["a", "b"])
    assert "compare/models.tsv" in two and not any("factor_correlations" in f for f in two)


def test_the_committed_docs_are_what_the_registries_generate():
    assert (ROOT / "config" / "README.md").read_text() == docs.config_readme(ROOT / docs.SCHEMA), (
        "config/README.md is stale: run make docs"
    )
    readme = (ROOT / "README.md").read_text()
    assert docs.readme(readme) == readme, "README.md's outputs table is stale: run make docs"
    for name in kinds.KINDS:
        assert f"| `{name}` |" in docs.config_readme(ROOT / docs.SCHEMA)


def test_make_tests_groups_reach_the_xdist_scheduler(request):
    """``make test`` keeps each module (and the tiny run's users) on one worker by their
    ``xdist_group``; xdist can only schedule by a group it finds in the test's id. When a pytest
    release stops reading the id xdist writes, the groups split silently and every module fixture
    is built on both workers: this fails instead."""
    if not getattr(request.config.option, "loadgroup", False):  # set on xdist's workers
        pytest.skip("runs under make test's `pytest -n 2 --dist loadgroup`")
    group = request.node.get_closest_marker("xdist_group").args[0]  # as conftest.py names it
    assert request.node.nodeid.endswith(f"@{group}"), request.node.nodeid


def test_every_rule_a_profile_names_is_a_rule_of_the_workflow():
    """A profile's per-rule settings for a renamed rule are silently ignored (a cluster job would
    get the default runtime and be killed), so each name must be a rule the workflow defines."""
    rules = set()
    for smk in [ROOT / "Snakefile", *(ROOT / "workflow" / "rules").glob("*.smk")]:
        rules.update(re.findall(r"^\s*(?:local)?rule (\w+):", smk.read_text(), re.M))
    assert {"train_model", "encode_shard", "all"} <= rules
    for profile in (ROOT / "profiles").glob("*/config.yaml"):
        settings = yaml.safe_load(profile.read_text())
        for key in ("set-resources", "set-threads"):
            named = set(settings.get(key) or {})
            assert named <= rules, f"{profile}: {key} names {sorted(named - rules)}"
