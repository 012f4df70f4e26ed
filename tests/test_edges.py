"""The edges a person or a script meets first: out-of-range numbers, timeouts that are no
number of seconds, unreadable paths, exit codes as the README gives them, and queues no worker
serves. Each is a clear message and the documented exit code, never a traceback or a silent
wait."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any

import msgpack
import pytest
import zmq

from docmill.client import Client
from docmill.home import Home
from docmill.protocol import MDPC, NUMBER_LIMIT
from tests.conftest import Proc, StartPool, docmill, json_lines, wait_for

pytestmark = pytest.mark.timeout(60)


def raw_submit(home: Home, body: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
    """`docmill.submit` as a client in another language sends it: msgpack over a DEALER."""
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(home.broker_endpoint())
    try:
        sock.send_multipart([b"", MDPC, b"docmill.submit", msgpack.packb(body)])
        assert sock.poll(int(timeout * 1000)), "no answer from the broker"
        frames = sock.recv_multipart()
        reply: dict[str, Any] = msgpack.unpackb(frames[3], raw=False)
        return reply
    finally:
        sock.close(0)


# -- numbers out of range -------------------------------------------------------------------------

OUT_OF_RANGE = [
    pytest.param({"priority": 10**30}, "'priority' must be from", id="priority-past-64-bits"),
    pytest.param({"priority": NUMBER_LIMIT + 1}, "'priority' must be from", id="priority"),
    pytest.param({"priority": 1.5}, "'priority' must be an integer", id="priority-float"),
    pytest.param({"max_attempts": 0}, "'max_attempts' must be from 1", id="attempts"),
    pytest.param({"max_attempts": 2**63}, "'max_attempts' must be from 1", id="attempts-big"),
    pytest.param({"timeout": 0}, "'timeout' must be above 0", id="timeout-zero"),
    pytest.param({"timeout": math.nan}, "'timeout' must be a finite number", id="timeout-nan"),
    pytest.param({"timeout": math.inf}, "'timeout' must be a finite number", id="timeout-inf"),
    pytest.param({"countdown": -math.inf}, "'countdown' must be a finite", id="countdown"),
    pytest.param({"not_before": 1e300}, "'not_before' must be from", id="not-before"),
    pytest.param({"backoff": -1}, "'backoff' must be from 0", id="backoff"),
    pytest.param({"backoff_max": math.nan}, "'backoff_max' must be a finite", id="backoff-max"),
]


def test_the_client_refuses_numbers_out_of_range_before_sending(client: Client) -> None:
    for case in OUT_OF_RANGE:
        options, message = case.values
        with pytest.raises(ValueError, match=message):
            client.enqueue("noop", {}, **options)
        if "priority" in options:
            with pytest.raises(ValueError, match=message):
                client.submit_many("noop", [{}], priority=options["priority"])
    with pytest.raises(ValueError, match="does not fit msgpack's 64 bits"):
        client.submit("noop", n=10**30)
    with pytest.raises(ValueError, match="does not fit msgpack's 64 bits"):
        client.run("noop", n=-(2**64))
    assert client.status()["counts"] == {}  # nothing reached the store


def test_the_broker_refuses_numbers_out_of_range_as_bad_request(broker: Proc, home: Home) -> None:
    for case in OUT_OF_RANGE[1:]:  # msgpack cannot send the first
        options, message = case.values
        reply = raw_submit(home, {"task": "noop", **options})
        assert reply["ok"] is False and reply["error"]["type"] == "bad_request", reply
        assert message in reply["error"]["message"], reply
    # The bounds are inclusive at the limits the messages name.
    for edge in ({"priority": NUMBER_LIMIT}, {"priority": -NUMBER_LIMIT}, {"max_attempts": 1}):
        assert raw_submit(home, {"task": "noop", **edge})["ok"] is True, edge


# -- timeouts that are no number of seconds -------------------------------------------------------


@pytest.mark.parametrize("seconds", [-1.0, 0.0, math.nan, math.inf])
def test_the_client_refuses_a_timeout_that_is_no_number_of_seconds(
    client: Client, home: Home, seconds: float
) -> None:
    with pytest.raises(ValueError, match="timeout must be a finite number of seconds"):
        Client(home=str(home.root), timeout=seconds)
    with pytest.raises(ValueError, match="timeout must be a finite number of seconds"):
        client.run("noop", timeout=seconds)
    waiting = client.submit("noop", queue="nobody-serves-this")
    if seconds != 0.0:  # 0 is a wait that only looks: allowed
        started = time.monotonic()
        with pytest.raises(ValueError, match="timeout must be a finite number of seconds"):
            waiting.result(timeout=seconds)  # a NaN wait asked forever, a negative one at once
        assert time.monotonic() - started < 5


@pytest.mark.parametrize("text", ["-1", "0", "nan", "inf", "-inf"])
def test_cli_refuses_a_timeout_that_is_no_number_of_seconds(home: Home, text: str) -> None:
    # No broker runs: the refusal comes from the command line, before anything is sent.
    done = docmill(home, "submit", "--wait", f"--timeout={text}", str(home.root))
    assert done.returncode == 2, done
    assert "argument --timeout" in done.stderr and repr(text) in done.stderr, done.stderr
    assert "broker" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "option, text, message",
    [
        ("--priority", "1e30", "not an integer"),
        ("--priority", str(2**40), "'priority' must be from"),
        ("--max-attempts", "0", "'max_attempts' must be from 1"),
        ("--countdown", "nan", "'countdown' must be a finite number"),
    ],
)
def test_cli_refuses_job_numbers_out_of_range(
    home: Home, tmp_path: Path, option: str, text: str, message: str
) -> None:
    done = docmill(home, "submit", option, text, str(tmp_path))
    assert done.returncode == 2 and message in done.stderr, done
    assert "Traceback" not in done.stderr


# -- paths this host cannot read ------------------------------------------------------------------


def _unreadable_file(tmp_path: Path) -> Path:
    """A file that open() refuses with EACCES, to root too (a write-only sysctl ignores root's
    override), else one with no permissions."""
    if os.geteuid() != 0:
        denied = tmp_path / "denied.txt"
        denied.write_text("secret")
        denied.chmod(0)
        return denied
    denied = Path("/proc/sys/vm/drop_caches")
    if not denied.exists():
        pytest.skip("no file here that root may not read")
    return denied


def test_cli_skips_paths_it_cannot_read_and_submits_the_rest(
    home: Home, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(1)
    good = tmp_path / "good.txt"
    good.write_text("readable words\n")
    loop = tmp_path / "loop_a"
    loop.symlink_to(tmp_path / "loop_b")
    (tmp_path / "loop_b").symlink_to(loop)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "gone.txt")
    denied = _unreadable_file(tmp_path)
    given = [str(loop), str(good), str(dangling), str(denied)]

    for batch in ([], ["--batch"]):
        done = docmill(home, "submit", *batch, "--wait", "--json", "--timeout", "30", *given)
        assert done.returncode == 2, done  # a path was skipped
        assert "Traceback" not in done.stderr, done.stderr
        assert f"skipped {loop}: a loop of symbolic links" in done.stderr
        assert (
            f"skipped {dangling}: a symbolic link to {tmp_path / 'gone.txt'}, which does not "
            "exist" in done.stderr
        )
        assert f"skipped {denied}: permission denied" in done.stderr
        [info] = json_lines(done.stdout)
        assert info["status"] == "succeeded", info
        if batch:  # the batch holds the one readable file
            assert info["result"]["total"] == 1 and info["result"]["counts"] == {"succeeded": 1}
        else:
            assert info["path"] == str(good)

    nothing = docmill(home, "submit", str(loop), str(dangling))
    assert nothing.returncode == 2 and "nothing to submit" in nothing.stderr, nothing
    with Client(home=str(home.root)) as client:
        assert client.status()["counts"] == {"succeeded": 3}  # a job, a batch and its child


# -- exit codes as the README gives them ----------------------------------------------------------


def test_cli_exit_codes_follow_the_readme(home: Home, start_pool: StartPool) -> None:
    """0 done, 1 a job failed, 2 refused or unknown, 3 no broker answered or jobs still running."""
    start_pool(1)
    unknown = "f" * 32
    cancel = docmill(home, "cancel", unknown)
    assert cancel.returncode == 2 and "unknown" in cancel.stdout, cancel
    with Client(home=str(home.root)) as client:
        waiting = client.submit("noop", queue="nobody-serves-this")
        done = client.submit("noop")
        failed = client.submit("no_such_task")
        client.gather([done, failed], timeout=30, return_exceptions=True)
    assert docmill(home, "cancel", waiting.id).returncode == 0
    again = docmill(home, "cancel", waiting.id)  # cancelled already: what was asked holds
    assert again.returncode == 0 and "cancelled" in again.stdout, again
    ended = docmill(home, "cancel", done.id)
    assert ended.returncode == 2 and "already succeeded, nothing to cancel" in ended.stdout, ended

    assert docmill(home, "result", done.id).returncode == 0
    assert docmill(home, "result", failed.id).returncode == 1
    assert docmill(home, "result", unknown).returncode == 2
    assert docmill(home, "retry", unknown).returncode == 2
    assert docmill(home, "retry", failed.id).returncode == 0

    for refused in (("scale", "lots"), ("--endpoint", "nonsense", "status")):
        answer = docmill(home, *refused)
        assert answer.returncode == 2 and "Traceback" not in answer.stderr, answer
    silent = docmill(home, "--endpoint", "tcp://127.0.0.1:9", "--timeout", "0.5", "status")
    assert silent.returncode == 3 and "no answer from the broker" in silent.stderr, silent


# -- a queue that no worker serves ----------------------------------------------------------------


def test_a_queue_no_worker_serves_is_said_on_submit_in_status_and_health(
    home: Home, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(1, "--queues", "documents")
    doc = tmp_path / "doc.txt"
    doc.write_text("words\n")
    assert docmill(home, "pause", "analysis").returncode == 0  # a known queue, with no job
    healthy = docmill(home, "health")
    assert healthy.returncode == 0, healthy  # empty queues need no worker: no false alarm

    served = docmill(home, "submit", "--wait", "--timeout", "30", str(doc))
    assert served.returncode == 0 and "warning" not in served.stderr, served
    lonely = docmill(home, "submit", "--queue", "nowhere", str(doc))
    assert lonely.returncode == 0, lonely
    assert "warning: no worker serves queue 'nowhere'" in lonely.stderr, lonely.stderr

    status = docmill(home, "status")
    assert "warning: queue nowhere has 1 waiting job(s) and no worker" in status.stdout
    assert "warning: queue documents" not in status.stdout
    assert "warning: queue analysis" not in status.stdout
    health = docmill(home, "health", "--json")
    assert health.returncode == 1, health
    assert json.loads(health.stdout)["problems"] == [
        "queue nowhere has 1 waiting job(s) and no worker"
    ]

    with Client(home=str(home.root)) as client:
        assert client.served("documents") and not client.served("nowhere")
        assert not client.submit("noop").unserved
        other = client.submit("noop", queue="nowhere")
        many = client.submit_many("noop", [{}], queue="nowhere")
        assert other.unserved and [job.unserved for job in many] == [True]
        # A cancelled job waits for nothing, though it keeps its place in line until its turn.
        for job_id in (lonely.stdout.split()[0], other.id, many[0].id):
            assert client.cancel(job_id) == "cancelled"
    healthy = docmill(home, "health")
    assert healthy.returncode == 0, healthy
    after = docmill(home, "status").stdout
    assert "warning" not in after
    assert ["nowhere", "0", "0"] in [line.split() for line in after.splitlines()], after


def test_a_queue_no_worker_serves_is_alerted_once_however_its_line_grows(
    home: Home, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    (home.root / "docmill.toml").write_text(
        "[checks]\ninterval = 0.2\n[maintenance]\ncleanup_jobs_interval = 0\n"
        "cleanup_outputs_interval = 0\n"
    )
    start_pool: StartPool = request.getfixturevalue("start_pool")
    events = request.getfixturevalue("events")
    start_pool(1, "--queues", "documents")

    def alerts() -> list[str]:
        return [p for t, b in events.items if t == "alert" for p in b["new"] if "nowhere" in p]

    def checks_run() -> int:
        return sum(t == "job.succeeded" and b["task"] == "queue_check" for t, b in events.items)

    with Client(home=str(home.root)) as client:
        client.submit("noop", queue="nowhere")
        assert wait_for(alerts, 30, "the alert") == [
            "queue nowhere has 1 waiting job(s) and no worker"
        ]
        for _ in range(3):  # the line grows between runs: still the same problem
            client.submit("noop", queue="nowhere")
            runs = checks_run()
            wait_for(lambda runs=runs: checks_run() >= runs + 2, 30, "two more queue checks")
    assert len(alerts()) == 1, alerts()
