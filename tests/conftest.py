import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def with_defaults(cfg: dict) -> dict:
    """``cfg`` validated against the schema, defaults filled in (as the workflow does)."""
    from snakemake.utils import validate

    cfg = copy.deepcopy(cfg)
    validate(cfg, str(ROOT / "workflow" / "schemas" / "config.schema.yaml"))
    return cfg


def snakemake(work: Path, *args: str, config: str = "config/tiny.yaml", check: bool = True):
    cmd = [sys.executable, "-m", "snakemake", "--configfile", config, "-c2", *args]
    res = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    if check and res.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return res


def planned(work: Path, config: str = "config/tiny.yaml") -> dict[str, int]:
    """Rule -> job count of a dry run (empty when nothing is to be done)."""
    res = snakemake(work, "-n", config=config)
    out = res.stdout + res.stderr
    if "Nothing to be done" in out:
        return {}
    table = out.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", table, re.M) if m[1] != "job"}


@pytest.fixture(scope="session")
def work(tmp_path_factory) -> Path:
    """A copy of the workflow (its own results/ and .snakemake/) with the tiny run complete."""
    w = copy_workflow(tmp_path_factory.mktemp("workflow"))
    snakemake(w)
    return w


def copy_workflow(dest: Path) -> Path:
    for item in ("Snakefile", "workflow", "profiles", "scripts", "src", "config", "envs"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / item)
    return dest


def results(work: Path) -> Path:
    return work / "results" / "tiny"
