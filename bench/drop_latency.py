"""Drop-to-result latency: a small text file written into the inbox of an idle system, until
its job has succeeded (as the status stream announces it).

    python bench/drop_latency.py [--files 50]

Starts a broker, a pool of 2 workers and the watcher on a fresh home folder, then drops the
files one at a time, each after the previous one's result, and prints p50/p95/max.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import msgpack
import zmq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from broker.client import Client  # noqa: E402
from broker.home import Home  # noqa: E402

QUIET = "[checks]\ninterval = 0\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dm-") as tmp:
        home = Home(Path(tmp) / "h").ensure()
        (home.root / "docmill.toml").write_text(QUIET)
        root, quiet = str(home.root), subprocess.DEVNULL
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "broker", "--home", root], cwd=ROOT, stderr=quiet
            )
        ]
        deadline = time.monotonic() + 30
        while not home.read_endpoints() and time.monotonic() < deadline:
            time.sleep(0.05)
        for module in ("workers", "watcher"):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", module, "--home", root], cwd=ROOT, stderr=quiet
                )
            )
        sub = zmq.Context.instance().socket(zmq.SUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"job.succeeded")
        sub.connect(home.events_endpoint())
        try:
            with Client(home=root, timeout=30) as client:
                while len(client.status()["workers"]) < 2 or not client.status()["watchers"]:
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
            for proc in reversed(procs):
                proc.terminate()
                proc.wait(30)
    ms = sorted(1000 * x for x in latencies)
    q = statistics.quantiles(ms, n=100)
    print(f"{args.files} small text files, dropped one at a time into an idle system")
    print(f"drop-to-result latency: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, max {ms[-1]:.1f} ms")


if __name__ == "__main__":
    main()
