"""Whether a document job names its file by path or carries its bytes: the one rule the
`docmill` command and the Python client share.

Workers read paths only under the home's allowed roots (docmill/security.py), so a file
elsewhere goes as its content, up to the inline limit; process_document is given the path
the user gave as its `source`, so its results name the document as if it had been read there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from docmill.security import SecuritySettings, under_roots

# The tasks that take a document as `path`, or as `content` and `name`.
DOCUMENT_TASKS = frozenset({"process_document", "extract_metadata", "analyze_document"})
# Those that take `source`, the name their results give a document sent as content.
NAMED_TASKS = frozenset({"process_document"})


def document_args(path: Path, security: SecuritySettings, inline: bool) -> dict[str, Any]:
    """A job's arguments for one document: its path where this home's workers may read it,
    else (or with `inline`) its bytes, if they fit in one message. A file that cannot be sent
    so (missing, too large) goes as its path, for the worker to say what is wrong with it."""
    path = Path(os.path.abspath(path.expanduser()))
    readable = under_roots(path, security.allowed_roots) is not None
    try:
        fits = path.is_file() and path.stat().st_size <= security.max_inline_bytes
        if fits and (inline or not readable):
            return {"content": path.read_bytes(), "name": path.name}
    except OSError:
        pass
    return {"path": str(path)}


def job_args(
    task: str, args: dict[str, Any], security: SecuritySettings, inline: bool
) -> dict[str, Any]:
    """`args` of a document task with its `path` replaced by the file's content when the
    workers may not read that path (or `inline`); other tasks' args as they are."""
    path = args.get("path")
    if task not in DOCUMENT_TASKS or not isinstance(path, str | Path) or "content" in args:
        return args
    rest = {key: value for key, value in args.items() if key != "path"}
    sent = rest | document_args(Path(path), security, inline)
    if "content" in sent and task in NAMED_TASKS:
        sent.setdefault("source", os.path.abspath(Path(path).expanduser()))
    return sent
