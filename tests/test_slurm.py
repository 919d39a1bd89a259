"""The tiny workflow on a real one-node SLURM cluster on localhost, compared with a local run, and
the tiny sweep's models training as SLURM jobs of their own, in the same Snakemake run."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
import zarr
from conftest import ROOT, copy_workflow, planned, results, snakemake, with_defaults

from aelatent.outputs import expected

pytestmark = pytest.mark.slurm
SCRIPT = ROOT / "tests" / "slurm" / "localcluster.sh"
HAVE_SLURM = all(shutil.which(b) for b in ("slurmctld", "slurmd", "sbatch", "munged"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not HAVE_SLURM:
        if os.environ.get("CI"):
            pytest.fail("SLURM is not installed: .ci/run should have installed it")
        pytest.skip("SLURM is not installed (apt-get install slurmctld slurmd slurm-client munge)")
    if os.geteuid() != 0:
        pytest.skip("starting a local SLURM cluster needs root")
    state = tmp_path_factory.mktemp("slurm")
    subprocess.run([SCRIPT, "start", state], check=True)
    yield state
    subprocess.run([SCRIPT, "stop", state], check=True)


FLAGS = [
    "--workflow-profile",
    "profiles/slurm",
    "--slurm-no-account",
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "1",
    "--slurm-keep-successful-logs",
]


def test_tiny_workflow_on_slurm_equals_local_run(cluster, work, tmp_path):
    """One SLURM run under config/tiny_sweep.yaml (the tiny run's AE and two more models) asks for
    every file of config/tiny.yaml's rule all and for the VAE's and RAE's models: the tiny
    workflow and a sweep's trainings at once, as a user would submit them."""
    w = copy_workflow(tmp_path)
    tiny = with_defaults(yaml.safe_load((ROOT / "config" / "tiny.yaml").read_text()))
    sweep = [f"results/tiny/{m}/model/model.pt" for m in ("vae", "rae")]
    targets = [f"results/tiny/{f}" for f in expected(tiny, ["ae"])] + sweep
    snakemake(w, *FLAGS, *targets, config="config/tiny_sweep.yaml")
    assert planned(w) == {}

    # every job went through SLURM: one sbatch log per job, and the controller knows the jobs
    logs = list((w / ".snakemake" / "slurm_logs").rglob("*.log"))
    rules_run = {p.parts[p.parts.index("slurm_logs") + 1] for p in logs}
    assert {"rule_train_model", "rule_encode_shard", "rule_coverage"} <= rules_run
    # the bookkeeping rules marked localrule ran beside Snakemake, not as SLURM jobs
    local = {"create_latent_store", "merge_moments", "summarize", "render_tables"}
    assert not {f"rule_{r}" for r in local} & rules_run, rules_run
    assert all((results(w) / "logs" / f"{r}.log").exists() for r in local)
    shown = subprocess.run(["scontrol", "show", "job", "-o"], capture_output=True, text=True).stdout
    completed = re.findall(r"JobState=COMPLETED", shown)
    assert len(completed) >= len(logs) > 30

    # the same numbers as the local run of the same config
    local, remote = results(work), results(w)
    za = zarr.open_array(str(local / "latents" / "z.zarr"), mode="r")[:]
    zb = zarr.open_array(str(remote / "latents" / "z.zarr"), mode="r")[:]
    assert np.array_equal(za, zb)
    for table in [
        "stats/components.tsv",
        "stats/pairs.tsv",
        "stats/threshold_counts.tsv",
        "stats/coverage.tsv",
    ]:
        assert (local / table).read_text() == (remote / table).read_text(), table
    assert sorted(p.name for p in Path(remote / "figures").glob("*.png")) == sorted(
        p.name for p in Path(local / "figures").glob("*.png")
    )

    # a sweep's models train as SLURM jobs of their own, all submitted before any finished
    trains = {}
    for line in shown.splitlines():
        job = dict(re.findall(r"(\w+)=(\S+)", line))
        prefix, _, model = job.get("Comment", "").partition("rule_train_model_wildcards_")
        if model and not prefix:
            trains[model] = job
    assert {"vae", "rae"} <= set(trains), shown
    assert trains["vae"]["JobId"] != trains["rae"]["JobId"]
    # with the profile's runtime for training (720 minutes), not the rule's or the default
    assert {j["TimeLimit"] for j in trains.values()} == {"12:00:00"}, trains
    pair = [trains["vae"], trains["rae"]]
    assert max(j["SubmitTime"] for j in pair) <= min(j["EndTime"] for j in pair), pair
