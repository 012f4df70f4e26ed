"""The monitor: the live view in a real pseudo-terminal, snapshots, health, report, pause."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import msgpack
import psutil
import pyte
import pytest

from docmill import follow
from docmill.client import Client
from docmill.home import Home
from docmill.supervise import wait_gone
from monitor.model import Model
from tests.conftest import ROOT, Events, Proc, StartPool, docmill, wait_for

pytestmark = pytest.mark.timeout(90)


class Terminal:
    """A program on a real pseudo-terminal, its screen read back through a terminal emulator."""

    def __init__(self, args: list[str], columns: int = 110, lines: int = 32) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.proc = subprocess.Popen(
            args, cwd=ROOT, stdin=slave, stdout=slave, stderr=slave, start_new_session=True
        )
        os.close(slave)
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)

    def read(self) -> str:
        while select.select([self.master], [], [], 0.1)[0]:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                break
            if not data:
                break
            self.stream.feed(data)
        return "\n".join(self.screen.display)

    def press(self, key: str) -> None:
        os.write(self.master, key.encode())

    def close(self) -> int:
        try:
            return self.proc.wait(10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(5)
            os.close(self.master)


def test_the_live_view_shows_the_real_system(
    home: Home, client: Client, start_pool: StartPool
) -> None:
    start_pool(2)
    client.gather(client.submit_many("noop", [{}] * 20), timeout=30)
    failed = client.submit("process_document", path="/no/such/report.pdf")
    wait_for(lambda: failed.status() == "failed", 30, "the failure")
    workers = [w["id"] for w in client.status()["workers"]]
    term = Terminal([sys.executable, "-m", "monitor", "--home", str(home.root)])
    try:

        def shows_workers() -> str | None:
            screen = term.read()
            return screen if all(w in screen for w in workers) else None

        screen = wait_for(shows_workers, 30, "the view")
        assert "documents" in screen and "analysis" in screen
        assert "/no/such/report.pdf" in screen and "forbidden" in screen  # outside the roots
        assert "succeeded 20" in screen
        term.press("p")
        wait_for(lambda: "[PAUSED]" in term.read(), 10, "the pause marker")
        term.press("q")
        assert term.proc.wait(10) == 0
    finally:
        term.close()


def test_a_monitor_started_mid_run_shows_the_whole_state(
    home: Home, client: Client, start_pool: StartPool
) -> None:
    start_pool(2)
    jobs = client.submit_many("noop", [{"seconds": 0.02}] * 300)
    wait_for(lambda: client.status()["counts"].get("succeeded", 0) >= 50, 30, "the run to be going")
    view = json.loads(docmill(home, "monitor", "--once", "--json").stdout)
    status = json.loads(docmill(home, "status", "--json").stdout)
    assert sum(view["counts"].values()) == sum(status["counts"].values()) == 300
    assert sorted(w["id"] for w in view["workers"]) == sorted(w["id"] for w in status["workers"])
    assert set(view["queues"]) == set(status["queues"])
    assert view["stats"]["ended"]["succeeded"] >= 50  # statistics from before it started
    assert view["stats"]["latency"]["noop"]["p50"] >= 0.02
    client.gather(jobs, timeout=60)


def test_health_fails_without_workers_and_recovers(
    home: Home, client: Client, start_pool: StartPool
) -> None:
    pool = start_pool(1)
    assert docmill(home, "health").returncode == 0
    pool.stop()
    wait_for(lambda: not client.status()["workers"], 30, "the worker to be gone")
    sick = docmill(home, "health", "--json")
    assert sick.returncode == 1
    assert "no workers" in json.loads(sick.stdout)["problems"][0]
    start_pool(1)
    assert docmill(home, "health").stdout.strip() == "healthy"


def test_health_says_when_no_broker_answers(tmp_path: Path) -> None:
    home = Home(tmp_path / "empty").ensure()
    proc = docmill(home, "health")
    assert proc.returncode == 3 and "no broker" in proc.stderr


def test_report_reads_the_store(home: Home, client: Client, start_pool: StartPool) -> None:
    start_pool(2)
    client.gather(client.submit_many("echo", [{"i": i} for i in range(30)]), timeout=30)
    bad = client.enqueue("crash", {}, max_attempts=1)
    wait_for(lambda: bad.status() == "dead", 30, "the dead job")
    data = json.loads(docmill(home, "report", "--since", "1h", "--json").stdout)
    assert data["tasks"]["echo"]["counts"] == {"succeeded": 30}
    assert data["tasks"]["crash"]["counts"] == {"dead": 1}
    assert data["errors"] == {"worker_died": 1}
    assert docmill(home, "report", "--since", "soon").returncode == 2


def test_pause_and_resume_a_queue(home: Home, client: Client, start_pool: StartPool) -> None:
    start_pool(1)
    assert docmill(home, "pause", "documents").returncode == 0
    held = client.submit("echo", queue="documents", n=1)
    other = client.submit("echo", queue="analysis", n=2)
    assert other.result(timeout=30) == {"n": 2}  # the worker is free, and serves other queues
    assert held.status() == "queued"
    assert client.status()["queues"]["documents"]["paused"] is True
    assert docmill(home, "resume", "documents").returncode == 0
    assert held.result(timeout=30) == {"n": 1}


def test_the_model_resynchronises_on_gaps_and_restarts() -> None:
    model = Model()
    model.load({"state_seq": 10, "broker": {"pid": 1}})

    def state(n: int, pid: int = 1) -> dict[str, object]:
        return {"pid": pid, "state_seq": n, "state": {"broker": {"pid": pid}, "counts": {"n": n}}}

    assert model.apply("broker.state", state(9))  # older than the snapshot: ignored
    assert model.apply("broker.state", state(11))
    assert model.view()["counts"] == {"n": 11}
    assert not model.apply("broker.state", state(13))  # 12 was lost
    assert not model.apply("broker.started", {"pid": 2})  # another broker
    assert model.gaps == 2


def test_a_message_of_the_stream_that_is_not_the_brokers_is_skipped() -> None:
    body = msgpack.packb({"pid": 1, "state_seq": 2})
    assert follow.read([b"broker.state", body]) == ("broker.state", {"pid": 1, "state_seq": 2})
    assert follow.read([b"broker.state"]) is None  # not two frames
    assert follow.read([b"broker.state", body, b""]) is None
    assert follow.read([b"broker.state", msgpack.packb([1, 2])]) is None  # no map
    assert follow.read([b"broker.state", b"\xc1"]) is None  # no msgpack at all


def test_checks_raise_alerts_and_run_the_notification_command(
    home: Home, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    alert_file, notify = tmp_path / "alert.json", tmp_path / "notify.py"
    notify.write_text(f"import sys\nopen({str(alert_file)!r}, 'w').write(sys.stdin.read())\n")
    command = json.dumps(f"{sys.executable} {notify}")  # a TOML basic string
    (home.root / "docmill.toml").write_text(
        f"[checks]\ninterval = 0.3\nalert_command = {command}\n"
    )
    request.getfixturevalue("broker")
    events = request.getfixturevalue("events")
    wait_for(lambda: alert_file.exists() and alert_file.read_text(), 30, "the alert command")
    alert = json.loads(alert_file.read_text())
    assert alert["check"] == "health_check"
    assert any("no workers" in p for p in alert["problems"])
    published = wait_for(
        lambda: [b for t, b in events.items if t == "alert"], 10, "the alert on the stream"
    )
    assert published[0]["new"] == alert["new"]
    wait_for(
        lambda: any(t == "job.succeeded" and b["task"].endswith("_check") for t, b in events.items),
        10,
        "each check to run as an ordinary job",
    )
    # The same problem is not alerted again at every run.
    wait_for(lambda: len([b for t, b in events.items if t == "job.succeeded"]) >= 6, 30, "runs")
    assert len([t for t, _ in events.items if t == "alert"]) == 1


def test_scale_grows_and_shrinks_the_pool(
    home: Home, client: Client, start_pool: StartPool
) -> None:
    start_pool(1)
    wait_for(lambda: client.status()["pools"], 30, "the pool's first report")
    assert docmill(home, "scale", "3").returncode == 0
    wait_for(lambda: len(client.status()["workers"]) == 3, 30, "three workers")
    busy = client.submit("noop", seconds=1.5)
    wait_for(lambda: busy.status() == "running", 30, "a busy worker")
    assert docmill(home, "scale", "-2").returncode == 0
    wait_for(lambda: len(client.status()["workers"]) == 1, 30, "one worker left")
    assert busy.result(timeout=30) is None  # a retiring worker finished its job first
    assert busy.info()["attempts"] == 1


def test_run_all_shows_the_view_on_a_terminal_and_q_stops_everything(tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    term = Terminal([sys.executable, "run_all.py", "--home", str(home.root), "--workers", "1"])
    try:

        def ready() -> str | None:
            screen = term.read()
            return screen if "idle" in screen and "documents" in screen else None

        screen = wait_for(ready, 60, "the view with an idle worker")
        assert "documents" in screen
        family = psutil.Process(term.proc.pid).children(recursive=True)
        term.press("q")
        assert term.proc.wait(60) == 0
        alive = wait_gone(family, timeout=10)
        assert not alive, f"left behind: {[p.pid for p in alive]}"
    finally:
        term.close()


def test_the_view_fits_80x24_and_keys_act_on_the_selected_job(
    home: Home, client: Client, start_pool: StartPool
) -> None:
    start_pool(1)
    running = client.submit("noop", seconds=60)
    wait_for(lambda: running.status() == "running", 30, "a running job")
    once = subprocess.run(
        [sys.executable, "-m", "monitor", "--home", str(home.root), "--once"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "80", "LINES": "24"},
    )
    lines = once.stdout.rstrip("\n").split("\n")
    assert len(lines) == 24 and max(len(line) for line in lines) <= 80
    assert "documents" in once.stdout and running.id[:8] in once.stdout
    term = Terminal([sys.executable, "-m", "monitor", "--home", str(home.root)], 80, 24)
    try:
        wait_for(lambda: ">" + running.id[:8] in term.read(), 30, "the running job selected")
        term.press("c")  # cancel the selected job: its process is stopped
        wait_for(lambda: running.status() == "cancelled", 30, "the cancel")
        term.press("q")
        assert term.proc.wait(10) == 0
    finally:
        term.close()


def test_watcher_events_and_counters_reach_the_stream(
    home: Home, client: Client, events: Events, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(1)
    watcher = Proc(["-m", "watcher", "--home", str(home.root)], tmp_path / "watcher.log")
    try:
        (home.inbox / "a.txt").write_text("alpha")
        (home.inbox / "b.txt").write_text("alpha")  # the same content: a duplicate
        wait_for(lambda: "watcher.duplicate" in events.topics(), 30, "the duplicate event")
        seen = [b["path"] for t, b in events.items if t == "watcher.seen"]
        submitted = [b for t, b in events.items if t == "watcher.submitted"]
        assert sorted(Path(p).name for p in seen) == ["a.txt", "b.txt"]
        assert len(submitted) == 1 and submitted[0]["job"]
        counters = wait_for(lambda: next(iter(client.status()["watchers"].values()), None), 30, "")
        assert counters["counters"]["duplicates"] == 1
    finally:
        watcher.stop()
