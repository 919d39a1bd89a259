"""Send a job's stderr (tqdm bars, warnings, a failure's traceback) and logging to its log file,
and append the same to a history beside it.

Snakemake deletes a job's log before it runs the job again, so a retry would erase the cause of
the failure it retries; ``<log stem>.history.log`` keeps every attempt, each under a dated header.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from datetime import datetime
from pathlib import Path


class _Tee(io.TextIOBase):
    """A text stream writing to several line-buffered files."""

    def __init__(self, *streams):
        self.streams = streams

    def write(self, text: str) -> int:
        for s in self.streams:
            s.write(text)
        return len(text)

    def flush(self) -> None:
        for s in self.streams:
            s.flush()

    @property
    def encoding(self) -> str:  # tqdm draws Unicode bars only on a stream that declares UTF-8
        return self.streams[0].encoding


def history_path(path: str | os.PathLike) -> Path:
    """Where the attempts of the job logging to ``path`` accumulate."""
    path = Path(path)
    return path.with_name(f"{path.stem}.history{path.suffix or '.log'}")


def log_to(path: str | os.PathLike) -> None:
    """Redirect stderr and the root logger to ``path`` (this attempt) and to its history (every
    attempt), under a header with the date and process id; line-buffered, so a killed job keeps
    what it wrote."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # both live as long as the job
    current = open(path, "a", buffering=1)  # noqa: SIM115
    history = open(history_path(path), "a", buffering=1)  # noqa: SIM115
    stream = _Tee(current, history)
    now = datetime.now().astimezone().isoformat(timespec="seconds")
    stream.write(f"==== {now} pid {os.getpid()} ====\n")
    sys.stderr = stream
    logging.basicConfig(
        stream=stream,
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        force=True,
    )
    logging.captureWarnings(True)
