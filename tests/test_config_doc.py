"""docs/CONFIG.md is generated from the settings dataclasses and must not drift from them."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tomllib

import pytest

from docmill import config_doc, settings
from docmill.home import Home
from tests.conftest import ROOT

pytestmark = pytest.mark.timeout(30)


def test_config_md_is_what_the_generator_writes_now() -> None:
    made = subprocess.run(
        [sys.executable, "-m", "docmill.config_doc"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    ).stdout
    written = (ROOT / "docs" / "CONFIG.md").read_text()
    assert made == written, (
        "docs/CONFIG.md is out of date: python -m docmill.config_doc > docs/CONFIG.md"
    )


def test_every_section_and_key_has_a_default_and_a_meaning() -> None:
    titles = [title for title, *_ in config_doc.SECTIONS]
    for name in settings.SECTIONS:
        assert any(t.strip("[]").startswith(name) for t in titles), f"[{name}] is not documented"
    for title, cls, keys, module in config_doc.SECTIONS:
        rows = config_doc.rows(title, cls, keys, module)
        names = {f.name for f in dataclasses.fields(cls)}
        assert {key for key, *_ in rows} == (names if keys is None else names & keys), title
        for key, default, meaning in rows:
            assert default and meaning, f"{title} {key} has no default or no meaning"
    text = config_doc.render()
    assert "| `result_ttl` | `604800.0 (7 days)` |" in text
    assert "| `output_retention` | `2592000.0 (30 days)` |" in text
    assert '| `pdf_backend` | `"pdfium"` |' in text


def test_the_documented_defaults_are_the_loaders(tmp_path) -> None:
    """A docmill.toml that spells out the simple documented defaults loads to the defaults."""
    lines = []
    for title, cls, keys, module in config_doc.SECTIONS:
        if title in ("[tasks.NAME]", "[[watcher.folders]]", "[security]"):
            continue
        lines.append(title)
        for key, default, _ in config_doc.rows(title, cls, keys, module):
            value = default.split(" (")[0]
            if value not in ("not set", "{}") and not value.startswith('"<'):
                lines.append(f"{key} = {value}")
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # the defaults are TOML as written
    home = Home(tmp_path / "h").ensure()
    plain = settings.load_settings(home)
    (home.root / "docmill.toml").write_text(text)
    spelled = settings.load_settings(home)
    assert spelled.broker == plain.broker and spelled.workers == plain.workers
    assert spelled.watcher == plain.watcher
