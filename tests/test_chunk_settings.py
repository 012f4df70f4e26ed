"""Chunk sizes from docmill.toml's [chunking], a watched folder's `chunking` over it, and the
job args the watcher and `docmill submit` build from them."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from docmill.chunk_settings import ChunkSettings
from docmill.cli_chunks import job_args, with_chunks
from docmill.home import Home
from docmill.settings import load_settings
from docmill.tables import SettingsError
from watcher.submit import Unit

pytestmark = pytest.mark.timeout(30)

TOML = """
[chunking]
size = 300
unit = "words"

[[watcher.folders]]
path = "inbox"

[[watcher.folders]]
path = "small"
chunking = { size = 50, overlap = 5 }
args = { chunk_overlap = 7 }

[[watcher.folders]]
path = "other"
task = "analyze_document"
"""


def _home(tmp_path: Path, text: str) -> Home:
    home = Home(tmp_path / "h").ensure()
    (home.root / "docmill.toml").write_text(text)
    return home


def test_chunking_section_and_folders_over_it(tmp_path: Path) -> None:
    home = _home(tmp_path, TOML)
    settings = load_settings(home)
    assert settings.chunking == ChunkSettings(size=300, overlap=200, unit="words")
    inbox, small, other = settings.watcher.folders
    spec = Unit("k", 0, ["/f"]).spec(inbox)
    assert spec["args"] == {"chunk_size": 300, "chunk_overlap": 200, "chunk_unit": "words",
                            "path": "/f"}  # fmt: skip
    # The folder's table over [chunking], and the folder's own args over both.
    assert Unit("k", 1, ["/f"]).spec(small)["args"] == {
        "chunk_size": 50, "chunk_overlap": 7, "chunk_unit": "words", "path": "/f",
    }  # fmt: skip
    batch = Unit("k", 1, ["/a", "/b"], batch=True).spec(small)
    assert batch["args"]["args"]["chunk_size"] == 50
    # Another task takes no chunk args.
    assert Unit("k", 2, ["/f"]).spec(other)["args"] == {"path": "/f"}
    # Without [[watcher.folders]], the inbox follows [chunking] too.
    plain = _home(tmp_path / "plain", "[chunking]\nsize = 77\n")
    [inbox] = load_settings(plain).watcher.folders
    assert Unit("k", 0, ["/f"]).spec(inbox)["args"]["chunk_size"] == 77


@pytest.mark.parametrize(
    "text", ["[chunking]\nsize = 0\n", "[chunking]\nunit = 'tokens'\n", "[chunking]\nwidth = 3\n"]
)
def test_bad_chunking_settings_are_refused_by_name(tmp_path: Path, text: str) -> None:
    with pytest.raises(SettingsError, match="chunking"):
        load_settings(_home(tmp_path, text))


def test_submit_options_over_docmill_toml(tmp_path: Path) -> None:
    home = _home(tmp_path, TOML)
    args = argparse.Namespace(
        task="process_document",
        chunk_size=None,
        chunk_overlap=0,
        chunk_unit=None,
        chunks=True,
        batch=False,
        ocr="force",
    )
    extra = job_args(args, home)
    assert extra == {"chunk_size": 300, "chunk_overlap": 0, "chunk_unit": "words",
                     "include_chunks": True, "ocr": "force"}  # fmt: skip
    inline = with_chunks({"content": b"x", "name": "a.txt"}, "/home/ada/a.txt", extra)
    assert inline["source"] == "/home/ada/a.txt"
    assert "source" not in with_chunks({"path": "/in/a.txt"}, "/in/a.txt", extra)
    assert job_args(argparse.Namespace(task="noop", chunks=False, batch=False), home) == {}
    with pytest.raises(ValueError, match="--batch"):
        job_args(argparse.Namespace(**{**vars(args), "batch": True}), home)
