"""CelebA as a user gets it: the download (torchvision's route and configured URLs), its
failures, and the article's preprocessing by default. No internet: files come from real HTTP
servers on 127.0.0.1; Google Drive is one reached through a local HTTPS proxy that presents a
test CA's certificate for Google's hosts, so gdown and requests run unchanged."""

import hashlib
import http.server
import importlib
import re
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import urllib.parse
from dataclasses import dataclass

import numpy as np
import pytest
import yaml
import zarr
from conftest import ROOT, ds_config, image_bytes, make_celeba_tree

from aelatent.data.fetch import ARCHIVE, celeba_files, fetch_celeba
from aelatent.data.layout import PARTITION_FILE
from aelatent.data.prepare import prepare_images
from aelatent.data.sources import crop_resize, decode
from aelatent.errors import InputError
from aelatent.io.download import download


@dataclass
class Route:
    """What the server sends for one path and query: ``cut`` responses stop halfway first."""

    body: bytes
    content_type: str = "application/octet-stream"
    attachment: str | None = None
    cut: int = 0
    ranges: bool = True


def route_key(path: str) -> str:
    """A request's path with its query sorted, so gdown's parameter order does not matter."""
    url = urllib.parse.urlsplit(path)
    return url.path + "?" + urllib.parse.urlencode(sorted(urllib.parse.parse_qsl(url.query)))


class RouteHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        server.seen.append((self.path, self.headers.get("Range")))
        r = server.routes.get(route_key(self.path))
        if r is None:
            self.send_error(404)
            return
        start = 0
        m = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if m and r.ranges:
            start = int(m[1])
            if start >= len(r.body):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(r.body) - 1}/{len(r.body)}")
        else:
            self.send_response(200)
        payload = r.body[start:]
        self.send_header("Content-Type", r.content_type)
        self.send_header("Content-Length", str(len(payload)))
        if r.attachment:
            self.send_header("Content-Disposition", f'attachment; filename="{r.attachment}"')
        self.end_headers()
        if r.cut:
            r.cut -= 1
            payload = payload[: len(payload) // 2]
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


class TunnelHandler(socketserver.BaseRequestHandler):
    """An HTTPS proxy's CONNECT, answered by serving the routes over TLS ourselves."""

    def handle(self):
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            byte = self.request.recv(1)
            if not byte:
                return
            head += byte
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        tls = self.server.tls.wrap_socket(self.request, server_side=True)
        try:
            RouteHandler(tls, self.client_address, self.server)
            tls.unwrap()
        except OSError:
            pass
        finally:
            tls.close()


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, str | None]] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def add(self, path: str, route: Route) -> None:
        self.routes[route_key(path)] = route


@pytest.fixture
def http_server():
    """A real HTTP server on 127.0.0.1 serving ``server.routes``."""
    server = Server(RouteHandler)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def drive(tmp_path, monkeypatch):
    """Google Drive for requests in this process: an HTTPS proxy on 127.0.0.1 that serves
    ``drive.routes`` under Google's hostnames with a certificate from a test CA."""
    trustme = pytest.importorskip("trustme")
    gdown_download = importlib.import_module("gdown.download")
    ca = trustme.CA()
    server = Server(TunnelHandler)
    server.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("drive.google.com", "drive.usercontent.google.com").configure_cert(server.tls)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    for var in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", server.url)
    monkeypatch.setenv("https_proxy", server.url)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "ca.pem"))
    monkeypatch.setattr(gdown_download, "DEFAULT_COOKIES_FILE", str(tmp_path / "cookies"))
    yield server
    server.shutdown()
    server.server_close()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def celeba_bytes(tmp_path, n: int) -> dict[str, bytes]:
    """The two files of a small CelebA, as the download serves them."""
    make_celeba_tree(tmp_path / "src", n=n, as_zip=True)
    return {name: (tmp_path / "src" / name).read_bytes() for name in (ARCHIVE, PARTITION_FILE)}


@pytest.fixture
def tv_celeba(tmp_path, monkeypatch):
    """A small CelebA whose md5 sums torchvision's list reports (its Drive ids unchanged); its
    archive is over a megabyte, so a transfer cut halfway has delivered some of gdown's chunks."""
    from torchvision.datasets import CelebA

    data = celeba_bytes(tmp_path, n=48)
    ids = {name: file_id for file_id, _, name in CelebA.file_list}
    listed = [(i, md5(data[n]) if n in data else m, n) for i, m, n in CelebA.file_list]
    monkeypatch.setattr(CelebA, "file_list", listed)
    return data, ids


# Google's pages are one line; gdown reads them line by line.
VIRUS_SCAN = (
    "<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title></head><body>"
    '<p class="uc-warning-caption">Google Drive can\'t scan this file for viruses.</p>'
    '<form id="download-form" action="https://drive.usercontent.google.com/download" method="get">'
    '<input type="submit" id="uc-download-link" value="Download anyway"/>'
    '<input type="hidden" name="id" value="{id}"><input type="hidden" name="export" value="download">'
    '<input type="hidden" name="confirm" value="t"><input type="hidden" name="uuid" value="u-1">'
    "</form></body></html>"
)
QUOTA = (
    "<!DOCTYPE html><html><head><title>Google Drive - Quota exceeded</title></head><body>"
    '<p class="uc-error-caption">Sorry, you can&#39;t view or download this file at this time.</p>'
    '<p class="uc-error-subcaption">Too many users have viewed or downloaded this file recently.</p>'
    "</body></html>"
)
LOGIN = "<!DOCTYPE html>\n<html><head><title>Sign in - Campus file server</title></head></html>"


def serve_from_drive(drive, data, ids, cut: int = 0) -> None:
    """Drive's two steps for the big archive (virus-scan page, then the file), one for the rest."""
    zip_id, part_id = ids[ARCHIVE], ids[PARTITION_FILE]
    drive.add(f"/uc?id={zip_id}", Route(VIRUS_SCAN.format(id=zip_id).encode(), "text/html"))
    confirmed = f"/download?id={zip_id}&export=download&confirm=t&uuid=u-1"
    drive.add(confirmed, Route(data[ARCHIVE], attachment=ARCHIVE, cut=cut))
    drive.add(f"/uc?id={part_id}", Route(data[PARTITION_FILE], "text/plain", attachment=PARTITION_FILE))


def test_torchvision_route_fetches_only_our_two_files_and_builds_the_store(tmp_path, drive, tv_celeba):
    data, ids = tv_celeba
    serve_from_drive(drive, data, ids)
    dest = tmp_path / "data" / "celeba"
    fetch_celeba(dest, [])
    assert sorted(p.name for p in dest.iterdir()) == [ARCHIVE, PARTITION_FILE]
    assert (dest / ARCHIVE).read_bytes() == data[ARCHIVE]
    asked = {urllib.parse.parse_qs(urllib.parse.urlsplit(p).query)["id"][0] for p, _ in drive.seen}
    assert asked == {ids[ARCHIVE], ids[PARTITION_FILE]}  # not the attribute, bbox, ... files
    n = prepare_images(ds_config("celeba", dest, n_images=47), str(tmp_path / "o.zarr"), threads=2, seed=0)
    g = zarr.open_group(tmp_path / "o.zarr", mode="r")
    assert n == 47 and g["images"].shape == (47, 16, 16, 3)
    assert g.attrs["crop"] == 148 and g.attrs["split_counts"] == {"train": 45, "valid": 1, "test": 1}
    drive.seen.clear()
    fetch_celeba(dest, [])  # already there with torchvision's md5: nothing fetched
    assert drive.seen == []


def test_torchvision_route_resumes_an_interrupted_transfer(tmp_path, drive, tv_celeba):
    data, ids = tv_celeba
    serve_from_drive(drive, data, ids, cut=1)
    dest = tmp_path / "celeba"
    fetch_celeba(dest, [])
    assert (dest / ARCHIVE).read_bytes() == data[ARCHIVE]
    ranges = [r for p, r in drive.seen if p.startswith("/download")]
    assert len(data[ARCHIVE]) > 2**20 and ranges[0] is None
    assert re.fullmatch(r"bytes=[1-9]\d*-", ranges[-1])  # resumed, not restarted


def test_torchvision_route_interrupted_for_good_keeps_no_file_then_resumes(tmp_path, drive, tv_celeba):
    data, ids = tv_celeba
    serve_from_drive(drive, data, ids, cut=99)
    dest = tmp_path / "celeba"
    with pytest.raises(InputError) as err:
        fetch_celeba(dest, [])
    msg = str(err.value)
    assert f"the transfer of {ARCHIVE} from Google Drive (id {ids[ARCHIVE]}) was interrupted" in msg
    assert not (dest / ARCHIVE).exists() and len(list(dest.glob(f"{ARCHIVE}*.part"))) == 1
    partial = next(dest.glob(f"{ARCHIVE}*.part"))
    assert f"the bytes received are kept in {partial}; run again to resume" in msg
    assert f"put the archive at {dest.resolve() / ARCHIVE}" in msg
    have = partial.stat().st_size
    drive.routes[route_key(f"/download?id={ids[ARCHIVE]}&export=download&confirm=t&uuid=u-1")].cut = 0
    drive.seen.clear()
    fetch_celeba(dest, [])
    assert (dest / ARCHIVE).read_bytes() == data[ARCHIVE]
    assert [r for p, r in drive.seen if p.startswith("/download")][-1] == f"bytes={have}-"


def test_torchvision_route_quota_page_is_explained(tmp_path, drive, tv_celeba):
    data, ids = tv_celeba
    drive.add(f"/uc?id={ids[ARCHIVE]}", Route(QUOTA.encode(), "text/html"))
    dest = tmp_path / "celeba"
    with pytest.raises(InputError) as err:
        fetch_celeba(dest, [])
    msg = str(err.value)
    assert msg.startswith(f"could not download {ARCHIVE}: Google Drive refused {ARCHIVE}")
    assert "quota for this public file is used up" in msg and "Too many users" in msg
    root = dest.resolve()
    assert f"put the archive at {root / ARCHIVE} (or its unpacked folder at {root}/img_align_celeba/)" in msg
    assert f"the split file at {root / PARTITION_FILE}" in msg
    assert f"https://drive.google.com/uc?id={ids[ARCHIVE]}&export=download" in msg
    assert not (dest / ARCHIVE).exists()


def test_torchvision_route_md5_mismatch_removes_the_file(tmp_path, drive, tv_celeba):
    data, ids = tv_celeba
    serve_from_drive(drive, {**data, ARCHIVE: data[ARCHIVE][:-1] + b"!"}, ids)
    dest = tmp_path / "celeba"
    with pytest.raises(InputError, match=rf"md5 mismatch for {ARCHIVE} from Google Drive") as err:
        fetch_celeba(dest, [])
    assert "the download was removed" in str(err.value) and "To place CelebA by hand" in str(err.value)
    assert not (dest / ARCHIVE).exists() and not list(dest.glob("*.part"))


def test_torchvision_list_is_read_not_copied():
    from torchvision.datasets import CelebA

    files = celeba_files([])
    assert [f["name"] for f in files] == [ARCHIVE, PARTITION_FILE]
    listed = {name: (i, m) for i, m, name in CelebA.file_list}
    assert all((f["gdrive_id"], f["md5"]) == listed[f["name"]] for f in files)


def served_files(server, data: dict[str, bytes], **route) -> list[dict]:
    """Serve ``data`` and return the ``dataset.files`` entries for it."""
    for name, body in data.items():
        server.add(f"/celeba/{name}", Route(body, **route))
    return [{"name": n, "url": f"{server.url}/celeba/{n}", "md5": md5(b)} for n, b in data.items()]


@pytest.mark.parametrize(
    ("page", "needle"),
    [
        (LOGIN, "sent an HTML page titled 'Sign in - Campus file server' instead of img_align_celeba.zip"),
        (QUOTA, "sent Google Drive's quota page"),
        (VIRUS_SCAN.format(id="x"), "sent Google Drive's virus-scan warning page"),
    ],
)
def test_configured_url_serving_a_page_instead_of_the_zip(tmp_path, http_server, page, needle):
    http_server.add(f"/celeba/{ARCHIVE}", Route(page.encode(), "text/html"))
    files = [{"name": ARCHIVE, "url": f"{http_server.url}/celeba/{ARCHIVE}", "md5": None}]
    dest = tmp_path / "celeba"
    with pytest.raises(InputError) as err:
        fetch_celeba(dest, files)
    assert needle in str(err.value) and f"put the archive at {dest.resolve() / ARCHIVE}" in str(err.value)
    assert list(dest.iterdir()) == []


def test_configured_url_resumes_or_restarts_an_interrupted_transfer(tmp_path, http_server):
    data = celeba_bytes(tmp_path, n=6)
    files = served_files(http_server, data, cut=1)
    fetch_celeba(tmp_path / "a", files)
    assert (tmp_path / "a" / ARCHIVE).read_bytes() == data[ARCHIVE]
    zip_ranges = [r for p, r in http_server.seen if p.endswith(ARCHIVE)]
    assert zip_ranges == [None, f"bytes={len(data[ARCHIVE]) // 2}-"]
    for r in http_server.routes.values():  # a server without ranges: start over
        r.cut, r.ranges = 1, False
    http_server.seen.clear()
    fetch_celeba(tmp_path / "b", files)
    assert (tmp_path / "b" / ARCHIVE).read_bytes() == data[ARCHIVE]


def test_interrupted_for_good_leaves_only_the_part_file_and_resumes_next_run(tmp_path, http_server):
    body = bytes(range(256)) * 400
    http_server.add("/f.bin", Route(body, cut=99))
    dest = tmp_path / "dl" / "f.bin"
    with pytest.raises(InputError) as err:
        download(f"{http_server.url}/f.bin", dest, md5(body), retries=1)
    assert "the transfer of f.bin" in str(err.value) and "was interrupted" in str(err.value)
    assert f"are kept in {dest}.part, run again to resume" in str(err.value)
    assert not dest.exists() and dest.with_name("f.bin.part").stat().st_size == len(body) * 3 // 4
    http_server.routes[route_key("/f.bin")].cut = 0
    assert download(f"{http_server.url}/f.bin", dest, md5(body)).read_bytes() == body
    assert http_server.seen[-1][1] == f"bytes={len(body) * 3 // 4}-"
    assert not dest.with_name("f.bin.part").exists()


def test_part_file_left_by_a_killed_job_is_finished_or_replaced(tmp_path, http_server):
    body = b"y" * 3000
    http_server.add("/f.bin", Route(body))
    url, dest = f"{http_server.url}/f.bin", tmp_path / "f.bin"
    dest.with_name("f.bin.part").write_bytes(body)  # complete, killed before the rename
    assert download(url, dest, md5(body)).read_bytes() == body
    dest.unlink()
    dest.with_name("f.bin.part").write_bytes(b"z" * 4000)  # longer than the file: start over
    assert download(url, dest, md5(body)).read_bytes() == body
    assert [r for _, r in http_server.seen] == ["bytes=3000-", "bytes=4000-", None]


def test_download_with_bad_md5_is_refused_and_removed(tmp_path, http_server):
    http_server.add("/f.bin", Route(b"x" * 5000))
    dest = tmp_path / "dl" / "f.bin"
    with pytest.raises(InputError, match="md5 mismatch .* the download was removed"):
        download(f"{http_server.url}/f.bin", dest, "0" * 32)
    assert not dest.exists() and not dest.with_name("f.bin.part").exists()
    assert download(f"{http_server.url}/f.bin", dest, md5(b"x" * 5000)).read_bytes() == b"x" * 5000


def test_http_error_names_the_url_and_the_placement(tmp_path, http_server):
    files = [{"name": PARTITION_FILE, "url": f"{http_server.url}/missing.txt", "md5": None}]
    with pytest.raises(InputError, match=r"missing\.txt answered 404") as err:
        fetch_celeba(tmp_path / "c", files)
    assert f"the split file at {(tmp_path / 'c').resolve() / PARTITION_FILE}" in str(err.value)


def test_unreachable_server_is_named(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/img_align_celeba.zip"
    with pytest.raises(InputError, match=f"could not reach {url}: .*refused"):
        download(url, tmp_path / "f.zip", None, retries=0)
    assert list(tmp_path.iterdir()) == []


def test_celeba_defaults_to_the_148_crop_and_caps_in_partition_order(tmp_path):
    root = tmp_path / "celeba"
    names, split = make_celeba_tree(root, n=10)
    # the partition file's order, not the names' order, decides which images are taken
    order = [8, 9, 0, 1, 2, 3, 4, 5, 6, 7]
    (root / PARTITION_FILE).write_text("".join(f"{names[i]} {split[i]}\n" for i in order))
    out = tmp_path / "o.zarr"
    n = prepare_images(ds_config("celeba", root, n_images=4), str(out), threads=1, seed=0)
    g = zarr.open_group(out, mode="r")
    assert n == 4 and g["split"][:].tolist() == [2, 2, 0, 0]
    assert g.attrs["crop"] == 148 and g.attrs["image_size"] == 16
    assert g.attrs["split_counts"] == {"train": 2, "valid": 0, "test": 2}
    raw = decode(image_bytes(8, size=(178, 218)), "x")
    assert np.array_equal(g["images"][0], crop_resize(raw, 148, 16))
    assert not np.array_equal(g["images"][0], crop_resize(raw, None, 16))
    wide_cfg = ds_config("celeba", root, n_images=4, crop=178)
    prepare_images(wide_cfg, str(tmp_path / "w.zarr"), threads=1, seed=0)
    wide = zarr.open_group(tmp_path / "w.zarr", mode="r")
    assert wide.attrs["crop"] == 178
    assert np.array_equal(wide["images"][0], crop_resize(raw, 178, 16))


def run_workflow(tmp_path, dataset: dict, *args: str) -> subprocess.CompletedProcess:
    cfg = {"run": "dl", "device": "cpu", "dataset": {"source": "celeba", "path": "data/celeba", **dataset}}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--configfile", "c.yaml"]
    return subprocess.run([*cmd, *args], cwd=tmp_path, capture_output=True, text=True)


def test_workflow_plans_the_torchvision_route(tmp_path):
    res = run_workflow(tmp_path, {"download": True}, "-n", "--until", "prepare_images")
    assert res.returncode == 0, res.stderr[-2000:]
    plan = res.stdout
    assert re.search(r"download_celeba\s+1", plan) and re.search(r"prepare_images\s+1", plan)
    assert f"data/celeba/{ARCHIVE}, data/celeba/{PARTITION_FILE}" in plan


@pytest.mark.e2e
def test_workflow_downloads_configured_files_then_builds_the_store(tmp_path, http_server):
    files = served_files(http_server, celeba_bytes(tmp_path, n=20))
    dataset = {"download": True, "files": files, "image_size": 16, "chunk_images": 8}
    res = run_workflow(tmp_path, dataset, "-c1", "--until", "prepare_images")
    assert res.returncode == 0, res.stderr[-2000:]
    g = zarr.open_group(tmp_path / "results" / "dl" / "data" / "images.zarr", mode="r")
    assert g["images"].shape == (20, 16, 16, 3) and g.attrs["source"] == "celeba"
    assert g.attrs["crop"] == 148
    assert (tmp_path / "data" / "celeba" / ARCHIVE).exists()
    assert "downloaded" in (tmp_path / "results" / "dl" / "logs" / "download_celeba.log").read_text()
