"""HTTP(S) download a user can trust with a 1.4 GB file.

Bytes go to ``<dest>.part``, which becomes ``dest`` only when every announced byte arrived and
the md5 matches, so a partial file is never taken as complete. An interrupted transfer is
resumed with an HTTP Range request, here (a few retries) or on the next run; a server that
ignores the range is answered by restarting. An HTML page where a file was expected (a login
page, Google Drive's quota or virus-scan page) is recognised and described, not kept.
"""

from __future__ import annotations

import http.client
import logging
import os
import re
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from tqdm import tqdm

from ..errors import InputError
from .checksum import md5sum

log = logging.getLogger(__name__)

RETRIES = 3


def describe_html(head: bytes) -> str | None:
    """What the page starting with ``head`` is, or None when it is not HTML."""
    text = head.lstrip().decode("utf-8", "replace")
    if not text[:15].lower().startswith(("<!doctype html", "<html")):
        return None
    low = text.lower()
    if "quota" in low or "too many users" in low:
        return "Google Drive's quota page (too many downloads of this file in the last 24 hours)"
    if "virus scan" in low or "scan this file for viruses" in low:
        return "Google Drive's virus-scan warning page (the file is too large for its scanner)"
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    return f"an HTML page titled {' '.join(title[1].split())!r}" if title else "an HTML page"


def check_download(path: Path, md5: str | None, name: str, source: str) -> None:
    """Refuse what ``source`` sent as ``name`` unless it is that file: not a web page, the right
    md5 when one is known, a readable archive when it should be a zip and no md5 is known."""
    with open(path, "rb") as fh:
        page = describe_html(fh.read(1 << 16))
    if page:
        raise InputError(f"{source} sent {page} instead of {name}")
    if md5 is not None:
        got = md5sum(path)
        if got != md5:
            raise InputError(f"md5 mismatch for {name} from {source}: expected {md5}, got {got}")
    elif name.endswith(".zip") and not zipfile.is_zipfile(path):
        raise InputError(f"{source} sent something that is not a zip archive as {name}")


def _range_start(resp) -> int | None:
    m = re.fullmatch(r"bytes (\d+)-\d+/(\d+|\*)", resp.headers.get("Content-Range", "").strip())
    return int(m[1]) if m else None


def _transfer(url: str, part: Path, timeout: float) -> None:
    """One request: append to ``part`` from its current size if the server honours the range,
    else rewrite it from the start. Raises ConnectionError when fewer bytes came than announced."""
    have = part.stat().st_size if part.exists() else 0
    req = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        resumed = have > 0 and getattr(resp, "status", None) == 206 and _range_start(resp) == have
        if have and not resumed:
            log.info("%s: the server ignored the range request; starting over", url)
            have = 0
        length = resp.headers.get("Content-Length")
        length = int(length) if length and length.isdigit() else None
        total = None if length is None else have + length
        got = 0
        with (
            open(part, "ab" if resumed else "wb") as out,
            tqdm(total=total, initial=have, unit="B", unit_scale=True, desc=part.name) as bar,
        ):
            while chunk := resp.read(1 << 20):
                out.write(chunk)
                got += len(chunk)
                bar.update(len(chunk))
        if length is not None and got < length:
            raise ConnectionError(f"connection closed after {have + got:,} of {total:,} bytes")


def download(
    url: str, dest: str | os.PathLike, md5: str | None, *, timeout: float = 60.0, retries: int = RETRIES
) -> Path:
    """Fetch ``url`` to ``dest`` (via ``dest.part``), verifying ``md5`` when given.

    An existing ``dest`` with the right checksum is kept, so a rerun does not fetch again; one
    with the wrong checksum is fetched anew. Every failure is an InputError saying what happened.
    """
    dest = Path(dest)
    if dest.exists():
        if md5 is None or md5sum(dest) == md5:
            log.info("%s already present", dest)
            return dest
        log.warning("%s does not have md5 %s; fetching it again", dest, md5)
        dest.unlink()
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    attempt = 0
    while True:
        try:
            _transfer(url, part, timeout)
            break
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and part.exists() and attempt < retries:  # nothing left to send
                if md5 is not None and md5sum(part) == md5:
                    break  # the partial was complete: a job killed before the rename
                part.unlink()
            else:
                raise InputError(f"{url} answered {exc.code} {exc.reason}") from exc
        except (OSError, http.client.HTTPException) as exc:
            have = part.stat().st_size if part.exists() else 0
            if attempt >= retries and not have and isinstance(exc, urllib.error.URLError):
                raise InputError(f"could not reach {url}: {exc.reason}") from exc
            if attempt >= retries:
                kept = f"the {have:,} bytes received are kept in {part}, " if have else ""
                raise InputError(
                    f"the transfer of {dest.name} from {url} was interrupted ({exc}); "
                    f"{kept}run again to resume"
                ) from exc
            if have:
                log.warning("transfer of %s interrupted after %d bytes (%s); resuming", dest.name, have, exc)
            else:
                log.warning("fetching %s failed (%s); trying again", dest.name, exc)
            time.sleep(min(2**attempt, 30))
        attempt += 1
    try:
        check_download(part, md5, dest.name, url)
    except InputError as exc:
        part.unlink()
        raise InputError(f"{exc}; the download was removed") from exc
    os.replace(part, dest)
    log.info("downloaded %s -> %s", url, dest)
    return dest
