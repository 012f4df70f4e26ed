"""How the `docmill` command explains itself: its version, an example for every option of every
subcommand (shown under `docmill COMMAND --help`), the exit codes, and shell completion.

The examples live here, one list per subcommand, so the parser in docmill/cli_parser.py stays
short; tests/test_cli_conventions.py walks the parser and fails for an option without help text
or without an example here.
"""

from __future__ import annotations

import argparse
import os
from importlib import metadata

COMMON_EXAMPLES = [
    "docmill --home ~/docmill-home status      # --home, else $DOCMILL_HOME, else see README",
    "docmill --endpoint tcp://10.0.0.5:5555 --server-key broker.key --key laptop.key_secret status",
    "docmill --timeout 30 status               # wait at most 30 s for the broker",
    "docmill status --json | jq .counts        # --json: machine-readable output",
    "docmill --version",
]

EXIT_CODES = (
    "exit codes: 0 done, 1 a job failed (or unhealthy), 2 refused, unknown or bad usage, "
    "3 no broker answered or jobs still running when the wait ended"
)

_TEXT_ONLY = "ignored: this command prints text only"
# What --json prints, for each command's help: one JSON document, except `submit`'s JSON Lines.
JSON_OUTPUT = {
    "submit": "JSON Lines, terminal or not: with --wait a line per job as it ends (its view as "
    "`result --json` gives it, plus `path`); without, a line per job submitted: {id, path}",
    "result": "one JSON document: the job's view (status, attempts, result or error, times)",
    "status": "one JSON document: the broker's snapshot (queues, workers, counts, metrics)",
    "jobs": "one JSON array: each job found, as a listing line (no result)",
    "cancel": "one JSON document: {id, status}; with filters, {ids} of the jobs cancelled",
    "dead": "one JSON array: each dead job's view, with its last error",
    "retry": "one JSON document: {ids} of the jobs put back in line",
    "purge": "one JSON document: {deleted}; with --queue, {queue, deleted, cancelled}",
    "monitor": "one JSON document: a snapshot of the live view, once",
    "health": "one JSON document: {healthy, problems, workers}",
    "report": "one JSON document: the task statistics",
    "scale": "one JSON document: {pool id: workers asked for}",
    "pause": "one JSON document: the broker's answer {queue, paused}",
    "resume": "one JSON document: the broker's answer {queue, paused}",
    "dashboard": _TEXT_ONLY,
    "logs": _TEXT_ONLY,
    "stop": _TEXT_ONLY,
    "service": _TEXT_ONLY,
    "keys": _TEXT_ONLY,
}

EXAMPLES: dict[str, list[str]] = {
    "submit": [
        "docmill submit report.pdf notes.docx",
        "docmill submit --wait --timeout 120 inbox/*.pdf",
        "docmill submit --task extract_metadata --queue analysis --priority 5 a.pdf",
        "docmill submit --countdown 60 --max-attempts 5 big.pdf",
        "docmill submit --batch --wait inbox/a.pdf inbox/b.pdf",
        "docmill submit --inline --wait ~/Desktop/letter.odt",
        "docmill submit --chunks --chunk-size 500 --chunk-overlap 50 --chunk-unit words a.pdf",
        "docmill submit --wait --ocr force scan-with-a-bad-text-layer.pdf",
        "docmill submit --wait ~/papers --include '*.pdf' --exclude 'drafts/*'",
        "docmill submit 'reports/**/*.docx'",
        "find . -name '*.pdf' -mtime -1 | docmill submit --wait --json - | jq -r .status",
    ],
    "result": ["docmill result 0a9b06ae...", "docmill result --wait --timeout 60 0a9b06ae..."],
    "status": ["docmill status", "docmill status --json"],
    "jobs": [
        "docmill jobs --state failed --since 24h",
        "docmill jobs --queue documents --task process_document --path report --limit 20 --json",
    ],
    "cancel": [
        "docmill cancel 0a9b06ae...",
        "docmill cancel --queue documents --state queued --yes",
        "docmill cancel --task process_document --since 1h --path draft",
    ],
    "dead": ["docmill dead --json"],
    "retry": [
        "docmill retry 0a9b06ae...",
        "docmill retry --all-dead",
        "docmill retry --state failed --queue documents --since 2h --yes",
        "docmill retry --task extract_metadata --path scan --state dead",
    ],
    "purge": ["docmill purge --dead", "docmill purge --queue documents --yes"],
    "monitor": ["docmill monitor", "docmill monitor --once --json"],
    "health": ["docmill health || notify-send 'docmill unhealthy'"],
    "report": ["docmill report --since 7d --json"],
    "scale": ["docmill scale 4", "docmill scale +2 --pool myhost/1234"],
    "logs": ["docmill logs --process worker --since 15m --follow"],
    "dashboard": ["docmill dashboard --bind 127.0.0.1:8765"],
    "stop": ["docmill stop", "docmill stop --no-wait"],
    "service": [
        "docmill --home ~/docmill-home service install --at logon",
        "docmill service status",
    ],
    "keys": ["docmill keys init --name laptop --name gpu-box"],
    "pause": ["docmill pause documents"],
    "resume": ["docmill resume documents"],
}


def version() -> str:
    """The installed distribution's version, as pip shows it."""
    try:
        return metadata.version("docmill")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def describe(parser: argparse.ArgumentParser, sub: argparse._SubParsersAction) -> None:
    """Add --version, the exit codes and every subcommand's examples to the parser's help."""
    parser.add_argument(
        "--version", action="version", version=f"docmill {version()}", help="print the version"
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = "examples:\n" + _lines(COMMON_EXAMPLES) + "\n\n" + EXIT_CODES
    for name, command in sub.choices.items():
        command.formatter_class = argparse.RawDescriptionHelpFormatter
        command.epilog = "examples:\n" + _lines(EXAMPLES.get(name, [])) + "\n\n" + EXIT_CODES


def _lines(examples: list[str]) -> str:
    return "\n".join(f"  {line}" for line in examples)


def complete(parser: argparse.ArgumentParser) -> None:
    """Shell completion (argcomplete): answers and exits when the shell asks, else does
    nothing. Imported only then, so an ordinary command pays nothing for it."""
    if "_ARGCOMPLETE" in os.environ:
        import argcomplete

        argcomplete.autocomplete(parser)
