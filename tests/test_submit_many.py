"""`docmill submit` over many files: folders, globs and stdin, a line per job as it ends, and a
progress bar on a terminal."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from docmill.cli_submit import expand
from docmill.home import Home
from tests.conftest import CORPUS, ROOT, Proc, StartPool, wait_for
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


def test_submit_streams_a_json_line_per_job_as_it_ends(
    home: Home, broker: Proc, start_pool: StartPool, tmp_path: Path
) -> None:
    start_pool(2)
    files = _files(tmp_path, 500)
    missing = tmp_path / "missing.txt"
    stdin = "\n".join(map(str, [*files, missing])) + "\n"
    with subprocess.Popen(
        [sys.executable, "-m", "docmill.cli", "--home", str(home.root), "submit", "--jsonl", "-"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdin and proc.stdout and proc.stderr
        proc.stdin.write(stdin)
        proc.stdin.close()
        first = json.loads(proc.stdout.readline())
        assert proc.poll() is None  # the first job's line came while the others still ran
        rows = [first, *(json.loads(line) for line in proc.stdout)]
        assert proc.wait(120) == 1, proc.stderr.read()  # 1: the missing file failed
    assert len(rows) == len(files) + 1
    assert {row["path"] for row in rows} == {str(p.resolve()) for p in [*files, missing]}
    assert all(row["status"] in ("succeeded", "failed", "dead") for row in rows)
    lost = next(row for row in rows if row["path"] == str(missing))
    assert lost["status"] == "failed" and lost["error"]["type"] == "not_found"
    done = [row for row in rows if row["status"] == "succeeded"]
    assert len(done) > len(files) * 0.8 and all("text" in row["result"] for row in done)


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
