"""What a person expects of any command line tool: --version, help and an example for every
option, a quiet end when the reader of its output goes away, shell completion."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from docmill import cli_help, cli_parser
from docmill.home import Home
from tests.conftest import ROOT, Proc, docmill

pytestmark = pytest.mark.timeout(60)


def _docmill_raw(*args: str, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "docmill.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        **options,  # type: ignore[call-overload]
    )


def test_version_comes_from_the_package_metadata() -> None:
    done = _docmill_raw("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"docmill {metadata.version('docmill')}"


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def test_every_option_of_every_subcommand_has_help_and_an_example() -> None:
    parser = cli_parser.build()
    commands = _subcommands(parser)
    assert set(commands) == set(cli_help.EXAMPLES)
    common = " ".join(cli_help.COMMON_EXAMPLES)
    missing = []
    for name, command in commands.items():
        examples = " ".join(cli_help.EXAMPLES[name])
        assert f"docmill {name}" in examples or f"service {name}" in examples, name
        assert "examples:" in (command.epilog or "") and examples.split()[-1] in command.epilog
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            label = f"{name} {'/'.join(action.option_strings) or action.dest}"
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{label}: no help text")
            shown = [o for o in action.option_strings if f"{o} " in f"{examples} {common} "]
            if action.option_strings and not shown:
                missing.append(f"{label}: no example")
    assert not missing, "\n".join(missing)
    top = [a for a in parser._actions if a.option_strings and a.dest != "help"]
    assert all(a.help for a in top)


def test_usage_errors_exit_2_and_help_exits_0() -> None:
    assert _docmill_raw("nonsense").returncode == 2
    assert _docmill_raw("submit", "--priority", "x", "a.pdf").returncode == 2
    helped = _docmill_raw("status", "--help")
    assert helped.returncode == 0 and "docmill status --json" in helped.stdout


def _with_closed_stdout(home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    """The command writing into a pipe nobody reads any more (as `| head -1` leaves it):
    the read end is closed before the command starts, so every write fails."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "docmill.cli", "--home", str(home.root), *args],
            cwd=ROOT,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=30,
        )
    finally:
        os.close(write)


def test_a_closed_pipe_ends_the_output_not_the_command(home: Home, broker: Proc) -> None:
    status = _with_closed_stdout(home, "status", "--json")
    assert status.returncode == 0 and status.stderr == "", status.stderr
    # The command's own exit code survives: health without workers is unhealthy (1).
    health = _with_closed_stdout(home, "health")
    assert health.returncode == 1 and "Traceback" not in health.stderr, health.stderr
    # And through a real shell pipe, as the issue tried it.
    piped = subprocess.run(
        f"{sys.executable} -m docmill.cli --home {home.root} status --json | head -1",
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert piped.stdout.strip() == "{" and "Traceback" not in piped.stderr
    assert docmill(home, "status").returncode == 0


def test_shell_completion_answers_from_the_parser(tmp_path: Path) -> None:
    answer = tmp_path / "completions"
    env = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_IFS": "\n",
        "COMP_LINE": "docmill sta",
        "COMP_POINT": str(len("docmill sta")),
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
    }
    done = _docmill_raw(env=env)
    assert done.returncode == 0, done.stderr
    assert answer.read_text().split() == ["status"]
    env["COMP_LINE"] = env["COMP_LINE"] = "docmill submit --pri"
    env["COMP_POINT"] = str(len(env["COMP_LINE"]))
    assert _docmill_raw(env=env).returncode == 0
    assert "--priority" in answer.read_text().split()
