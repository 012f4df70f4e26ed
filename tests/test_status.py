"""The typed status snapshot: what a real broker sends decodes into every field of the record,
and a snapshot of the wrong types is refused with a clear error, never a crash of its reader."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints, is_typeddict

import pytest
import zmq

from docmill.client import Client
from docmill.home import Home
from docmill.protocol import MDPC, Command, ProtocolError, client_reply, pack, unpack_map
from docmill.status import Snapshot, decode_snapshot
from monitor.model import Model
from monitor.view import render
from tests.conftest import StartPool, docmill, run_module, wait_for


def missing(value: Any, kind: Any, where: str = "snapshot") -> list[str]:
    """The keys a record type declares (optional ones aside) that `value` lacks, at any depth."""
    if is_typeddict(kind):
        gaps = [f"{where}.{k}" for k in kind.__required_keys__ if k not in value]
        hints = get_type_hints(kind)
        return gaps + [
            gap
            for k, v in value.items()
            if k in hints
            for gap in missing(v, hints[k], f"{where}.{k}")
        ]
    if get_origin(kind) is list:
        return [
            gap
            for i, v in enumerate(value)
            for gap in missing(v, get_args(kind)[0], f"{where}[{i}]")
        ]
    if get_origin(kind) is dict:
        return [
            gap for k, v in value.items() for gap in missing(v, get_args(kind)[1], f"{where}.{k}")
        ]
    return []


def test_a_real_snapshot_decodes_into_every_field(
    client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    # Something in every part of the state: a pool and its measures, a watcher, a success (for
    # the latency), a failure, a retry waiting, a running job.
    start_pool(1)
    client.call(Command.WATCHER_STATS, {"watcher": "test/1", "counters": {"seen": 1}, "events": []})
    client.submit("noop").result(timeout=30)
    dead = client.enqueue("crash", {}, max_attempts=1)
    wait_for(lambda: dead.status() == "dead", 30, "the dead job")
    # Past its time limit (a retryable error that waits), with a backoff so long that the retry
    # cannot come due during the test.
    retry = client.enqueue(
        "burn", {"seconds": 30}, timeout=0.5, max_attempts=3, backoff=1e9, backoff_max=1e9
    )
    wait_for(lambda: retry.status() == "retry_scheduled", 30, "the scheduled retry")
    marker = tmp_path / "started"
    running = client.enqueue("started", {"marker": str(marker), "seconds": 60}, timeout=90)
    wait_for(marker.exists, 30, "the running job")
    wait_for(
        lambda: (s := client.status())["running"] and all("rss" in w for w in s["workers"]),
        30,
        "a running job and the pool's measures",
    )

    raw = client.call(Command.STATUS, {})
    snapshot = decode_snapshot(raw)

    assert missing(raw, Snapshot) == []
    for part in ("running", "workers", "retries"):
        assert raw[part], part
    for part in ("pools", "watchers", "queues", "counts"):
        assert raw[part], part
    assert raw["metrics"]["failures"] and raw["metrics"]["latency"]
    # Lossless: the record holds exactly what the broker sent, the reply's own keys aside.
    assert snapshot == {k: v for k, v in raw.items() if k not in ("ok", "rid")}
    assert snapshot["workers"][0]["rss"] > 0
    assert snapshot["retries"][0]["id"] == retry.id
    client.cancel(running.id)  # its process is stopped: the pool need not wait out its grace


def test_a_snapshot_of_the_wrong_type_is_refused_by_name() -> None:
    good = decode_snapshot({"workers": [{"id": "w1", "pid": 12, "queues": ["documents"]}]})
    assert good["workers"][0]["pid"] == 12 and good["broker"]["uptime"] == 0.0  # filled in
    for bad, where in (
        ({"workers": [{"id": "w1", "pid": "12"}]}, "snapshot.workers[0].pid"),
        ({"queues": {"documents": {"paused": 1}}}, "snapshot.queues['documents'].paused"),
        ({"counts": {"queued": 1.5}}, "snapshot.counts['queued']"),
        ({"broker": {"curve": None}}, "snapshot.broker.curve"),
        ({"running": {"job": "x"}}, "snapshot.running"),
        ({"counts": {1: 2}}, "snapshot.counts has a key that"),
        ([], "snapshot"),
    ):
        with pytest.raises(ProtocolError) as refused:
            decode_snapshot(bad)
        assert f"refused: {where} is " in str(refused.value)


def test_the_monitor_keeps_its_picture_when_a_state_event_is_refused() -> None:
    model = Model()
    model.load(decode_snapshot({"state_seq": 1, "broker": {"pid": 7}, "counts": {"queued": 3}}))
    bad = {"broker": {"pid": 7}, "counts": {"queued": "three"}}
    assert model.apply("broker.state", {"pid": 7, "state_seq": 2, "state": bad})
    assert model.view()["counts"] == {"queued": 3}
    assert "snapshot.counts['queued']" in (model.refused or "")
    assert any("refused: " in line for line in render(model.view(), 100, 40))
    good = {"broker": {"pid": 7}, "counts": {"queued": 4}}
    assert model.apply("broker.state", {"pid": 7, "state_seq": 3, "state": good})
    assert model.view()["counts"] == {"queued": 4} and model.refused is None


class FakeBroker(threading.Thread):
    """A broker of another make on `home`: answers every docmill command with `state`."""

    def __init__(self, home: Home, state: dict[str, Any]) -> None:
        super().__init__(daemon=True)
        self.state = state
        self.stop = threading.Event()
        context = zmq.Context.instance()
        self.router = context.socket(zmq.ROUTER)
        self.events = context.socket(zmq.XPUB)
        endpoints = {"broker": home.default_endpoint("broker")}
        endpoints["events"] = home.default_endpoint("events")
        self.router.bind(endpoints["broker"])
        self.events.bind(endpoints["events"])
        home.write_endpoints(endpoints)

    def run(self) -> None:
        while not self.stop.is_set():
            if not self.router.poll(50):
                continue
            frames = self.router.recv_multipart()
            if len(frames) == 5 and frames[2] == MDPC:
                rid = unpack_map(frames[4]).get("rid")
                reply = {"ok": True, "rid": rid, **self.state}
                self.router.send_multipart(client_reply(frames[0], frames[3], [pack(reply)]))
        self.router.close(0)
        self.events.close(0)


@pytest.fixture
def wrong_broker(home: Home) -> Iterator[FakeBroker]:
    state = {**decode_snapshot({"broker": {"pid": 1, "endpoint": "elsewhere"}})}
    state["queues"] = {"documents": {"queued": 2, "workers": 0, "paused": "no", "oldest_age": 1}}
    fake = FakeBroker(home, state)
    fake.start()
    yield fake
    fake.stop.set()
    fake.join(5)


@pytest.mark.parametrize("command", [["status"], ["health"], ["monitor", "--once"]])
def test_commands_refuse_a_snapshot_of_the_wrong_type(
    home: Home, wrong_broker: FakeBroker, command: list[str]
) -> None:
    proc = docmill(home, *command)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "snapshot.queues['documents'].paused is 'no' (str), expected bool" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_monitor_process_refuses_it_too(home: Home, wrong_broker: FakeBroker) -> None:
    proc = run_module("monitor", home, "--once", "--json")
    assert proc.returncode == 2 and "paused is 'no'" in proc.stderr
    assert "Traceback" not in proc.stderr
