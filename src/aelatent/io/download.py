"""HTTP(S) download with an md5 check; a failed or mismatching download leaves no file behind."""

from __future__ import annotations

import hashlib
import logging
import os
import urllib.request
from pathlib import Path

from tqdm import tqdm

from ..errors import InputError
from .checksum import md5sum

log = logging.getLogger(__name__)


def download(url: str, dest: str | os.PathLike, md5: str | None, timeout: float = 60.0) -> Path:
    """Fetch ``url`` to ``dest`` (via ``dest.part``), verifying ``md5`` when given.

    An existing ``dest`` with the right checksum is kept, so a rerun does not fetch again.
    """
    dest = Path(dest)
    if dest.exists() and (md5 is None or md5sum(dest) == md5):
        log.info("%s already present", dest)
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    h = hashlib.md5()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(part, "wb") as out:
            total = int(resp.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=dest.name) as bar:
                while chunk := resp.read(1 << 20):
                    out.write(chunk)
                    h.update(chunk)
                    bar.update(len(chunk))
        got = h.hexdigest()
        if md5 is not None and got != md5:
            raise InputError(f"md5 mismatch for {url}: expected {md5}, got {got}; download removed")
        os.replace(part, dest)
    finally:
        part.unlink(missing_ok=True)
    log.info("downloaded %s -> %s", url, dest)
    return dest
