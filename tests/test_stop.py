"""Stopping is a message: `docmill stop` stops a whole system in order, or a lone broker, and a
pool asks its workers to stop on their lifeline, with no signal sent to any docmill process:
the same path on every platform."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from docmill.client import Client
from docmill.home import Home
from docmill.protocol import Command
from docmill.supervise import wait_gone
from tests.conftest import QUIET, Proc, StartPool, docmill, wait_for
from tests.stepping import Stepper

pytestmark = pytest.mark.timeout(90)


def test_start_submit_stop_with_no_signal(tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    run = Proc(
        ["run_all.py", "--home", str(home.root), "--workers", "2", "--headless"],
        tmp_path / "run.log",
    )
    try:
        wait_for(lambda: "docmill is running" in run.output(), 30, "run_all to announce itself")
        with Client(home=str(home.root), timeout=10) as client:
            wait_for(lambda: len(client.status()["workers"]) == 2, 30, "two workers")
        (home.inbox / "note.txt").write_text("A note dropped in the inbox before the stop.")
        submitted = docmill(home, "submit", "--wait", str(home.inbox / "note.txt"))
        assert submitted.returncode == 0, submitted.stderr
        family = run.tree()
        stopped = docmill(home, "stop")
        assert stopped.returncode == 0, stopped.stderr
        assert "stopping docmill" in stopped.stderr and "stopped" in stopped.stderr
        assert run.popen.wait(30) == 0
        assert "asked to stop by `docmill stop`" in run.output()
        alive = wait_gone(family, timeout=10)
        assert not alive, f"left behind: {[p.pid for p in alive]}"
        # The pool's workers finished and said goodbye; nothing was killed.
        assert all("stopped after" in (home.logs / f"worker-{n}.log").read_text() for n in (0, 1))
        assert "killing" not in run.output()
    finally:
        run.stop()


def test_a_broker_nobody_supervises_stops_itself(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    (home.root / "docmill.toml").write_text(QUIET)
    broker = Proc(["-m", "broker", "--home", str(home.root)], tmp_path / "broker.log")
    try:
        wait_for(lambda: home.read_endpoints().get("pid") == broker.pid, 15, "the broker")
        stopped = docmill(home, "stop")
        assert stopped.returncode == 0 and "the broker (no run_all)" in stopped.stderr
        assert broker.popen.wait(30) == 0
    finally:
        broker.stop()


def test_the_stop_command_on_the_flow(tmp_path: Path) -> None:
    flow = Stepper(tmp_path)
    try:
        asked: list[bool] = []
        flow.flow.stop = lambda: asked.append(True)
        flow.outlet.listeners.add("system.stop")  # run_all is subscribed
        client = flow.client()
        assert (client.call(Command.STOP, {}) or {})["stopping"] == "system"
        assert asked == [] and ("system.stop", {"by": "docmill stop"}) in flow.outlet.events
        flow.outlet.listeners.clear()  # nobody supervises this broker
        assert (client.call(Command.STOP, {}) or {})["stopping"] == "broker"
        assert asked == [True]
    finally:
        flow.close()


def test_a_pool_asks_its_workers_to_stop_by_a_message(
    client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    pool = start_pool(2)
    job = client.submit("square", n=7, seconds=1.5)
    wait_for(lambda: job.status() == "running", 15, "the job to start")
    pool.popen.terminate()  # the pool's own trigger; its workers hear it on their lifeline
    assert pool.popen.wait(30) == 0
    log = pool.output()
    try:
        assert job.result(timeout=15) == 49  # the job in hand was finished, not cut
    except TimeoutError:
        pytest.fail(f"no result after the pool stopped; job {job.info()}; pool log:\n{log}")
    assert log.count("asked to stop by its pool") == 2, log


def test_a_stopping_worker_rests_while_its_job_finishes(
    client: Client, start_pool: StartPool
) -> None:
    pool = start_pool(1)
    job = client.submit("square", n=3, seconds=4.0)
    wait_for(lambda: job.status() == "running", 15, "the job to start")
    # The worker: the pool's child that has a child of its own, the job process.
    worker = next(p for p in psutil.Process(pool.pid).children() if p.children())
    worker.cpu_percent()
    pool.popen.terminate()  # the worker is asked to stop: its waker is woken
    wait_for(lambda: "asked to stop by its pool" in pool.output(), 10, "the worker to hear it")
    busy = worker.cpu_percent(interval=1.5)  # sync-ok: a measuring window, not a wait
    # Its poll must rest until the job ends; a wake-up never read made it spin at 100%.
    assert busy < 25, f"the stopping worker used {busy}% of a core"
    assert job.result(timeout=15) == 9
    assert pool.popen.wait(30) == 0
