"""Jobs handed back in parts: the broker runs the parts on any worker, then the job again with
their results; a long PDF read in page ranges by several workers."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from docmill.client import Client
from docmill.home import Home
from tests.conftest import Events, Proc, StartPool, start_broker, wait_for
from tests.documents.pdf import write_pdf
from workers.document import process_document

pytestmark = pytest.mark.timeout(90)

PAGES = [
    "Hello, here is some text without a meaning.",
    "The second page.",
    "The third page.",
    "The fourth page.",
]


def _children(events: Events, parent: str, topic: str = "job.submitted") -> list[dict]:
    return [body for t, body in events.items if t == topic and body.get("parent") == parent]


def test_a_job_fans_out_and_a_worker_finishes_it(
    client: Client, start_pool: StartPool, events: Events
) -> None:
    start_pool(2)
    job = client.submit("total", numbers=[1, 2, 3, 4])
    assert job.result(timeout=30) == 30
    # The stream is ordered: once the job's own success has arrived, so has every earlier event.
    wait_for(lambda: "job.succeeded" in events.topics(job.id), 10, "the job's last event")
    parts = _children(events, job.id)
    assert [p["task"] for p in parts] == ["square"] * 4
    assert len(_children(events, job.id, "job.succeeded")) == 4
    assert events.topics(job.id) == [
        "job.submitted", "job.started", "job.requeued", "job.started", "job.succeeded"
    ]  # fmt: skip
    info = job.info()
    assert info["attempts"] == 1, "handing back its parts costs the job no attempt"
    first_part = min(client.infos([p["job"]])[0]["started"] for p in _children(events, job.id))
    assert info["started"] <= first_part, "its time runs from its first run, parts included"


def test_a_restarted_broker_finishes_a_job_held_for_its_parts(
    home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path, events: Events
) -> None:
    start_pool(1)
    with Client(home=str(home.root), timeout=10) as client:
        job = client.submit("total", numbers=[1, 2, 3], seconds=0.5)
        wait_for(lambda: _children(events, job.id, "job.succeeded"), 20, "a part to end")
    os.kill(broker.pid, signal.SIGKILL)
    broker.popen.wait(10)
    restarted = start_broker(home, tmp_path / "broker2.log")
    try:
        with Client(home=str(home.root), timeout=10) as client:
            assert client.job(job.id).result(timeout=30) == 14
    finally:
        restarted.stop()


def test_a_long_pdf_is_read_in_page_ranges_by_the_pool(
    tmp_path: Path, client: Client, start_pool: StartPool, events: Events, home: Home
) -> None:
    start_pool(2, "--split-pages", "1")
    path = str(write_pdf(tmp_path / "four.pdf", PAGES))
    whole = process_document(path)  # in this process: no pool, read in one go
    job = client.submit("process_document", path=path)
    result = job.result(timeout=60)
    parts = _children(events, job.id)
    assert [p["task"] for p in parts] == ["extract_pages"] * 4
    assert result["text"] == whole["text"] == "\n\n".join(PAGES)
    assert result["metadata"]["page_count"] == 4
    assert result["doc_id"] == whole["doc_id"]
    record = json.loads(Path(result["json_path"]).read_text())
    assert [page["number"] for page in record["pages"]] == [1, 2, 3, 4]
    assert Path(result["json_path"]).parent == home.outbox
