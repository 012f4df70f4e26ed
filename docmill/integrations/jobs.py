"""What the loaders share, with no RAG library in it: documents in, chunk lines out.

`ChunkSource` submits files to a running docmill (`process_document` with `include_chunks`)
and yields each file's chunk lines when its job ends, in the order the files were given; or,
without a client, reads the chunk files of an existing outbox. A line is a dict of
docs/chunk.schema.json: {id, page_content, metadata}.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from docmill.client import Client, Job, JobFailed
from docmill.protocol import ErrorType

log = logging.getLogger(__name__)

TASK = "process_document"
CHUNK_KEYS = ("chunk_size", "chunk_overlap", "chunk_unit")
SUFFIX = ".chunks.jsonl"


def expand(
    paths_or_folder: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
) -> list[Path]:
    """The files to load: a file as it is, a folder's files (recursively, hidden ones and
    docmill's own folders left out), in sorted order, each once, as absolute paths."""
    given = [paths_or_folder] if isinstance(paths_or_folder, str | os.PathLike) else paths_or_folder
    found: dict[Path, None] = {}
    for item in given:
        path = Path(item).expanduser().absolute()
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and not hidden:
                    found.setdefault(child, None)
        else:
            found.setdefault(path, None)
    return list(found)


class ChunkSource:
    """Chunk lines of documents: through `client`, or read from `outbox` when there is no
    client. `chunking` holds chunk_size, chunk_overlap and chunk_unit (absent: the worker's
    defaults). `inline`: True sends every file's bytes, False only its path, None its path
    and then, if the workers may not read it (`forbidden`), its bytes. `reply_bytes` bounds the
    chunks one reply carries (default: what a message holds); the rest are read from the outbox
    when it is on this host, else asked for again from where the reply stopped. A failed job
    raises JobFailed, or is logged and skipped with `errors="skip"`."""

    def __init__(
        self,
        paths_or_folder: Any = None,
        client: Client | None = None,
        *,
        outbox: str | os.PathLike[str] | None = None,
        timeout: float = 600.0,
        inline: bool | None = None,
        errors: str = "raise",
        queue: str | None = None,
        reply_bytes: int | None = None,
        **chunking: Any,
    ) -> None:
        unknown = set(chunking) - set(CHUNK_KEYS)
        if unknown:
            raise TypeError(f"unknown option(s) {sorted(unknown)}; chunk options: {CHUNK_KEYS}")
        if client is None and outbox is None:
            raise ValueError("give a client (a running docmill) or an outbox to read")
        if errors not in ("raise", "skip"):
            raise ValueError(f"errors is 'raise' or 'skip', not {errors!r}")
        self.paths = expand(paths_or_folder) if paths_or_folder is not None else None
        self.client, self.outbox, self.timeout = client, outbox, timeout
        self.inline, self.errors, self.queue = inline, errors, queue
        self.include: bool | int = reply_bytes if reply_bytes is not None else True
        self.chunking = {k: v for k, v in chunking.items() if v is not None}

    def lines(self) -> Iterator[dict[str, Any]]:
        if self.client is None:
            yield from self._outbox_lines()
            return
        paths = self.paths or []
        if self.inline:  # one message per file: its bytes are in it
            jobs = [self._submit(path, True) for path in paths]
        else:  # paths only: pipelined, a thousand to a message
            specs = [self._args(path, False) for path in paths]
            jobs = self.client.submit_many(TASK, specs, queue=self.queue)
        for path, job in zip(paths, jobs, strict=True):
            try:
                yield from self._job_lines(path, job)
            except JobFailed as exc:
                if self.errors == "raise":
                    raise
                log.warning("skipped %s: %s", path, exc)

    def _args(self, path: Path, inline: bool) -> dict[str, Any]:
        args: dict[str, Any] = {
            **self.chunking,
            "include_chunks": self.include,
            "source": str(path),
        }
        if inline:
            return {**args, "content": path.read_bytes(), "name": path.name}
        return {**args, "path": str(path)}

    def _submit(self, path: Path, inline: bool, **more: Any) -> Job:
        assert self.client is not None
        return self.client.submit(TASK, queue=self.queue, **self._args(path, inline), **more)

    def _job_lines(self, path: Path, job: Job) -> Iterator[dict[str, Any]]:
        assert self.client is not None
        inline = self.inline is True
        try:
            result = job.result(timeout=self.timeout)
        except JobFailed as exc:
            if exc.type != ErrorType.FORBIDDEN.value or self.inline is not None:
                raise
            # The workers may not read it where it lies: send its bytes instead.
            inline = True
            result = self._submit(path, inline).result(timeout=self.timeout)
        yield from result.get("chunks") or []
        while result.get("chunks_omitted"):
            following = int(result["chunks_next"])
            local = result.get("chunks_path")
            if local and os.path.isfile(local):  # the worker's outbox is on this host
                yield from read_lines(Path(local))[following:]
                return
            more = self._submit(path, inline, chunks_from=following)
            result = more.result(timeout=self.timeout)
            yield from result.get("chunks") or []

    def _outbox_lines(self) -> Iterator[dict[str, Any]]:
        assert self.outbox is not None
        wanted = {str(p) for p in self.paths} if self.paths is not None else None
        for chunk_file in sorted(Path(self.outbox).glob(f"*{SUFFIX}")):
            rows = read_lines(chunk_file)
            if wanted is None or (rows and rows[0]["metadata"].get("source") in wanted):
                yield from rows


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The chunk lines of a `<doc_id>.chunks.jsonl` file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
