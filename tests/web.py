"""What the dashboard's tests share: the dashboard's process, a headless Chromium driven through
its chromedriver (Debian's), and the few ways they read and click a page. Loaded as a plugin by
tests/conftest.py, so its fixtures serve every test file."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.system import CHROMIUM_FLAGS
from docmill.home import Home
from tests.conftest import ROOT, Proc, wait_for

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots, gitignored: look at them


class Dashboard:
    """A running dashboard: its process, its address, its home; plain HTTP requests to it."""

    def __init__(self, proc: Proc, url: str, home: Home) -> None:
        self.proc, self.url, self.home = proc, url, home

    @property
    def token(self) -> str:
        return (self.home.run / "dashboard.token").read_text().strip()

    def request(
        self, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url.rstrip("/") + path, data=data, headers=headers or {})
        if data is not None:
            req.add_header("content-type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=15) as reply:
                return reply.status, reply.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


def start_dashboard(home: Home, log: Path, *args: str) -> Dashboard:
    address = home.run / "dashboard.json"
    address.unlink(missing_ok=True)
    proc = Proc(["-m", "dashboard", "--home", str(home.root), *args], log)
    wait_for(lambda: address.exists() or proc.popen.poll() is not None, 15, "the dashboard")
    assert proc.popen.poll() is None, proc.output()
    return Dashboard(proc, json.loads(address.read_text())["url"], home)


@pytest.fixture
def dashboard(broker: Proc, home: Home, tmp_path: Path) -> Iterator[Dashboard]:
    """The dashboard on the test's home, beside its broker, on a free loopback port."""
    dash = start_dashboard(home, tmp_path / "dashboard.log", "--bind", "127.0.0.1:0")
    yield dash
    assert dash.proc.stop() == 0, dash.proc.output()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One Chromium for a test file's pages (each page opened with open_page, on a clean slate)."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        pytest.skip("needs Debian's chromium and chromium-driver (sh .ci/system-packages)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="docmill-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """The file's Chromium, for one test, which leaves it a fresh tab: a tab a page was open in
    keeps connections to its dashboard, even once it has gone to another page, and a stopping
    dashboard waits for them for its 2 s of grace (list `browser` after `dashboard`, so that it
    is torn down first)."""
    yield chromium
    used = chromium.current_window_handle
    chromium.switch_to.new_window("tab")
    fresh = chromium.current_window_handle
    chromium.switch_to.window(used)
    chromium.close()
    chromium.switch_to.window(fresh)


def until(driver: Any, condition: Any, timeout: float = 20, what: str = "the page") -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        condition, f"waiting for {what}"
    )


def js(driver: Any, script: str, *args: Any) -> Any:
    return driver.execute_script(script, *args)


# The page rebuilds its tables as updates come, so an element found may be gone by the time it
# is read: these read and click through one script call, which sees one consistent page.


def text(driver: Any, selector: str) -> str:
    return str(
        js(
            driver,
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : ''",
            selector,
        )
    )


def attrs(driver: Any, selector: str, name: str) -> list[str]:
    return list(
        js(
            driver,
            "return [...document.querySelectorAll(arguments[0])]"
            ".map(e => e.getAttribute(arguments[1]))",
            selector,
            name,
        )
    )


def click(driver: Any, selector: str) -> None:
    until(
        driver,
        lambda d: js(
            d,
            "const e = document.querySelector(arguments[0]); if (e) e.click(); return !!e",
            selector,
        ),
        what=selector,
    )


def shoot(driver: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def open_page(driver: Any, dash: Dashboard, path: str, token: bool = False) -> None:
    driver.get("about:blank")
    driver.delete_all_cookies()
    driver.get(dash.url + "static/icon.svg")  # the origin, to clear its storage first
    js(driver, "localStorage.clear()")
    driver.get(dash.url.rstrip("/") + path + (f"#token={dash.token}" if token else ""))
