"""`docmill submit` over many files: folders, globs and stdin, a JSON line per job as it ends,
and a progress bar on a terminal."""

from __future__ import annotations

import io
import json
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest

from docmill.cli_input import expand
from docmill.home import Home
from tests.conftest import CORPUS, ROOT, Proc, StartPool, docmill, json_lines, wait_for
from tests.test_monitor import Terminal

pytestmark = pytest.mark.timeout(180)


def _tree(top: Path) -> None:
    for relative in ("a.pdf", "b.txt", "sub/c.pdf", "sub/deeper/d.pdf", "drafts/e.pdf"):
        path = top / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(relative)


def test_paths_expand_from_folders_globs_and_stdin(tmp_path: Path) -> None:
    _tree(tmp_path / "t")
    top = tmp_path / "t"
    everything = expand([str(top)], None, None)
    assert [Path(p).relative_to(top).as_posix() for p in everything] == [
        "a.pdf",
        "b.txt",
        "drafts/e.pdf",
        "sub/c.pdf",
        "sub/deeper/d.pdf",
    ]
    pdfs = expand([str(top)], ["*.pdf"], ["drafts/*"])
    assert [Path(p).name for p in pdfs] == ["a.pdf", "c.pdf", "d.pdf"]
    assert expand([f"{top}/**/*.pdf"], None, None) == sorted(str(p) for p in top.rglob("*.pdf"))
    stdin = io.StringIO(f"{top}/b.txt\n\n  {top}/a.pdf  \n")
    given = expand(["-", str(top / "a.pdf"), str(tmp_path / "missing.pdf")], None, None, stdin)
    assert given == [f"{top}/b.txt", f"{top}/a.pdf", str(tmp_path / "missing.pdf")]


def _files(tmp_path: Path, count: int) -> list[Path]:
    """Up to `count` corpus files, or as many generated text files without the corpus."""
    if CORPUS.is_dir():
        manifest = (CORPUS / "MANIFEST.tsv").read_text().splitlines()[1:]
        return [CORPUS / line.split("\t")[0] for line in manifest[:count]]
    folder = tmp_path / "generated"
    folder.mkdir()
    for n in range(count):
        (folder / f"doc{n:04}.txt").write_text(f"Document number {n}.\n\nSome words to read.\n")
    return sorted(folder.iterdir())


def _submit(home: Home, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "docmill.cli", "--home", str(home.root), "submit", *args]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _lines(stream: IO[str]) -> queue.Queue[str]:
    """The lines of `stream` as they come, read by a thread: a test can wait for the next one
    with a deadline (an empty string at the end)."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    return lines


def test_submit_json_prints_each_job_as_it_ends(
    home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path
) -> None:
    """Off a terminal, --wait --json prints a job's line when it ends, while others still run:
    the second job cannot end before the test opens its gate, after the first line came."""
    start_pool(2)
    quick, slow = tmp_path.resolve() / "quick.txt", tmp_path.resolve() / "slow.txt"
    for path in (quick, slow):
        path.write_text("a job that waits for its gate\n")
    Path(f"{quick}.go").touch()
    with _submit(home, "--task", "gated", "--wait", "--json", str(slow), str(quick)) as proc:
        assert proc.stdout and proc.stderr
        lines = _lines(proc.stdout)
        first = json.loads(lines.get(timeout=30))
        assert first["path"] == str(quick) and first["status"] == "succeeded", first
        assert first["result"] == str(quick) and first["task"] == "gated"
        assert proc.poll() is None  # still waiting for the slow job, held at its gate
        Path(f"{slow}.go").touch()
        second = json.loads(lines.get(timeout=30))
        assert second["path"] == str(slow) and second["status"] == "succeeded", second
        assert lines.get(timeout=30) == ""  # nothing more: one line per job
        assert proc.wait(30) == 0, proc.stderr.read()
        assert proc.stderr.read() == ""  # no table, no summary: the lines say it all
    # Out of time: the job not ended has its line too, as it stands, and the exit code says so.
    late = quick.parent / "late.txt"
    late.write_text("a job whose gate opens too late\n")
    done = docmill(
        home, "submit", "--task", "gated", "--wait", "--json", "--timeout", "2", str(late)
    )
    Path(f"{late}.go").touch()
    assert done.returncode == 3, done.stderr
    [line] = json_lines(done.stdout)
    assert line["path"] == str(late) and line["status"] in ("queued", "running"), line


def test_submit_json_streams_500_corpus_files_from_stdin(
    home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path
) -> None:
    """Paths on stdin, 500 of them: a JSON line for each, each file read by its job."""
    start_pool(2)
    files = _files(tmp_path, 500)
    missing = tmp_path / "missing.txt"
    stdin = "\n".join(map(str, [*files, missing])) + "\n"
    with _submit(home, "--task", "digest", "--wait", "--json", "-") as proc:
        out, err = proc.communicate(stdin, timeout=150)
    assert proc.returncode == 1, err  # 1: the missing file failed
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == len(files) + 1
    assert {row["path"] for row in rows} == {str(p.resolve()) for p in [*files, missing]}
    lost = next(row for row in rows if row["path"] == str(missing))
    assert lost["status"] == "failed" and lost["error"]["type"] == "not_found"
    done = {row["path"]: row["result"] for row in rows if row["status"] == "succeeded"}
    assert len(done) == len(files)
    assert all(done[str(p.resolve())]["bytes"] == p.stat().st_size for p in files)


def test_submit_a_folder_on_a_terminal_shows_progress_and_each_failure(
    home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(2)
    folder = tmp_path / "papers"
    (folder / "drafts").mkdir(parents=True)
    for n in range(40):
        (folder / f"note{n:02}.txt").write_text(f"Note {n}: words to read.\n")
    (folder / "drafts" / "skip.txt").write_text("not to be sent")
    (folder / "broken.pdf").write_text("not a PDF at all")  # fails: not a format it reads
    term = Terminal(
        [
            sys.executable,
            "-m",
            "docmill.cli",
            "--home",
            str(home.root),
            "submit",
            "--wait",
            str(folder),
            "--include",
            "*.txt",
            "--include",
            "*.pdf",
            "--exclude",
            "drafts/*",
        ],
        columns=250,
        lines=100,  # the whole story fits: bar, failure line, table of jobs, summary
    )
    try:
        screen = wait_for(
            lambda: "40 done, 1 failed" in (s := term.read()) and s, 60, "the summary"
        )
    finally:
        code = term.close()
    assert code == 1
    assert f"failed  {folder / 'broken.pdf'}: unsupported: " in screen
    assert "41/41" in screen and "job/s" in screen  # tqdm's count and rate
    assert "skip.txt" not in screen
    table = [line.split() for line in screen.splitlines() if "papers/" in line]
    assert sum(row[1:2] == ["succeeded"] for row in table) == 40  # then a line per job
    assert any(row[1:2] == ["failed"] and row[2].endswith("broken.pdf") for row in table)
    # --json on a terminal: the same JSON Lines as off one, and no bar among them.
    given = [str(folder / "note00.txt"), str(folder / "gone.txt")]
    command = [sys.executable, "-m", "docmill.cli", "--home", str(home.root), "submit"]
    lines = Terminal([*command, "--wait", "--json", "--task", "digest", *given], 250, 100)
    try:
        wait_for(lambda: lines.proc.poll() is not None, 60, "submit --json to end")
        screen = lines.read()
    finally:
        assert lines.close() == 1  # the missing file failed
    assert '"status": "succeeded"' in screen and '"status": "failed"' in screen, screen
    assert "job/s" not in screen and "done," not in screen
