"""Headless Chromium driven by Selenium through Debian's chromedriver: the one setup that the
explorer's bench (``bench_explorer.py``) and its browser test (``tests/test_explorer.py``) share."""

from __future__ import annotations

import shutil
import tempfile
import time

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1500,1200",
]
# the page has drawn every figure, or failed saying why
READY = "document.body.dataset.ready === '1' || !!(window.explorer && window.explorer.timings.error)"


def executables() -> tuple[str | None, str | None]:
    """Chromium's and chromedriver's paths (None where one is not installed)."""
    return shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")


def open_browser(script_timeout: float = 300):
    """A fresh headless Chromium with its own throwaway profile: (driver, profile folder)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    exe, driver_exe = executables()
    options = webdriver.ChromeOptions()
    options.binary_location = exe
    profile = tempfile.mkdtemp(prefix="explorer-chromium-")
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(driver_exe))
    driver.set_script_timeout(script_timeout)
    return driver, profile


def close_browser(driver, profile: str) -> None:
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait(driver, script: str, timeout: float = 300.0):
    """Poll ``return <script>`` until it is truthy; its value (TimeoutError naming it after
    ``timeout`` seconds)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = driver.execute_script(f"return {script}")
        if value:
            return value
        time.sleep(0.02)
    raise TimeoutError(f"timed out waiting for {script}")
