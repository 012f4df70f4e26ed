"""The whole path, client → broker → spawned workers → result, with real processes and files."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import psutil
import pytest

from docmill.client import Client, JobFailed
from tests.conftest import Events, Proc, StartPool, wait_for
from tests.documents import word
from tests.documents.pdf import write_pdf
from tests.documents.prose import OPENING

pytestmark = pytest.mark.timeout(90)

CRAZY = "Here's to the crazy ones. The misfits. The rebels."


def test_documents_come_back_as_text(
    story: Path, tmp_path: Path, client: Client, start_pool: StartPool
) -> None:
    start_pool(2)
    pdf = write_pdf(tmp_path / "crazy.pdf", [CRAZY, "The round pegs in the square holes."])
    paths = [story, pdf, word.write_report_docx(tmp_path / "report.docx")]
    jobs = [client.submit("process_document", path=str(p)) for p in paths]
    txt, pdf_result, docx = client.gather(jobs, timeout=60)
    assert txt["kind"] == "txt" and OPENING in txt["text"]
    assert pdf_result["kind"] == "pdf"
    assert CRAZY in pdf_result["text"]
    assert pdf_result["metadata"]["page_count"] == 2
    assert docx["kind"] == "docx" and word.NESTED_ROW in docx["text"]


def test_500_concurrent_noop_jobs_through_two_workers(
    client: Client, start_pool: StartPool
) -> None:
    start_pool(2)
    jobs = client.submit_many("noop", [{} for _ in range(500)])
    assert len({job.id for job in jobs}) == 500
    assert client.gather(jobs, timeout=60) == [None] * 500
    infos = client.infos([job.id for job in jobs])
    assert {info["status"] for info in infos} == {"succeeded"}
    workers = client.status()["workers"]
    assert sum(w["jobs_done"] for w in workers) == 500
    assert all(w["jobs_done"] > 0 for w in workers), "both workers should have taken jobs"


def _holder(client: Client, job_id: str) -> dict[str, Any]:
    return wait_for(
        lambda: next((w for w in client.status()["workers"] if w["job"] == job_id), None),
        20,
        f"a worker to take job {job_id}",
    )


def test_job_survives_kill_9_of_its_worker(
    client: Client, start_pool: StartPool, events: Events
) -> None:
    start_pool(1)
    job = client.submit("noop", seconds=2)
    first = _holder(client, job.id)
    os.kill(first["pid"], signal.SIGKILL)
    assert job.result(timeout=30) is None
    # The stream is ordered: once the job's own success has arrived, so has every earlier event.
    wait_for(lambda: "job.succeeded" in events.topics(job.id), 10, "the job's last event")
    info = job.info()
    assert info["status"] == "succeeded" and info["attempts"] == 2
    workers = client.status()["workers"]
    assert [w["id"] for w in workers] != [first["id"]]
    assert first["pid"] not in [w["pid"] for w in workers], "the job ended on a respawned worker"
    seqs = [body["seq"] for _, body in events.items]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "numbered without gaps"
    topics = events.topics(job.id)
    assert topics == [
        "job.submitted",
        "job.started",
        "worker.gone",
        "job.requeued",
        "job.started",
        "job.succeeded",
    ]
    gone = [b for t, b in events.items if t == "worker.gone" and b["worker"] == first["id"]]
    assert gone and gone[0]["job"] == job.id and "SIGKILL" in gone[0]["reason"]


def test_job_survives_kill_9_of_its_job_process(
    client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(1)
    marker = tmp_path / "started"
    job = client.submit("started", marker=str(marker), seconds=2)
    worker = _holder(client, job.id)
    # "running" is the broker's word once it sent the job; kill only once the job process has it.
    wait_for(marker.exists, 20, "the job to reach its job process")
    for child in psutil.Process(worker["pid"]).children():
        child.kill()
    assert job.result(timeout=30) is None
    assert job.info()["attempts"] == 2


def test_each_kill_9_of_the_pool_costs_the_job_in_hand_one_attempt(
    client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    """A killed pool takes its workers along; the broker finds the holder dead, and must not
    hand the job to a worker of the same pool, nor charge a send that never left."""
    marker = tmp_path / "started"
    job = client.enqueue("started", {"marker": str(marker), "seconds": 4}, max_attempts=3)
    for attempts in (1, 2):
        pool = start_pool(3)
        holder = _holder(client, job.id)
        assert holder["pool"] == f"{holder['host']}/{pool.pid}"
        wait_for(marker.exists, 20, "the job to reach its job process")
        os.kill(pool.pid, signal.SIGKILL)
        pool.popen.wait(10)
        info = wait_for(
            lambda: (i := job.info())["status"] != "running" and i, 20, "the holder found dead"
        )
        assert (info["status"], info["attempts"]) == ("queued", attempts)
        marker.unlink()
    start_pool(3)
    assert job.result(timeout=60) is None
    info = job.info()
    assert info["status"] == "succeeded" and info["attempts"] == 3


@pytest.mark.parametrize("mode", ["python", "c"])
def test_heartbeats_flow_while_a_task_holds_the_cpu(
    mode: str, client: Client, start_pool: StartPool, events: Events
) -> None:
    """A 6 s loop outlasts the 3 s liveness: the job must not be taken for dead and rerun."""
    start_pool(1)
    result = client.submit("burn", seconds=6, mode=mode).result(timeout=60)
    assert result["elapsed"] >= 6
    if mode == "c":
        assert result["longest_c_call"] > 3.5, "one C call must outlast the liveness window"
    assert "worker.gone" not in events.topics()
    assert "job.requeued" not in events.topics()


def test_time_limit_is_enforced_from_outside(client: Client, start_pool: StartPool) -> None:
    start_pool(1)
    # One attempt: a timeout is retryable, so max_attempts bounds the test's length.
    job = client.enqueue("burn", {"seconds": 30, "mode": "c"}, timeout=1, max_attempts=1)
    with pytest.raises(JobFailed) as failed:
        job.result(timeout=30)
    assert failed.value.type == "timeout"
    assert client.submit("echo", after="timeout").result(timeout=30) == {"after": "timeout"}


def test_memory_limit_is_enforced_from_outside(client: Client, start_pool: StartPool) -> None:
    start_pool(1, "--max-memory-mb", "200")
    job = client.enqueue("hog", {"megabytes": 400, "seconds": 10}, max_attempts=1)
    with pytest.raises(JobFailed) as failed:
        job.result(timeout=60)
    assert failed.value.type == "memory"
    assert client.submit("echo", after="memory").result(timeout=30) == {"after": "memory"}


def test_a_crashing_job_costs_only_itself(client: Client, start_pool: StartPool) -> None:
    start_pool(1)
    bad = client.submit("crash")
    good = client.submit("echo", ok=True)
    with pytest.raises(JobFailed) as failed:
        bad.result(timeout=60)
    assert failed.value.type == "worker_died"
    assert bad.info()["attempts"] == 3
    assert good.result(timeout=30) == {"ok": True}


def test_unknown_task_and_bad_args_are_clear_errors(client: Client, start_pool: StartPool) -> None:
    start_pool(1)
    with pytest.raises(JobFailed) as unknown:
        client.submit("no_such_task").result(timeout=30)
    assert unknown.value.type == "unknown_task"
    with pytest.raises(JobFailed) as bad:
        client.submit("noop", nonsense=1).result(timeout=30)
    assert bad.value.type == "bad_request"


def test_status_unknown_and_cancel(client: Client, start_pool: StartPool) -> None:
    assert client.job("0" * 32).status() == "unknown"
    queued = client.submit("noop", queue="nobody-serves-this")
    assert queued.status() == "queued"
    assert client.cancel(queued.id) == "cancelled"
    start_pool(1)
    running = client.submit("noop", seconds=30)
    _holder(client, running.id)
    assert client.cancel(running.id) == "cancelled"
    # The worker drops the job and comes back for the next one.
    assert client.submit("echo", n=1).result(timeout=30) == {"n": 1}
    assert running.status() == "cancelled"


def test_status_reports_endpoints_counts_and_workers(client: Client, start_pool: StartPool) -> None:
    start_pool(2)
    client.gather(client.submit_many("noop", [{}] * 10), timeout=30)
    status = client.status()
    assert status["broker"]["endpoint"].startswith(("ipc://", "tcp://"))
    assert status["counts"]["succeeded"] == 10
    worker = status["workers"][0]
    assert {"id", "pid", "host", "queues", "state", "job"} <= set(worker)
    assert psutil.pid_exists(worker["pid"])
    assert set(worker["queues"]) == {"documents", "analysis", "maintenance", "ocr"}


def test_a_pool_joins_by_endpoint_for_chosen_queues(client: Client, tmp_path: Path) -> None:
    """python -m workers --connect ENDPOINT --queues Q1,Q2: a pool for a broker elsewhere."""
    endpoint = client.status()["broker"]["endpoint"]
    args = ["-m", "workers", "--connect", endpoint, "--queues", "ocr,archive", "--concurrency", "1"]
    pool = Proc(args, tmp_path / "pool.log")
    try:
        worker = wait_for(lambda: client.status()["workers"], 30, "the worker")[0]
        assert worker["queues"] == ["ocr", "archive"]
        assert client.submit("echo", queue="archive", a=1).result(timeout=30) == {"a": 1}
        other = client.submit("echo", queue="documents", a=2)
        with pytest.raises(TimeoutError):
            other.result(timeout=1)  # nobody serves `documents` here
        assert other.status() == "queued"
    finally:
        pool.stop()


def test_analysis_queue_flags_a_near_duplicate(
    story: Path, client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(1)
    original = story
    copy = tmp_path / "renamed-copy.txt"
    copy.write_bytes(original.read_bytes() + b"\nA line added at the end.\n")
    first = client.submit("analyze_document", queue="analysis", path=str(original))
    assert first.result(timeout=30)["language"]["code"] == "en"
    second = client.submit("analyze_document", queue="analysis", path=str(copy)).result(timeout=30)
    # The worker records the path it read: links resolved (the allowed-roots check).
    assert [d["path"] for d in second["near_duplicates"]] == [str(original.resolve())]


def test_run_is_one_request_that_answers_when_the_job_ends(
    client: Client, start_pool: StartPool
) -> None:
    start_pool(1)
    assert client.run("echo", x=1, y=[2]) == {"x": 1, "y": [2]}
    with pytest.raises(JobFailed) as failed:
        client.run("burn", seconds="not a number")
    assert failed.value.type == "task_error"
    with pytest.raises(TimeoutError):
        client.run("noop", seconds=5, timeout=0.5)
    assert client.run("echo", z=3) == {"z": 3}, "a late answer does not reach the next call"
    counts = client.status()["counts"]
    assert counts.get("succeeded", 0) >= 2, "run's jobs are stored like any other"
