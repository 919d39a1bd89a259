"""What the benchmarks share: the workflow's default configuration, read from its schema."""

from __future__ import annotations

from pathlib import Path

from snakemake.utils import validate

SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"


def default_config() -> dict:
    """Every section with the schema's defaults (the article's model among them)."""
    cfg: dict = {}
    validate(cfg, str(SCHEMA))
    return cfg
