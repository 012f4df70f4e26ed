"""The client for asyncio programs, on zmq.asyncio: awaitable jobs, results as they finish.

    async with AsyncClient() as client:
        jobs = [await client.submit("process_document", path=p) for p in paths]
        async for job in client.as_completed(jobs):
            print(job.id, (await job)["kind"])

One DEALER socket serves every coroutine: a reader task hands each answer to the call that
waits for it (by `rid`), so any number of calls and long-polls may be outstanding at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Generator, Iterable
from typing import Any

import zmq
import zmq.asyncio

from docmill.client import Client, _encoded, _seconds, _unserved
from docmill.home import Home
from docmill.inline import job_args
from docmill.job import BrokerError, JobFailed, ended, failure
from docmill.protocol import (
    MAX_MESSAGE_BYTES,
    MDPC,
    Command,
    JobStatus,
    ProtocolError,
    error_of,
    request,
    unpack_map,
)
from docmill.running import find_home
from docmill.security import SecuritySettings, client_keys
from docmill.settings import load_settings

POLL_WAIT = 60.0  # seconds the broker may hold one long-poll


class AsyncJob:
    """A job handle: `await job` is its result (JobFailed if it failed, CancelledError if it
    was cancelled)."""

    def __init__(self, client: AsyncClient, job_id: str, unserved: bool = False) -> None:
        self.client, self.id, self.unserved = client, job_id, unserved

    def __repr__(self) -> str:
        return f"AsyncJob({self.id!r})"

    def __await__(self) -> Generator[Any, None, Any]:
        return self.result().__await__()

    async def info(self) -> dict[str, Any]:
        return (await self.client.infos([self.id]))[0]

    async def status(self) -> str:
        return str((await self.info())["status"])

    async def ended(self) -> dict[str, Any]:
        """The broker's view of the job once it has ended (long-polls until then)."""
        while True:
            info = (await self.client.infos([self.id], wait=POLL_WAIT))[0]
            if ended(info):
                return info

    async def result(self, timeout: float | None = None) -> Any:
        """The task's value; JobFailed, asyncio.CancelledError, or TimeoutError after
        `timeout` seconds."""
        info = await asyncio.wait_for(self.ended(), timeout)
        if info["status"] == JobStatus.SUCCEEDED.value:
            return info.get("result")
        if info["status"] == JobStatus.CANCELLED.value:
            raise asyncio.CancelledError(f"job {self.id} was cancelled")
        if info["status"] == JobStatus.UNKNOWN.value:
            raise JobFailed(self.id, "unknown", "the broker does not know this job", info)
        raise failure(info)

    async def cancel(self) -> bool:
        return await self.client.cancel(self.id) == JobStatus.CANCELLED.value


class AsyncClient:
    def __init__(
        self,
        home: str | None = None,
        endpoint: str | None = None,
        *,
        context: zmq.asyncio.Context | None = None,
        timeout: float = 10.0,
        server_key: str | None = None,
        key: str | None = None,
    ) -> None:
        """As Client: the broker at `endpoint`, else the home's; `timeout` bounds each call."""
        where = Home(find_home(home)) if home or not endpoint else None
        self.home = where
        self.endpoint = endpoint or (where.broker_endpoint() if where else "")
        self.keys = client_keys(where, server_key, key)
        self.context = context or zmq.asyncio.Context.instance()
        self.timeout = _seconds(timeout, "the client's timeout", zero=False)
        self._rids = itertools.count(1)
        self._socket: zmq.asyncio.Socket | None = None
        self._reader: asyncio.Task[None] | None = None
        self._answers: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._security: SecuritySettings | None = None

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop the reader task and close the socket; calls still waiting get ConnectionError."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None
        for answer in self._answers.values():
            if not answer.done():
                answer.set_exception(ConnectionError("the client was closed"))
        self._answers.clear()

    def _connect(self) -> zmq.asyncio.Socket:
        if self._socket is None:
            sock = self.context.socket(zmq.DEALER)
            sock.setsockopt(zmq.LINGER, 0)
            sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
            if self.keys is not None:
                self.keys.apply(sock)
            sock.connect(self.endpoint)
            self._socket = sock
            self._reader = asyncio.get_running_loop().create_task(self._read(sock))
        return self._socket

    async def _read(self, sock: zmq.asyncio.Socket) -> None:
        while True:
            frames = await sock.recv_multipart()
            if len(frames) != 4 or frames[0] != b"" or frames[1] != MDPC:
                continue
            try:
                reply = unpack_map(frames[3])
            except ProtocolError:
                continue
            answer = self._answers.pop(reply.get("rid"), None)  # type: ignore[arg-type]
            if answer is None or answer.done():
                continue  # a late answer to a call that timed out
            if reply.get("ok"):
                answer.set_result(reply)
            else:
                answer.set_exception(BrokerError(*error_of(reply)))

    async def call(
        self, command: Command, body: dict[str, Any], timeout: float | None = None
    ) -> dict[str, Any]:
        """One docmill command and its answer; TimeoutError if none comes within `timeout`."""
        limit = self.timeout if timeout is None else _seconds(timeout, "timeout", zero=False)
        rid = next(self._rids)
        sock = self._connect()
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[rid] = answer
        frames = request(command.value.encode(), [_encoded({**body, "rid": rid})])
        try:
            await sock.send_multipart(frames)
            return await asyncio.wait_for(answer, limit)
        except TimeoutError:
            raise TimeoutError(f"no answer from the broker at {self.endpoint}") from None
        finally:
            self._answers.pop(rid, None)

    async def submit(
        self, task: str, queue: str | None = None, priority: int | None = None, **args: Any
    ) -> AsyncJob:
        """Queue one job; returns once the broker has accepted it."""
        return await self.enqueue(task, args, queue=queue, priority=priority)

    async def enqueue(
        self, task: str, args: dict[str, Any], *, inline: bool | None = None, **options: Any
    ) -> AsyncJob:
        """Client.enqueue's options (`queue`, `priority`, `timeout`, `max_attempts`, ...), and
        the same rule for a document's path (`inline`: see Client.enqueue)."""
        if inline is not False:
            args = self._document(task, args, bool(inline))
        queue, priority = options.pop("queue", None), options.pop("priority", None)
        spec = Client._spec(task, args, queue, priority, **options)
        reply = await self.call(Command.SUBMIT, spec)
        return AsyncJob(self, reply["id"], _unserved(reply, spec))

    def _document(self, task: str, args: dict[str, Any], inline: bool = False) -> dict[str, Any]:
        """`args` with a document's path replaced by its content when the home's workers may
        not read it, as the `docmill` command does (docmill/inline.py)."""
        if self._security is None:
            # With no local home (an endpoint alone) no path is known to be readable there.
            self._security = load_settings(self.home).security if self.home else SecuritySettings()
        return job_args(task, args, self._security, inline)

    def job(self, job_id: str) -> AsyncJob:
        return AsyncJob(self, job_id)

    async def infos(self, job_ids: list[str], wait: float = 0.0) -> list[dict[str, Any]]:
        body = {"ids": job_ids, "wait": _seconds(wait, "wait")}
        return list((await self.call(Command.RESULT, body, timeout=wait + self.timeout))["jobs"])

    async def as_completed(
        self, jobs: Iterable[AsyncJob], timeout: float | None = None
    ) -> AsyncIterator[AsyncJob]:
        """Each job as it ends, first ended first (`await job` then gives its result at once
        from the broker); TimeoutError if they have not all ended after `timeout` seconds."""
        waits = {asyncio.ensure_future(job.ended()): job for job in jobs}
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        try:
            while waits:
                left = None if deadline is None else deadline - asyncio.get_running_loop().time()
                if left is not None and left <= 0:
                    raise TimeoutError(f"{len(waits)} job(s) not ended after {timeout}s")
                done, _ = await asyncio.wait(
                    waits, timeout=left, return_when=asyncio.FIRST_COMPLETED
                )
                for finished in done:
                    finished.result()  # a broker error ends the iteration
                    yield waits.pop(finished)
        finally:
            for pending in waits:
                pending.cancel()

    async def cancel(self, job_id: str) -> str:
        return str((await self.call(Command.CANCEL, {"id": job_id}))["status"])

    async def status(self) -> dict[str, Any]:
        return await self.call(Command.STATUS, {})
