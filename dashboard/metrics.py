"""/metrics: the broker's state in the Prometheus text format, built from the latest snapshot.

Nothing is counted here: every figure is the broker's (docs/PROTOCOL.md §6.4), so a scrape
after the dashboard restarts reads the same values. Totals since the broker started are
counters (a broker restart resets them, which Prometheus' rate() allows for).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from docmill.status import Snapshot

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class SnapshotCollector(Collector):
    def __init__(self, state: Snapshot | None) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("docmill_up", "1 when the dashboard has the broker's state")
        up.add_metric([], 0.0 if self.state is None else 1.0)
        yield up
        if self.state is None:
            return
        s = self.state
        jobs = GaugeMetricFamily("docmill_jobs", "Jobs in the store by state", labels=["state"])
        for state, n in sorted(s["counts"].items()):
            jobs.add_metric([state], n)
        yield jobs
        ended = CounterMetricFamily(
            "docmill_jobs_ended", "Jobs ended since the broker started", labels=["task", "outcome"]
        )
        for task, outcomes in sorted(s["metrics"]["by_task"].items()):
            for outcome, n in sorted(outcomes.items()):
                ended.add_metric([task, outcome], n)
        yield ended
        failures = CounterMetricFamily(
            "docmill_failures", "Failed attempts since the broker started, by error type",
            labels=["type"],
        )  # fmt: skip
        for kind, n in sorted(s["metrics"]["errors"].items()):
            failures.add_metric([kind], n)
        yield failures
        duration = GaugeMetricFamily(
            "docmill_job_duration_seconds",
            "Duration of recent successful jobs, by task and quantile",
            labels=["task", "quantile"],
        )
        for task, lat in sorted(s["metrics"]["latency"].items()):
            for quantile, value in (("0.5", lat["p50"]), ("0.95", lat["p95"])):
                if value is not None:
                    duration.add_metric([task, quantile], value)
        yield duration
        yield from self._queues(s)
        yield from self._workers(s)
        host = GaugeMetricFamily("docmill_host_percent", "Host use, percent", labels=["what"])
        h = s["host"]
        for what, value in (("cpu", h["cpu_percent"]), ("memory", h["memory_percent"])):
            host.add_metric([what], value)
        host.add_metric(["disk"], h["disk_percent"])
        yield host

    @staticmethod
    def _queues(s: Snapshot) -> Iterator[Metric]:
        depth = GaugeMetricFamily("docmill_queue_depth", "Jobs due in a queue", labels=["queue"])
        age = GaugeMetricFamily(
            "docmill_queue_oldest_age_seconds", "Wait of a queue's oldest due job", labels=["queue"]
        )
        paused = GaugeMetricFamily("docmill_queue_paused", "1 when paused", labels=["queue"])
        for name, q in sorted(s["queues"].items()):
            depth.add_metric([name], q["due"])
            age.add_metric([name], q["oldest_age"])
            paused.add_metric([name], float(q["paused"]))
        yield from (depth, age, paused)

    @staticmethod
    def _workers(s: Snapshot) -> Iterator[Metric]:
        count = GaugeMetricFamily("docmill_workers", "Connected workers by state", labels=["state"])
        states: dict[str, int] = {"idle": 0, "busy": 0}
        for worker in s["workers"]:
            states[worker["state"]] = states.get(worker["state"], 0) + 1
        for state, n in sorted(states.items()):
            count.add_metric([state], n)
        yield count
        done = CounterMetricFamily(
            "docmill_worker_jobs_done", "Jobs done by each connected worker", labels=["worker"]
        )
        for worker in s["workers"]:
            done.add_metric([worker["id"]], worker["jobs_done"])
        yield done


def exposition(state: Snapshot | None) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(state))
    return generate_latest(registry)
