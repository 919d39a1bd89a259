import copy
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny_config() -> dict:
    return yaml.safe_load((ROOT / "config" / "tiny.yaml").read_text())


def with_defaults(cfg: dict) -> dict:
    """``cfg`` validated against the schema, defaults filled in (as the workflow does)."""
    from snakemake.utils import validate

    cfg = copy.deepcopy(cfg)
    validate(cfg, str(ROOT / "workflow" / "schemas" / "config.schema.yaml"))
    return cfg
