"""The asyncio client: awaitable jobs, results as they finish, many calls in flight at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from docmill import AsyncClient, JobFailed
from docmill.home import Home
from tests.conftest import QUIET, Proc, StartPool, allow

pytestmark = pytest.mark.timeout(90)


def test_async_jobs_are_awaited_and_come_as_they_finish(
    home: Home, broker: Proc, start_pool: StartPool
) -> None:
    start_pool(2)

    async def main() -> None:
        async with AsyncClient(home=str(home.root), timeout=10) as client:
            slow = await client.submit("square", n=3, seconds=2.0)
            quick = await client.submit("square", n=4)
            bad = await client.submit("square", n=-1)
            order = [job async for job in client.as_completed([slow, quick, bad], timeout=30)]
            assert set(order) == {slow, quick, bad} and order[-1] is slow
            assert await quick == 16 and await slow == 9
            with pytest.raises(JobFailed) as failed:
                await bad
            assert failed.value.type == "malformed"

            # Many calls in flight on the one socket, each answered to its own caller.
            jobs = await asyncio.gather(*(client.submit("square", n=n) for n in range(40)))
            assert await asyncio.gather(*jobs) == [n * n for n in range(40)]

            parked = await client.submit("square", queue="nowhere", n=2)
            with pytest.raises(TimeoutError):
                await parked.result(timeout=0.3)
            with pytest.raises(TimeoutError):
                async for _ in client.as_completed([parked], timeout=0.3):
                    pass
            assert await parked.cancel()
            with pytest.raises(asyncio.CancelledError):
                await parked
            assert (await client.status())["broker"]["pid"] == broker.pid

    asyncio.run(asyncio.wait_for(main(), 60))


def test_async_submit_sends_a_file_the_workers_may_not_read(
    home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path
) -> None:
    (home.root / "docmill.toml").write_text(QUIET + allow(home.inbox))
    start_pool(1)
    report = tmp_path / "desk" / "report.txt"
    report.parent.mkdir()
    report.write_text("Notes kept on the desk, outside the inbox.\n")

    async def main() -> dict:
        async with AsyncClient(home=str(home.root)) as client:
            return await (await client.submit("process_document", path=str(report)))

    doc = asyncio.run(asyncio.wait_for(main(), 60))
    assert "outside the inbox" in doc["text"] and doc["metadata"]["fs_mtime"] is None
