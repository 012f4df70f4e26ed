"""Commands run from any folder find the system the user started (docmill/running.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from docmill.client import Client
from docmill.home import Home
from docmill.running import HOME_ENV, RUNNING_ENV, SeveralRunning, running_homes
from tests.conftest import QUIET, ROOT, start_broker, wait_for

pytestmark = pytest.mark.timeout(90)


def _docmill_from(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`docmill ARGS` run in `folder`, with no --home and no $DOCMILL_HOME unless given."""
    environ = {k: v for k, v in os.environ.items() if k != HOME_ENV}
    environ["PYTHONPATH"] = str(ROOT)  # this source tree, whatever folder it runs in
    return subprocess.run(
        [sys.executable, "-m", "docmill.cli", *args],
        cwd=folder,
        env=environ | env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_commands_from_any_folder_find_the_running_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RUNNING_ENV, str(tmp_path / "records"))  # this test's brokers only
    monkeypatch.delenv(HOME_ENV, raising=False)
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    first = Home(tmp_path / "first").ensure()
    second = Home(tmp_path / "second").ensure()
    for home in (first, second):
        (home.root / "docmill.toml").write_text(QUIET)

    none = _docmill_from(elsewhere, "status")
    assert none.returncode == 3 and "no broker is running" in none.stderr

    one = start_broker(first, tmp_path / "first.log")
    try:
        assert [h["home"] for h in running_homes()] == [str(first.root)]
        status = _docmill_from(elsewhere, "status", "--json")
        assert status.returncode == 0, status.stderr
        assert f'"pid": {one.pid}' in status.stdout
        monkeypatch.chdir(elsewhere)
        with Client() as client:  # the Python client finds it the same way
            assert client.status()["broker"]["pid"] == one.pid

        two = start_broker(second, tmp_path / "second.log")
        try:
            both = _docmill_from(elsewhere, "status")
            assert both.returncode == 2
            assert str(first.root) in both.stderr and str(second.root) in both.stderr
            assert "--home" in both.stderr
            with pytest.raises(SeveralRunning):
                Client()
            named = _docmill_from(elsewhere, "--home", str(second.root), "status", "--json")
            assert named.returncode == 0 and f'"pid": {two.pid}' in named.stdout
            by_env = _docmill_from(elsewhere, "status", "--json", DOCMILL_HOME=str(second.root))
            assert by_env.returncode == 0 and f'"pid": {two.pid}' in by_env.stdout
            # A docmill-home in the folder one stands in comes before the record.
            (elsewhere / "docmill-home").mkdir()
            local = _docmill_from(elsewhere, "status")
            assert local.returncode == 3 and "docmill-home" in local.stderr
            (elsewhere / "docmill-home").rmdir()
        finally:
            two.stop()
        # A stopped broker's record goes with it: one system runs again.
        assert [h["home"] for h in running_homes()] == [str(first.root)]
        again = _docmill_from(elsewhere, "status", "--json")
        assert again.returncode == 0 and f'"pid": {one.pid}' in again.stdout
    finally:
        one.popen.kill()  # killed: its record stays behind, and is known stale
        one.stop()
    records = list((tmp_path / "records").glob("*.json"))
    assert len(records) == 1
    wait_for(lambda: running_homes() == [], what="the stale record to be seen as stale")
    assert not list((tmp_path / "records").glob("*.json"))
    gone = _docmill_from(elsewhere, "status")
    assert gone.returncode == 3 and "no broker is running" in gone.stderr
