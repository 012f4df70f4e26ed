"""The dashboard's pages in a real browser (Debian's headless Chromium), against a real system:
a broker, a pool and the dashboard's own process.

The tests that count nothing of what the system ran share one system (`site`), each leaving it
as it found it, so that each does not start and stop its own; those that count the jobs of their
run (the charts and /metrics, the history page) run their own."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.system import run_pool
from docmill.client import Client
from docmill.home import Home
from docmill.protocol import Command
from tests.conftest import (
    CORPUS,
    QUIET,
    Events,
    Proc,
    StartPool,
    allow,
    docmill,
    json_lines,
    start_broker,
    wait_for,
)
from tests.web import Dashboard, attrs, click, js, open_page, shoot, start_dashboard, text, until

pytestmark = pytest.mark.timeout(120)


@dataclass
class Site:
    """One running system (broker, pool of two, dashboard) for the tests that count nothing."""

    home: Home
    client: Client
    dashboard: Dashboard


@pytest.fixture(scope="module")
def running_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A broker, a pool of two workers and the dashboard, started once for this file."""
    tmp = tmp_path_factory.mktemp("site")
    home = Home(tmp / "h").ensure()
    (home.root / "docmill.toml").write_text(QUIET + allow(CORPUS, tmp))
    procs = [start_broker(home, tmp / "broker.log")]

    def spawn(args: list[str]) -> Proc:
        procs.append(pool := Proc(args, tmp / "pool.log"))
        return pool

    try:
        run_pool(spawn, home.root, 2, "--home", str(home.root), "--tasks", "tests.tasks")
        dash = start_dashboard(home, tmp / "dashboard.log", "--bind", "127.0.0.1:0")
        try:
            with Client(home=str(home.root), timeout=10) as client:
                yield Site(home, client, dash)
        finally:
            assert dash.proc.stop() == 0, dash.proc.output()
    finally:
        for proc in reversed(procs):
            proc.stop()


@pytest.fixture
def site(running_site: Site) -> Iterator[Site]:
    """The shared system, left as the test found it: no queue paused."""
    yield running_site
    client = running_site.client
    for name, queue in client.status()["queues"].items():
        if queue["paused"]:
            client.call(Command.RESUME, {"queue": name})


@pytest.fixture
def site_events(site: Site) -> Iterator[Events]:
    """The shared system's status stream, from before the test acts."""
    events = Events(site.home)
    yield events
    events.close()


# -- on the shared system -----------------------------------------------------------------------


def test_overview_shows_the_real_queues_workers_and_host(site: Site, browser: Any) -> None:
    client, dashboard = site.client, site.dashboard
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
    site: Site, browser: Any
) -> None:
    home, client, dashboard = site.home, site.client, site.dashboard
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
    site: Site, browser: Any, site_events: Events
) -> None:
    client, dashboard = site.client, site.dashboard
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
        lambda: ("job.requeued", dead.id) in [(t, b.get("job")) for t, b in site_events.items],
        20,
        "the job back in line",
    )
    # It crashes again, and is dead again with a fresh attempt count.
    wait_for(lambda: client.job(dead.id).info()["status"] == "dead", 30, "its second end")
    assert client.job(dead.id).info()["attempts"] == 1


def test_actions_need_the_token_and_the_dashboards_own_origin(site: Site, browser: Any) -> None:
    home, client, dashboard = site.home, site.client, site.dashboard
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


# -- on a system of their own: they count the jobs of their run ----------------------------------


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
