"""The explorer page in headless Chromium: how long it takes to open and to redraw a pair.

Opens ``report/explorer.html`` (default: the default run's) in headless Chromium driven by
Selenium through Debian's chromedriver, --loads times in one browser, and prints what the page
itself measures with ``performance.now()`` (milliseconds from the start of navigation):

* plotly, script, corr: inlined plotly.js evaluated; the page's own code started (every data
  block parsed); the correlation matrix inflated;
* first plot: the correlation matrix drawn (its Plotly promise resolved and a frame passed);
* scatter: the first pair's scatter of the M-sample drawn; ready: all four figures drawn;
* the baseline: the first plot of a page holding nothing but plotly.js and one empty plot, the
  part of opening the page that is the library's (the ratio is against it);
* a pair redraw: ``explorer.selectPair(i, j)`` for --pairs seeded random pairs (the scatter
  recomputed from the embedded columns, the heatmap's cell marked, one frame), and the same
  through a real click on a heatmap cell; the b slider's redraw of the uniform vectors.

The first load of a fresh browser is a cold start (it shows in max). The 1-minute load average
is printed beside, as the machine is shared. Nothing is asserted.

    python bench/bench_explorer.py [PAGE] [--loads 3] [--pairs 20] [--screenshots DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from browser import READY, close_browser, open_browser, wait
from plotly.offline import get_plotlyjs

ROOT = Path(__file__).resolve().parents[1]
BASELINE = """<!DOCTYPE html><html><head><meta charset="utf-8"><script>{js}</script></head><body>
<div id="p"></div><script>Plotly.newPlot("p", [], {{width: 400, height: 300}}).then(function () {{
requestAnimationFrame(function () {{ window.first = performance.now(); }}); }});</script></body></html>"""


def click_cell(driver, col: int, row: int) -> float:
    """A real click on the heatmap cell (col, row) of the clustered order; the redraw's ms."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    n = driver.execute_script("return window.explorer.timings.redraws.length")
    dx, dy = driver.execute_script(
        """const gd = document.getElementById('heatmap'), fl = gd._fullLayout, r = gd.getBoundingClientRect();
        return [fl.xaxis._offset + fl.xaxis.l2p(arguments[0]) - r.width / 2,
                fl.yaxis._offset + fl.yaxis.l2p(arguments[1]) - r.height / 2];""",
        col,
        row,
    )
    heat = driver.find_element(By.ID, "heatmap")
    ActionChains(driver).move_to_element_with_offset(heat, dx, dy).click().perform()
    wait(driver, f"window.explorer.timings.redraws.length > {n}")
    return driver.execute_script("return window.explorer.timings.redraw")


def show_off(driver) -> None:
    """For the screenshot: the strongest pair, one generator shown, the mouse on a point that
    carries a thumbnail."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    driver.execute_async_script(
        """const done = arguments[arguments.length - 1], e = window.explorer, q = e.spec.pairs[0];
        e.selectPair(q[0], q[1]).then(function () {
          return Plotly.restyle('scatter', {visible: true}, [2 + Math.min(2, e.spec.generators.length - 1)]);
        }).then(function () { done(); });"""
    )
    dx, dy = driver.execute_script(
        """const gd = document.getElementById('scatter'), fl = gd._fullLayout, r = gd.getBoundingClientRect();
        // the point with a thumbnail farthest from the others' mean: an outlier stands clear
        const d = gd.data[0], cells = window.explorer.spec.thumbs.image;
        let mx = 0, my = 0, k = -1, far = -1;
        for (let r = 0; r < d.x.length; r++) { mx += d.x[r] / d.x.length; my += d.y[r] / d.x.length; }
        for (let r = 0; r < d.x.length; r++) {
          const e = Math.hypot(d.x[r] - mx, d.y[r] - my);
          if (cells[r] >= 0 && e > far) { far = e; k = r; }
        }
        return [fl.xaxis._offset + fl.xaxis.l2p(gd.data[0].x[k]) - r.width / 2,
                fl.yaxis._offset + fl.yaxis.l2p(gd.data[0].y[k]) - r.height / 2];"""
    )
    scatter = driver.find_element(By.ID, "scatter")
    ActionChains(driver).move_to_element_with_offset(scatter, dx, dy).click().perform()
    time.sleep(0.5)


def summary(values: list[float]) -> str:
    v = sorted(values)
    p90 = v[min(len(v) - 1, int(round(0.9 * (len(v) - 1))))]
    return f"median {statistics.median(v):7.1f}  p90 {p90:7.1f}  max {v[-1]:7.1f}  (n = {len(v)})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("page", nargs="?", default=str(ROOT / "results/default/ae/report/explorer.html"))
    ap.add_argument("--loads", type=int, default=3)
    ap.add_argument("--pairs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--screenshots", help="folder for a screenshot of each view")
    args = ap.parse_args()
    page = Path(args.page).resolve()
    print(f"page {page}: {page.stat().st_size / 1e6:.2f} MB")

    driver, profile = open_browser()
    tmp = tempfile.TemporaryDirectory()
    base = Path(tmp.name) / "plotly_only.html"
    base.write_text(BASELINE.format(js=get_plotlyjs()), encoding="utf-8")
    try:
        baseline = []
        marks = ("plotly", "script", "corr", "first", "scatter", "ready")
        opened: dict[str, list[float]] = {k: [] for k in marks}
        redraws, clicks, sliders = [], [], []
        from aelatent.io.seeds import rng

        g = rng(args.seed, "bench:explorer")
        for load in range(args.loads):
            # the baseline just before each load of the page, under the same load of the machine
            driver.get(base.as_uri())
            baseline.append(wait(driver, "window.first"))
            driver.get(page.as_uri())
            wait(driver, READY)
            t = driver.execute_script("return window.explorer.timings")
            if t.get("error"):
                raise SystemExit(f"the page failed: {t['error']}")
            for k in opened:
                opened[k].append(t[k])
            dim = driver.execute_script("return window.explorer.spec.dim")
            for _ in range(args.pairs):
                i, j = (int(v) for v in g.choice(dim, 2, replace=False))
                redraws.append(
                    driver.execute_async_script(
                        "const done = arguments[arguments.length - 1];"
                        "window.explorer.selectPair(arguments[0], arguments[1]).then(done);",
                        i,
                        j,
                    )
                )
            for _ in range(3):
                col, row = (int(v) for v in g.choice(dim, 2, replace=False))
                clicks.append(click_cell(driver, col, row))
            for b in (1.5, 4.0, 2.5):
                sliders.append(
                    driver.execute_async_script(
                        "const done = arguments[arguments.length - 1];"
                        "window.explorer.setB(arguments[0]).then(function () {"
                        " done(window.explorer.timings.slider); });",
                        b,
                    )
                )
            print(
                f"load {load + 1}: load average {os.getloadavg()[0]:.1f}, baseline {baseline[-1]:.0f} ms, "
                + ", ".join(f"{k} {opened[k][-1]:.0f} ms" for k in opened)
            )
        print(f"baseline, plotly.js alone, first plot (ms): {summary(baseline)}")
        print("opening (ms from navigation start):")
        for k, v in opened.items():
            print(f"  {k:8s} {summary(v)}")
        print(f"  first plot / baseline first plot: {np.median(opened['first']) / np.median(baseline):.2f}")
        print(f"pair redraw, selectPair (ms):   {summary(redraws)}")
        print(f"pair redraw, heatmap click (ms): {summary(clicks)}")
        print(f"b slider redraw (ms):           {summary(sliders)}")
        if args.screenshots:
            out = Path(args.screenshots)
            out.mkdir(parents=True, exist_ok=True)
            show_off(driver)
            driver.save_screenshot(str(out / "explorer_top.png"))
            driver.execute_script("document.getElementById('projection').scrollIntoView()")
            driver.save_screenshot(str(out / "explorer_origin.png"))
            print(f"screenshots in {out}")
    finally:
        close_browser(driver, profile)
        tmp.cleanup()


if __name__ == "__main__":
    main()
