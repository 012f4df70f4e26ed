"""What the web dashboard costs: CPU idle with no browser, CPU with one page open, and bytes.

    python bench/dashboard_cost.py [--idle 30]

Runs a broker, a pool of 2 workers and the dashboard on a fresh home; after a few jobs (so the
charts and tables have something in them), measures the dashboard process's CPU time over
--idle seconds with no browser, then again with the overview open in headless Chromium (which
gets a state over server-sent events every 2 s), as a share of one core. Then it loads each
page once, its cache emptied, and adds up what it transferred (the document, its scripts,
styles, icon and first API answers, as the browser's Resource Timing counts them), and gives
the size of one live update.
Targets (issue 16): idle ≤ 0.5 %, one page open ≤ 2 % of a core, a page ≤ 500 KB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.system import CHROMIUM_FLAGS  # noqa: E402
from docmill.client import Client  # noqa: E402

QUIET = (
    "[checks]\ninterval = 0\n[maintenance]\ncleanup_jobs_interval = 0\n"
    "cleanup_outputs_interval = 0\n"
)


def _wait(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return found


def _cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def _share(pid: int, seconds: float) -> float:
    before, start = _cpu(pid), time.monotonic()
    time.sleep(seconds)  # the measured span: nothing else to wait on
    return (_cpu(pid) - before) / (time.monotonic() - start)


def _browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='docmill-bench-chromium-')}")
    return webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))


_TRANSFER = """
const entries = [...performance.getEntriesByType('navigation'),
                 ...performance.getEntriesByType('resource')];
return entries.filter(e => !e.name.endsWith('/api/stream'))
              .map(e => [e.name, e.transferSize || e.encodedBodySize || 0]);
"""


def _page_bytes(driver: Any, url: str, ready: str) -> tuple[int, list[tuple[str, int]]]:
    """Everything a first visit loads (the browser's cache emptied first)."""
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.get(url)
    _wait(lambda: driver.execute_script(f"return !!document.querySelector({ready!r})"), 20, url)
    time.sleep(1.0)  # let the first API answers land before counting them
    entries = [(str(n), int(b)) for n, b in driver.execute_script(_TRANSFER)]
    return sum(b for _, b in entries), entries


def _update_bytes(url: str) -> int:
    """The size of one server-sent state, as the page receives it."""
    with urllib.request.urlopen(url + "api/stream", timeout=10) as stream:
        event = b""
        while not event.endswith(b"\n\n"):
            event += stream.readline()
    return len(event)


def run(idle: float) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="docmill-bench-"))
    home = tmp / "h"
    home.mkdir()
    (home / "docmill.toml").write_text(QUIET)
    py, quiet = sys.executable, subprocess.DEVNULL
    procs = [subprocess.Popen([py, "-m", "broker", "--home", str(home)], cwd=ROOT, stderr=quiet)]
    try:
        _wait(lambda: (home / "run" / "endpoints.json").exists(), 30, "the broker")
        pool = [py, "-m", "workers", "--home", str(home), "--concurrency", "2"]
        procs.append(subprocess.Popen([*pool, "--log-level", "WARNING"], cwd=ROOT, stderr=quiet))
        dash = subprocess.Popen(
            [py, "-m", "dashboard", "--home", str(home), "--bind", "127.0.0.1:0"],
            cwd=ROOT, stdout=quiet, stderr=quiet,
        )  # fmt: skip
        procs.append(dash)
        address = home / "run" / "dashboard.json"
        url = _wait(lambda: address.exists() and json.loads(address.read_text())["url"], 30, "it")
        with Client(home=str(home), timeout=30) as client:
            _wait(lambda: len(client.status()["workers"]) == 2, 30, "2 workers")
            client.gather(client.submit_many("noop", [{} for _ in range(500)]), timeout=120)
            ids = [j["id"] for j in client.jobs(limit=1)[0]]
        time.sleep(3)  # let start-up work settle before measuring idle
        figures: dict[str, Any] = {"idle": _share(dash.pid, idle)}
        driver = _browser()
        try:
            total, entries = _page_bytes(driver, url, "#workers tr[data-worker]")
            figures["open"] = _share(dash.pid, idle)
            figures["pages"] = {"overview": total}
            figures["overview_entries"] = entries
            for name, path, ready in (
                ("history", "history", "#ranges"),
                ("jobs", "jobs", "#list tr[data-job]"),
                ("job", f"jobs/{ids[0]}", "#args"),
                ("dead letters", "dead", "#dead"),
            ):
                figures["pages"][name] = _page_bytes(driver, url + path, ready)[0]
        finally:
            driver.quit()
        figures["update"] = _update_bytes(url)
        return figures
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of each measure")
    args = parser.parse_args()
    f = run(args.idle)
    print(f"dashboard process, {args.idle:g} s each, broker state every 2 s")
    print(f"  idle, no browser           {100 * f['idle']:6.2f}% of a core   (target 0.5%)")
    print(f"  one overview page open     {100 * f['open']:6.2f}% of a core   (target 2%)")
    for name, size in f["pages"].items():
        print(f"  {name + ' page transfer':27}{size / 1024:7.1f} KB         (target 500 KB)")
    print(f"  one live update            {f['update'] / 1024:7.1f} KB, at most one a second")
    for name, size in f["overview_entries"]:
        print(f"    {size:8d} B  {name}")


if __name__ == "__main__":
    main()
