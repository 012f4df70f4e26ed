"""The floor docmill is measured against: a bare pyzmq ROUTER relay with N worker processes.

No persistence, no protocol checks, no heartbeats: a client's request goes to the
least-recently-used idle worker and its reply straight back. What remains is the cost of
ZeroMQ and Python themselves, on this machine, in this run.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from typing import Any

import zmq


def _worker(endpoint: str) -> None:
    sock = zmq.Context().socket(zmq.DEALER)
    sock.connect(endpoint)
    sock.send_multipart([b"READY"])
    while True:
        frames = sock.recv_multipart()
        if frames == [b"STOP"]:
            return
        sock.send_multipart(frames)  # [client, job]: the reply is the job, back to its client


def _relay(endpoint: str, ready: Any) -> None:
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    router.bind(endpoint)
    ready.put(router.getsockopt_string(zmq.LAST_ENDPOINT))
    idle: deque[bytes] = deque()
    waiting: deque[list[bytes]] = deque()
    workers: set[bytes] = set()
    while True:
        frames = router.recv_multipart()
        sender = frames[0]
        if frames[1:] == [b"READY"]:
            workers.add(sender)
            idle.append(sender)
        elif frames[1:] == [b"STOP"]:
            for worker in workers:
                router.send_multipart([worker, b"STOP"])
            return
        elif sender in workers:  # a reply: [worker, client, job]
            router.send_multipart(frames[1:])
            idle.append(sender)
        else:  # a request: [client, job]
            waiting.append(frames)
        while idle and waiting:
            router.send_multipart([idle.popleft(), *waiting.popleft()])


class Relay:
    """Start the relay and its workers as processes; use `endpoint` from a client DEALER."""

    def __init__(self, workers: int = 2, endpoint: str = "tcp://127.0.0.1:*") -> None:
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        self.relay = ctx.Process(target=_relay, args=(endpoint, queue), daemon=True)
        self.relay.start()
        self.endpoint: str = queue.get(timeout=30)
        self.workers = [
            ctx.Process(target=_worker, args=(self.endpoint,), daemon=True) for _ in range(workers)
        ]
        for worker in self.workers:
            worker.start()
        self.pids = [self.relay.pid, *(w.pid for w in self.workers)]

    def throughput(self, jobs: int, window: int = 1000) -> float:
        """Jobs/s with up to `window` requests in flight."""
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.connect(self.endpoint)
        sent = done = 0
        start = time.perf_counter()
        while done < jobs:
            while sent < jobs and sent - done < window:
                sock.send(b"noop")
                sent += 1
            sock.recv()
            done += 1
        elapsed = time.perf_counter() - start
        sock.close(0)
        return jobs / elapsed

    def round_trips(self, jobs: int) -> list[float]:
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.connect(self.endpoint)
        sock.send(b"warm")
        sock.recv()
        times = []
        for _ in range(jobs):
            t0 = time.perf_counter()
            sock.send(b"noop")
            sock.recv()
            times.append(time.perf_counter() - t0)
        sock.close(0)
        return times

    def stop(self) -> None:
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.connect(self.endpoint)
        sock.send(b"STOP")
        self.relay.join(10)
        for worker in self.workers:
            worker.join(10)
        sock.close(0)
