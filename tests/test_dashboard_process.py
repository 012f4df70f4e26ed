"""The dashboard's process: what it serves and to whom, how it finds and follows the broker,
how run_all starts it, and how often a page is sent a state."""

from __future__ import annotations

import itertools
import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from docmill.client import Client
from docmill.home import Home
from docmill.supervise import ended
from tests.conftest import QUIET, Proc, docmill, start_broker, wait_for
from tests.web import Dashboard, start_dashboard

pytestmark = pytest.mark.timeout(120)


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
    assert ended(pid)
    assert not (home.run / "dashboard.json").exists()  # it stopped cleanly, by its lifeline

    quiet = Proc([*args, "--no-dashboard"], tmp_path / "quiet.log")
    try:
        wait_for(lambda: "docmill is running" in quiet.output(), 60, "run_all to announce itself")
        assert not any(x.strip().startswith("dashboard") for x in quiet.output().splitlines())
        assert not (home.run / "dashboard.json").exists()
    finally:
        assert quiet.stop(60) == 0, quiet.output()


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
