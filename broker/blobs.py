"""Inline content: the bytes of a document sent by a client that shares no filesystem with the
workers, kept by the broker under home/state/blobs until the job no longer needs them.

A submit's args carry `content` (bytes, at most [security] max_inline_bytes) and `name` (the
file name). The broker writes the bytes to `blobs/<job id>`, flushed to disk before the submit is
acknowledged (an accepted job is never lost, its bytes neither), and stores the job with
`content_bytes` (the size) in their place, so the job store stays small. Whichever worker takes
the job, on whatever host, receives `content` again in its request. The file goes when the job
succeeds or is cancelled; a failed or dead job keeps it (it may be retried by hand) until the
job itself is purged or expires.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from broker.jobs import Job
from docmill.protocol import JobStatus

CONTENT = "content"
SIZE = "content_bytes"
OWNER = "content_of"  # a part's: the job whose content it reads


class BadContent(ValueError):
    pass


class Blobs:
    def __init__(self, folder: Path, limit: int) -> None:
        self.folder = folder
        self.limit = limit

    def check(self, args: dict[str, Any]) -> None:
        """Refuse inline content that is not bytes, has no name, or is over the limit."""
        if SIZE in args or OWNER in args:
            raise BadContent(f"{SIZE!r} and {OWNER!r} are the broker's to set; send 'content'")
        if CONTENT not in args:
            return
        content, name = args[CONTENT], args.get("name")
        if not isinstance(content, bytes):
            raise BadContent("'content' must be the document's bytes (msgpack bin)")
        if len(content) > self.limit:
            raise BadContent(
                f"'content' is {len(content)} bytes, over the {self.limit}-byte limit "
                "([security] max_inline_bytes)"
            )
        if not isinstance(name, str) or not name:
            raise BadContent("inline 'content' needs the document's file 'name'")
        if "path" in args:
            raise BadContent("give 'path' or 'content', not both")

    def keep(self, jobs: Iterable[Job]) -> None:
        """Write the inline content of `jobs` to disk and take it out of their args.

        All or nothing: on an OSError (a full disk) what was written is removed and it raises.
        """
        written: list[Path] = []
        try:
            for job in jobs:
                if CONTENT in job.args:
                    content = job.args[CONTENT]
                    written.append(self._write(job.id, content))
                    args = {k: v for k, v in job.args.items() if k != CONTENT}
                    job.args = {**args, SIZE: len(content)}
            if written and os.name == "posix":  # the new names, not only the bytes, on disk
                fd = os.open(self.folder, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except OSError:
            for path in written:
                with contextlib.suppress(OSError):
                    path.unlink()
            raise

    def args_for(self, job: Job) -> dict[str, Any]:
        """The args a worker receives: with the content read back, for an inline job (its
        own, or that of the job it is a part of)."""
        if SIZE not in job.args:
            return job.args
        content = (self.folder / job.args.get(OWNER, job.id)).read_bytes()
        args = {k: v for k, v in job.args.items() if k not in (SIZE, OWNER)}
        return {**args, CONTENT: content}

    def shared(self, parent: Job, part: dict[str, Any]) -> dict[str, Any]:
        """A part's args, given the content of `parent` when it was sent as content and the
        part names no file: the part reads the same bytes, kept once, until the parent ends."""
        if SIZE not in parent.args or "path" in part:
            return part
        return {**part, SIZE: parent.args[SIZE], OWNER: parent.id}

    def settled(self, job: Job) -> None:
        if SIZE in job.args and job.status in (JobStatus.SUCCEEDED, JobStatus.CANCELLED):
            self.forget([job.id])

    def forget(self, job_ids: Iterable[str]) -> None:
        for job_id in job_ids:
            with contextlib.suppress(FileNotFoundError):
                (self.folder / job_id).unlink()

    def _write(self, name: str, data: bytes) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        tmp = path.with_suffix(".part")
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        return path
