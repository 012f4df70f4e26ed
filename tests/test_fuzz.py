"""Fuzzing a real broker process on both of its sockets while real jobs run through a real pool.

Hypothesis writes bursts of random and mutated frames. Each burst goes out on a socket of its
own: a DEALER on the broker's ROUTER, or an XSUB on its PUB status stream (a PUB hears only
subscription messages, and an XSUB lets us send it anything). Some sockets wait for the broker
to answer a probe after their burst, so we know every frame was handled. Others close at
once, or in the middle of a multipart message. Meanwhile a pool of two workers runs real jobs
submitted by a legitimate client. At the end every real job must have succeeded with the right
result, the broker must still be running and answering, and it must have counted the
malformed messages it dropped.

The frames, and which of them are harmless to the real jobs, are in tests/fuzz_frames.py; the
bursts and the Fuzzer that sends them, in tests/fuzzing.py. Below them, small reproductions of
broker bugs this fuzzing found.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from docmill.client import BrokerError, Client
from docmill.home import Home
from docmill.protocol import MDPC, MDPW, Command, WorkerCommand, pack
from tests.conftest import Events, Proc, StartPool, wait_for
from tests.documents import word
from tests.documents.prose import OPENING
from tests.fuzzing import BURSTS, SERVES, Burst, Fuzzer, Serve

pytestmark = pytest.mark.timeout(120)


EXAMPLES = 300  # about 10 s here; each sends up to 4 bursts


# -- the test ----------------------------------------------------------------------------------

# One message of each malformed kind in docs/PROTOCOL.md §2.4 and §6.1, as a DEALER sends it.
MALFORMED = [
    [b"junk"],
    [b"", MDPC],
    [b"x", MDPC, b"documents", b"body"],
    [b"", b"MDPX99", b"documents", b"body"],
    [b"", MDPC, b"", b"body"],
    [b"", MDPC, b"documents"],
    [b"", MDPW, b"\x09"],
    [b"", MDPW, WorkerCommand.READY.value],
    [b"", MDPW, WorkerCommand.READY.value, b"fuzz", b"meta", b"extra"],
    [b"", MDPW, WorkerCommand.REPLY.value, b"job"],
    [b"", MDPW, WorkerCommand.HEARTBEAT.value, b"extra"],
    [b"", MDPC, b"docmill.status", b"\xc1"],
    [b"", MDPC, b"docmill.status", pack([1, 2])],
    [b"", MDPC, b"docmill.status", pack({}), pack({})],
]


def _echo_args(n: int) -> dict[str, Any]:
    return {"n": n, "text": "fuzz ✓ ünïcødé", "blob": bytes([n % 256]) * 3, "nested": [n, None]}


def _malformed(client: Client) -> int:
    return int(client.status()["broker"]["malformed"])


def _published(events: Events, topic: str, job_id: str) -> bool:
    # Not a set: fuzzed watcher events may carry a `job` of any type, lists included.
    return any(t == topic and b.get("job") == job_id for t, b in events.items)


def _alive(broker: Proc) -> None:
    assert broker.popen.poll() is None, f"the broker died:\n{broker.output()[-4000:]}"


def test_broker_survives_fuzzing_of_both_sockets_while_real_jobs_run(
    broker: Proc,
    client: Client,
    home: Home,
    start_pool: StartPool,
    events: Events,
    story: Path,
    tmp_path: Path,
) -> None:
    start_pool(2)
    notes = tmp_path / "notes.txt"
    notes.write_text("Hamburgers are delicious.\n")
    docs = [story, word.write_report_docx(tmp_path / "report.docx"), notes]
    jobs = client.submit_many("noop", [{}] * 200)
    expected = [_echo_args(n) for n in range(20)]
    echoes = list(zip(client.submit_many("echo", expected), expected, strict=True))
    documents = [client.submit("process_document", path=str(p)) for p in docs]
    fuzzer = Fuzzer(home)
    try:
        # Each malformed kind, alone: counted exactly once, and nothing else counted.
        before = _malformed(client)
        fuzzer.run([Burst("router", b"known", [m], "probe") for m in MALFORMED], lambda: None)
        assert _malformed(client) - before == len(MALFORMED) == fuzzer.must_count
        fuzzer.must_count = 0

        before = _malformed(client)
        fuzzer.oversized(client)
        _alive(broker)
        assert _malformed(client) == before, "an oversized message is not a malformed one"

        examples = itertools.count(len(echoes))

        def real_work() -> None:
            """A few more real jobs with each example, so they run during all the fuzzing."""
            n = next(examples)
            jobs.extend(client.submit_many("noop", [{}] * 3))
            echoes.append((client.submit("echo", **_echo_args(n)), _echo_args(n)))

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            # The broker's state carries over from one example to the next, so a shrunk
            # example would not mean much: report the one that failed as it was.
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
                HealthCheck.data_too_large,
            ],
        )
        @given(st.lists(BURSTS, min_size=1, max_size=4), st.lists(SERVES, max_size=2))
        def fuzz(bursts: list[Burst], serves: list[Serve]) -> None:
            try:
                fuzzer.run(bursts, real_work)
                for job in serves:
                    fuzzer.serve(job)
            finally:
                _alive(broker)  # a dead broker says why, rather than a timeout elsewhere

        before = _malformed(client)
        fuzz()
        _alive(broker)
        grown = _malformed(client) - before
        assert grown >= fuzzer.must_count > 0, (grown, fuzzer.must_count)

        infos = client.wait([*jobs, *(job for job, _ in echoes), *documents], timeout=60)
        failed = [info for info in infos if info["status"] != "succeeded"]
        assert not failed, failed[:5]
        results: dict[str, Any] = {info["id"]: info.get("result") for info in infos}
        assert all(results[job.id] is None for job in jobs)
        for job, args in echoes:
            assert results[job.id] == args, (job.id, results[job.id], args)
        for job, path in zip(documents, docs, strict=True):
            result = results[job.id]
            assert result["doc_id"] == hashlib.sha256(path.read_bytes()).hexdigest()
            assert result["status"] == "ok" and result["text"].strip()
        assert OPENING in results[documents[0].id]["text"]
        assert word.NESTED_ROW in results[documents[1].id]["text"]

        # The status stream still reaches a subscriber that was there all along.
        last = client.submit("echo", done=True)
        assert last.result(timeout=30) == {"done": True}
        wait_for(
            lambda: _published(events, "job.succeeded", last.id),
            10,
            "job.succeeded of the last job on the status stream",
        )
        _alive(broker)
        assert client.status()["broker"]["pid"] == broker.pid
        assert "Traceback" not in broker.output()
    finally:
        fuzzer.close()


# -- broker bugs found by fuzzing ---------------------------------------------------------------
# Each test below replays one way the fuzzer found to kill the broker (both fixed): one or two
# ordinary docmill commands, after which the broker must live and its status stream keep its
# shape.


@pytest.mark.parametrize(
    "event",
    [
        {"event": "seen", "path": "/in/a.pdf", "watcher": "x"},  # TypeError: kills the broker
        {"event": "seen", "path": "/in/a.pdf", "topic": "x"},  # TypeError: kills the broker
        {"event": "seen", "path": "/in/a.pdf", b"bin": "x"},  # TypeError: kills the broker
        {"event": "seen", "path": "/in/a.pdf", "seq": "x"},  # the published event's seq is "x"
    ],
    ids=["watcher", "topic", "bin-key", "seq"],
)
def test_watcher_event_fields_cannot_break_the_broker(
    broker: Proc, client: Client, events: Events, event: dict[Any, Any]
) -> None:
    report = {"watcher": "fuzz", "counters": {}, "events": [event]}
    with contextlib.suppress(TimeoutError, BrokerError):
        client.call(Command.WATCHER_STATS, report, timeout=2)
    _alive(broker)
    # Events arrive in order: once this job's shows up, any watcher event is in too.
    marker = client.submit("noop", queue="fuzz")
    wait_for(lambda: _published(events, "job.submitted", marker.id), 10, "job.submitted")
    for topic, body in events.items:
        if topic.startswith("watcher."):
            assert body["watcher"] == "fuzz" and isinstance(body["seq"], int), body


def test_scale_past_64_bits_does_not_kill_the_broker(broker: Proc, client: Client) -> None:
    # The pool's size comes in range, but `wanted` = size + delta does not fit msgpack's 64
    # bits: packing the answer raises OverflowError, and the broker dies.
    with contextlib.suppress(TimeoutError, BrokerError):
        client.call(Command.WORKER_STATS, {"workers": {}, "pool": "p", "concurrency": 2**64 - 1})
        client.call(Command.SCALE, {"delta": 1}, timeout=2)
    _alive(broker)
    assert client.status()["broker"]["pid"] == broker.pid
