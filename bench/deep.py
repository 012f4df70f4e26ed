"""A deep queue: 100,000 waiting jobs. Submit rate, the broker's memory, dispatch while deep,
and how long a restarted broker takes to serve again.

    python bench/deep.py [--jobs 100000] [--dispatch-seconds 20]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docmill.client import Client  # noqa: E402

QUIET = "[checks]\ninterval = 0\n"


def _broker(home: Path) -> subprocess.Popen[bytes]:
    (home / "run" / "endpoints.json").unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "broker", "--home", str(home), "--log-level", "WARNING"],
        cwd=ROOT, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    while not (home / "run" / "endpoints.json").exists():
        time.sleep(0.01)
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--dispatch-seconds", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dm-") as tmp:
        home = Path(tmp) / "h"
        (home / "run").mkdir(parents=True)
        (home / "docmill.toml").write_text(QUIET)
        broker = _broker(home)
        pool = None
        try:
            with Client(home=str(home), timeout=120) as client:
                client.status()
                rss0 = psutil.Process(broker.pid).memory_info().rss
                start = time.perf_counter()
                client.submit_many("noop", [{} for _ in range(args.jobs)])
                submit_s = time.perf_counter() - start
                rss1 = psutil.Process(broker.pid).memory_info().rss
                pool = subprocess.Popen(
                    [sys.executable, "-m", "workers", "--home", str(home), "--concurrency", "2",
                     "--log-level", "WARNING"],
                    cwd=ROOT, stderr=subprocess.DEVNULL,
                )  # fmt: skip
                while len(client.status()["workers"]) < 2:
                    time.sleep(0.1)
                done0 = client.status()["counts"].get("succeeded", 0)
                time.sleep(args.dispatch_seconds)  # the measurement window
                done1 = client.status()["counts"].get("succeeded", 0)
                left = args.jobs - done1
            os.kill(broker.pid, signal.SIGKILL)
            broker.wait()
            start = time.perf_counter()
            broker = _broker(home)
            with Client(home=str(home), timeout=120) as client:
                client.status()
                serving = time.perf_counter() - start
                while client.status()["counts"].get("succeeded", 0) <= done1:
                    time.sleep(0.05)
                dispatching = time.perf_counter() - start
        finally:
            if pool is not None:
                pool.terminate()
                pool.wait(30)
            broker.terminate()
            broker.wait(30)
    print(f"{args.jobs} jobs queued with submit_many")
    print(f"submit: {args.jobs / submit_s:.0f} jobs/s; broker RSS {rss0 / 2**20:.0f} -> "
          f"{rss1 / 2**20:.0f} MiB (+{(rss1 - rss0) / 2**20:.0f} MiB)")  # fmt: skip
    print(f"dispatch while deep: {(done1 - done0) / args.dispatch_seconds:.0f} jobs/s "
          f"({left} still queued)")  # fmt: skip
    print(f"restart after kill -9: answering in {serving:.2f} s, running jobs again in "
          f"{dispatching:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
