"""The scripts' code hashes, remembered between Snakemake starts.

Snakemake parses the workflow at every start (on a cluster twice per job), and hashing every
script's closure parses about a hundred modules each time. The hashes depend on nothing but the
package's and the scripts' files, so they are stored under a key made of every such file's name
and bytes, and of Python's version (it shapes the syntax trees): any edit, new or removed file
makes a new key, so an entry is never used for other code than the code it was computed from.
An unreadable or unwritable cache only means computing the hashes again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from pathlib import Path

from .codehash import PACKAGE_DIR, code_hash
from .io.atomic import write_text_atomic

KEEP = 8  # keys kept: a few checkouts or edits back


def default_cache() -> Path:
    """Under the user's cache folder (``$XDG_CACHE_HOME``, else ``~/.cache``), as matplotlib keeps
    its font list: shared by every checkout, since entries are keyed by content."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "aelatent" / "code_hashes.json"


def tree_key(scripts: list[Path]) -> str:
    """Fingerprint of everything a script's code hash reads: each package file's and script's
    relative name and bytes, and the Python version."""
    h = hashlib.sha256(f"python {sys.version_info[0]}.{sys.version_info[1]}\0".encode())
    for root, files in ((PACKAGE_DIR, sorted(PACKAGE_DIR.rglob("*.py"))), (None, scripts)):
        for path in files:
            name = path.relative_to(root).as_posix() if root else path.name
            h.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def script_hashes(scripts_dir: str | os.PathLike, cache: Path | None = None) -> dict[str, str]:
    """Script name (without ``.py``) -> ``code_hash`` of that script, for every script in
    ``scripts_dir``: read from ``cache`` when it holds this exact code, else computed and stored."""
    cache = default_cache() if cache is None else cache
    scripts = sorted(Path(scripts_dir).glob("*.py"))
    key = tree_key(scripts)
    try:
        entries = json.loads(cache.read_text())
    except (OSError, ValueError):
        entries = {}
    entries = entries if isinstance(entries, dict) else {}
    hashes = entries.pop(key, None)
    if isinstance(hashes, dict) and set(hashes) == {p.stem for p in scripts}:
        return hashes
    hashes = {p.stem: code_hash([p]) for p in scripts}
    older = list(entries.items())[-(KEEP - 1) :]
    with contextlib.suppress(OSError):
        write_text_atomic(cache, json.dumps(dict([*older, (key, hashes)]), indent=1))
    return hashes
