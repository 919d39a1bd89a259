"""Send a job's stderr (tqdm bars, warnings) and logging to its log file."""

from __future__ import annotations

import logging
import sys


def log_to(path: str) -> None:
    """Redirect stderr and the root logger to ``path`` (line-buffered, so a killed job keeps it)."""
    stream = open(path, "w", buffering=1)  # noqa: SIM115 - lives as long as the job
    sys.stderr = stream
    logging.basicConfig(
        stream=stream,
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        force=True,
    )
    logging.captureWarnings(True)
