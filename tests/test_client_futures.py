"""The Python client as people use executors: jobs are Futures, one Client serves many threads,
and a document anywhere on this host can be submitted by path."""

from __future__ import annotations

import concurrent.futures
import json
import threading
from pathlib import Path

import pytest

from docmill.client import Client, JobFailed
from docmill.home import Home
from tests.conftest import QUIET, Proc, StartPool, allow, wait_for

pytestmark = pytest.mark.timeout(90)


def _waiters() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "docmill-waiter"]


def test_jobs_are_futures(home: Home, broker: Proc, start_pool: StartPool) -> None:
    start_pool(2)
    with Client(home=str(home.root), timeout=10) as client:
        slow = client.submit("square", n=3, seconds=2.0)
        quick = client.submit("square", n=4)
        bad = client.submit("square", n=-1)
        called = threading.Event()
        quick.add_done_callback(lambda job: called.set())
        first = next(concurrent.futures.as_completed([slow, quick], timeout=30))
        assert first is quick and quick.result() == 16 and called.wait(5)
        assert isinstance(bad.exception(timeout=30), JobFailed)
        assert bad.exception().type == "malformed"  # type: ignore[union-attr]
        with pytest.raises(JobFailed):
            bad.result()
        assert client.retry(bad.id) == [bad.id]  # back in line: its Future is pending again
        assert isinstance(bad.exception(timeout=30), JobFailed)
        assert bad.info()["attempts"] == 1 and bad.info()["status"] == "failed"
        long = client.submit("square", n=5, seconds=30)
        with pytest.raises(TimeoutError):
            long.result(timeout=0.2)
        assert long.cancel()  # its process is stopped: the pool need not wait out its grace
        wait_for(slow.running, 10, "the slow job to run")
        done, _ = concurrent.futures.wait([slow, bad], timeout=30)
        assert done == {slow, bad} and slow.result() == 9 and not slow.running()

        # A job nobody serves waits until cancelled; as_completed and wait see it end.
        parked = client.submit("square", queue="nowhere", n=2)
        elsewhere = client.submit("square", queue="nowhere", n=3)
        assert not parked.done() and not parked.running()
        assert parked.cancel() and parked.cancelled() and parked.done()
        with pytest.raises(concurrent.futures.CancelledError):
            parked.result()
        # Cancelled by someone else: the Future learns it from the broker.
        with Client(home=str(home.root), futures=False) as other:
            assert other.cancel(elsewhere.id) == "cancelled"
        ended = list(concurrent.futures.as_completed([parked, elsewhere], timeout=30))
        assert set(ended) == {parked, elsewhere} and elsewhere.cancelled()
        assert not quick.cancel()  # ended already
        assert len(_waiters()) == 1
    assert not _waiters()  # close() stops the waiter thread


def test_closing_the_client_ends_the_wait_on_its_jobs(home: Home, broker: Proc) -> None:
    client = Client(home=str(home.root), timeout=5)
    parked = client.submit("square", queue="nowhere", n=2)
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        parked.result(timeout=10)
    assert not _waiters()
    with Client(home=str(home.root), timeout=5) as other:
        assert other.cancel(parked.id) == "cancelled"


def test_one_client_serves_eight_threads(home: Home, broker: Proc, start_pool: StartPool) -> None:
    start_pool(2)
    errors: list[BaseException] = []
    results: dict[int, list[int]] = {}
    with Client(home=str(home.root), timeout=10) as client:
        start = threading.Barrier(8)

        def work(k: int) -> None:
            try:
                start.wait(10)
                numbers = range(k * 100, k * 100 + 15)
                jobs = [client.submit("square", n=n) for n in numbers]
                jobs += client.submit_many("square", [{"n": n} for n in numbers])
                assert client.status()["broker"]["pid"]
                results[k] = client.gather(jobs[:15], timeout=60)
                assert [job.result(timeout=60) for job in jobs[15:]] == results[k]
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(80)
    assert not errors, errors
    assert results == {k: [n * n for n in range(k * 100, k * 100 + 15)] for k in range(8)}


def test_submit_by_path_sends_the_content_of_a_file_the_workers_may_not_read(
    home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path
) -> None:
    """The README's Python example with a file outside the inbox, the default allowed root."""
    (home.root / "docmill.toml").write_text(QUIET + allow(home.inbox))
    start_pool(1)
    desk = tmp_path / "desk"
    desk.mkdir()
    report = desk / "report.txt"
    report.write_text("Quarterly report.\n\nSales went up on the desk, far from the inbox.\n")
    inside = home.inbox / "inside.txt"
    inside.write_text("A note that lies in the inbox.\n")
    with Client(home=str(home.root)) as client:
        job = client.submit("process_document", path=str(report))
        print(job.status())
        doc = job.result(timeout=60)
        assert "far from the inbox" in doc["text"]
        record = json.loads(Path(doc["json_path"]).read_text())  # the outbox's record
        assert record["source"] == str(report)  # named by the path given, not "inline:..."
        assert doc["metadata"]["fs_mtime"] is None  # sent as bytes: no mtime of its own
        local = client.submit("process_document", path=str(inside)).result(timeout=60)
        assert json.loads(Path(local["json_path"]).read_text())["source"] == str(inside)
        assert local["metadata"]["fs_mtime"] is not None  # read in place
        meta = client.submit_many("extract_metadata", [{"path": str(report)}])[0]
        assert meta.result(timeout=60)["kind"] == doc["kind"]
        forced = client.enqueue("process_document", {"path": str(inside)}, inline=True)
        assert forced.result(timeout=60)["metadata"]["fs_mtime"] is None
        as_path = client.enqueue("process_document", {"path": str(report)}, inline=False)
        assert isinstance(as_path.exception(timeout=60), JobFailed)
        assert as_path.exception().type == "forbidden"  # type: ignore[union-attr]
