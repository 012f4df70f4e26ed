"""The operator's `docmill` commands: status, monitor, health, report, pause, resume, scale, keys.

The job commands and the entry point that dispatches to these live in docmill/cli.py.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from tabulate import tabulate

from docmill.cli_output import EXIT_FAILED, EXIT_OK, EXIT_TIMEOUT, EXIT_USAGE, emit, when
from docmill.client import Client
from docmill.health import unserved
from docmill.home import Home, resolve_home
from docmill.instance import Instance
from docmill.protocol import Command
from docmill.security import SecurityError, create_keys, keys_of


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


def cmd_stop(client: Client, args: argparse.Namespace) -> int:
    """Ask for an ordered stop; wait (with a local home) until run_all and the broker are gone."""
    reply = client.call(Command.STOP, {"by": "docmill stop"})
    whom = "docmill" if reply.get("stopping") == "system" else "the broker (no run_all)"
    print(f"stopping {whom}: jobs in hand finish first", file=sys.stderr)
    if args.no_wait or args.endpoint:
        return EXIT_OK
    home = _home(args)
    deadline = time.monotonic() + (args.timeout or 120.0)
    roles = [Instance(home, "run_all"), Instance(home, "broker")]
    while any(role.held_elsewhere() for role in roles):
        if time.monotonic() > deadline:
            print("docmill: still stopping when the wait ended", file=sys.stderr)
            return EXIT_TIMEOUT
        time.sleep(0.1)  # polling the locks, which their holders keep until they have stopped
    print("stopped", file=sys.stderr)
    return EXIT_OK


def cmd_service(home: Home, args: argparse.Namespace) -> int:
    """Install, remove or show the service that starts docmill on this home (docmill/service.py)."""
    from docmill import service

    unit = service.Service(home, at=args.at)
    action = {"install": service.install, "uninstall": service.uninstall, "status": service.status}
    ok, said = action[args.action](unit)
    print(said, file=sys.stdout if ok else sys.stderr)
    return EXIT_OK if ok else EXIT_FAILED


def cmd_status(client: Client, args: argparse.Namespace) -> int:
    status = client.status()
    b = status["broker"]
    parts = [
        f"broker pid {b['pid']} on {b['endpoint']}, up {b['uptime']:.0f}s, "
        f"{b['malformed']} malformed message(s) dropped, "
        f"{b['auth_refused']} connection(s) refused by CURVE",
        *(
            f"watcher {name}: " + ", ".join(f"{k} {v}" for k, v in w["counters"].items())
            for name, w in status["watchers"].items()
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
                            when(r["next_run"]) if r["next_run"] is not None else "",
                        ]
                        for r in status["retries"]
                    ],
                    headers=["retrying job", "task", "attempts", "last error", "next run"],
                ),
                "",
            ]
            if status["retries"]
            else []
        ),
        tabulate(
            [[name, q["due"], q["workers"]] for name, q in status["queues"].items()],
            headers=["queue", "waiting", "workers"],
        ),
        *(
            f"warning: queue {name} has {waiting} waiting job(s) and no worker serves it"
            for name, waiting in unserved(status).items()
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
    options = [*(["--once"] if args.once else []), *(["--json"] if args.json else [])]
    return _run_module("monitor", args, options)


def cmd_dashboard(args: argparse.Namespace) -> int:
    return _run_module("dashboard", args, ["--bind", args.bind] if args.bind else [])


def _run_module(module: str, args: argparse.Namespace, options: list[str]) -> int:
    """A command that belongs to another docmill process (the monitor, the broker's store), run
    as that process, as git runs its subcommands: the shared package imports none of them."""
    command = [sys.executable, "-m", module, "--home", str(_home(args).root), *options]
    try:
        return subprocess.run(command).returncode
    except KeyboardInterrupt:
        return EXIT_OK  # the child had Ctrl-C too, and quit its view


def cmd_health(client: Client, args: argparse.Namespace) -> int:
    from docmill.health import problems

    state = client.status()
    found = problems(state)
    verdict = {"healthy": not found, "problems": found, "workers": len(state["workers"])}
    text = "healthy" if not found else "unhealthy:\n" + "\n".join(f"- {p}" for p in found)
    emit(args, verdict, text)
    return EXIT_OK if not found else EXIT_FAILED


def cmd_report(client: Client, args: argparse.Namespace) -> int:
    options = ["--since", args.since, *(["--json"] if args.json else [])]
    return _run_module("broker.report", args, options)


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
