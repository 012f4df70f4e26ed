"""The `docmill` command: submit documents, read results, see the broker's state.

Exit codes: 0 done, 1 a job failed, 2 bad usage or a request the broker refused, 3 the broker
did not answer (or jobs did not end) in time.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tabulate import tabulate

from broker.client import BrokerError, Client
from broker.home import Home, resolve_home
from broker.jobs import DEFAULT_QUEUE
from broker.protocol import Command, JobStatus
from broker.security import SecurityError, create_keys, keys_of

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TIMEOUT = 0, 1, 2, 3


def _common(suppress: bool) -> argparse.ArgumentParser:
    """Options taken before or after the command: `docmill --home H status` = `status --home H`."""
    # In a subcommand they default to SUPPRESS, so they never overwrite one given before it.
    default = argparse.SUPPRESS if suppress else None
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--home", default=default, help="home folder (default $DOCMILL_HOME or ./docmill-home)"
    )
    common.add_argument("--endpoint", default=default, help="broker endpoint (no local home)")
    common.add_argument("--server-key", default=default, help="CURVE: the broker's broker.key")
    common.add_argument("--key", default=default, help="CURVE: your NAME.key_secret")
    common.add_argument(
        "--timeout", type=float, default=default, help="seconds to wait at most, for jobs or broker"
    )
    common.add_argument(
        "--json", action="store_true", default=default or False, help="print JSON for scripts"
    )
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common(suppress=True)
    waiting = argparse.ArgumentParser(add_help=False)
    waiting.add_argument("--wait", action="store_true", help="wait for the job(s) to end")

    parser = argparse.ArgumentParser(prog="docmill", description=__doc__, parents=[_common(False)])
    sub = parser.add_subparsers(dest="command", required=True)
    submit = sub.add_parser("submit", parents=[common, waiting], help="submit documents")
    submit.add_argument("paths", nargs="+", metavar="PATH")
    submit.add_argument("--task", default="process_document")
    submit.add_argument("--queue", default=DEFAULT_QUEUE)
    submit.add_argument("--priority", type=int, default=None)
    submit.add_argument("--countdown", type=float, default=None, help="start no sooner (s)")
    submit.add_argument("--max-attempts", type=int, default=None)
    submit.add_argument(
        "--batch", action="store_true", help="one batch job whose result summarises all files"
    )
    submit.add_argument(
        "--inline", action="store_true", help="send the files' bytes (no shared filesystem)"
    )
    result = sub.add_parser("result", parents=[common, waiting], help="a job's state and result")
    result.add_argument("job")
    sub.add_parser("status", parents=[common], help="broker, queues and workers")
    cancel = sub.add_parser("cancel", parents=[common], help="cancel a queued or running job")
    cancel.add_argument("job")
    sub.add_parser("dead", parents=[common], help="jobs that exhausted their attempts")
    retry = sub.add_parser("retry", parents=[common], help="put ended jobs back in line")
    target = retry.add_mutually_exclusive_group(required=True)
    target.add_argument("job", nargs="?")
    target.add_argument("--all-dead", action="store_true")
    purge = sub.add_parser("purge", parents=[common], help="delete dead jobs")
    purge.add_argument("--dead", action="store_true", required=True)
    monitor = sub.add_parser("monitor", parents=[common], help="the live view (or --once)")
    monitor.add_argument("--once", action="store_true", help="print one snapshot and exit")
    sub.add_parser("health", parents=[common], help="exit 1, with the reasons, when unhealthy")
    report = sub.add_parser("report", parents=[common], help="task statistics from the store")
    report.add_argument("--since", default="24h", help="a span like 90m, 24h, 7d (default 24h)")
    scale = sub.add_parser("scale", parents=[common], help="grow or shrink the worker pools")
    scale.add_argument("size", help="a number of workers, or +k / -k")
    scale.add_argument("--pool", help="one pool's id (see status --json); default: all")
    keys = sub.add_parser("keys", parents=[common], help="CURVE keys: `keys init [--name N]`")
    keys.add_argument("action", choices=["init"])
    keys.add_argument(
        "--name",
        action="append",
        help="a client or worker host to make a key pair for (repeatable); `local` always",
    )
    for name, what in (("pause", "stop starting jobs of a queue"), ("resume", "start again")):
        action = sub.add_parser(name, parents=[common], help=what)
        action.add_argument("queue")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    home = Home(resolve_home(args.home))
    if args.command == "keys":
        return cmd_keys(home, args)
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
    finally:
        client.close()


def _emit(args: argparse.Namespace, data: Any, table: str) -> None:
    print(json.dumps(data, indent=2, default=_jsonable) if args.json else table)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _summary(info: dict[str, Any]) -> str:
    """One line about a job: what it produced, or why it failed."""
    if info["status"] == JobStatus.SUCCEEDED.value:
        result = info.get("result")
        if isinstance(result, dict) and "text" in result:
            return f"{result.get('kind', '?')}, {len(result['text'])} chars"
        return json.dumps(result, default=_jsonable)[:60]
    error = info.get("error") or {}
    return f"{error.get('type', '')}: {error.get('message', '')}".strip(": ")


def _exit_code(infos: list[dict[str, Any]], waited: bool = True) -> int:
    states = [JobStatus(info["status"]) for info in infos]
    if any(s.terminal and s is not JobStatus.SUCCEEDED for s in states):
        return EXIT_FAILED
    if waited and not all(s is JobStatus.SUCCEEDED for s in states):
        return EXIT_TIMEOUT  # still queued or running when the wait ended
    return EXIT_OK


def cmd_submit(client: Client, args: argparse.Namespace) -> int:
    paths = [str(Path(p).expanduser().resolve()) for p in args.paths]
    options = {
        "queue": args.queue,
        "priority": args.priority,
        "countdown": args.countdown,
        "max_attempts": args.max_attempts,
    }
    if args.batch:
        jobs = [client.process_batch(paths, task=args.task, **options)]
        labels = [f"batch of {len(paths)} file(s)"]
    elif args.inline:
        jobs = []
        for p in paths:
            content = {"content": Path(p).read_bytes(), "name": Path(p).name}
            jobs.append(client.enqueue(args.task, content, **options))
        labels = paths
    else:
        jobs = [client.enqueue(args.task, {"path": p}, **options) for p in paths]
        labels = paths
    if not args.wait:
        rows = [{"id": job.id, "path": label} for job, label in zip(jobs, labels, strict=True)]
        _emit(args, rows, "\n".join(f"{r['id']}  {r['path']}" for r in rows))
        return EXIT_OK
    infos = client.wait(jobs, args.timeout)
    for info, label in zip(infos, labels, strict=True):
        info["path"] = label
    table = tabulate(
        [[i["id"], i["status"], i["path"], _summary(i)] for i in infos],
        headers=["job", "status", "path", "outcome"],
    )
    _emit(args, infos, table)
    if args.batch and infos[0]["status"] == JobStatus.SUCCEEDED.value:
        counts = infos[0]["result"]["counts"]
        return EXIT_OK if set(counts) <= {JobStatus.SUCCEEDED.value} else EXIT_FAILED
    return _exit_code(infos)


def cmd_keys(home: Home, args: argparse.Namespace) -> int:
    """Create the broker's CURVE key pair and one per --name, admitted by the broker."""
    keys = keys_of(home)
    try:
        written = create_keys(keys, args.name or [])
    except SecurityError as exc:
        print(f"docmill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for path in written:
        print(path)
    print(
        f"CURVE is on for a broker on {home.root} from its next start. For a worker or client on "
        f"another host, copy {keys.broker_public.name} and that host's NAME.key and "
        "NAME.key_secret there, never broker.key_secret.",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_result(client: Client, args: argparse.Namespace) -> int:
    job = client.job(args.job)
    info = job.info()
    if info["status"] == JobStatus.UNKNOWN.value:
        _emit(args, info, f"{args.job}: unknown (the broker never saw this id, or forgot it)")
        return EXIT_USAGE
    if args.wait:
        info = client.wait([job], args.timeout)[0]
    lines = [f"{key}: {info.get(key)}" for key in ("id", "status", "task", "queue")]
    lines.append(f"attempts: {info['attempts']} of {info['max_attempts']}")
    if info.get("not_before") and not JobStatus(info["status"]).terminal:
        lines.append(f"next run: {_when(info['not_before'])}")
    if info.get("error"):
        lines.append(f"last error: {info['error'].get('type')}: {info['error'].get('message')}")
    if JobStatus(info["status"]).terminal:
        lines.append(f"outcome: {_summary(info)}")
    _emit(args, info, "\n".join(line for line in lines if line))
    return _exit_code([info], waited=args.wait)


def cmd_status(client: Client, args: argparse.Namespace) -> int:
    status = client.status()
    b = status["broker"]
    parts = [
        f"broker pid {b['pid']} on {b['endpoint']}, up {b['uptime']:.0f}s, "
        f"{b['malformed']} malformed message(s) dropped, "
        f"{b.get('auth_refused', 0)} connection(s) refused by CURVE",
        *(
            f"watcher {name}: " + ", ".join(f"{k} {v}" for k, v in w["counters"].items())
            for name, w in status.get("watchers", {}).items()
        ),
        "",
        tabulate(sorted(status["counts"].items()), headers=["state", "jobs"]),
        "",
        *(
            [
                tabulate(
                    [
                        [
                            r["id"],
                            r["task"],
                            f"{r['attempts']}/{r['max_attempts']}",
                            (r["error"] or {}).get("type"),
                            _when(r["next_run"]),
                        ]
                        for r in status["retries"]
                    ],
                    headers=["retrying job", "task", "attempts", "last error", "next run"],
                ),
                "",
            ]
            if status.get("retries")
            else []
        ),
        tabulate(
            [[name, q["queued"], q["workers"]] for name, q in status["queues"].items()],
            headers=["queue", "waiting", "workers"],
        ),
        "",
        tabulate(
            [
                [w["id"], w["pid"], w["state"], w["job"] or "", w["jobs_done"]]
                for w in status["workers"]
            ],
            headers=["worker", "pid", "state", "job", "done"],
        ),
    ]
    _emit(args, status, "\n".join(parts))
    return EXIT_OK


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="seconds")


def cmd_dead(client: Client, args: argparse.Namespace) -> int:
    jobs = client.dead()
    rows = [
        [
            j["id"],
            j["task"],
            (j["error"] or {}).get("type"),
            str((j["error"] or {}).get("message"))[:60],
            j["attempts"],
            j["finished"] and _when(j["finished"]),
        ]
        for j in jobs
    ]
    table = tabulate(rows, headers=["job", "task", "error", "message", "attempts", "died"])
    _emit(args, jobs, table if jobs else "no dead jobs")
    return EXIT_OK


def cmd_retry(client: Client, args: argparse.Namespace) -> int:
    ids = client.retry(args.job, all_dead=args.all_dead)
    _emit(args, {"ids": ids}, f"{len(ids)} job(s) back in line" + "".join(f"\n{i}" for i in ids))
    return EXIT_OK


def cmd_purge(client: Client, args: argparse.Namespace) -> int:
    deleted = client.purge_dead()
    _emit(args, {"deleted": deleted}, f"{deleted} dead job(s) deleted")
    return EXIT_OK


def cmd_cancel(client: Client, args: argparse.Namespace) -> int:
    state = client.cancel(args.job)
    _emit(args, {"id": args.job, "status": state}, f"{args.job}: {state}")
    return EXIT_OK if state == JobStatus.CANCELLED.value else EXIT_FAILED


def cmd_monitor(client: Client, args: argparse.Namespace) -> int:
    from monitor.__main__ import show

    return show(client, _home(args).events_endpoint(), args.once, args.json)


def cmd_health(client: Client, args: argparse.Namespace) -> int:
    from broker.health import problems

    state = client.status()
    found = problems(state)
    verdict = {"healthy": not found, "problems": found, "workers": len(state["workers"])}
    text = "healthy" if not found else "unhealthy:\n" + "\n".join(f"- {p}" for p in found)
    _emit(args, verdict, text)
    return EXIT_OK if not found else EXIT_FAILED


def cmd_report(client: Client, args: argparse.Namespace) -> int:
    from monitor.report import parse_since, report

    try:
        since = parse_since(args.since)
    except ValueError as exc:
        print(f"docmill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    data = report(_home(args).state / "jobs.db", since)
    tasks = [
        [task, t["counts"].get("succeeded", 0), t["counts"].get("failed", 0),
         t["counts"].get("dead", 0), _secs(t["p50"]), _secs(t["p95"]), _secs(t["max"])]
        for task, t in data["tasks"].items()
    ]  # fmt: skip
    parts = [
        f"{data['jobs']} job(s) in the last {args.since}",
        "",
        tabulate(tasks, headers=["task", "ok", "failed", "dead", "p50", "p95", "max"]),
        "",
        tabulate(sorted(data["errors"].items()), headers=["error", "jobs"]),
        "",
        tabulate(
            [[_secs(s["seconds"]), s["task"], s["path"] or ""] for s in data["slowest"]],
            headers=["slowest", "task", "path"],
        ),
    ]
    _emit(args, data, "\n".join(parts))
    return EXIT_OK


def _secs(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}s"


def _home(args: argparse.Namespace) -> Home:
    return Home(resolve_home(args.home))


def cmd_scale(client: Client, args: argparse.Namespace) -> int:
    text = args.size.strip()
    try:
        body = {"delta": int(text)} if text[:1] in "+-" else {"concurrency": int(text)}
    except ValueError:
        print(f"docmill: scale takes a number or +k/-k, not {text!r}", file=sys.stderr)
        return EXIT_USAGE
    if args.pool:
        body["pool"] = args.pool
    pools = client.call(Command.SCALE, body)["pools"]
    _emit(args, pools, "\n".join(f"pool {k}: {v} worker(s) asked for" for k, v in pools.items()))
    return EXIT_OK


def cmd_pause(client: Client, args: argparse.Namespace) -> int:
    reply = client.call(Command.PAUSE, {"queue": args.queue})
    _emit(args, reply, f"queue {args.queue} paused")
    return EXIT_OK


def cmd_resume(client: Client, args: argparse.Namespace) -> int:
    reply = client.call(Command.RESUME, {"queue": args.queue})
    _emit(args, reply, f"queue {args.queue} resumed")
    return EXIT_OK


_COMMANDS = {
    "submit": cmd_submit,
    "result": cmd_result,
    "status": cmd_status,
    "cancel": cmd_cancel,
    "dead": cmd_dead,
    "retry": cmd_retry,
    "purge": cmd_purge,
    "monitor": cmd_monitor,
    "health": cmd_health,
    "report": cmd_report,
    "pause": cmd_pause,
    "scale": cmd_scale,
    "resume": cmd_resume,
}


if __name__ == "__main__":
    raise SystemExit(main())
