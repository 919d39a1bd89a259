"""Send a job's stderr (tqdm bars, warnings, a failure's traceback) and logging to its log file,
and append the same to a history beside it.

A progress bar redraws its line with carriage returns many times a second; written as it comes, a
log would hold one line of megabytes. The log instead gets the bar's state as a line of its own
at most every PROGRESS_INTERVAL seconds, and its final state when it ends.

Snakemake deletes a job's log before it runs the job again, so a retry would erase the cause of
the failure it retries; ``<log stem>.history.log`` keeps every attempt, each under a dated header.
"""

from __future__ import annotations

import io
import logging
import os
import re
import sys
import time
from datetime import datetime
from pathlib import Path

PROGRESS_INTERVAL = 30.0  # seconds between two lines of one progress bar in a log


class _Tee(io.TextIOBase):
    """A text stream writing whole lines to several line-buffered files. Text after a carriage
    return replaces the line so far (a progress bar's redraw): that state is written as a line of
    its own when ``interval`` seconds have passed since the last one, and the final one when a
    newline ends the bar."""

    def __init__(self, *streams, interval: float = PROGRESS_INTERVAL, clock=time.monotonic):
        self.streams = streams
        self.interval, self.clock = interval, clock
        self.line = ""  # the line being written
        self.last = None  # when the last progress line was written

    def _emit(self, line: str) -> None:
        for s in self.streams:
            s.write(line + "\n")

    def write(self, text: str) -> int:
        for part in re.split(r"(\r|\n)", text):
            if part == "\n":
                self._emit(self.line)
                self.line = ""
            elif part == "\r":
                now = self.clock()
                if self.line.strip() and (self.last is None or now - self.last >= self.interval):
                    self._emit(self.line)
                    self.last = now
                self.line = ""
            else:
                self.line += part
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
