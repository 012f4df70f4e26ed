"""The operator's `docmill` commands: status, monitor, health, report, pause, resume, scale, keys.

The job commands and the entry point that dispatches to these live in broker/cli.py.
"""

from __future__ import annotations

import argparse
import sys

from tabulate import tabulate

from broker.cli_output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, emit, when
from broker.client import Client
from broker.home import Home, resolve_home
from broker.protocol import Command
from broker.security import SecurityError, create_keys, keys_of


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
                            when(r["next_run"]),
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
    emit(args, status, "\n".join(parts))
    return EXIT_OK


def cmd_monitor(client: Client, args: argparse.Namespace) -> int:
    from monitor.__main__ import show

    return show(client, _home(args).events_endpoint(), args.once, args.json)


def cmd_health(client: Client, args: argparse.Namespace) -> int:
    from broker.health import problems

    state = client.status()
    found = problems(state)
    verdict = {"healthy": not found, "problems": found, "workers": len(state["workers"])}
    text = "healthy" if not found else "unhealthy:\n" + "\n".join(f"- {p}" for p in found)
    emit(args, verdict, text)
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
    emit(args, data, "\n".join(parts))
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
    emit(args, pools, "\n".join(f"pool {k}: {v} worker(s) asked for" for k, v in pools.items()))
    return EXIT_OK


def cmd_pause(client: Client, args: argparse.Namespace) -> int:
    reply = client.call(Command.PAUSE, {"queue": args.queue})
    emit(args, reply, f"queue {args.queue} paused")
    return EXIT_OK


def cmd_resume(client: Client, args: argparse.Namespace) -> int:
    reply = client.call(Command.RESUME, {"queue": args.queue})
    emit(args, reply, f"queue {args.queue} resumed")
    return EXIT_OK
