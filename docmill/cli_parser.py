"""The `docmill` command's parser: every subcommand with its options and their help texts.

docmill/cli.py runs the commands; the examples and the exit codes shown under each command's
help are added by docmill/cli_help.py.
"""

from __future__ import annotations

import argparse

from docmill import cli_chunks, cli_help, cli_jobs, cli_submit
from docmill.cli_input import job_number, seconds
from docmill.protocol import DEFAULT_QUEUE

DESCRIPTION = """The `docmill` command: submit documents, read results, see the broker's state.

Exit codes: 0 done, 1 a job failed, 2 bad usage, a request refused (here or by the broker) or an
unknown job, 3 the broker did not answer (or jobs did not end) in time. README.md has the details.
"""


def _common(command: str | None = None) -> argparse.ArgumentParser:
    """Options taken before or after the command: `docmill --home H status` = `status --home H`.
    A parser of its own per command, for the help of its --json to say what it prints."""
    # In a subcommand they default to SUPPRESS, so they never overwrite one given before it.
    default = argparse.SUPPRESS if command else None
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--home",
        default=default,
        help="home folder (default $DOCMILL_HOME, ./docmill-home, else the one running system)",
    )
    common.add_argument("--endpoint", default=default, help="broker endpoint (no local home)")
    common.add_argument("--server-key", default=default, help="CURVE: the broker's broker.key")
    common.add_argument("--key", default=default, help="CURVE: your NAME.key_secret")
    common.add_argument(
        "--timeout",
        type=seconds,
        default=default,
        help="seconds to wait at most, for jobs or broker",
    )
    common.add_argument(
        "--json",
        action="store_true",
        default=default or False,
        help=cli_help.JSON_OUTPUT.get(command or "", "print JSON for scripts: see COMMAND --help"),
    )
    return common


def build() -> argparse.ArgumentParser:
    """The whole parser of `docmill`, with help texts and examples."""
    waiting = argparse.ArgumentParser(add_help=False)
    waiting.add_argument("--wait", action="store_true", help="wait for the job(s) to end")

    parser = argparse.ArgumentParser(prog="docmill", description=DESCRIPTION, parents=[_common()])
    sub = parser.add_subparsers(dest="command", required=True)
    submit = sub.add_parser("submit", parents=[_common("submit"), waiting], help="submit documents")
    submit.add_argument("paths", nargs="+", metavar="PATH", help="the documents to process")
    submit.add_argument(
        "--task",
        default="process_document",
        help="the task each file's job runs (default process_document)",
    )
    submit.add_argument(
        "--queue",
        default=DEFAULT_QUEUE,
        help=f"the queue to put the jobs in (default {DEFAULT_QUEUE})",
    )
    submit.add_argument(
        "--priority",
        type=job_number("priority"),
        default=None,
        help="higher runs first (default 0)",
    )
    submit.add_argument(
        "--countdown", type=job_number("countdown"), default=None, help="start no sooner (s)"
    )
    submit.add_argument(
        "--max-attempts",
        type=job_number("max_attempts"),
        default=None,
        help="attempts before a retryable failure makes a job dead (default: the task's policy)",
    )
    submit.add_argument(
        "--batch", action="store_true", help="one batch job whose result summarises all files"
    )
    submit.add_argument(
        "--inline",
        action="store_true",
        help="send the files' bytes (no shared filesystem); by default only files outside the "
        "folders this home's workers may read are sent so",
    )
    cli_chunks.add_options(submit)
    cli_submit.add_options(submit)
    result = sub.add_parser(
        "result", parents=[_common("result"), waiting], help="a job's state and result"
    )
    result.add_argument("job", help="the job id submit printed")
    sub.add_parser("status", parents=[_common("status")], help="broker, queues and workers")
    jobs = sub.add_parser(
        "jobs", parents=[_common("jobs")], help="list jobs, newest first, by filter"
    )
    cli_jobs.add_filters(jobs, listing=True)
    cancel = sub.add_parser(
        "cancel",
        parents=[_common("cancel")],
        help="cancel a queued or running job, or those a filter finds",
    )
    cancel.add_argument("job", nargs="?", help="the job id (or give filters)")
    cli_jobs.add_filters(cancel)
    sub.add_parser("dead", parents=[_common("dead")], help="jobs that exhausted their attempts")
    retry = sub.add_parser("retry", parents=[_common("retry")], help="put ended jobs back in line")
    target = retry.add_mutually_exclusive_group()
    target.add_argument("job", nargs="?", help="one ended job's id (or give filters)")
    target.add_argument("--all-dead", action="store_true", help="every dead job")
    cli_jobs.add_filters(retry)
    purge = sub.add_parser(
        "purge",
        parents=[_common("purge")],
        help="delete the dead jobs, or the jobs waiting in a queue",
        description="Deleted jobs are gone from the history (`result` says unknown).\n"
        "`purge --queue Q` empties Q of its waiting jobs (queued, delayed, waiting for a\n"
        "retry); running ones finish. `cancel --queue Q` differs: it stops running jobs\n"
        "too, and keeps them all in the history as cancelled, to be retried.",
    )
    purged = purge.add_mutually_exclusive_group(required=True)
    purged.add_argument("--dead", action="store_true", help="delete the dead jobs")
    purged.add_argument(
        "--queue",
        metavar="Q",
        help="delete the jobs waiting in queue Q (each cancelled first; a batch's parts stay, "
        "cancelled, for the batch's summary)",
    )
    purge.add_argument("--yes", action="store_true", help="purge --queue without asking first")
    monitor = sub.add_parser(
        "monitor", parents=[_common("monitor")], help="the live view (or --once)"
    )
    monitor.add_argument("--once", action="store_true", help="print one snapshot and exit")
    dashboard = sub.add_parser(
        "dashboard", parents=[_common("dashboard")], help="serve the web dashboard"
    )
    dashboard.add_argument("--bind", help="HOST:PORT (default 127.0.0.1:8765)")
    sub.add_parser(
        "health", parents=[_common("health")], help="exit 1, with the reasons, when unhealthy"
    )
    report = sub.add_parser(
        "report", parents=[_common("report")], help="task statistics from the store"
    )
    report.add_argument("--since", default="24h", help="a span like 90m, 24h, 7d (default 24h)")
    scale = sub.add_parser(
        "scale", parents=[_common("scale")], help="grow or shrink the worker pools"
    )
    scale.add_argument("size", help="a number of workers, or +k / -k")
    scale.add_argument("--pool", help="one pool's id (see status --json); default: all")
    logs = sub.add_parser(
        "logs",
        parents=[_common("logs")],
        help="the home's logs, every process's merged by time",
        description="Example: docmill logs --process worker --since 15m --follow",
    )
    logs.add_argument("--process", help="broker, workers, worker-0, watcher, run_all ... (prefix)")
    logs.add_argument("--since", help="a span like 15m or 2h, or an ISO 8601 time")
    logs.add_argument("--follow", "-f", action="store_true", help="go on printing what is added")
    stop = sub.add_parser(
        "stop",
        parents=[_common("stop")],
        help="stop the system in order (run_all.py), or the broker alone if it has none",
        description="Example: docmill --home ~/docmill-home stop",
    )
    stop.add_argument(
        "--no-wait", action="store_true", help="return once asked, not once everything stopped"
    )
    service = sub.add_parser(
        "service",
        parents=[_common("service")],
        help="start docmill on this home at logon or boot (systemd, Task Scheduler, launchd)",
        description="Example: docmill --home ~/docmill-home service install --at logon",
    )
    service.add_argument(
        "action", choices=["install", "uninstall", "status"], help="what to do with the service"
    )
    service.add_argument(
        "--at", choices=["logon", "boot"], default="logon", help="when it starts (default logon)"
    )
    keys = sub.add_parser(
        "keys", parents=[_common("keys")], help="CURVE keys: `keys init [--name N]`"
    )
    keys.add_argument("action", choices=["init"], help="init: create the missing key pairs")
    keys.add_argument(
        "--name",
        action="append",
        help="a client or worker host to make a key pair for (repeatable); `local` always",
    )
    for name, what in (("pause", "stop starting jobs of a queue"), ("resume", "start again")):
        action = sub.add_parser(name, parents=[_common(name)], help=what)
        action.add_argument("queue", help="the queue's name, e.g. documents")
    cli_help.describe(parser, sub)
    return parser
