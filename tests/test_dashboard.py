"""The web dashboard against a real system: a broker, a pool, the dashboard's own process, and
Debian's headless Chromium driven through its chromedriver."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import stat
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from docmill.client import BrokerError, Client
from docmill.home import Home
from docmill.protocol import Command
from tests.conftest import (
    QUIET,
    ROOT,
    Events,
    Proc,
    StartPool,
    docmill,
    json_lines,
    start_broker,
    wait_for,
)

pytestmark = pytest.mark.timeout(120)

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots, gitignored: look at them
STATES = {"queued", "running", "retry_scheduled", "succeeded", "failed", "dead", "cancelled"}


# -- the dashboard process and the browser ----------------------------------------------------


class Dashboard:
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
    dash = start_dashboard(home, tmp_path / "dashboard.log", "--bind", "127.0.0.1:0")
    yield dash
    assert dash.proc.stop() == 0, dash.proc.output()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        pytest.skip("needs Debian's chromium and chromium-driver (sh .ci/system-packages)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
    ):
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


# -- the broker's job listing ---------------------------------------------------------------------


def test_jobs_command_filters_and_pages_the_store(
    home: Home, client: Client, start_pool: StartPool
) -> None:
    start_pool(1)
    done = client.submit_many("whoami", [{} for _ in range(7)])
    client.gather(done, timeout=30)
    named = [client.submit("burn", seconds=0, path=f"/data/report-{i}.PDF") for i in range(3)]
    client.wait(named, timeout=30)  # burn takes no path: each fails with bad_request
    paused = client.submit("whoami", queue="elsewhere")

    everything, after = client.jobs(limit=200)
    assert len(everything) == 11 and after is None
    created = [job["created"] for job in everything]
    assert created == sorted(created, reverse=True)  # newest first
    assert all("result" not in job for job in everything)

    failed, _ = client.jobs(state="failed")
    assert {j["id"] for j in failed} == {j.id for j in named}
    assert failed[0]["error"]["type"] == "bad_request" and "traceback" not in failed[0]["error"]
    assert [j["id"] for j in client.jobs(queue="elsewhere")[0]] == [paused.id]
    assert len(client.jobs(task="whoami", state="succeeded")[0]) == 7
    found, _ = client.jobs(text="report-1.pdf")  # in the file name, any case
    assert [j["id"] for j in found] == [named[1].id]
    assert found[0]["path"] == "/data/report-1.PDF" and found[0]["args"]["seconds"] == 0

    since = everything[2]["created"]  # a time range: the 3 newest
    assert [j["id"] for j in client.jobs(after=since)[0]] == [j["id"] for j in everything[:3]]
    assert len(client.jobs(after=since, before=everything[0]["created"])[0]) == 2

    first, cursor = client.jobs(limit=4)  # pages: `next` is the following page's `cursor`
    second, cursor2 = client.jobs(limit=4, cursor=cursor)
    third, cursor3 = client.jobs(limit=4, cursor=cursor2)
    pages = [j["id"] for j in first + second + third]
    assert pages == [j["id"] for j in everything] and cursor3 is None

    lines = client.job_lines([named[0].id, "f" * 32])
    assert [line["id"] for line in lines] == [named[0].id]
    for bad in ({"state": "unknown"}, {"limit": 0}, {"text": "x" * 201}, {"ids": "nope"}):
        with pytest.raises(BrokerError) as refused:
            client.call(Command.JOBS, bad)
        assert refused.value.type == "bad_request"


# -- pages in a real browser --------------------------------------------------------------------


def test_overview_shows_the_real_queues_workers_and_host(
    home: Home, client: Client, start_pool: StartPool, dashboard: Dashboard, browser: Any
) -> None:
    start_pool(2)
    client.call(Command.PAUSE, {"queue": "analysis"})
    open_page(browser, dashboard, "/")
    workers = {w["id"] for w in client.status()["workers"]}
    until(browser, lambda d: len(attrs(d, "#workers tr[data-worker]", "data-worker")) == 2)
    assert set(attrs(browser, "#workers tr[data-worker]", "data-worker")) == workers
    queues = attrs(browser, "#queues tr[data-queue]", "data-queue")
    assert {"documents", "analysis", "maintenance"} <= set(queues)
    until(browser, lambda d: "paused" in text(d, "#queues tr[data-queue=analysis]"))
    assert "host CPU" in text(browser, "#figures")
    assert text(browser, "#mode") == "read-only"
    shown = "return [...document.querySelectorAll('button.act')].some(b => b.offsetParent)"
    assert js(browser, shown) is False  # the action buttons are hidden
    shoot(browser, "overview-idle")


def test_a_job_submitted_from_the_cli_appears_and_succeeds_without_a_reload(
    home: Home, client: Client, start_pool: StartPool, dashboard: Dashboard, browser: Any
) -> None:
    start_pool(1)
    client.call(Command.PAUSE, {"queue": "documents"})  # so the page sees it wait first
    open_page(browser, dashboard, "/jobs")
    until(browser, lambda d: d.find_elements("css selector", "#list tr"))
    js(browser, "window.sameDocument = true")  # gone if the page reloads
    file = home.inbox / "quarterly-report.txt"
    file.write_text("Revenue rose in the third quarter.\n")
    submitted = docmill(home, "submit", "--json", str(file))
    assert submitted.returncode == 0, submitted.stderr
    [line] = json_lines(submitted.stdout)
    job_id = line["id"]
    row = f"#list tr[data-job='{job_id}']"

    def status(d: Any) -> str | None:
        return js(
            d, "const r = document.querySelector(arguments[0]); return r && r.dataset.status", row
        )

    until(browser, lambda d: status(d) == "queued", what="the CLI's job to appear, waiting")
    assert "quarterly-report.txt" in text(browser, row)
    client.call(Command.RESUME, {"queue": "documents"})
    until(browser, lambda d: status(d) == "succeeded", what="the job to turn succeeded")
    assert js(browser, "return window.sameDocument") is True
    shoot(browser, "jobs")

    click(browser, f"{row} a")  # its own page
    until(browser, lambda d: "succeeded" in text(d, "h1"))
    page = text(browser, "#main")
    assert "process_document" in page and "quarterly-report.txt" in page
    assert ".json" in page  # a link to its output in the outbox
    shoot(browser, "job")


def test_retry_on_a_dead_job_from_the_page_puts_it_back_in_line(
    home: Home,
    client: Client,
    start_pool: StartPool,
    dashboard: Dashboard,
    browser: Any,
    events: Events,
) -> None:
    start_pool(1)
    dead = client.enqueue("crash", {}, max_attempts=1)  # worker_died on its last attempt
    wait_for(lambda: client.job(dead.id).status() == "dead", 30, "the job to be dead")
    open_page(browser, dashboard, "/dead", token=True)
    button = f"#dead tr[data-job='{dead.id}'] button[data-action=retry]"
    until(browser, lambda d: d.find_elements("css selector", button), what="the dead job")
    assert "worker_died" in text(browser, f"#dead tr[data-job='{dead.id}']")
    shoot(browser, "dead")
    click(browser, button)
    until(browser, lambda d: "retry done" in text(d, "#toast"), what="the page's answer")
    wait_for(
        lambda: ("job.requeued", dead.id) in [(t, b.get("job")) for t, b in events.items],
        20,
        "the job back in line",
    )
    # It crashes again, and is dead again with a fresh attempt count.
    wait_for(lambda: client.job(dead.id).info()["status"] == "dead", 30, "its second end")
    assert client.job(dead.id).info()["attempts"] == 1


def test_actions_need_the_token_and_the_dashboards_own_origin(
    home: Home, client: Client, start_pool: StartPool, dashboard: Dashboard, browser: Any
) -> None:
    start_pool(1)
    open_page(browser, dashboard, "/")  # no token: read-only
    until(browser, lambda d: d.find_elements("css selector", "#queues tr[data-queue]"))
    refused = js(
        browser,
        """return fetch('/api/actions/pause', {method: 'POST',
             headers: {'content-type': 'application/json'},
             body: JSON.stringify({queue: 'documents'})}).then(r => r.status);""",
    )
    assert refused == 403
    assert not client.status()["queues"]["documents"]["paused"]

    pause = {"queue": "documents"}
    own = {"Origin": dashboard.url.rstrip("/"), "X-Docmill-Token": dashboard.token}
    code, body = dashboard.request(
        "/api/actions/pause", pause, {**own, "Origin": "http://evil.example"}
    )
    assert code == 403 and b"origin" in body
    code, _ = dashboard.request("/api/actions/pause", pause, {**own, "X-Docmill-Token": "x" * 43})
    assert code == 403
    code, _ = dashboard.request("/api/actions/pause", pause, {"X-Docmill-Token": dashboard.token})
    assert code == 403  # no Origin at all
    code, _ = dashboard.request("/", None, {"Host": "attacker.example:80"})
    assert code == 421  # DNS rebinding: a name pointed at 127.0.0.1 reads nothing
    assert not client.status()["queues"]["documents"]["paused"]

    code, body = dashboard.request("/api/actions/pause", pause, own)
    assert code == 200, body
    assert client.status()["queues"]["documents"]["paused"]
    code, _ = dashboard.request("/api/actions/scale", {"delta": 99}, own)
    assert code == 400  # every input checked

    open_page(browser, dashboard, "/", token=True)  # the token in the fragment: actions on
    resume = "#queues tr[data-queue=documents] button[data-action=resume]"
    until(browser, lambda d: d.find_elements("css selector", resume))
    assert text(browser, "#mode") == "actions on"
    assert "token" not in browser.current_url  # taken out of the address bar
    click(browser, resume)
    wait_for(lambda: not client.status()["queues"]["documents"]["paused"], 10, "the resume")
    mode = stat.S_IMODE((home.run / "dashboard.token").stat().st_mode)
    assert mode == 0o600


def test_charts_have_points_after_a_run_and_metrics_count_it(
    home: Home, client: Client, start_pool: StartPool, dashboard: Dashboard, browser: Any
) -> None:
    start_pool(2)
    client.gather(client.submit_many("whoami", [{} for _ in range(40)]), timeout=60)
    failing = client.enqueue("crash", {}, max_attempts=1)
    wait_for(lambda: client.job(failing.id).status() == "dead", 30, "the failure")
    open_page(browser, dashboard, "/")

    def heights(d: Any, chart: str) -> list[float]:
        return js(
            d,
            f"return [...document.querySelectorAll('#{chart} rect.point')]"
            ".map(r => +r.getAttribute('height'))",
        )

    until(browser, lambda d: sum(heights(d, "chart-throughput")) > 0, what="throughput points")
    until(browser, lambda d: heights(d, "chart-failures"), what="failures by type")
    until(browser, lambda d: heights(d, "chart-latency"), what="latency per task")
    assert browser.find_elements("css selector", "#chart-depth polyline.point")
    titles = js(
        browser,
        "return [...document.querySelectorAll('#chart-failures title')].map(t => t.textContent)",
    )
    assert any("worker_died" in t for t in titles)
    shoot(browser, "overview")

    code, text = dashboard.request("/metrics")
    assert code == 200
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text.decode())
        for s in family.samples
    }
    state = client.status()
    assert samples[("docmill_up", ())] == 1
    for name, n in state["counts"].items():
        assert samples[("docmill_jobs", (("state", name),))] == n
    assert (
        samples[("docmill_jobs_ended_total", (("outcome", "succeeded"), ("task", "whoami")))] == 40
    )
    assert samples[("docmill_failures_total", (("type", "worker_died"),))] >= 1
    assert samples[("docmill_workers", (("state", "idle"),))] == 2
    assert ("docmill_queue_depth", (("queue", "documents"),)) in samples
    assert ("docmill_job_duration_seconds", (("quantile", "0.95"), ("task", "whoami"))) in samples


# -- security and the process ---------------------------------------------------------------------


def test_only_files_in_the_outbox_are_served(
    dashboard: Dashboard, home: Home, tmp_path: Path
) -> None:
    (home.outbox / "abc.json").write_text('{"ok": 1}')
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours")
    (home.outbox / "link.json").symlink_to(secret)
    assert dashboard.request("/outbox/abc.json") == (200, b'{"ok": 1}')
    for path in (
        "/outbox/link.json",
        "/outbox/..%2Fdocmill.toml",
        "/outbox/%2e%2e%2fdocmill.toml",
        "/outbox/../docmill.toml",
        "/static/../token.py",
        "/static/..%2Ftoken.py",
    ):
        code, body = dashboard.request(path)
        assert code == 404 and b"not yours" not in body and b"secrets" not in body, path


def test_beyond_loopback_only_with_an_access_token(
    home: Home, broker: Proc, tmp_path: Path
) -> None:
    # `docmill dashboard` runs the same process, as `docmill monitor` runs the monitor.
    refused = docmill(home, "dashboard", "--bind", "0.0.0.0:0")
    assert refused.returncode == 2
    assert "beyond loopback, without an access token" in refused.stderr

    access = "s3cret-access-token-of-some-length"
    config = home.root / "docmill.toml"
    config.write_text(config.read_text() + f'[dashboard]\naccess_token = "{access}"\n')
    dash = start_dashboard(home, tmp_path / "d.log", "--bind", "0.0.0.0:0")
    try:
        port = dash.url.rsplit(":", 1)[1]
        dash.url = f"http://127.0.0.1:{port}"
        assert dash.request("/api/state")[0] == 401
        assert dash.request("/metrics", None, {"Authorization": "Bearer wrong"})[0] == 401
        bearer = {"Authorization": f"Bearer {access}"}

        def state() -> Any:
            code, body = dash.request("/api/state", None, bearer)
            assert code == 200
            return json.loads(body)["state"]

        assert wait_for(state, 15, "the broker's state")["broker"]["pid"] == broker.pid
    finally:
        assert dash.proc.stop() == 0, dash.proc.output()


def test_the_dashboard_waits_for_a_broker_and_follows_it_when_it_comes(
    home: Home, tmp_path: Path
) -> None:
    dash = start_dashboard(home, tmp_path / "d.log", "--bind", "127.0.0.1:0")
    try:
        picture = json.loads(dash.request("/api/state")[1])
        assert picture["state"] is None and picture["error"]
        broker = start_broker(home, tmp_path / "broker.log")
        try:
            wait_for(
                lambda: json.loads(dash.request("/api/state")[1])["state"],
                30,
                "the dashboard to find the broker",
            )
        finally:
            broker.stop()
    finally:
        assert dash.proc.stop() == 0, dash.proc.output()


def test_run_all_starts_the_dashboard_and_prints_its_address(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    (home.root / "docmill.toml").write_text(QUIET)
    args = ["run_all.py", "--home", str(home.root), "--workers", "1", "--headless"]
    run = Proc([*args, "--dashboard", "127.0.0.1:0"], tmp_path / "run.log")
    try:
        wait_for(lambda: "docmill is running" in run.output(), 60, "run_all to announce itself")
        line = next(x for x in run.output().splitlines() if x.strip().startswith("dashboard"))
        url = line.split()[-1]
        assert url.startswith("http://127.0.0.1:"), run.output()
        dash = Dashboard(run, url, home)
        wait_for(
            lambda: (
                len((json.loads(dash.request("/api/state")[1])["state"] or {}).get("workers", []))
                == 1
            ),
            30,
            "the dashboard to show the pool's worker",
        )
        pid = json.loads((home.run / "dashboard.json").read_text())["pid"]
    finally:
        assert run.stop(60) == 0, run.output()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not (home.run / "dashboard.json").exists()  # it stopped cleanly, by its lifeline

    quiet = Proc([*args, "--no-dashboard"], tmp_path / "quiet.log")
    try:
        wait_for(lambda: "docmill is running" in quiet.output(), 60, "run_all to announce itself")
        assert not any(x.strip().startswith("dashboard") for x in quiet.output().splitlines())
        assert not (home.run / "dashboard.json").exists()
    finally:
        assert quiet.stop(60) == 0, quiet.output()


# -- history ----------------------------------------------------------------------------------


def test_history_is_kept_per_minute_in_the_store_and_survives_a_restart(
    home: Home, broker: Proc, client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(2)
    client.gather(client.submit_many("whoami", [{} for _ in range(30)]), timeout=60)
    dead = client.enqueue("crash", {}, max_attempts=1)
    wait_for(lambda: client.job(dead.id).status() == "dead", 30, "the failure")

    def totals(history: dict[str, Any]) -> tuple[int, int, int]:
        points = history["points"]
        return (
            sum(p["ended"].get("succeeded", 0) for p in points),
            sum(p["errors"].get("worker_died", 0) for p in points),
            sum(p["latency"].get("whoami", {}).get("n", 0) for p in points),
        )

    before = client.history(3600)
    assert before["step"] == 60 and totals(before) == (30, 1, 30)
    latency = next(p["latency"]["whoami"] for p in before["points"] if "whoami" in p["latency"])
    assert 0 < latency["p50"] <= latency["p95"] <= 3
    broker.stop()
    assert broker.popen.returncode == 0, broker.output()

    again = start_broker(home, tmp_path / "broker2.log")
    try:
        with Client(home=str(home.root), timeout=10) as fresh:
            assert totals(fresh.history(3600)) == (30, 1, 30)  # read back from the store
            month = fresh.history(30 * 86400)
            assert month["step"] == 3600 and totals(month) == (30, 1, 30)
            with pytest.raises(BrokerError):
                fresh.call(Command.HISTORY, {"span": "a week"})
    finally:
        again.stop()


def test_history_rows_past_the_retention_are_deleted() -> None:
    import sqlite3

    from broker.history import History
    from broker.jobs import Job
    from docmill.protocol import JobStatus

    db = sqlite3.connect(":memory:", isolation_level=None)
    history = History(db, retention=3600)
    day = 86_400.0 * 1000
    job = Job(id="a" * 32, task="t", queue="q", status=JobStatus.SUCCEEDED)
    job.started, job.finished = 1.0, 1.2
    history.settled(job, now=day)
    history.sample({"q": 5}, now=day + 10)
    history.settled(job, now=day + 3000)  # the minute turns: the first one is written
    assert db.execute("SELECT COUNT(*) FROM history_jobs").fetchone() == (1,)
    assert db.execute("SELECT due FROM history_queues").fetchall() == [(5,)]
    history.settled(job, now=day + 3700)  # the first minute is now past the retention
    minutes = db.execute("SELECT minute FROM history_jobs").fetchall()
    assert minutes == [((day + 3000) // 60,)]
    assert db.execute("SELECT COUNT(*) FROM history_queues").fetchone() == (0,)
    points = history.series(3600, now=day + 3700)["points"]
    assert [p["ended"] for p in points] == [{"succeeded": 1}, {"succeeded": 1}]
    assert points[0]["latency"]["t"] == {"p50": 0.3, "p95": 0.3, "n": 1}


def test_the_history_page_charts_what_the_broker_kept(
    home: Home, client: Client, start_pool: StartPool, dashboard: Dashboard, browser: Any
) -> None:
    start_pool(2)
    client.gather(client.submit_many("whoami", [{} for _ in range(25)]), timeout=60)
    open_page(browser, dashboard, "/history")
    until(browser, lambda d: d.find_elements("css selector", "#history-ended polyline.point"))
    assert "25 job(s) ended, one point per 1 min" in text(browser, "h1")
    assert browser.find_elements("css selector", "#history-latency polyline.point")
    shoot(browser, "history")
    click(browser, "#ranges button[data-range='24h']")
    until(browser, lambda d: "one point per 2 min" in text(d, "h1"))
    assert browser.current_url.endswith("/history?range=24h")
    assert dashboard.request("/api/history?range=1y")[0] == 400


# A broker publishing its state five times a second (the default is every 2 s).
_FAST_BROKER = """
import pathlib, sys
from broker.broker import Broker
from docmill.home import Home
from docmill.settings import load_broker_settings
home = Home(pathlib.Path(sys.argv[1])).ensure()
broker = Broker(load_broker_settings(home, state_interval=0.2))
broker.install_signal_handlers()
broker.run()
"""


def test_a_page_gets_at_most_one_update_a_second(home: Home, tmp_path: Path) -> None:
    proc = Proc(["-c", _FAST_BROKER, str(home.root)], tmp_path / "broker.log")
    try:
        wait_for(home.read_endpoints, 15, "the broker")
        dash = start_dashboard(home, tmp_path / "d.log", "--bind", "127.0.0.1:0")
        try:
            with Client(home=str(home.root)) as client:
                first = client.status()["state_seq"]
            with urllib.request.urlopen(dash.url + "api/stream", timeout=10) as stream:
                updates, start = [], time.monotonic()
                while time.monotonic() - start < 4.0:
                    line = stream.readline()
                    if line.startswith(b"data: "):
                        updates.append((time.monotonic(), json.loads(line[6:])))
            with Client(home=str(home.root)) as client:
                published = client.status()["state_seq"] - first
            assert published >= 15  # the broker sent far more than the page was sent
            assert 3 <= len(updates) <= 6, [round(t - start, 2) for t, _ in updates]
            gaps = [b[0] - a[0] for a, b in itertools.pairwise(updates)]
            assert min(gaps) > 0.9, gaps
            seqs = [u["state"]["state_seq"] for _, u in updates]
            assert seqs == sorted(seqs) and seqs[-1] - seqs[0] >= 10  # each one the latest
        finally:
            assert dash.proc.stop() == 0, dash.proc.output()
    finally:
        proc.stop()
