"""What a long history costs a broker: a store of a million finished jobs, then a broker on it.

    python bench/history.py [--jobs 1000000] [--seconds 60] [--runs 2000] [--keep DIR]

Fills a fresh store with --jobs finished no-op jobs through the store's own API (add, save,
commit in batches of 20,000; finished over the last six days, so the default 7-day retention
keeps them all), then starts a broker on it and measures, with the default settings (a state
snapshot every 2 s, checks every 30 s):

- restart-to-serving: from the broker's launch to its first answer to `docmill.status`;
- the broker's CPU over --seconds of idling (no pool: heartbeats are not what is measured);
- `Client.run` round trips of --runs no-op jobs through one worker (p50, p99);
- the broker's longest loop pass since it started (`longest_pass` in status);
- the store's size on disk (jobs.db and its WAL).

The same figures for an empty store come first, in the same run, so the two compare on a
machine whose speed varies.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.system import System  # noqa: E402
from broker.jobs import Job, new_job_id  # noqa: E402
from broker.store import SqliteStore  # noqa: E402
from docmill.client import Client  # noqa: E402
from docmill.protocol import JobStatus  # noqa: E402

DAY = 86_400.0
_BATCH = 20_000


def fill(db: Path, jobs: int) -> float:
    """`jobs` finished jobs written through the store's API; returns the seconds it took."""
    start = time.perf_counter()
    store = SqliteStore(db, "NORMAL", cache_size=0)
    now = time.time()
    for n in range(jobs):
        finished = now - 6 * DAY * (jobs - n) / jobs
        job = Job(
            new_job_id(),
            "process_document",
            "documents",
            {"path": f"/data/inbox/report-{n}.pdf"},
            created=finished - 2.0,
        )
        store.add(job)
        job.status, job.attempts = JobStatus.SUCCEEDED, 1
        job.started, job.finished = finished - 1.0, finished
        job.result = {"doc_id": f"{n:064x}", "chunks": 12}
        store.save(job)
        if store.dirty >= _BATCH:
            store.commit()
            store.take_new()
    store.close()
    return time.perf_counter() - start


def size(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def measure(home: Path, seconds: float, runs: int) -> dict[str, float]:
    system = System(home)
    try:
        launched = time.perf_counter()
        broker = system.start("broker", "--home", str(home), "--log-level", "WARNING")
        with Client(home=str(home), timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:  # the endpoints file first, then one status answered
                if (home / "run" / "endpoints.json").exists():
                    try:
                        client.status()
                        break
                    except (TimeoutError, OSError):
                        pass
                if time.monotonic() > deadline or broker.poll() is not None:
                    raise RuntimeError("the broker did not start")
                time.sleep(0.005)
            serving = time.perf_counter() - launched
            proc = psutil.Process(broker.pid)
            time.sleep(5)  # start-up settles
            cpu0 = sum(proc.cpu_times()[:2])
            time.sleep(seconds)  # the measurement: nothing happens
            idle = sum(proc.cpu_times()[:2]) - cpu0
            system.start_pool(1)
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                client.run("noop", timeout=30)
                times.append(time.perf_counter() - t0)
            longest = client.status()["broker"].get("longest_pass", float("nan"))
    finally:
        system.stop()
    q = statistics.quantiles(times, n=100)
    return {
        "serving_s": serving,
        "idle_cpu_pct": 100 * idle / seconds,
        "run_p50_ms": 1000 * q[49],
        "run_p99_ms": 1000 * q[98],
        "longest_pass_ms": 1000 * longest,
        "store_mib": size(home / "state" / "jobs.db") / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--keep", type=Path, help="fill once into DIR and reuse it next time")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="docmill-history-"))
    try:
        results = {}
        for name, jobs in (("empty", 0), (f"{args.jobs:,} done", args.jobs)):
            home = tmp / f"h{jobs}"
            (home / "run").mkdir(parents=True)
            (home / "docmill.toml").write_text("")  # the defaults: state every 2 s, checks
            db = home / "state" / "jobs.db"
            kept = args.keep / "jobs.db" if args.keep and jobs else None
            if kept is not None and kept.exists():
                db.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(kept, db)
            elif jobs:
                took = fill(db, jobs)
                print(f"filled {jobs:,} jobs in {took:.1f} s", flush=True)
                if kept is not None:
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(db, kept)
            results[name] = measure(home, args.seconds, args.runs)
        keys = list(next(iter(results.values())))
        print(f"idle {args.seconds:g} s, {args.runs} Client.run round trips, 1 worker")
        print(f"{'':18}" + "".join(f"{k:>17}" for k in keys))
        for name, r in results.items():
            print(f"{name:18}" + "".join(f"{r[k]:>17.3f}" for k in keys))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
