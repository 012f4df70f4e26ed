"""An accepted job is never lost, and a bad job costs only itself: killed workers, a killed
broker, poison jobs, stuck and greedy jobs, a full disk, drain on SIGTERM."""

from __future__ import annotations

import os
import random
import signal
from collections import Counter
from pathlib import Path

import psutil
import pytest

from docmill.client import BrokerError, Client, JobFailed
from docmill.home import Home
from docmill.protocol import Command
from tests.conftest import Proc, StartPool, start_broker, wait_for
from tests.documents.word import write_docx

pytestmark = pytest.mark.timeout(150)


def _counts(client: Client) -> Counter[str]:
    return Counter(client.status()["counts"])


def _outputs_intact(
    folder: Path, names: list[str], kills: int = 0, cut_short: frozenset[str] = frozenset()
) -> None:
    """Every output exists once, whole, and was written once.

    A job process killed in the middle of a write leaves its temporary file (SIGKILL allows no
    clean-up); it never shows under a final name, and cleanup_outputs removes it later. One killed
    between its rename and its line in the log leaves a whole output with no line: only a job
    that was cut short (`cut_short`) may lack one, and its retry must not write again.
    """
    assert sorted(p.name for p in folder.glob("out-*")) == sorted(names)
    assert all((folder / n).read_text() == n for n in names)
    assert len(list(folder.glob(".*.part"))) <= kills
    writes = Counter((folder / "writes.log").read_text().split())
    assert set(writes) <= set(names)
    unlogged = set(names) - set(writes)
    assert unlogged <= cut_short and len(unlogged) <= kills, f"never written: {sorted(unlogged)}"
    assert max(writes.values()) == 1, f"written twice: {[n for n, c in writes.items() if c > 1]}"


def _workers_of(pool: Proc) -> list[psutil.Process]:
    """The pool's worker processes that are alive now (one just killed may be a zombie)."""
    found = []
    for proc in pool.tree()[1:]:
        try:
            alive = proc.ppid() == pool.pid and proc.status() != psutil.STATUS_ZOMBIE
            if alive and "resource_tracker" not in " ".join(proc.cmdline()):
                found.append(proc)
        except psutil.Error:
            continue  # it ended while we looked
    return found


def test_kill_9_workers_repeatedly_during_500_jobs(
    client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    pool = start_pool(2)
    out = tmp_path / "out"
    names = [f"out-{i:03d}" for i in range(500)]
    specs = [{"folder": str(out), "name": n, "seconds": 0.01} for n in names]
    jobs = [client.enqueue("write_once", spec, max_attempts=10) for spec in specs]
    rng = random.Random(7)
    kills = 0
    for threshold in range(50, 450, 50):
        wait_for(lambda t=threshold: _counts(client)["succeeded"] >= t, 60, f"{threshold} done")
        agents = wait_for(lambda: _workers_of(pool), 30, "a live worker process")
        os.kill(rng.choice(agents).pid, signal.SIGKILL)
        kills += 1
    results = client.gather(jobs, timeout=120)
    assert kills == 8
    assert len(results) == 500
    infos = client.infos([job.id for job in jobs])
    assert Counter(i["status"] for i in infos) == {"succeeded": 500}
    retried = {i["id"] for i in infos if i["attempts"] > 1}
    cut_short = frozenset(s["name"] for s, j in zip(specs, jobs, strict=True) if j.id in retried)
    assert cut_short, "some job should have been cut short"
    _outputs_intact(out, names, kills, cut_short)


def test_kill_9_broker_and_restart_during_2000_jobs(
    home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(2)
    out = tmp_path / "out"
    names = [f"out-{i:04d}" for i in range(2000)]
    with Client(home=str(home.root), timeout=10) as client:
        jobs = client.submit_many("write_once", [{"folder": str(out), "name": n} for n in names])
        wait_for(lambda: _counts(client)["succeeded"] >= 300, 60, "300 jobs done")
    os.kill(broker.pid, signal.SIGKILL)
    broker.popen.wait(10)
    restarted = start_broker(home, tmp_path / "broker2.log")
    try:
        with Client(home=str(home.root), timeout=10) as client:
            infos = client.wait([client.job(j.id) for j in jobs], timeout=120)
            assert Counter(i["status"] for i in infos) == {"succeeded": 2000}
            assert _counts(client) == {"succeeded": 2000}
        _outputs_intact(out, names)
        assert "recovered" in restarted.output()
    finally:
        restarted.stop()


def test_a_poison_job_ends_dead_while_others_flow(client: Client, start_pool: StartPool) -> None:
    start_pool(2)
    poison = client.submit("crash")
    others = client.submit_many("echo", [{"i": i} for i in range(50)])
    assert client.gather(others, timeout=60) == [{"i": i} for i in range(50)]
    with pytest.raises(JobFailed) as failed:
        poison.result(timeout=60)
    assert failed.value.type == "worker_died"
    info = poison.info()
    assert info["status"] == "dead" and info["attempts"] == 3
    dead = client.dead()
    assert [d["id"] for d in dead] == [poison.id]
    assert dead[0]["error"]["type"] == "worker_died"
    # Requeued by hand, it runs again with fresh attempts, and dies again.
    assert client.retry(all_dead=True) == [poison.id]
    with pytest.raises(JobFailed):
        poison.result(timeout=60)
    assert poison.info()["status"] == "dead"
    assert client.purge_dead() == 1
    assert poison.status() == "unknown"


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to find the link")
def test_a_job_process_that_breaks_its_link_costs_only_its_job(
    client: Client, start_pool: StartPool
) -> None:
    start_pool(1)
    before = client.submit("whoami").result(timeout=30)
    job = client.enqueue("scribble", {}, max_attempts=1)
    with pytest.raises(JobFailed) as failed:
        job.result(timeout=20)  # long before the task's own 30 s: the worker saw it at once
    assert failed.value.type == "worker_died"
    assert "broke its link" in failed.value.message
    after = client.submit("whoami").result(timeout=30)
    assert after != before and not psutil.pid_exists(before), "a fresh job process"


def test_a_task_stuck_in_a_regular_expression_times_out(
    client: Client, start_pool: StartPool
) -> None:
    start_pool(1)
    job = client.enqueue("backtrack", {"n": 60}, timeout=1.5, max_attempts=2, backoff=0.1)
    with pytest.raises(JobFailed) as failed:
        job.result(timeout=60)
    assert failed.value.type == "timeout"
    info = job.info()
    assert info["status"] == "dead" and info["attempts"] == 2
    assert client.submit("echo", next=1).result(timeout=30) == {"next": 1}


def test_a_full_disk_fails_retryably_and_loses_nothing(
    client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(1)
    out, full = tmp_path / "out", tmp_path / "disk-is-full"
    full.touch()
    args = {"folder": str(out), "name": "big", "full_marker": str(full)}
    job = client.enqueue("write_when_space", args, max_attempts=20, backoff=0.2, backoff_max=0.5)
    info = wait_for(
        lambda: (i := job.info())["status"] == "retry_scheduled" and i, 30, "a scheduled retry"
    )
    assert info["error"]["type"] == "disk_full" and info["not_before"]
    assert not list(out.glob("*")), "a failed write leaves nothing behind"
    full.unlink()  # space again
    assert job.result(timeout=60) == {"written": "big"}
    assert (out / "big").stat().st_size == 2**20


def test_batch_ends_with_a_summary(
    story: Path, client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(2)
    paths = [str(story), str(tmp_path / "missing.txt"), str(story)]
    summary = client.process_batch(paths).result(timeout=60)
    assert summary["total"] == 3
    assert summary["counts"] == {"succeeded": 2, "failed": 1}
    assert [f["status"] for f in summary["files"]] == ["succeeded", "failed", "succeeded"]
    assert summary["files"][1]["error"] == "not_found"


def test_one_key_twice_in_one_batch_is_one_job_that_survives_a_restart(
    home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path
) -> None:
    jobs = [{"task": "echo", "args": {"n": n}, "key": "same"} for n in range(3)]
    with Client(home=str(home.root), timeout=10) as client:
        ids = client.call(Command.SUBMIT, {"jobs": [*jobs, {"task": "echo", "args": {}}]})["ids"]
        assert ids[0] == ids[1] == ids[2] != ids[3]
    os.kill(broker.pid, signal.SIGKILL)
    broker.popen.wait(10)
    restarted = start_broker(home, tmp_path / "broker2.log")
    try:
        start_pool(1)
        with Client(home=str(home.root), timeout=10) as client:
            assert client.gather([client.job(ids[0]), client.job(ids[3])], timeout=30) == [
                {"n": 0},
                {},
            ]
            assert client.status()["counts"] == {"succeeded": 2}
    finally:
        restarted.stop()


def test_job_process_is_recycled_after_k_jobs(client: Client, start_pool: StartPool) -> None:
    start_pool(1, "--max-jobs-per-worker", "2")
    pids = [client.submit("whoami").result(timeout=30) for _ in range(5)]
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]
    assert not psutil.pid_exists(pids[0])


def test_cancel_stops_the_running_job_process(client: Client, start_pool: StartPool) -> None:
    start_pool(1)
    job = client.submit("burn", seconds=60)
    worker = wait_for(
        lambda: next((w for w in client.status()["workers"] if w["job"] == job.id), None),
        30,
        "the job to start",
    )
    runner = psutil.Process(worker["pid"]).children()[0]
    assert client.cancel(job.id) == "cancelled"
    runner.wait(10)  # the job's process is gone
    assert job.status() == "cancelled"


def test_sigterm_drains_running_jobs_and_keeps_the_rest(
    home: Home, tmp_path: Path, start_pool: StartPool, broker: Proc
) -> None:
    start_pool(1)
    with Client(home=str(home.root), timeout=10) as client:
        running = client.submit("noop", seconds=1.5)
        waiting = client.submit("noop")
        wait_for(lambda: running.status() == "running", 30, "the first job to start")
    broker.popen.send_signal(signal.SIGTERM)
    assert broker.popen.wait(30) == 0
    restarted = start_broker(home, tmp_path / "broker2.log")
    try:
        with Client(home=str(home.root), timeout=10) as client:
            assert client.job(running.id).info()["status"] == "succeeded"
            assert client.job(waiting.id).result(timeout=30) is None  # run after the restart
    finally:
        restarted.stop()


def test_a_full_disk_under_the_job_store_refuses_submits_and_loses_nothing(
    home: Home, broker: Proc, client: Client, start_pool: StartPool
) -> None:
    accepted = [client.submit("echo", n=i) for i in range(5)]
    # From here on the broker may not write past 256 KiB in any file: its WAL soon hits that.
    proc = psutil.Process(broker.pid)
    _, hard = proc.rlimit(psutil.RLIMIT_FSIZE)
    proc.rlimit(psutil.RLIMIT_FSIZE, (256 * 1024, hard))
    refused = 0
    for i in range(40):
        try:
            accepted.append(client.submit("echo", n=100 + i, pad="x" * 50_000))
        except BrokerError as exc:
            assert exc.type == "unavailable" and "could not save" in exc.message
            refused += 1
    assert refused > 0, "the size limit should have stopped the store"
    assert broker.popen.poll() is None, "the broker must survive its store failing"
    assert client.status()["counts"]  # it still answers
    proc.rlimit(psutil.RLIMIT_FSIZE, (hard, hard))  # space again
    start_pool(2)
    results = client.gather(accepted, timeout=60)
    assert len(results) == len(accepted) == 5 + 40 - refused
    assert [r["n"] for r in results[:5]] == list(range(5))
    assert client.submit("echo", after=True).result(timeout=30) == {"after": True}


def test_job_process_is_recycled_when_it_has_grown(client: Client, start_pool: StartPool) -> None:
    start_pool(1, "--recycle-rss-mb", "150")
    small = client.submit("grow", megabytes=1).result(timeout=30)
    assert client.submit("whoami").result(timeout=30) == small, "below the ceiling: kept"
    leaky = client.submit("grow", megabytes=200).result(timeout=30)
    assert leaky == small
    assert client.submit("whoami").result(timeout=30) != leaky, "above the ceiling: replaced"


def test_a_task_policy_in_settings_applies_to_its_submits(
    home: Home, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    (home.root / "docmill.toml").write_text("[tasks.backtrack]\nmax_attempts = 1\ntimeout = 0.5\n")
    request.getfixturevalue("broker")
    request.getfixturevalue("start_pool")(1)
    with Client(home=str(home.root), timeout=10) as client:
        job = client.submit("backtrack", n=60)  # the submit names neither limit
        with pytest.raises(JobFailed) as failed:
            job.result(timeout=30)
        assert failed.value.type == "timeout"
        info = job.info()
        assert info["status"] == "dead" and info["max_attempts"] == 1
        # An explicit value in the submit wins over the policy.
        assert client.enqueue("backtrack", {"n": 1}, max_attempts=4).info()["max_attempts"] == 4


def test_a_locked_document_is_retried_until_it_is_free(
    client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(1)
    target = write_docx(tmp_path / "minutes.docx", ["Minutes of the harbour board"])
    lock = tmp_path / f".~lock.{target.name}#"
    lock.write_text("someone,editing")
    job = client.enqueue(
        "process_document", {"path": str(target)}, max_attempts=20, backoff=0.2, backoff_max=0.5
    )
    info = wait_for(
        lambda: (i := job.info())["status"] == "retry_scheduled" and i, 30, "a scheduled retry"
    )
    assert info["error"]["type"] == "locked"
    lock.unlink()  # the editor closed it
    done = job.result(timeout=60)
    assert done["status"] == "ok" and "Minutes of the harbour board" in done["text"]
    assert job.info()["attempts"] >= 2
