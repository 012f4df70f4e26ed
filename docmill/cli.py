# PYTHON_ARGCOMPLETE_OK
"""The `docmill` command: submit documents, read results, see the broker's state. The parser,
with every option's help text, is docmill/cli_parser.py; this module runs the commands.

Exit codes: 0 done, 1 a job failed, 2 bad usage, a request refused (here or by the broker) or an
unknown job, 3 the broker did not answer (or jobs did not end) in time. README.md has the details.
"""

from __future__ import annotations

import argparse
import sys

import zmq
from tabulate import tabulate

from docmill import cli_help, cli_jobs, cli_parser, cli_submit, logread
from docmill.cli_ops import (
    cmd_dashboard,
    cmd_health,
    cmd_keys,
    cmd_monitor,
    cmd_pause,
    cmd_report,
    cmd_resume,
    cmd_scale,
    cmd_service,
    cmd_status,
    cmd_stop,
)
from docmill.cli_output import (
    EXIT_OK,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    emit,
    exit_code,
    outcome,
    stdout_closed,
    when,
)
from docmill.client import BrokerError, Client
from docmill.home import Home, resolve_home
from docmill.protocol import JobStatus, ProtocolError
from docmill.running import SeveralRunning, find_home
from docmill.security import SecurityError


def main(argv: list[str] | None = None) -> int:
    """The command's exit code; a reader that closes the pipe early (`| head`) ends the
    output quietly, not the command."""
    parser = cli_parser.build()
    cli_help.complete(parser)
    args = parser.parse_args(argv)
    try:
        code = _run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        stdout_closed()
        return EXIT_OK
    return code


def _run(args: argparse.Namespace) -> int:
    if args.command in ("keys", "service") or args.endpoint:
        home = Home(resolve_home(args.home))  # a home to set up, or no local one needed
    else:
        try:
            home = Home(find_home(args.home))  # the running system, from any folder
        except SeveralRunning as exc:
            print(f"docmill: {exc}", file=sys.stderr)
            return EXIT_USAGE
    args.home = str(home.root)  # what the commands resolve again is this home
    if args.command == "keys":
        return cmd_keys(home, args)
    if args.command == "service":
        return cmd_service(home, args)
    if args.command == "logs":
        return logread.main(home.logs, args.process, args.since, args.follow)
    if args.command == "dashboard":  # it waits for the broker itself, and shows it is away
        return cmd_dashboard(args)
    if not args.endpoint and not home.read_endpoints():
        print(
            f"docmill: no broker is running in {home.root} (start it with run_all.py)",
            file=sys.stderr,
        )
        return EXIT_TIMEOUT
    try:
        client = Client(
            home=str(home.root),
            endpoint=args.endpoint,
            timeout=args.timeout or 10.0,
            server_key=args.server_key,
            key=args.key,
            futures=False,  # the commands wait by long polls of their own
        )
    except SecurityError as exc:
        print(f"docmill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return int(_COMMANDS[args.command](client, args))
    except TimeoutError as exc:
        print(f"docmill: {exc}", file=sys.stderr)
        return EXIT_TIMEOUT
    except BrokerError as exc:
        print(f"docmill: the broker refused: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ProtocolError as exc:  # a reply of the wrong shape (an older or broken broker)
        print(f"docmill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyError as exc:  # a job the broker no longer knows (purged while waited for)
        print(f"docmill: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:  # what the client refuses before sending
        print(f"docmill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except zmq.ZMQError as exc:  # an endpoint ZeroMQ cannot use
        print(f"docmill: cannot connect to {client.endpoint}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SecurityError as exc:
        print(f"docmill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        client.close()


def cmd_result(client: Client, args: argparse.Namespace) -> int:
    job = client.job(args.job)
    info = job.info()
    if info["status"] == JobStatus.UNKNOWN.value:
        emit(args, info, f"{args.job}: unknown (the broker never saw this id, or forgot it)")
        return EXIT_USAGE
    if args.wait:
        info = client.wait([job], args.timeout)[0]
    lines = [f"{key}: {info.get(key)}" for key in ("id", "status", "task", "queue")]
    lines.append(f"attempts: {info['attempts']} of {info['max_attempts']}")
    if info.get("not_before") and not JobStatus(info["status"]).terminal:
        lines.append(f"next run: {when(info['not_before'])}")
    if info.get("error"):
        lines.append(f"last error: {info['error'].get('type')}: {info['error'].get('message')}")
    if JobStatus(info["status"]).terminal:
        lines.append(f"outcome: {outcome(info)}")
    emit(args, info, "\n".join(line for line in lines if line))
    return exit_code([info], waited=args.wait)


def cmd_dead(client: Client, args: argparse.Namespace) -> int:
    jobs = client.dead()
    rows = [
        [
            j["id"],
            j["task"],
            (j["error"] or {}).get("type"),
            str((j["error"] or {}).get("message"))[:60],
            j["attempts"],
            j["finished"] and when(j["finished"]),
        ]
        for j in jobs
    ]
    table = tabulate(rows, headers=["job", "task", "error", "message", "attempts", "died"])
    emit(args, jobs, table if jobs else "no dead jobs")
    return EXIT_OK


def cmd_retry(client: Client, args: argparse.Namespace) -> int:
    if args.job is None and not args.all_dead:
        if not cli_jobs.filtered(args):
            print("docmill: give a job id, --all-dead, or filters", file=sys.stderr)
            return EXIT_USAGE
        return cli_jobs.act_on_filter(client, args, "retry")
    ids = client.retry(args.job, all_dead=args.all_dead)
    emit(args, {"ids": ids}, f"{len(ids)} job(s) back in line" + "".join(f"\n{i}" for i in ids))
    return EXIT_OK


def cmd_purge(client: Client, args: argparse.Namespace) -> int:
    if args.queue:
        return cli_jobs.purge_queue(client, args)
    deleted = client.purge_dead()
    emit(args, {"deleted": deleted}, f"{deleted} dead job(s) deleted")
    return EXIT_OK


def cmd_cancel(client: Client, args: argparse.Namespace) -> int:
    """0 once the job is cancelled (or was already); 2 for an unknown id or a job that had
    ended otherwise: there was nothing to cancel. With filters, every job they find."""
    if args.job is None:
        if not cli_jobs.filtered(args):
            print("docmill: give a job id, or filters (--queue, --state, ...)", file=sys.stderr)
            return EXIT_USAGE
        return cli_jobs.act_on_filter(client, args, "cancel")
    state = client.cancel(args.job)
    if state == JobStatus.CANCELLED.value:
        text = f"{args.job}: cancelled"
    elif state == JobStatus.UNKNOWN.value:
        text = f"{args.job}: unknown (the broker never saw this id, or forgot it)"
    else:
        text = f"{args.job}: already {state}, nothing to cancel"
    emit(args, {"id": args.job, "status": state}, text)
    return EXIT_OK if state == JobStatus.CANCELLED.value else EXIT_USAGE


_COMMANDS = {
    "submit": cli_submit.cmd_submit,
    "result": cmd_result,
    "status": cmd_status,
    "cancel": cmd_cancel,
    "dead": cmd_dead,
    "jobs": cli_jobs.cmd_jobs,
    "retry": cmd_retry,
    "purge": cmd_purge,
    "monitor": cmd_monitor,
    "health": cmd_health,
    "report": cmd_report,
    "pause": cmd_pause,
    "stop": cmd_stop,
    "scale": cmd_scale,
    "resume": cmd_resume,
}


if __name__ == "__main__":
    raise SystemExit(main())
