"""Fetch the two CelebA files our reader needs into ``dataset.path``.

The default route is torchvision's: its own file list (Google Drive ids and md5 sums), read
from the installed torchvision at run time and never copied here, and gdown for the transfer.
Configured ``dataset.files`` (URL and md5 each) serve mirrors and local servers instead. Every
failure ends in an InputError that names the file and says where to put it by hand.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..errors import InputError
from ..io.checksum import md5sum
from ..io.download import RETRIES, check_download, download
from .layout import PARTITION_FILE

log = logging.getLogger(__name__)

ARCHIVE = "img_align_celeba.zip"
NEEDED = (ARCHIVE, PARTITION_FILE)
DRIVE_PAGE = "https://drive.google.com/uc?id={id}&export=download"


def torchvision_files() -> list[dict]:
    """torchvision's entries (name, Drive id, md5) for the files we read, in our order.

    Imports torchvision (and so torch): call it only when a download is asked for.
    """
    import torchvision
    from torchvision.datasets import CelebA

    listed = {name: (file_id, md5) for file_id, md5, name in CelebA.file_list}
    missing = [n for n in NEEDED if n not in listed]
    if missing:
        raise InputError(
            f"torchvision {torchvision.__version__} no longer lists {', '.join(missing)} for CelebA; "
            "give the files' URLs and md5 sums in dataset.files instead"
        )
    return [{"name": n, "gdrive_id": listed[n][0], "md5": listed[n][1]} for n in NEEDED]


def celeba_files(files: list[dict]) -> list[dict]:
    """What a download fetches: the configured ``files``, or torchvision's list when none are."""
    return [dict(f) for f in files] if files else torchvision_files()


def placement_hint(path: str | os.PathLike, entry: dict | None = None) -> str:
    """How to do by hand what the download could not, with the exact paths."""
    root = Path(os.path.abspath(path))
    hint = (
        f"To place CelebA by hand instead, put the archive at {root / ARCHIVE} (or its unpacked "
        f"folder at {root}/img_align_celeba/) and the split file at {root / PARTITION_FILE}, "
        "then set dataset.download: false."
    )
    details = []
    if entry and entry.get("gdrive_id"):
        details.append(f"a browser gets it from {DRIVE_PAGE.format(id=entry['gdrive_id'])}")
    if entry and entry.get("md5"):
        details.append(f"its md5 is {entry['md5']}")
    return hint + (f" {entry['name']}: {'; '.join(details)}." if details else "")


def _partials(dest: Path) -> list[Path]:
    """gdown's partial files for ``dest``: its name, 8 random characters, ``.part``."""
    n = len(dest.name) + 8 + len(".part")
    return [p for p in dest.parent.glob(f"{dest.name}*.part") if len(p.name) == n]


def _drive_refusal(name: str, file_id: str, message: str) -> str:
    """gdown's text for a page it could not pass (quota, permissions), said for this file."""
    reason = message.split("Failed to retrieve file url:", 1)[-1].split("You may still", 1)[0]
    reason = " ".join(reason.split())
    if "too many users" in reason.lower() or "quota" in reason.lower():
        why = "its daily download quota for this public file is used up; try again in up to 24 hours"
    else:
        why = "it answered with a page instead of the file (quota, permissions or a changed page)"
    return f"Google Drive refused {name} (id {file_id}): {why}. Google Drive said: {reason}"


def fetch_from_drive(file_id: str, dest: Path, md5: str) -> None:
    """One file from Google Drive the way torchvision's ``download_file_from_google_drive``
    does (gdown, torchvision's user agent), plus what that helper lacks: resuming from gdown's
    partial file after an interruption, and no corrupt file left in place."""
    try:
        import gdown
        import requests
        from gdown.exceptions import DownloadError, FileURLRetrievalError
    except ModuleNotFoundError as exc:
        raise InputError(f"downloading from Google Drive needs the gdown package: {exc}") from exc
    from torchvision.datasets.utils import USER_AGENT

    if dest.exists():
        if md5sum(dest) == md5:
            log.info("%s already present", dest)
            return
        log.warning("%s does not have md5 %s; fetching it again", dest, md5)
        dest.unlink()
    dest.parent.mkdir(parents=True, exist_ok=True)
    for restart in (False, True):
        try:
            gdown.download(
                id=file_id, output=str(dest), user_agent=USER_AGENT, resume=True, retries=RETRIES, timeout=60
            )
            break
        except FileURLRetrievalError as exc:
            raise InputError(_drive_refusal(dest.name, file_id, str(exc))) from exc
        except DownloadError as exc:
            if "byte range" in str(exc) and not restart:  # the partial cannot be resumed
                log.warning("%s: the server ignored the range request; starting over", dest.name)
                for p in _partials(dest):
                    p.unlink()
                continue
            what = f"{dest.name} from Google Drive (id {file_id})"
            kept = ", ".join(str(p) for p in _partials(dest) if p.stat().st_size)
            if not kept:
                raise InputError(f"the download of {what} failed: {str(exc).splitlines()[0]}") from exc
            raise InputError(
                f"the transfer of {what} was interrupted: {str(exc).splitlines()[0]}; "
                f"the bytes received are kept in {kept}; run again to resume"
            ) from exc
        except requests.RequestException as exc:
            raise InputError(f"could not reach Google Drive for {dest.name}: {exc}") from exc
    try:
        check_download(dest, md5, dest.name, f"Google Drive (id {file_id})")
    except InputError as exc:
        dest.unlink()
        raise InputError(f"{exc}; the download was removed") from exc
    log.info("downloaded %s from Google Drive (id %s) -> %s", dest.name, file_id, dest)


def fetch_celeba(path: str | os.PathLike, files: list[dict]) -> None:
    """Download CelebA's files into ``path``: ``files`` (``name``, ``url``, ``md5``) when given,
    else torchvision's list. Files already there with the right md5 are kept."""
    for entry in celeba_files(files):
        dest = Path(path) / entry["name"]
        try:
            if entry.get("url"):
                download(entry["url"], dest, entry.get("md5"))
            else:
                fetch_from_drive(entry["gdrive_id"], dest, entry["md5"])
        except InputError as exc:
            hint = placement_hint(path, entry)
            # the message carries every cause; their tracebacks would only bury it
            raise InputError(f"could not download {entry['name']}: {exc}\n{hint}") from None
