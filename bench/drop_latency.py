"""Drop-to-result latency: a small text file written into the inbox of an idle system, until
its job has succeeded (as the status stream announces it).

    python bench/drop_latency.py [--files 50]

Starts a broker, a pool of 2 workers and the watcher on a fresh home folder, then drops the
files one at a time, each after the previous one's result, and prints p50/p95/max.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import msgpack
import zmq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.system import running  # noqa: E402
from docmill.client import Client  # noqa: E402
from docmill.home import Home  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    args = parser.parse_args()
    with running(2) as system:
        home = Home(system.home).ensure()
        system.start("watcher", "--home", str(home.root))
        sub = zmq.Context.instance().socket(zmq.SUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"job.succeeded")
        sub.connect(home.events_endpoint())
        try:
            with Client(home=str(home.root), timeout=30) as client:
                while not client.status()["watchers"]:
                    time.sleep(0.1)
            time.sleep(1.0)  # idle: let start-up work settle
            latencies = []
            for i in range(args.files):
                path = home.inbox / f"note-{i:03d}.txt"
                start = time.perf_counter()
                path.write_text(f"note {i}: a small text file dropped into the inbox.\n")
                while True:
                    if not sub.poll(30_000):
                        raise RuntimeError(f"no result for {path.name}")
                    _, body = sub.recv_multipart()
                    if msgpack.unpackb(body).get("path") == str(path):
                        break
                latencies.append(time.perf_counter() - start)
                time.sleep(0.2)  # idle again between drops
        finally:
            sub.close(0)
    ms = sorted(1000 * x for x in latencies)
    q = statistics.quantiles(ms, n=100)
    print(f"{args.files} small text files, dropped one at a time into an idle system")
    print(f"drop-to-result latency: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, max {ms[-1]:.1f} ms")


if __name__ == "__main__":
    main()
