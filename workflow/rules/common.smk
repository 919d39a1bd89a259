import os
import re
import sys
from pathlib import Path

import yaml
from snakemake.utils import validate

SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
validate(config, schema=str(SCHEMA))

R = f"results/{config['run']}"
# Every per-model output lives under results/<run>/<model>/; the image store is shared.
M = f"{R}/{{model}}"
LIB = Path(workflow.basedir) / "src" / "aelatent"
SCRIPTS = Path(workflow.basedir) / "scripts"
# Jobs import the library from this checkout, whatever environment they run in.
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        filter(None, [str(LIB.parent), os.environ.get("PYTHONPATH")])
    )
)
sys.path.insert(0, str(LIB.parent))
from aelatent.checks import validate_config
from aelatent.codecache import script_hashes
from aelatent.data.layout import source_fingerprint
from aelatent.nn.geometry import check_geometry
from aelatent.kinds import kind_of
from aelatent.outputs import (
    OUTPUTS,
    TABLES,
    applies,
    expected,
    page_path,
    run_properties,
)
from aelatent.vectors.names import GENERATOR_SETTINGS, GENERATORS

# Each model's settings (models.<name> over model), checked before any job runs. libyaml's
# loader where PyYAML has it: every job start on a cluster parses the workflow again.
_schema = yaml.load(
    SCHEMA.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
)
MODELS = validate_config(config, _schema["properties"]["model"])
for _name, _settings in MODELS.items():
    _key = f"models.{_name}" if config["models"][_name] else "model"
    if kind_of(_settings).trained:
        check_geometry(_settings, config["dataset"]["image_size"], _key)
COMPARE = len(MODELS) > 1

SHARDS = range(config["encode"]["shards"])
GPU = 1 if config["device"] == "cuda" else 0
DS = config["dataset"]


wildcard_constraints:
    model="|".join(map(re.escape, MODELS)),


CODE = script_hashes(SCRIPTS)


def code(script):
    """Hash of the library code a rule's script runs: the package modules it imports,
    transitively, without comments, docstrings or formatting. Passed as a param, it reruns
    exactly the jobs whose code changed (Snakemake tracks the script itself)."""
    return CODE[script]


def dataset_params():
    """The dataset settings the image stage reads for this source, and a fingerprint of the
    source's content instead of its location: moving or touching a dataset reruns nothing,
    changing an image does."""
    keys = ["source", "n_images", "image_size", "chunk_images", "min_images"]
    if DS["source"] != "celeba":
        keys += ["valid_fraction", "test_fraction"]
    if DS["source"] == "synthetic":
        keys += ["synthetic"]
    if DS["source"] != "synthetic":
        keys += ["crop", "on_corrupt"]
    params = {k: DS[k] for k in keys}
    if DS["source"] != "synthetic":
        params["content"] = source_content()
    return params


def latents_params():
    """What import_latents reads of dataset (source latents), and a fingerprint of the file's
    content instead of its path: a copied or touched file reruns nothing, a changed one reruns
    the import and every job after it. The path itself is read from the config by the job.
    """
    from aelatent.data.latents import fingerprint

    params = {k: DS[k] for k in ["format", "latents", "on_corrupt"]}
    params["content"] = fingerprint(DS["path"], ".snakemake/aelatent")
    return params


def source_content():
    # every downloaded file is md5-checked, so the md5 sums pin the content
    if download_targets():
        from aelatent.data.fetch import celeba_files

        files = celeba_files(DS["files"])
        return sorted((f["name"], f.get("md5") or f["url"]) for f in files)
    return source_fingerprint(DS["source"], DS["path"], ".snakemake/aelatent")


def generator_params(wildcards):
    """Only the settings of this generator, so tuning one never redraws the others."""
    keys = ["n", *GENERATOR_SETTINGS.get(wildcards.generator, ())]
    return {k: config["vectors"][k] for k in keys}


def model_params(wildcards):
    """This model's settings only: adding a model or tuning another reruns none of its jobs."""
    return MODELS[wildcards.model]


def category(name, per_model=True):
    """A report category; with several models each has its own set, named by the model."""
    return f"{{model}} · {name}" if COMPARE and per_model else name


def train_params():
    """What training computes with: never threads (scheduling, not science)."""
    return {k: v for k, v in sorted(config["train"].items()) if k != "threads"}


def download_targets():
    """The files download_celeba writes: dataset.files, or else the two of torchvision's CelebA
    list our reader needs. torchvision (and torch) is imported only here, when a download is
    asked for, so planning other runs stays fast."""
    if DS["source"] == "celeba" and DS["download"]:
        from aelatent.data.fetch import celeba_files

        return [f"{DS['path']}/{f['name']}" for f in celeba_files(DS["files"])]
    return []


# What the registry's ``when`` asks of this run: images (not the user's own latents), a trained
# model (not the user's own TorchScript modules), a decoder.
RUN = run_properties(config, MODELS)
IMAGES, TRAINED, DECODER = RUN["images"], RUN["trained"], RUN["decoder"]


def path(name):
    """The path of output ``name`` of the registry (aelatent.outputs), wildcards left in."""
    return f"{R}/{OUTPUTS[name].path}"


def report_entry(o, file):
    """``file`` as the report shows it: in its category, with its caption and labels."""
    sub = {"subcategory": category(o.subcategory)} if o.subcategory else {}
    return report(
        file,
        caption=f"../report/{o.caption}.rst",
        category=category(o.category, o.per_model),
        labels=o.labels,
        **sub,
    )


def out(name):
    """Output ``name`` as rules declare it: a figure as one file per figures.formats (the PNG
    in the report), a page in the report, a zarr folder as a directory."""
    o, file = OUTPUTS[name], path(name)
    if o.kind == "figure":
        formats = config["figures"]["formats"]
        return [report_entry(o, f"{file}.png")] + [
            f"{file}.{ext}" for ext in formats if ext != "png"
        ]
    if o.kind == "page":
        return report_entry(o, file)
    if o.kind == "store" and not file.endswith(".json"):
        return directory(file)
    return file


def shown_tables():
    """The tables of this run that get a page in the report."""
    return [t for t in TABLES if OUTPUTS[t].per_model and applies(OUTPUTS[t], **RUN)]


def all_outputs():
    """Every output of the registry that applies to this run, each table's page included."""
    return [f"{R}/{p}" for p in expected(config, MODELS)]


def per_model(name):
    """Output ``name`` for every model, in the order of config models."""
    return expand(path(name), model=list(MODELS))
