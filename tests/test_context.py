"""The JobContext: what a task sees comes from the worker in one object, never the environment,
and a context without allowed roots lets no path be read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from docmill.client import Client, JobFailed
from docmill.home import Home
from tests.conftest import QUIET, ROOT, StartPool, job_context, run_module
from workers import tasks
from workers.errors import TaskError
from workers.tasks import load_tasks

pytestmark = pytest.mark.timeout(60)


def environment_reads(source: str) -> list[int]:
    """Lines of `source` that touch the process environment: os.environ, os.getenv,
    os.putenv, or environ/getenv imported from os."""
    names = {"environ", "getenv", "putenv"}
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in names:
            found.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [node.lineno] if {alias.name for alias in node.names} & names else []
    return sorted(found)


def test_no_module_under_workers_reads_the_environment() -> None:
    modules = sorted((ROOT / "workers").rglob("*.py"))
    assert len(modules) > 20  # the formats too
    readers = {
        str(path.relative_to(ROOT)): lines
        for path in modules
        if (lines := environment_reads(path.read_text()))
    }
    assert readers == {}
    assert environment_reads("import os\nos.environ.get('X')\nfrom os import getenv\n") == [2, 3]


def test_a_context_without_roots_lets_no_path_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = tmp_path / "a.txt"
    document.write_text("some words to read")
    # What once opened every path, a job process with no roots set, opens none now.
    monkeypatch.delenv("DOCMILL_ALLOWED_ROOTS", raising=False)
    rootless = job_context()
    for task, args in (
        (tasks.process_document, {"path": str(document)}),
        (tasks.extract_metadata, {"path": str(document)}),
        (tasks.analyze_document, {"path": str(document)}),
        (tasks.extract_pages, {"path": str(document), "first": 1, "last": 1}),
    ):
        with pytest.raises(TaskError) as refused:
            task(rootless, **args)
        assert refused.value.type == "forbidden", task
    assert "some words" in tasks.process_document(job_context(tmp_path), path=str(document))["text"]


def test_a_pool_with_no_allowed_roots_in_docmill_toml_refuses_path_jobs(
    home: Home, client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    (home.root / "docmill.toml").write_text(QUIET + "[security]\nallowed_roots = []\n")
    document = home.inbox / "a.txt"  # the inbox: the default root, not one now
    document.write_text("some words to read")
    start_pool(1)
    with pytest.raises(JobFailed) as refused:
        client.enqueue("process_document", {"path": str(document)}, inline=False).result(30)
    assert refused.value.type == "forbidden" and "no roots" in refused.value.message
    assert client.submit("context_of").result(timeout=30)["allowed_roots"] == []


def test_the_pool_gives_its_settings_to_every_task_in_the_context(
    home: Home, client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    outbox = tmp_path / "elsewhere"
    start_pool(
        1,
        *("--outbox", str(outbox), "--split-pages", "7", "--pdf-backend", "pdfium"),
        *("--timeout", "42", "--max-memory-mb", "300", "--allowed-root", str(tmp_path)),
    )
    seen = client.submit("context_of").result(timeout=30)
    assert seen["outbox"] == str(outbox) and str(tmp_path.resolve()) in seen["allowed_roots"]
    assert (seen["split_pages"], seen["pdf_backend"]) == (7, "pdfium")
    assert (seen["timeout"], seen["max_memory_mb"]) == (42.0, 300)


def test_a_task_module_whose_tasks_take_no_context_stops_the_pool_at_start(
    home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = "def hello({}name):\n    return name\n\nTASKS = {{'hello': hello}}\n"
    (tmp_path / "oldstyle.py").write_text(task.format(""))
    (tmp_path / "newstyle.py").write_text(task.format("context, "))
    monkeypatch.syspath_prepend(str(tmp_path))
    assert load_tasks(["newstyle"])["hello"](job_context(), name="x") == "x"
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # what the pool it starts imports from
    done = run_module("workers", home, "--tasks", "oldstyle")
    assert done.returncode == 2
    assert "task 'hello' of 'oldstyle' does not take the JobContext first" in done.stderr
