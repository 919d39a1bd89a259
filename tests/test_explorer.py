"""The explorer page (report/explorer.html): its numbers, and the page itself in a real browser,
Chromium driven by Selenium through Debian's chromedriver (skipped where either is missing)."""

import base64
import io
import re
import sys
import time

import numpy as np
import pytest
import yaml
from conftest import ROOT, planned, results, run_dir
from PIL import Image

from aelatent.figures.explorer import (
    origin_projection,
    pack,
    sheet_geometry,
    sprite,
    strongest_pairs,
    unpack,
)
from aelatent.io.images import open_image_store
from aelatent.io.sample import load_sample
from aelatent.io.seeds import rng
from aelatent.io.tables import read_tsv
from aelatent.outputs import OUTPUTS
from aelatent.vectors.cloud import mahalanobis, regularised_eigen
from aelatent.vectors.uniform import uniform

sys.path.insert(0, str(ROOT / "bench"))
from browser import READY, close_browser, executables, open_browser, wait  # noqa: E402


def test_the_origin_sits_at_its_mahalanobis_distance_along_the_whitened_direction():
    g = rng(0, "test:explorer")
    x = g.normal(size=(4000, 5)) @ np.diag([3.0, 1.0, 0.5, 0.2, 0.1]) + [2.0, -1.0, 0.5, 0.3, 0.1]
    mean, cov = x.mean(axis=0), np.cov(x.T)
    p = origin_projection(x, mean, cov, floor=1e-6)
    evals, evecs, _ = regularised_eigen(cov, 1e-6)
    d0 = mahalanobis(np.zeros(5), mean, evecs / np.sqrt(evals))[0]
    assert p["t0"] == pytest.approx(d0, rel=1e-9)
    # whitened: the real vectors spread with unit variance along any direction, this one too
    assert np.var(p["t"]) == pytest.approx(1.0, rel=1e-3) and abs(np.mean(p["t"])) < 1e-6
    # the principal plane holds the two widest axes, and the origin's offset splits into the
    # part in the plane and the part off it
    assert p["explained"][0] == pytest.approx(9 / (9 + 1 + 0.25 + 0.04 + 0.01), abs=0.02)
    assert np.hypot(*p["pc_origin"]) ** 2 + p["off_plane"] ** 2 == pytest.approx(mean @ mean)


def test_strongest_pairs_and_sprite_cells():
    g = rng(0, "test:explorer:pairs")
    z = g.normal(size=(500, 4))
    z[:, 3] = z[:, 1] * 0.9 + 0.1 * z[:, 3]
    c = np.corrcoef(z.T)
    top = strongest_pairs(c, z, 2)
    assert top[0][:2] == [1, 3] and top[0][2] == pytest.approx(c[1, 3]) and len(top) == 2
    thumbs = np.stack([np.full((32, 32, 3), 40 * k, np.uint8) for k in range(6)])
    pitch, columns = sheet_geometry(6, 32)
    sheet = np.asarray(Image.open(io.BytesIO(sprite(thumbs, 90))))
    for k in range(6):
        r, col = divmod(k, columns)
        cell = sheet[r * pitch : r * pitch + 32, col * pitch : col * pitch + 32].astype(int)
        assert np.abs(cell - 40 * k).max() <= 3, k


def test_the_pages_arrays_come_back_bit_for_bit():
    z = rng(0, "test:explorer:pack").normal(size=(300, 7)).astype(np.float32)
    for a in (z, z.astype(np.float16)):
        raw = pack(a)
        assert len(raw) < a.nbytes and np.array_equal(unpack(raw, a.dtype.str[1:]), a.reshape(-1))


@pytest.fixture(scope="module")
def browser():
    if None in executables():
        pytest.skip(
            "chromium and chromedriver are not installed (apt-get install chromium chromium-driver); "
            ".ci/run installs them"
        )
    pytest.importorskip("selenium.webdriver")
    driver, profile = open_browser(script_timeout=120)
    yield driver
    close_browser(driver, profile)


def wait_for(driver, script: str, timeout: float = 120.0):
    return wait(driver, script, timeout)


def at(driver, plot: str, x, y) -> tuple[float, float]:
    """The offset from the centre of the plot element to data point (x, y) (linear coordinates;
    a category axis counts its categories 0, 1, ...), as Selenium's offsets are given."""
    return driver.execute_script(
        """const gd = document.getElementById(arguments[0]), fl = gd._fullLayout;
        const r = gd.getBoundingClientRect();
        return [fl.xaxis._offset + fl.xaxis.l2p(arguments[1]) - r.width / 2,
                fl.yaxis._offset + fl.yaxis.l2p(arguments[2]) - r.height / 2];""",
        plot,
        x,
        y,
    )


def pointer(driver, plot: str, x, y, click: bool = False) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    dx, dy = at(driver, plot, x, y)
    chain = ActionChains(driver).move_to_element_with_offset(driver.find_element(By.ID, plot), dx, dy)
    (chain.click() if click else chain).perform()


def canvas_pixels(driver, element_id: str) -> np.ndarray:
    url = driver.execute_script(f"return document.getElementById('{element_id}').toDataURL('image/png')")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"))


@pytest.fixture(scope="module")
def page(work, browser):
    path = results(work) / "report" / "explorer.html"
    browser.get(path.as_uri())
    wait_for(browser, READY)
    assert browser.execute_script("return window.explorer.timings.error || null") is None
    return path


@pytest.mark.e2e
def test_the_page_is_self_contained_and_listed_first(work, page):
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\ssrc=|<link[^>]*\shref=|<iframe", html), "the page loads a file"
    assert "plotly.js v" in html[:10_000_000]
    assert page.stat().st_size < 15e6
    categories = sorted({o.category for o in OUTPUTS.values() if o.category})
    assert categories[0] == OUTPUTS["explorer"].category  # the report's menu sorts them by name


@pytest.mark.e2e
def test_a_heatmap_click_plots_that_pair_of_the_sample(work, browser, page):
    index, z = load_sample(str(results(work) / "stats" / "sample.npz"))
    order = browser.execute_script("return window.explorer.spec.order")
    before = browser.execute_script("return [window.explorer.state.i, window.explorer.state.j]")
    # the cell in column 2 and row 5 of the clustered order: components order[2] (x), order[5] (y)
    i, j = order[2], order[5]
    assert [i, j] != before
    redraws = len(browser.execute_script("return window.explorer.timings.redraws"))
    pointer(browser, "heatmap", 2, 5, click=True)
    wait_for(browser, f"window.explorer.timings.redraws.length > {redraws}")
    assert browser.execute_script("return [window.explorer.state.i, window.explorer.state.j]") == [i, j]
    x, y = browser.execute_script(
        "const d = document.getElementById('scatter').data[0]; return [Array.from(d.x), Array.from(d.y)]"
    )
    assert len(x) == len(y) == len(z)
    assert np.array_equal(np.array(x), z[:, i].astype(np.float64))
    assert np.array_equal(np.array(y), z[:, j].astype(np.float64))
    # the uniform vectors follow the slider's b
    browser.execute_script(
        "const s = document.getElementById('b'); s.value = 1.5; s.dispatchEvent(new Event('input'))"
    )
    wait_for(browser, "window.explorer.timings.slider !== undefined")
    wait_for(browser, "document.getElementById('scatter').data[1].name.indexOf('1.5') >= 0")
    ux = np.array(browser.execute_script("return Array.from(document.getElementById('scatter').data[1].x)"))
    u = uniform(len(ux), z.shape[1], 1.0, rng(0, "explorer:uniform")).astype(np.float32)
    assert np.array_equal(ux, (1.5 * u[:, i].astype(np.float64)).astype(np.float32).astype(np.float64))


@pytest.mark.e2e
def test_a_point_under_the_cursor_shows_its_face_and_reconstruction(work, browser, page):
    index, z = load_sample(str(results(work) / "stats" / "sample.npz"))
    spec = browser.execute_script(
        "const s = window.explorer.spec; return {thumbs: s.thumbs, i: window.explorer.state.i, "
        "j: window.explorer.state.j, special: s.special.index}"
    )
    i, j, cells = spec["i"], spec["j"], np.array(spec["thumbs"]["image"])
    # the point with a thumbnail farthest, on screen, from every other point drawn
    xy = np.array(
        browser.execute_script(
            """const gd = document.getElementById('scatter'), fl = gd._fullLayout, out = [];
            gd.data.forEach(function (t) {
              if (t.visible === 'legendonly') return;
              for (let k = 0; k < t.x.length; k++) out.push([fl.xaxis.l2p(t.x[k]), fl.yaxis.l2p(t.y[k])]);
            });
            return out;"""
        )
    )
    mine = xy[: len(z)]
    gap = np.array([np.sort(np.hypot(*(xy - p).T))[1] for p in mine])
    gap[cells < 0] = -1
    row = int(np.argmax(gap))
    assert gap[row] > 3, "no point stands clear of the others"
    pointer(browser, "scatter", float(z[row, i]), float(z[row, j]))
    wait_for(browser, f"window.explorer.shown && window.explorer.shown.row === {row}")
    pointer(browser, "scatter", float(z[row, i]), float(z[row, j]), click=True)
    wait_for(browser, f"window.explorer.pinned && window.explorer.pinned[1] === {row}")
    browser.execute_script("return window.explorer.thumbsReady()")
    time.sleep(0.3)
    title = browser.execute_script("return document.getElementById('shown-title').dataset.index")
    assert int(title) == int(index[row])

    shown = canvas_pixels(browser, "thumb-image").astype(float)
    store = open_image_store(run_dir(work) / "data" / "images.zarr")["images"]
    size = shown.shape[0]
    faces = np.stack(
        [np.asarray(Image.fromarray(a).resize((size, size), Image.Resampling.BOX)) for a in store[index]]
    ).astype(float)
    err = np.abs(faces - shown).mean(axis=(1, 2, 3))
    assert err[row] < 8, err[row]  # within JPEG's loss
    assert int(np.argmin(err)) == row  # and no other sampled face is as close

    from aelatent.nn.decode import decoder

    recon = decoder(str(results(work) / "model" / "model.pt"))(z[row : row + 1])[0]
    recon = np.asarray(Image.fromarray(recon).resize((size, size), Image.Resampling.BOX)).astype(float)
    assert np.abs(canvas_pixels(browser, "thumb-recon") - recon).mean() < 8


@pytest.mark.e2e
def test_the_projection_puts_the_origin_at_its_mahalanobis_distance(work, browser, page):
    t0 = browser.execute_script("return window.explorer.spec.projection.t0")
    origin = read_tsv(str(results(work) / "stats" / "origin.tsv"))[0]
    assert t0 == pytest.approx(origin["origin_mahalanobis"], rel=1e-5)
    n_hist = browser.execute_script("return document.getElementById('projection').data[0].x.length")
    assert n_hist == browser.execute_script("return window.explorer.spec.m")


@pytest.mark.e2e
def test_explorer_settings_rerun_the_page_only(work):
    cfg = yaml.safe_load((work / "config" / "tiny.yaml").read_text())
    cfg["explorer"] = {"thumbnails": 50}
    (work / "config" / "explorer.yaml").write_text(yaml.safe_dump(cfg))
    assert set(planned(work, "config/explorer.yaml")) - {"all"} == {"build_explorer"}
