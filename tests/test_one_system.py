"""One system per home: a second broker, run_all or watcher refuses; a killed run_all leaves no
orphans; a restarted one stops what an earlier run left."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from docmill.client import Client
from docmill.home import Home
from docmill.instance import AlreadyRunning, Instance
from docmill.supervise import ended, wait_gone
from tests.conftest import QUIET, ROOT, Proc, docmill, wait_for

pytestmark = pytest.mark.timeout(90)


def _run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def _start_run_all(home: Home, log: Path, workers: int = 1) -> Proc:
    args = ["run_all.py", "--home", str(home.root), "--workers", str(workers), "--headless"]
    run = Proc(args, log)
    wait_for(lambda: "docmill is running" in run.output(), 30, "run_all to announce itself")
    return run


def _serving(home: Home) -> bool:
    return docmill(home, "status").returncode == 0


def test_the_lock_goes_with_its_holder_and_names_it(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    first = Instance(home, "broker").acquire()
    with pytest.raises(AlreadyRunning, match=rf"pid {os.getpid()}\b"):
        Instance(home, "broker").acquire()
    assert Instance(home, "broker").held_elsewhere() is not None
    first.release()
    assert Instance(home, "broker").held_elsewhere() is None
    # A holder killed outright leaves no stale lock: the operating system drops it.
    command = [sys.executable, "-c", _HOLD, str(home.root)]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE) as holder:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        assert (Instance(home, "broker").held_elsewhere() or {}).get("pid") == holder.pid
        holder.kill()
    Instance(home, "broker").acquire().release()


_HOLD = """
import sys, time
from docmill.home import Home
from docmill.instance import Instance
lock = Instance(Home(__import__("pathlib").Path(sys.argv[1])), "broker").acquire()
print("held", flush=True)
time.sleep(60)  # sync-ok: a holder that waits to be killed
"""


def test_a_second_broker_refuses_and_the_first_keeps_serving(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    (home.root / "docmill.toml").write_text(QUIET)
    first = Proc(["-m", "broker", "--home", str(home.root)], tmp_path / "broker.log")
    try:
        wait_for(lambda: home.read_endpoints().get("pid") == first.pid, 15, "the first broker")
        endpoint = home.read_endpoints()["broker"]
        second = _run("-m", "broker", "--home", str(home.root))
        assert second.returncode == 2
        assert f"pid {first.pid}" in second.stderr and endpoint in second.stderr
        assert _serving(home), "the first broker must still answer"
        assert first.popen.poll() is None
    finally:
        first.stop()


def test_a_live_ipc_endpoint_is_never_taken_over(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    (home.root / "docmill.toml").write_text(QUIET)
    path = tmp_path / "x.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen()
    try:
        refused = _run("-m", "broker", "--home", str(home.root), "--bind", f"ipc://{path}")
        assert refused.returncode == 2 and "another process serves" in refused.stderr
        assert path.exists()
    finally:
        listener.close()  # the socket file stays behind, as a killed broker's would
    stale = Proc(
        ["-m", "broker", "--home", str(home.root), "--bind", f"ipc://{path}"],
        tmp_path / "broker.log",
    )
    try:
        wait_for(lambda: home.read_endpoints().get("pid") == stale.pid, 15, "the broker to bind")
        assert _serving(home)
    finally:
        stale.stop()


def test_a_second_run_all_refuses_and_the_first_keeps_serving(tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    run = _start_run_all(home, tmp_path / "run.log")
    try:
        second = _run("run_all.py", "--home", str(home.root), "--headless")
        assert second.returncode == 2
        assert f"pid {run.pid}" in second.stderr
        assert home.read_endpoints()["broker"] in second.stderr
        assert _serving(home)
        # A hand-started watcher on the same home would submit every file twice.
        watcher = _run("-m", "watcher", "--home", str(home.root))
        assert watcher.returncode == 2 and "watcher is already running" in watcher.stderr
    finally:
        run.stop()


def test_run_all_refuses_beside_a_broker_started_by_hand(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    broker = Proc(["-m", "broker", "--home", str(home.root)], tmp_path / "broker.log")
    try:
        wait_for(lambda: home.read_endpoints().get("pid") == broker.pid, 15, "the broker")
        refused = _run("run_all.py", "--home", str(home.root), "--headless")
        assert refused.returncode == 2 and f"pid {broker.pid}" in refused.stderr
        assert _serving(home)
    finally:
        broker.stop()


def test_a_killed_run_all_leaves_no_process_and_a_new_one_starts_clean(tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    run = _start_run_all(home, tmp_path / "run.log", workers=2)
    try:
        with Client(home=str(home.root), timeout=10) as client:
            wait_for(lambda: len(client.status()["workers"]) == 2, 30, "two workers")
        family = run.tree()
        assert len(family) >= 6  # run_all, broker, pool, 2 workers, watcher
        os.kill(run.pid, signal.SIGKILL)
        # Its children see their lifeline end and stop in order, by themselves.
        alive = wait_gone(family, timeout=30)
        assert not alive, f"orphans: {[(p.pid, p.cmdline()) for p in alive]}"
        again = _start_run_all(home, tmp_path / "again.log")
        try:
            assert "earlier run" not in again.output()  # nothing was left to stop
            assert _serving(home)
        finally:
            again.stop()
    finally:
        run.stop()


def test_a_restarted_run_all_stops_what_the_last_one_left(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    # A leftover gets the pool's grace plus 10 s to stop: a grace of 1 s, not 10, for the
    # frozen watcher below.
    (home.root / "docmill.toml").write_text("[workers]\ngrace = 1\n")
    run = _start_run_all(home, tmp_path / "run.log")
    try:
        with Client(home=str(home.root), timeout=10) as client:
            wait_for(lambda: len(client.status()["workers"]) == 1, 30, "a worker")
        old_broker = home.read_endpoints()["pid"]
        old_watcher = Instance(home, "watcher").read_holder()["pid"]
        # A leftover that cannot stop by itself: frozen, it never reads its lifeline's end.
        os.kill(old_watcher, signal.SIGSTOP)
        os.kill(run.pid, signal.SIGKILL)
        again = _start_run_all(home, tmp_path / "again.log")
        try:
            assert "watcher of an earlier run" in again.output()
            assert "killing the leftover watcher" in again.output()
            assert ended(old_watcher)
            assert ended(old_broker)
            assert home.read_endpoints()["pid"] != old_broker
            assert _serving(home)
        finally:
            again.stop()
    finally:
        run.stop()
