"""The job flow's rules, stepped by hand (tests/stepping.py): no processes, no sockets, no waiting.

Attempts, retries and their backoff, delays, priorities, the result TTL, heartbeat expiry, the
drain's grace and jobs in parts, each driven pass by pass on a fake clock. What only real
processes show (a kill -9, a C call holding the GIL, a full disk) stays in the end-to-end tests.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from broker.jobs import backoff_delay
from docmill.protocol import Command, ErrorType, WorkerCommand, fan_out
from docmill.settings import MaintenanceSettings
from tests.stepping import Stepper

pytestmark = pytest.mark.timeout(30)

LIVENESS = 3.0  # the default heartbeat interval (1 s) times the default liveness (3)


@pytest.fixture
def make_flow(tmp_path: Path) -> Iterator[Callable[..., Stepper]]:
    """make_flow(**settings): a stepper on BrokerSettings with those fields."""
    made: list[Stepper] = []

    def make(**settings: Any) -> Stepper:
        made.append(Stepper(tmp_path / str(len(made)), **settings))
        return made[-1]

    yield make
    for stepper in made:
        stepper.close()


@pytest.fixture
def flow(make_flow: Callable[..., Stepper]) -> Stepper:
    return make_flow()


# -- attempts: one per failure ---------------------------------------------------------------


def test_a_request_that_cannot_be_sent_keeps_its_job_in_line_uncharged(flow: Stepper) -> None:
    gone = flow.worker("gone")
    gone.unreachable()  # its connection died; the broker has not noticed yet
    job_id = flow.client().submit("noop")
    job = flow.job(job_id)
    assert (job.status.value, job.attempts) == ("queued", 0), "the job never left"
    assert flow.topics(job_id) == ["job.submitted"], "no job.started for a send that failed"
    assert ("worker.gone", "unreachable") in [
        (t, f.get("reason")) for t, f in flow.outlet.events if t == "worker.gone"
    ]
    taker = flow.worker("taker")
    assert taker.take()["attempt"] == 1
    assert flow.job(job_id).attempts == 1


def test_the_pool_of_a_worker_found_dead_gets_no_job_until_heard_from(flow: Stepper) -> None:
    first, second = flow.worker("a", pool="host/100"), flow.worker("b", pool="host/100")
    job_id = flow.client().submit("noop")
    assert first.take()["id"] == job_id  # the longest idle
    first.die()  # the pool is killed: `a` goes silent at once...
    flow.advance(2.0)
    second.die()  # ...and `b` was heard from last before the death was known
    flow.advance(LIVENESS - 2.0)  # `a` silent past the liveness: taken for dead
    job = flow.job(job_id)
    assert (job.status.value, job.attempts) == ("queued", 1)
    assert not second.has_new_job(), "b may have died with its pool"
    flow.advance(2.0)  # b never speaks again: it expires as usual
    assert (job.status.value, job.attempts) == ("queued", 1), "one death, one attempt"
    assert flow.flow.registry.workers == {}
    elsewhere = flow.worker("c", pool="host/200")
    assert elsewhere.take()["attempt"] == 2


def test_a_suspect_worker_heard_from_takes_jobs_again(flow: Stepper) -> None:
    first, second = flow.worker("a", pool="host/100"), flow.worker("b", pool="host/100")
    job_id = flow.client().submit("noop")
    first.take()
    first.die()  # a worker can die alone
    flow.advance(2.0)
    second.alive = False  # quiet for now: no word from it after the death
    flow.advance(LIVENESS - 2.0)
    assert flow.job(job_id).status.value == "queued"
    assert not second.has_new_job()
    workers = {w["id"]: w["state"] for w in flow.client().call(Command.STATUS, {})["workers"]}
    assert workers == {"b": "suspect"}
    second.heartbeat()  # alive after all
    assert second.take() == {"id": job_id, "task": "noop", "args": {}, "attempt": 2}


def test_an_unreachable_worker_makes_its_pool_suspect_too(flow: Stepper) -> None:
    first, second = flow.worker("a", pool="host/100"), flow.worker("b", pool="host/100")
    first.unreachable()
    second.unreachable()  # the whole pool is gone
    other = flow.worker("c", pool="host/200")
    other.heartbeat()
    job_id = flow.client().submit("noop")
    assert other.take()["attempt"] == 1, "b was never tried: its pool is suspect"
    assert flow.job(job_id).attempts == 1
    assert set(flow.flow.registry.workers) == {second.identity, other.identity}


def test_workers_without_a_pool_are_not_suspects(flow: Stepper) -> None:
    first, second = flow.worker("a"), flow.worker("b")
    job_id = flow.client().submit("noop")
    first.take()
    first.die()
    flow.advance(2.0)
    second.alive = False
    flow.advance(LIVENESS - 2.0)
    assert second.take()["attempt"] == 2
    assert flow.job(job_id).worker == "b"


def test_a_death_learnt_twice_is_charged_once(flow: Stepper) -> None:
    worker, pool = flow.worker("a", pool="host/100"), flow.client(b"pool")
    job_id = flow.client().submit("noop")
    worker.take()
    worker.die()
    gone = {"worker": "a", "reason": "pid 9 was killed by SIGKILL"}
    assert pool.call(Command.WORKER_GONE, gone) == {"ok": True, "job": job_id}
    flow.advance(LIVENESS)  # its silence, too, says it is dead
    assert pool.call(Command.WORKER_GONE, gone) == {"ok": True, "job": None}
    job = flow.job(job_id)
    assert (job.status.value, job.attempts) == ("queued", 1)
    assert flow.topics(job_id).count("job.requeued") == 1


# -- heartbeats ----------------------------------------------------------------------------------


def test_a_silent_worker_expires_after_the_liveness_and_its_job_is_requeued(flow: Stepper) -> None:
    silent, talker = flow.worker("silent"), flow.worker("talker")
    job_id = flow.client().submit("noop")
    silent.take()
    silent.die()
    flow.advance(LIVENESS - 0.1)
    assert flow.job(job_id).status.value == "running", "not before the liveness"
    flow.advance(0.1)
    gone = [f for t, f in flow.outlet.events if t == "worker.gone"]
    assert [(g["worker"], g["reason"], g["job"]) for g in gone] == [
        ("silent", "missed heartbeats", job_id)
    ]
    assert talker.take()["attempt"] == 2
    flow.advance(10.0)  # a worker that heartbeats stays, however long it waits
    assert list(flow.flow.registry.workers) == [talker.identity]
    beats = talker.commands().count(WorkerCommand.HEARTBEAT.value)
    assert beats == 13, "the broker heartbeats each worker every interval"


# -- retries, delays, priorities ----------------------------------------------------------------


def test_retryable_failures_back_off_exponentially_with_jitter_then_die(flow: Stepper) -> None:
    worker = flow.worker()
    job_id = flow.client().submit("noop", backoff=10.0, backoff_max=15.0, max_attempts=3)
    expected = random.Random(7)  # the stepper's seed: the same draws, in the same order
    for attempt in (1, 2):
        job = worker.take()
        assert job["attempt"] == attempt
        worker.fail(job, ErrorType.TIMEOUT.value)
        delay = backoff_delay(attempt, 10.0, 15.0, expected)  # ceilings 10, then 15 (the cap)
        info = flow.job(job_id)
        assert info.status.value == "retry_scheduled"
        assert info.not_before == pytest.approx(flow.clock.time() + delay)
        flow.advance(delay - 0.01)
        assert not worker.has_new_job(), "not before its backoff"
        flow.advance(0.02)
    worker.fail(worker.take(), ErrorType.TIMEOUT.value)
    assert flow.job(job_id).status.value == "dead"
    assert flow.topics(job_id).count("job.retry_scheduled") == 2


def test_a_permanent_error_fails_at_once(flow: Stepper) -> None:
    worker = flow.worker()
    job_id = flow.client().submit("noop")
    worker.fail(worker.take(), ErrorType.MALFORMED.value)
    job = flow.job(job_id)
    assert (job.status.value, job.attempts) == ("failed", 1)


def test_delayed_idempotent_and_prioritised_jobs(flow: Stepper) -> None:
    client = flow.client()
    delayed = client.submit("whoami", countdown=30.0)
    assert flow.job(delayed).not_before == flow.clock.time() + 30.0
    first = client.submit("echo", args={"n": 1}, key="report-42")
    assert client.submit("echo", args={"n": 2}, key="report-42") == first
    low = client.submit("echo", args={"p": "low"}, priority=0)
    high = client.submit("echo", args={"p": "high"}, priority=9)
    worker = flow.worker()  # one worker: jobs start in the order of the queue
    order = []
    for _ in range(3):
        job = worker.take()
        order.append(job["id"])
        worker.succeed(job)
    assert order == [high, first, low]
    flow.advance(29.9)
    assert not worker.has_new_job(), "not before its time"
    flow.advance(0.1)
    assert worker.take()["id"] == delayed


# -- long polls, cancel, the result TTL ---------------------------------------------------------


def test_a_long_poll_answers_when_its_job_ends_or_its_time_is_up(flow: Stepper) -> None:
    client, worker = flow.client(), flow.worker()
    job_id = client.submit("noop")
    assert client.call(Command.RESULT, {"id": job_id, "wait": 10}) is None, "held until it ends"
    worker.succeed(worker.take(), 42)
    assert client.answer() == {"ok": True, "jobs": [flow.job(job_id).view()]}
    other = client.submit("noop", queue="nobody")
    assert client.call(Command.RESULT, {"id": other, "wait": 10, "rid": 7}) is None
    flow.advance(9.9)
    assert "jobs" not in (client.answer() or {}), "still held"
    flow.advance(0.1)
    answer = client.answer() or {}
    assert answer["rid"] == 7 and answer["jobs"][0]["status"] == "queued"


def test_results_expire_after_their_ttl(make_flow: Callable[..., Stepper]) -> None:
    flow = make_flow(
        maintenance=MaintenanceSettings(
            result_ttl=60.0, cleanup_jobs_interval=10.0, first_run_after=10.0
        ),
    )
    client = flow.client()
    job_id = client.submit("noop", queue="nobody")
    assert client.call(Command.CANCEL, {"id": job_id}) == {"ok": True, "status": "cancelled"}
    flow.advance(50.0)  # cleanup_jobs has run 5 times, the job is not yet 60 s old
    assert client.result(job_id)["status"] == "cancelled"
    flow.advance(20.0)
    assert client.result(job_id)["status"] == "unknown"
    runs = [
        f for t, f in flow.outlet.events if t == "job.succeeded" and f["task"] == "cleanup_jobs"
    ]
    assert len(runs) == 7 and {r["queue"] for r in runs} == {"maintenance"}
    assert flow.job(runs[-1]["job"]).result == {"deleted": 1, "more": False}


def test_cancelling_a_running_job_tells_its_worker_to_drop_it(flow: Stepper) -> None:
    worker, client = flow.worker(), flow.client()
    job_id = client.submit("noop")
    worker.take()
    assert client.call(Command.CANCEL, {"id": job_id}) == {"ok": True, "status": "cancelled"}
    assert worker.commands()[-1] == WorkerCommand.DISCONNECT.value
    assert flow.topics(job_id)[-2:] == ["job.cancelled", "worker.gone"]


# -- the drain ----------------------------------------------------------------------------------


def test_the_drain_waits_for_running_jobs_within_its_grace(
    make_flow: Callable[..., Stepper],
) -> None:
    flow = make_flow(drain_grace=10.0)
    worker, client = flow.worker(), flow.client()
    running = client.submit("noop")
    waiting = client.submit("noop")
    job = worker.take()
    assert not flow.drained()
    refused = client.call(Command.SUBMIT, {"task": "noop"}) or {}
    assert refused["error"]["type"] == "unavailable"
    flow.advance(9.0)
    assert not flow.drained()
    worker.succeed(job)
    assert flow.drained()
    assert not worker.has_new_job(), "nothing new starts while draining"
    assert flow.job(running).status.value == "succeeded"
    assert flow.job(waiting).status.value == "queued"


def test_what_outlasts_the_grace_goes_back_in_line_uncharged(
    make_flow: Callable[..., Stepper],
) -> None:
    flow = make_flow(drain_grace=0.3)
    worker = flow.worker()
    job_id = flow.client().submit("noop")
    worker.take()
    assert not flow.drained()
    flow.advance(0.3)
    assert flow.drained()
    job = flow.job(job_id)
    assert (job.status.value, job.attempts) == ("queued", 0)
    flow.restart()
    again = flow.worker("again")
    assert again.take()["attempt"] == 1, "the attempt the broker cut short does not count"


# -- jobs in parts, batches ---------------------------------------------------------------------


def test_a_job_fans_out_and_a_worker_finishes_it_from_its_parts(flow: Stepper) -> None:
    worker = flow.worker()
    job_id = flow.client().submit("total", args={"numbers": [1, 2, 3]})
    parent = worker.take()
    worker.answer(parent, fan_out("square", [{"n": n} for n in (1, 2, 3)]))
    assert flow.job(job_id).worker == "broker"
    for _ in range(3):
        part = worker.take()
        assert part["task"] == "square"
        worker.succeed(part, part["args"]["n"] ** 2)
    again = worker.take()
    assert again["id"] == job_id and again["args"]["parts"] == [1, 4, 9]
    assert again["attempt"] == 1, "handing back its parts costs the job no attempt"
    worker.succeed(again, 14)
    assert flow.topics(job_id) == [
        "job.submitted", "job.started", "job.requeued", "job.started", "job.succeeded"
    ]  # fmt: skip


def test_a_failed_part_fails_the_job_with_its_error(flow: Stepper) -> None:
    worker = flow.worker()
    job_id = flow.client().submit("total", args={"numbers": [1, -2]})
    worker.answer(worker.take(), fan_out("square", [{"n": 1}, {"n": -2}]))
    worker.succeed(worker.take(), 1)
    part = worker.take()
    worker.fail(part, ErrorType.MALFORMED.value, "-2 is negative")
    job = flow.job(job_id)
    assert job.status.value == "failed" and job.error is not None
    assert job.error["message"] == f"part {part['id']}: -2 is negative"


def test_cancelling_a_job_in_parts_cancels_its_parts(flow: Stepper) -> None:
    worker, client = flow.worker(), flow.client()
    job_id = client.submit("total", args={"numbers": [1, 2, 3]})
    worker.answer(worker.take(), fan_out("square", [{"n": n} for n in (1, 2, 3)]))
    part = worker.take()
    assert client.call(Command.CANCEL, {"id": job_id}) == {"ok": True, "status": "cancelled"}
    parts = [f["job"] for t, f in flow.outlet.events if t == "job.cancelled" and f["parent"]]
    assert len(parts) == 3 and part["id"] in parts
    assert worker.commands()[-1] == WorkerCommand.DISCONNECT.value


def test_a_restarted_broker_finishes_a_job_held_for_its_parts(flow: Stepper) -> None:
    worker = flow.worker()
    job_id = flow.client().submit("total", args={"numbers": [1, 2]})
    worker.answer(worker.take(), fan_out("square", [{"n": 1}, {"n": 2}]))
    worker.succeed(worker.take(), 1)
    flow.restart()  # one part done, one still queued
    again = flow.worker("again")
    part = again.take()
    assert part["args"] == {"n": 2}
    again.succeed(part, 4)
    last = again.take()
    assert last["id"] == job_id and last["args"]["parts"] == [1, 4]


def test_a_batch_ends_with_a_summary(flow: Stepper) -> None:
    worker = flow.worker()
    batch = flow.client().submit("process_batch", args={"paths": ["/a", "/b"]})
    worker.succeed(worker.take())
    worker.fail(worker.take(), ErrorType.NOT_FOUND.value)
    summary = flow.job(batch).result
    assert summary["total"] == 2 and summary["counts"] == {"succeeded": 1, "failed": 1}
    assert [f["error"] for f in summary["files"]] == [None, "not_found"]


def test_a_worker_of_several_queues_takes_from_each_in_turn(flow: Stepper) -> None:
    client = flow.client()
    for queue in ("a", "b", "c"):
        for _ in range(3):
            client.submit("noop", queue=queue)
    worker = flow.worker(queues=("a", "b", "c"))
    taken = []
    for _ in range(6):
        job = worker.take()
        taken.append(flow.job(job["id"]).queue)
        worker.succeed(job)
    assert sorted(taken) == ["a", "a", "b", "b", "c", "c"], taken
