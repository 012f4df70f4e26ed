"""Many workers on one broker: idle heartbeats, dispatch across queues, and 50 vanishing at once.

    python bench/fleet.py [--workers 200] [--per-process 25] [--idle 30] [--jobs 2000]

Light MDP workers (RFC 7 framing with docmill's READY metadata, no job processes), several
DEALER sockets per process so 200 fit on 2 cores, join one broker. Then:

1. idle: the broker's CPU over --idle seconds while they only heartbeat (1 s each way);
2. dispatch: --jobs no-op jobs in each of 3 queues, priorities 0, 5 and 9, submitted to the
   queues paused, then the 3 resumed at once; every worker serves all 3. Jobs/s overall, and
   per queue the completions while all three still had work (fairness: their max/min ratio);
3. vanish: every worker given a job it never answers, then the processes of 50 of them killed
   (SIGKILL): the time until the broker has noticed all 50 (`worker.gone`) and put their jobs
   back in line (`job.requeued`).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import zmq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.system import QUIET, Stream, running, wait_workers  # noqa: E402
from docmill.client import Client  # noqa: E402
from docmill.protocol import MDPW, Command, WorkerCommand, pack, ready, reply, unpack, worker_signal  # noqa: E402

QUEUES = ("fleet-a", "fleet-b", "fleet-c")
PRIORITIES = (0, 5, 9)


def agent(endpoint: str, count: int, prefix: str) -> None:
    """`count` workers in this process, until it is killed: answer `noop` at once, never
    answer `hold`, heartbeat every second."""
    context = zmq.Context()
    sockets = []
    for i in range(count):
        sock = context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(endpoint)
        meta = {"queues": list(QUEUES), "name": f"{prefix}-{i}", "pool": prefix, "pid": os.getpid()}
        sock.send_multipart(ready(QUEUES[0].encode(), meta))
        sockets.append(sock)
    poller = zmq.Poller()
    for sock in sockets:
        poller.register(sock, zmq.POLLIN)
    beat = worker_signal(WorkerCommand.HEARTBEAT)
    next_beat = time.monotonic() + 1.0
    while True:
        for sock, _ in poller.poll(max(0, int((next_beat - time.monotonic()) * 1000)) + 1):
            frames = sock.recv_multipart()
            request = frames[1:3] == [MDPW, WorkerCommand.REQUEST.value]
            if request and unpack(frames[5]).get("task") != "hold":
                sock.send_multipart(reply(frames[3], [pack({"ok": True, "result": None})]))
        if time.monotonic() >= next_beat:
            for sock in sockets:
                sock.send_multipart(beat)
            next_beat = time.monotonic() + 1.0


def wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--per-process", type=int, default=25)
    parser.add_argument("--idle", type=float, default=30.0)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--vanish", type=int, default=50)
    parser.add_argument("--agent", nargs=3, metavar=("ENDPOINT", "COUNT", "PREFIX"))
    args = parser.parse_args()
    if args.agent:
        agent(args.agent[0], int(args.agent[1]), args.agent[2])
        return
    agents: list[subprocess.Popen[bytes]] = []
    with running(settings=QUIET, pool=False) as system:
        ends = json.loads((system.home / "run" / "endpoints.json").read_text())
        stream = Stream(ends["events"])
        broker = psutil.Process(system.procs[0].pid)
        try:
            with Client(home=str(system.home), timeout=60) as client:
                t0 = time.perf_counter()
                for n in range(0, args.workers, args.per_process):
                    count = min(args.per_process, args.workers - n)
                    command = [sys.executable, __file__, "--agent", ends["broker"], str(count)]
                    agents.append(subprocess.Popen([*command, f"agent{len(agents)}"]))
                wait_workers(system.home, args.workers, 60)
                joined = time.perf_counter() - t0
                print(f"{args.workers} workers in {len(agents)} processes joined in {joined:.2f} s")

                time.sleep(3)  # joining settles
                cpu0 = sum(broker.cpu_times()[:2])
                time.sleep(args.idle)  # the measurement: heartbeats only
                idle = sum(broker.cpu_times()[:2]) - cpu0
                print(f"idle {args.idle:g} s: broker CPU {100 * idle / args.idle:.2f}% of one core")

                # Every queue's jobs wait, paused, until all are in: then they compete.
                handles = []
                for queue, priority in zip(QUEUES, PRIORITIES, strict=True):
                    client.call(Command.PAUSE, {"queue": queue})
                    specs = [{} for _ in range(args.jobs)]
                    handles += client.submit_many("noop", specs, queue=queue, priority=priority)
                t0 = time.perf_counter()
                for queue in QUEUES:
                    client.call(Command.RESUME, {"queue": queue})
                client.gather(handles, timeout=600)
                took = time.perf_counter() - t0
                cpu = sum(broker.cpu_times()[:2]) - cpu0 - idle
                done = {q: [] for q in QUEUES}  # type: dict[str, list[float]]
                for t, topic, body in stream.timed:
                    if topic == "job.succeeded" and t >= t0 and body.get("queue") in done:
                        done[body["queue"]].append(t)
                first_out = min(max(times) for times in done.values())
                within = {q: sum(t <= first_out for t in times) for q, times in done.items()}
                total = 3 * args.jobs
                print(
                    f"dispatch: {total} jobs in {took:.2f} s = {total / took:.0f} jobs/s; broker "
                    f"{1000 * cpu / total:.3f} ms CPU per job"
                )
                print(
                    "  done per queue while all 3 had work: "
                    + ", ".join(
                        f"{q} (priority {p}) {within[q]}"
                        for q, p in zip(QUEUES, PRIORITIES, strict=True)
                    )
                    + f"; max/min {max(within.values()) / max(1, min(within.values())):.2f}"
                )

                held = client.submit_many(
                    "hold", [{} for _ in range(args.workers)], queue=QUEUES[0]
                )
                wait(lambda: len(client.status()["running"]) >= args.workers, 60, "every job held")
                victims = agents[: max(1, args.vanish // args.per_process)]
                killed = sum(min(args.per_process, args.workers) for _ in victims)
                t0 = time.perf_counter()
                for proc in victims:
                    proc.send_signal(signal.SIGKILL)
                wait(lambda: stream.count("worker.gone", t0) >= killed, 60, "the workers gone")
                gone = max(t for t, n, _ in stream.timed if n == "worker.gone") - t0
                wait(lambda: stream.count("job.requeued", t0) >= killed, 60, "the jobs requeued")
                requeued = max(t for t, n, _ in stream.timed if n == "job.requeued") - t0
                print(
                    f"vanish: {killed} workers killed at once; all noticed after {gone:.2f} s, "
                    f"their jobs back in line after {requeued:.2f} s (liveness 3 s)"
                )
                for job in held:
                    client.cancel(job.id)
        finally:
            stream.close()
            for proc in agents:
                if proc.poll() is None:
                    proc.kill()
                proc.wait(10)


if __name__ == "__main__":
    main()
