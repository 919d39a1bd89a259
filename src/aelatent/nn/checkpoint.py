"""Atomic, weights-only torch checkpoints."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

import torch

from ..errors import InputError
from ..io.atomic import atomic_path


def save_atomic(obj: dict, path: str | os.PathLike) -> None:
    """Write under a unique temporary name and rename, so a kill mid-write leaves the old file;
    a full disk (torch says only "basic_ios::clear: iostream error") is a ``NoSpaceError``
    naming the file and its file system, with nothing half-written left."""
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def load(path: str | os.PathLike, map_location: str | torch.device = "cpu", keys: Iterable[str] = ()) -> dict:
    """``torch.load(weights_only=True)`` of a dict holding ``keys``; anything else (a damaged,
    foreign or truncated file) is an InputError naming the file and saying to delete it."""
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as exc:
        # from None: torch's own message, shown as the cause, advises weights_only=False, which
        # runs arbitrary code from the file
        raise InputError(f"corrupt or unreadable checkpoint {path} ({_reason(exc)}); {_FIX}") from None
    if not isinstance(state, dict):
        raise InputError(f"checkpoint {path} holds a {type(state).__name__}, not a dict; {_FIX}")
    missing = [k for k in keys if k not in state]
    if missing:
        lacks = ", ".join(missing)
        raise InputError(f"checkpoint {path} lacks {lacks}: not written by this workflow; {_FIX}")
    return state


_FIX = "delete it and rerun the workflow"


def _reason(exc: Exception) -> str:
    """What went wrong, in one sentence: the unpickler's complaint without torch's advice (which
    names weights_only=False or allowlisting the file's classes), else the first sentence."""
    text = " ".join(str(exc).split())
    text = text.split("WeightsUnpickler error:", 1)[-1].strip()
    sentence = re.split(r"(?<=\.)\s", text, maxsplit=1)[0] if text else ""
    if not sentence or "weights_only" in sentence:
        return type(exc).__name__
    return f"{type(exc).__name__}: {sentence}"
