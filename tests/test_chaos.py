"""A short chaos run in the suite (bench/chaos.py runs the long one): files through the watcher
while run_all, the broker, the pool, workers, job processes and the watcher are killed."""

from __future__ import annotations

import pytest

from bench.chaos import chaos

pytestmark = pytest.mark.timeout(300)


def test_files_survive_kill_9_of_every_kind_of_docmill_process() -> None:
    # Kinds are killed in turn from a shuffled cycle: 12 kills cover each kind twice.
    result = chaos(files=80, feed_seconds=45.0, kill_every=(3.0, 4.5), seed=7)
    assert not result["problems"], result
    assert sum(result["kills"].values()) >= 8, result
    assert result["kills"]["run_all"] >= 1, result
    assert result["states"] == {"succeeded": 80}, result
