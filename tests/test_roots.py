"""What a job may read and remove: the allowed roots, the worker's own outbox, inline content."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pytest

from docmill.client import Client, JobFailed
from docmill.home import Home
from docmill.settings import load_settings
from run_all import watched_roots
from tests.conftest import QUIET, Proc, StartPool, allow, job_context, wait_for
from tests.documents.pdf import write_pdf
from tests.documents.prose import OPENING
from workers import tasks
from workers.errors import TaskError
from workers.inputs import safe_name

pytestmark = pytest.mark.timeout(60)

PAGES = ["The first page.", "The second page.", "The third page.", "The fourth page."]


def failure(client: Client, task: str, **args: object) -> JobFailed:
    """The failure of one job of `task`, which must fail at its first attempt."""
    job = client.enqueue(task, args, inline=False)  # the path itself, for the worker to judge
    with pytest.raises(JobFailed) as failed:
        job.result(timeout=30)
    info = job.info()
    assert info["status"] == "failed" and info["attempts"] == 1, info
    return failed.value


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    """A PDF of four pages, PAGES."""
    return write_pdf(tmp_path / "four.pdf", PAGES)


@pytest.fixture
def layout(home: Home, tmp_path: Path, story: Path, pdf: Path) -> tuple[Path, Path]:
    """An allowed root with a text file and a PDF, and a folder beside it that is not allowed."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    for folder in (root, outside):
        folder.mkdir()
        (folder / "war.txt").write_bytes(story.read_bytes())
        (folder / "four.pdf").write_bytes(pdf.read_bytes())
    (home.root / "docmill.toml").write_text(QUIET + allow(root))  # read by the pool as it starts
    return root, outside


def test_path_jobs_read_only_under_the_allowed_roots(
    layout: tuple[Path, Path], client: Client, start_pool: StartPool
) -> None:
    root, outside = layout
    start_pool(1)
    (root / "sub").mkdir()
    (root / "link-in.txt").symlink_to(root / "war.txt")  # a link that stays inside: fine
    (root / "link-out.txt").symlink_to(outside / "war.txt")
    (root / "escape").symlink_to(outside)
    for path in (root / "war.txt", root / "link-in.txt", f"{root}/sub/../war.txt"):
        assert OPENING in client.submit("process_document", path=str(path)).result(30)["text"]
    for path in (
        outside / "war.txt",
        root / "link-out.txt",  # resolved: it points outside
        root / "escape" / "war.txt",  # a linked folder inside, the file outside
        f"{root}/../outside/war.txt",
        outside / "no-such-file.txt",  # forbidden, not not_found: nothing said about it
    ):
        error = failure(client, "process_document", path=str(path))
        assert error.type == "forbidden"
        assert str(path) in error.message and "outside the folders" in error.message
    # Every task that reads a document goes through the same check.
    outside_pdf = str(outside / "four.pdf")
    for task, args in (
        ("extract_metadata", {"path": outside_pdf}),
        ("analyze_document", {"path": outside_pdf}),
        ("extract_pages", {"path": outside_pdf, "first": 1, "last": 1}),
    ):
        assert failure(client, task, **args).type == "forbidden", task
    part = client.submit("extract_pages", path=str(root / "four.pdf"), first=1, last=1)
    assert part.result(30)["pages"] == [{"number": 1, "text": PAGES[0]}]


def test_a_pool_with_only_connect_and_no_root_reads_no_path(
    layout: tuple[Path, Path], client: Client, story: Path, tmp_path: Path
) -> None:
    root, _ = layout
    endpoint = client.status()["broker"]["endpoint"]
    args = ["-m", "workers", "--connect", endpoint, "--concurrency", "1"]
    pool = Proc(args, tmp_path / "pool.log")
    try:
        wait_for(lambda: client.status()["workers"], 30, "the worker")
        for path in (root / "war.txt", story):
            error = failure(client, "process_document", path=str(path))
            assert error.type == "forbidden" and "no roots" in error.message
        data = (root / "war.txt").read_bytes()
        reply = client.submit("process_document", content=data, name="war.txt").result(30)
        assert reply["doc_id"] == hashlib.sha256(data).hexdigest()
        assert OPENING in reply["text"] and reply["json_path"] is None  # and no outbox
    finally:
        pool.stop()
    assert "every job that names a path will be forbidden" in pool.output()


def test_a_connect_pool_reads_under_its_allowed_root(
    layout: tuple[Path, Path], client: Client, tmp_path: Path
) -> None:
    root, outside = layout
    endpoint = client.status()["broker"]["endpoint"]
    args = ["-m", "workers", "--connect", endpoint, "--allowed-root", str(root)]
    pool = Proc([*args, "--concurrency", "1"], tmp_path / "pool.log")
    try:
        wait_for(lambda: client.status()["workers"], 30, "the worker")
        assert client.submit("process_document", path=str(root / "war.txt")).result(30)
        assert failure(client, "process_document", path=str(outside / "war.txt")).type == (
            "forbidden"
        )
    finally:
        pool.stop()


def test_cleanup_outputs_removes_only_inside_the_workers_outbox(
    home: Home, client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(1)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victims = [elsewhere / "old.json", elsewhere / "deep.json"]
    mine = home.outbox / "old.json"
    for path in (*victims, mine):
        path.write_text("{}")
        os.utime(path, (1_000_000_000, 1_000_000_000))
    (home.outbox / "escape").symlink_to(elsewhere)  # a linked folder: not followed
    (home.outbox / "link.json").symlink_to(victims[0])  # a linked file: neither removed
    for folder in (elsewhere, home.outbox / "escape", f"{home.outbox}/../../elsewhere", "/"):
        error = failure(client, "cleanup_outputs", folder=str(folder), older_than=0)
        assert error.type == "forbidden" and "only in its own outbox" in error.message
    assert all(path.exists() for path in victims)
    summary = client.submit("cleanup_outputs", folder=str(home.outbox), older_than=3600)
    assert summary.result(30) == {"removed": 1, "kept": 0}
    assert not mine.exists() and (home.outbox / "link.json").is_symlink()
    assert all(path.exists() for path in victims)


def test_the_removed_outbox_and_index_args_are_bad_requests(
    layout: tuple[Path, Path], client: Client, start_pool: StartPool, tmp_path: Path
) -> None:
    root, _ = layout
    start_pool(1)
    path, elsewhere = str(root / "war.txt"), tmp_path / "elsewhere"
    for task, extra in (
        ("process_document", {"outbox": str(elsewhere)}),
        ("analyze_document", {"index": str(elsewhere / "index.sqlite")}),
    ):
        error = failure(client, task, path=path, **extra)
        assert error.type == "bad_request" and "unexpected keyword" in error.message, task
    assert not elsewhere.exists()


@pytest.mark.parametrize(
    "args",
    [{}, {"path": "x.txt", "content": b"both", "name": "x.txt"}, {"content": b"x"}, {"name": "x"}],
)
def test_a_document_task_takes_a_path_or_named_content(args: dict[str, object]) -> None:
    # The broker refuses most of these at submit already; the worker does not count on it.
    for task in (tasks.process_document, tasks.extract_metadata, tasks.analyze_document):
        with pytest.raises(TaskError) as refused:
            task(job_context(Path.cwd()), **args)
        assert refused.value.type == "bad_request", task


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder of this process, empty, to see what the job leaves in it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_inline_content_gives_what_its_path_gives(
    story: Path, scratch: Path, tmp_path: Path
) -> None:
    data = story.read_bytes()
    readers = job_context(tmp_path)
    by_path = tasks.process_document(readers, path=str(story))
    assert OPENING in by_path["text"]
    by_content = tasks.process_document(readers, content=data, name="C:\\docs\\../war.txt")
    assert by_content["doc_id"] == by_path["doc_id"] == hashlib.sha256(data).hexdigest()
    assert by_content["text"] == by_path["text"] and by_content["kind"] == "txt"
    assert by_content["metadata"]["fs_mtime"] is None  # the temporary copy's: meaningless
    assert list(scratch.iterdir()) == []
    # With an outbox, and roots that allow no path at all: the worker's own copy is no path job.
    outbox = tmp_path / "outbox"
    rootless = job_context(outbox=outbox)
    reply = tasks.process_document(rootless, content=data, name="../../war.txt")
    assert reply["text"] == by_path["text"] and reply["doc_id"] == by_path["doc_id"]
    assert Path(reply["json_path"]).parent == outbox
    record = json.loads(Path(reply["json_path"]).read_text())
    assert record["source"] == "inline:war.txt"
    chunk = json.loads(Path(reply["chunks_path"]).read_text().splitlines()[0])
    assert chunk["metadata"]["source"] == "inline:war.txt"
    with pytest.raises(TaskError) as refused:
        tasks.process_document(rootless, path=str(story))
    assert refused.value.type == "forbidden" and "this pool has no roots" in refused.value.message
    assert list(scratch.iterdir()) == []


def test_inline_content_of_other_tasks_and_failures_leave_nothing_behind(
    story: Path, pdf: Path, scratch: Path, tmp_path: Path
) -> None:
    data = pdf.read_bytes()
    context = job_context(tmp_path)
    # Inline content is read whole here: its parts could not name a file other workers see.
    whole = tasks.process_document(context, content=data, name="four.pdf", split_pages=1)
    assert whole["metadata"]["page_count"] == 4 and whole["kind"] == "pdf"
    assert whole["text"] == "\n\n".join(PAGES)
    meta = tasks.extract_metadata(context, content=data, name="four.pdf")
    by_path = tasks.extract_metadata(context, path=str(pdf))
    assert meta == {**by_path, "metadata": meta["metadata"]}
    assert meta["metadata"]["fs_mtime"] is None and meta["metadata"]["page_count"] == 4
    text = story.read_bytes()
    analysed = tasks.analyze_document(context, content=text, name="war.txt")
    assert analysed == tasks.analyze_document(context, path=str(story))
    assert analysed["language"]["code"] == "en"
    with pytest.raises(TaskError) as broken:
        tasks.process_document(context, content=b"%PDF-1.4 not really", name="broken.pdf")
    assert broken.value.type == "malformed"
    with pytest.raises(TaskError) as empty:
        tasks.process_document(context, content=b"", name="C:\\scans\\empty.png")
    # Named as the user sent it, not as the job's private copy.
    assert empty.value.message == "empty.png is empty"
    assert list(scratch.iterdir()) == []


def test_a_client_file_name_becomes_one_safe_path_component() -> None:
    assert safe_name("report.pdf") == "report.pdf"
    assert safe_name("/etc/passwd") == "passwd"
    assert safe_name("..\\..\\boot.ini") == "boot.ini"
    assert safe_name("a/b/..") == safe_name(".") == safe_name("") == "document"
    assert safe_name("evil\x00.txt\n") == "evil.txt"
    long = safe_name("é" * 300 + ".docx")
    assert long.endswith(".docx") and len(long.encode()) <= 200 and "/" not in long


def test_run_all_lets_its_pool_read_the_folders_the_watcher_watches(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    assert watched_roots(load_settings(home).watcher) == ["--allowed-root", str(home.inbox)]
    (home.root / "docmill.toml").write_text(
        '[[watcher.folders]]\npath = "drops"\n[[watcher.folders]]\npath = "/srv/scans"\n'
    )
    assert watched_roots(load_settings(home).watcher) == [
        *("--allowed-root", str(home.root / "drops")),
        *("--allowed-root", str(Path("/srv/scans").resolve())),
    ]
