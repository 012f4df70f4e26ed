"""The Python client: submit jobs, follow them, and read the broker's state, from any process.

    from docmill.client import Client
    with Client(home="docmill-home") as client:
        job = client.submit("process_document", path="/data/inbox/report.pdf")
        print(job.result(timeout=60)["text"][:200])

A Client may be shared by threads: each thread that calls it gets a DEALER socket of its own
(a ZeroMQ socket belongs to one thread), and close() closes them all. Each Job is a
concurrent.futures.Future, completed by one waiter thread per client (docmill/waiter.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import zmq

from docmill.connection import Connection, _encoded
from docmill.home import Home
from docmill.inline import job_args
from docmill.job import BrokerError, Job, JobFailed, _seconds, failure
from docmill.protocol import (
    DEFAULT_QUEUE,
    MDPC,
    MMI_FOUND,
    MMI_SERVICE,
    Command,
    ErrorType,
    JobStatus,
    ProtocolError,
    check_job_numbers,
    error_of,
    request,
    unpack_map,
)
from docmill.running import find_home
from docmill.security import SecuritySettings, client_keys
from docmill.settings import load_settings
from docmill.status import Snapshot, decode_snapshot

__all__ = ["BrokerError", "Client", "Job", "JobFailed"]


SUBMIT_CHUNK = 1000  # jobs per message in submit_many
_WAIT_SLICE = 60.0  # longest single long-poll; a longer wait is several of them


def _unserved(reply: dict[str, Any], spec: dict[str, Any]) -> bool:
    """Whether a submit's reply says that no worker serves the queue of `spec`."""
    return (spec.get("queue") or DEFAULT_QUEUE) in reply.get("unserved", ())


class Client(Connection):
    def __init__(
        self,
        home: str | None = None,
        endpoint: str | None = None,
        *,
        context: zmq.Context[Any] | None = None,
        timeout: float = 10.0,
        server_key: str | None = None,
        key: str | None = None,
        futures: bool = False,
    ) -> None:
        """Find the broker at `endpoint`, else from the home folder (`home`, else as the
        `docmill` command finds it: docmill/running.py); `timeout` bounds each call.

        CURVE: `server_key` (the broker's public key file) and `key` (this client's
        NAME.key_secret), else $DOCMILL_SERVER_KEY and $DOCMILL_KEY, else the home's keys.
        `futures`: complete every Job as a Future from the start (a thread and one long-poll
        per job); by default a job is watched only once a Future method of it is called, or
        concurrent.futures.wait/as_completed waits on it, so a client that submits thousands
        and gathers them (Client.gather) pays for no long-poll per job.
        """
        where = Home(find_home(home)) if home or not endpoint else None
        self.home = where
        super().__init__(
            endpoint or (where.broker_endpoint() if where else ""),
            client_keys(where, server_key, key),
            context or zmq.Context.instance(),
            _seconds(timeout, "the client's timeout", zero=False),
        )
        self.futures = futures
        self._security: SecuritySettings | None = None

    # -- connection ---------------------------------------------------------------------------

    # -- jobs ---------------------------------------------------------------------------------

    def _document(self, task: str, args: dict[str, Any], inline: bool = False) -> dict[str, Any]:
        """`args` with a document's path replaced by its content when the home's workers may
        not read it, as the `docmill` command does (docmill/inline.py)."""
        if self._security is None:
            # With no local home (an endpoint alone) no path is known to be readable there.
            self._security = load_settings(self.home).security if self.home else SecuritySettings()
        return job_args(task, args, self._security, inline)

    @staticmethod
    def _spec(
        task: str, args: dict[str, Any], queue: str | None, priority: int | None, **options: Any
    ) -> dict[str, Any]:
        spec: dict[str, Any] = {"task": task, "args": args}
        if queue is not None:
            spec["queue"] = queue
        if priority is not None:
            spec["priority"] = priority
        spec.update({k: v for k, v in options.items() if v is not None})
        check_job_numbers(spec)  # what the broker would refuse, refused before sending
        return spec

    def submit(
        self, task: str, queue: str | None = None, priority: int | None = None, **args: Any
    ) -> Job:
        """Queue one job; returns once the broker has accepted it."""
        return self.enqueue(task, args, queue=queue, priority=priority)

    def enqueue(
        self,
        task: str,
        args: dict[str, Any],
        *,
        queue: str | None = None,
        priority: int | None = None,
        timeout: float | None = None,
        max_attempts: int | None = None,
        countdown: float | None = None,
        not_before: float | None = None,
        key: str | None = None,
        backoff: float | None = None,
        backoff_max: float | None = None,
        inline: bool | None = None,
    ) -> Job:
        """submit() with every job option.

        `inline`, for a document task given a `path`: None sends the file's content when the
        home's workers may not read that path, as submit() does; True always sends it, False
        never (the worker then reads the path, or refuses it as `forbidden`).

        `timeout`: hard time limit in seconds; `max_attempts` before a retryable failure makes
        the job dead; `countdown` (seconds from now) or `not_before` (Unix time) delays it;
        `key`: a second enqueue with the same key returns the first job instead of a new one;
        `backoff`, `backoff_max`: the retry delay's base and cap in seconds.
        A number out of the range the broker takes (docs/PROTOCOL.md, §6.2) raises ValueError
        before anything is sent.
        """
        spec = self._spec(
            task,
            args if inline is False else self._document(task, args, bool(inline)),
            queue,
            priority,
            timeout=timeout,
            max_attempts=max_attempts,
            countdown=countdown,
            not_before=not_before,
            key=key,
            backoff=backoff,
            backoff_max=backoff_max,
        )
        reply = self.call(Command.SUBMIT, spec)
        return Job(self, reply["id"], _unserved(reply, spec))

    def process_batch(
        self,
        paths: Iterable[str],
        task: str = "process_document",
        args: dict[str, Any] | None = None,
        **options: Any,
    ) -> Job:
        """One job per path, under one parent job that ends with a summary of them all;
        `args` are given to every path's job besides its path (chunk sizes, say)."""
        batch: dict[str, Any] = {"paths": [str(p) for p in paths], "task": task}
        if args:
            batch["args"] = dict(args)
        return self.enqueue("process_batch", batch, **options)

    def submit_many(
        self,
        task: str,
        args_list: Iterable[dict[str, Any]],
        queue: str | None = None,
        priority: int | None = None,
    ) -> list[Job]:
        """Queue many jobs of one task: chunks are sent back to back, then their answers read."""
        specs = [self._spec(task, self._document(task, a), queue, priority) for a in args_list]
        chunks = [specs[i : i + SUBMIT_CHUNK] for i in range(0, len(specs), SUBMIT_CHUNK)]
        rids = [self._send(Command.SUBMIT, {"jobs": chunk}) for chunk in chunks]
        jobs: list[Job] = []
        for rid in rids:
            reply = self._receive(rid, self.timeout)
            jobs.extend(Job(self, job_id, _unserved(reply, specs[0])) for job_id in reply["ids"])
        return jobs

    def served(self, queue: str = DEFAULT_QUEUE) -> bool:
        """Whether a connected worker serves `queue` now (RFC 8 `mmi.service`); a job sent to a
        queue nobody serves waits until a worker for it connects."""
        self._connect().send_multipart(request(MMI_SERVICE, [queue.encode()]))

        def answer(frames: list[bytes]) -> bytes | None:
            if len(frames) == 4 and frames[1] == MDPC and frames[2] == MMI_SERVICE:
                return frames[3]
            return None  # a late answer to a call that timed out

        return self._await(answer, self.timeout, "no answer to mmi.service") == MMI_FOUND

    def run(self, task: str, queue: str = DEFAULT_QUEUE, timeout: float = 60.0, **args: Any) -> Any:
        """Run one job and wait for its result in a single round trip (an RFC 7 request).

        The job is stored and retried like any other, but it has no id to ask about later:
        if `timeout` passes first, TimeoutError, and the job still runs. Raises JobFailed.
        """
        _seconds(timeout, "timeout", zero=False)
        body = _encoded({"task": task, "args": args})
        self._connect().send_multipart(request(queue.encode(), [body]))

        def outcome(frames: list[bytes]) -> tuple[Any] | None:
            if len(frames) != 4 or frames[1] != MDPC or frames[2] != queue.encode():
                return None  # a late answer to a docmill command that timed out
            try:
                reply = unpack_map(frames[3])
            except ProtocolError as exc:
                raise JobFailed("", ErrorType.TASK_ERROR.value, str(exc)) from None
            if not reply.get("ok"):
                raise JobFailed("", *error_of(reply))
            return (reply.get("result"),)  # a tuple: a result of None is an answer too

        return self._await(outcome, timeout, f"{task} did not end")[0]

    def job(self, job_id: str) -> Job:
        """A handle on a job submitted elsewhere."""
        return Job(self, job_id)

    def infos(self, job_ids: list[str], wait: float = 0.0) -> list[dict[str, Any]]:
        """The broker's view of each job; with `wait`, once all have ended or `wait` has passed."""
        body: dict[str, Any] = {"ids": job_ids, "wait": _seconds(wait, "wait")}
        return list(self.call(Command.RESULT, body, timeout=wait + self.timeout)["jobs"])

    def wait(self, jobs: Iterable[Job], timeout: float | None = None) -> list[dict[str, Any]]:
        """Each job's info once all have ended, or as they stand when `timeout` has passed.

        The broker holds the question until then (a long poll), so nothing here polls.
        """
        ids = [job.id for job in jobs]
        deadline = None if timeout is None else time.monotonic() + _seconds(timeout, "timeout")
        while True:
            left = _WAIT_SLICE if deadline is None else max(0.0, deadline - time.monotonic())
            infos = self.infos(ids, wait=min(left, _WAIT_SLICE))
            unknown = [i["id"] for i in infos if i["status"] == JobStatus.UNKNOWN.value]
            if unknown:
                raise KeyError(f"the broker does not know job(s) {', '.join(unknown[:5])}")
            ended = all(JobStatus(info["status"]).terminal for info in infos)
            if ended or (deadline is not None and time.monotonic() >= deadline):
                return infos

    def gather(
        self, jobs: Iterable[Job], timeout: float | None = None, return_exceptions: bool = False
    ) -> list[Any]:
        """The results of many jobs, in order, without a round trip per job.

        A failed job raises JobFailed (or stands in the list as one, with return_exceptions);
        jobs not ended after `timeout` seconds raise TimeoutError.
        """
        infos = self.wait(jobs, timeout)
        waiting = sum(not JobStatus(i["status"]).terminal for i in infos)
        if waiting:
            raise TimeoutError(f"{waiting} of {len(infos)} job(s) not ended after {timeout}s")
        results: list[Any] = []
        for info in infos:
            if info["status"] == JobStatus.SUCCEEDED.value:
                results.append(info.get("result"))
                continue
            failed = failure(info)
            if not return_exceptions:
                raise failed
            results.append(failed)
        return results

    def cancel(self, job_id: str) -> str:
        return str(self.call(Command.CANCEL, {"id": job_id})["status"])

    def dead(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Dead jobs (attempts exhausted), newest first, with error type, message, traceback."""
        return list(self.call(Command.DEAD, {"limit": limit})["jobs"])

    def retry(self, job_id: str | None = None, all_dead: bool = False) -> list[str]:
        """Put an ended job, or every dead one, back in line with fresh attempts; the Jobs of
        this client for them are pending again, until the new run ends."""
        body: dict[str, Any] = {"all_dead": True} if all_dead else {"id": job_id}
        ids = list(self.call(Command.RETRY, body)["ids"])
        for retried in ids:
            job = self._handles.get(retried)
            if job is not None:
                job.reopen()
        return ids

    def purge_dead(self) -> int:
        """Delete every dead job, a page (1000) a call; returns how many."""
        deleted = 0
        while True:
            reply = self.call(Command.PURGE, {"dead": True})
            deleted += int(reply["deleted"])
            if not reply.get("more") or not reply["deleted"]:
                return deleted

    def purge_waiting(self, queue: str, job_ids: list[str]) -> tuple[int, int]:
        """Delete those of `job_ids` still waiting in `queue` (at most 1000 a call; running
        ones are left alone): cancelled, then deleted, except parts of a batch, kept cancelled.
        Returns how many were deleted and how many kept (docs/PROTOCOL.md §6.5a)."""
        reply = self.call(Command.PURGE, {"queue": queue, "ids": job_ids})
        return int(reply["deleted"]), int(reply["cancelled"])

    def status(self) -> Snapshot:
        """Endpoints, job counts by state, queues, and each worker; ProtocolError if the broker's
        answer does not have the types docs/PROTOCOL.md §6.4 gives."""
        return decode_snapshot(self.call(Command.STATUS, {}))

    def jobs(
        self,
        state: str | None = None,
        queue: str | None = None,
        task: str | None = None,
        text: str | None = None,
        before: float | None = None,
        limit: int = 50,
        after: float | None = None,
        cursor: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of jobs, newest first (docs/PROTOCOL.md §6.5b), and the `cursor` of the next
        page, None after the last one. `text` is looked for in the file name; `after` and
        `before` bound the creation time."""
        filters: dict[str, Any] = {"state": state, "queue": queue, "task": task, "text": text}
        filters |= {"before": before, "after": after, "cursor": cursor}
        body = {k: v for k, v in filters.items() if v is not None}
        reply = self.call(Command.JOBS, {**body, "limit": limit})
        return list(reply["jobs"]), reply["next"]

    def job_lines(self, job_ids: list[str]) -> list[dict[str, Any]]:
        """The listing's line of each job that exists: its view with its (shortened) args."""
        return list(self.call(Command.JOBS, {"ids": job_ids})["jobs"])

    def history(self, span: float = 3600.0) -> dict[str, Any]:
        """The broker's per-minute history of the last `span` seconds (docs/PROTOCOL.md §6.5c):
        `step` (s per point), `since`, `points` oldest first."""
        reply = self.call(Command.HISTORY, {"span": span})
        return {k: reply[k] for k in ("step", "since", "points")}
