"""The web dashboard against a real system: first the broker's job listing it browses."""

from __future__ import annotations

import pytest

from docmill.client import BrokerError, Client
from docmill.home import Home
from docmill.protocol import Command
from tests.conftest import ROOT, StartPool

pytestmark = pytest.mark.timeout(120)

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots, gitignored: look at them
STATES = {"queued", "running", "retry_scheduled", "succeeded", "failed", "dead", "cancelled"}


# -- the broker's job listing ---------------------------------------------------------------------


def test_jobs_command_filters_and_pages_the_store(
    home: Home, client: Client, start_pool: StartPool
) -> None:
    start_pool(1)
    done = client.submit_many("whoami", [{} for _ in range(7)])
    client.gather(done, timeout=30)
    named = [client.submit("burn", seconds=0, path=f"/data/report-{i}.PDF") for i in range(3)]
    client.wait(named, timeout=30)  # burn takes no path: each fails with bad_request
    paused = client.submit("whoami", queue="elsewhere")

    everything, after = client.jobs(limit=200)
    assert len(everything) == 11 and after is None
    created = [job["created"] for job in everything]
    assert created == sorted(created, reverse=True)  # newest first
    assert all("result" not in job for job in everything)

    failed, _ = client.jobs(state="failed")
    assert {j["id"] for j in failed} == {j.id for j in named}
    assert failed[0]["error"]["type"] == "bad_request" and "traceback" not in failed[0]["error"]
    assert [j["id"] for j in client.jobs(queue="elsewhere")[0]] == [paused.id]
    assert len(client.jobs(task="whoami", state="succeeded")[0]) == 7
    found, _ = client.jobs(text="report-1.pdf")  # in the file name, any case
    assert [j["id"] for j in found] == [named[1].id]
    assert found[0]["path"] == "/data/report-1.PDF" and found[0]["args"]["seconds"] == 0

    first, cursor = client.jobs(limit=4)  # pages: `next` is the following page's `before`
    second, cursor2 = client.jobs(limit=4, before=cursor)
    third, cursor3 = client.jobs(limit=4, before=cursor2)
    pages = [j["id"] for j in first + second + third]
    assert pages == [j["id"] for j in everything] and cursor3 is None

    lines = client.job_lines([named[0].id, "f" * 32])
    assert [line["id"] for line in lines] == [named[0].id]
    for bad in ({"state": "unknown"}, {"limit": 0}, {"text": "x" * 201}, {"ids": "nope"}):
        with pytest.raises(BrokerError) as refused:
            client.call(Command.JOBS, bad)
        assert refused.value.type == "bad_request"
