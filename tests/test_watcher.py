"""The watcher against a real broker (and pool): real files, real folders, a thread per watcher."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docmill.client import Client
from docmill.home import Home
from docmill.watch_settings import FolderSettings, WatcherSettings
from tests.conftest import Proc, StartPool, start_broker, wait_for
from watcher.watcher import Watcher


class Running:
    """A Watcher in a thread of the test, stopped with its Event."""

    def __init__(self, settings: WatcherSettings) -> None:
        self.watcher = Watcher(settings)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watcher.run, args=(self.stop,), daemon=True)
        self.thread.start()
        assert self.watcher.ready.wait(10), "the watcher did not finish its first rescan"

    def counters(self) -> dict[str, int]:
        return self.watcher.counters()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(15)
        assert not self.thread.is_alive(), "the watcher did not stop"


@pytest.fixture
def run_watcher(home: Home) -> Iterator[Any]:
    running: list[Running] = []

    def start(**folder: Any) -> Running:
        watcher_options = {
            k: folder.pop(k) for k in ("retry_base", "retry_max", "submit_timeout") if k in folder
        }
        folder.setdefault("task", "echo")
        folder.setdefault("settle", 0.5)
        settings = WatcherSettings(
            home=home.root,
            folders=(FolderSettings(folder.pop("path", home.inbox), **folder),),
            state_poll=0.5,
            **watcher_options,
        )
        r = Running(settings)
        running.append(r)
        return r

    yield start
    for r in running:
        if r.thread.is_alive():
            r.close()


def rows(home: Home) -> dict[str, dict[str, Any]]:
    """The history, read as another process would (WAL lets it read while the watcher writes)."""
    db_path = home.state / "watcher.db"
    if not db_path.exists():
        return {}
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        return {r["path"]: dict(r) for r in db.execute("SELECT * FROM files")}
    except sqlite3.OperationalError:
        return {}
    finally:
        db.close()


def submitted(home: Home, n: int) -> dict[str, dict[str, Any]]:
    """The history once `n` files have a job."""
    found = rows(home)
    with_job = {p: r for p, r in found.items() if r["job"] and r["status"] != "pending"}
    return with_job if len(with_job) >= n else {}


def job_total(client: Client) -> int:
    return sum(client.status()["counts"].values())


def write(path: Path, text: str, via_tmp: bool = False) -> None:
    if via_tmp:  # the atomic-save pattern: write x.tmp, then rename it to x
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
    else:
        path.write_text(text)


@pytest.mark.timeout(120)
def test_a_burst_of_2000_files_is_submitted_once_each(home: Home, client: Client, run_watcher):
    w = run_watcher()
    started = time.monotonic()
    for i in range(2000):
        write(home.inbox / f"f{i:04}.txt", f"file number {i}\n", via_tmp=i % 2 == 1)
    (home.inbox / "ignored.part").write_text("partial")
    (home.inbox / ".hidden").write_text("hidden")
    (home.inbox / "~$lock.docx").write_text("office lock")
    history = wait_for(lambda: submitted(home, 2000), 60, "2000 files submitted")
    took = time.monotonic() - started
    assert len(history) == 2000, sorted(set(rows(home)) - set(history))[:5]
    assert all(Path(p).name.startswith("f") and p.endswith(".txt") for p in history)
    assert len({r["job"] for r in history.values()}) == 2000
    assert w.counters()["submitted"] == 2000
    assert w.counters()["pending"] == 0
    w.close()
    assert job_total(client) == 2000
    assert not any(p.endswith((".tmp", ".part", ".hidden", ".docx")) for p in rows(home))
    assert took < 60, f"the burst took {took:.1f}s"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("polling", [False, True], ids=["native", "polling"])
def test_a_file_written_slowly_is_submitted_once_when_complete(
    home: Home, client: Client, start_pool: StartPool, run_watcher, polling: bool
):
    start_pool(1)
    # Native: the close-after-write decides. Polling: no close events, so the settle time does.
    w = run_watcher(task="process_document", settle=1.0, polling=polling, poll_interval=0.3)
    path = home.inbox / "slow.txt"
    chunks = [f"chunk {i} " * 200 + "\n" for i in range(5)]
    with path.open("w") as f:
        for i, chunk in enumerate(chunks):
            if i:
                time.sleep(0.5)  # sync-ok: a writer pausing between chunks is what is tested
            f.write(chunk)
            f.flush()
        last_write = time.time()
    row = wait_for(lambda: submitted(home, 1), 20, "the slow file submitted")[str(path)]
    info = client.job(row["job"]).info()
    assert info["created"] >= last_write  # submitted only after the last write
    result = client.job(row["job"]).result(timeout=30)
    assert result["text"].strip() == "".join(chunks).strip()
    assert row["size"] == path.stat().st_size
    assert w.counters()["submitted"] == 1
    assert job_total(client) == 1


@pytest.mark.timeout(90)
def test_a_watcher_restart_in_a_burst_neither_loses_nor_duplicates(
    home: Home, client: Client, run_watcher
):
    first = run_watcher(settle=0.2)
    for i in range(150):
        write(home.inbox / f"r{i:03}.txt", f"restart {i}", via_tmp=i % 3 == 0)
    wait_for(lambda: submitted(home, 50), 20, "some files submitted")
    for i in range(150, 225):  # in flight when the watcher stops: seen, pending or not yet seen
        write(home.inbox / f"r{i:03}.txt", f"restart {i}", via_tmp=i % 3 == 0)
    first.close()
    for i in range(225, 300):  # while no watcher runs
        write(home.inbox / f"r{i:03}.txt", f"restart {i}", via_tmp=i % 3 == 0)
    second = run_watcher(settle=0.2)
    history = wait_for(lambda: submitted(home, 300), 60, "300 files submitted")
    assert len(history) == 300
    assert len({r["job"] for r in history.values()}) == 300
    assert first.counters()["submitted"] + second.counters()["submitted"] == 300
    second.close()
    assert job_total(client) == 300


@pytest.mark.timeout(120)
def test_files_dropped_while_the_broker_is_away_are_processed(
    home: Home, broker: Proc, start_pool: StartPool, run_watcher, tmp_path: Path
):
    start_pool(2)
    w = run_watcher(retry_base=0.2, retry_max=1.0, submit_timeout=0.5)
    for i in range(5):
        write(home.inbox / f"before{i}.txt", f"before {i}")
    wait_for(lambda: submitted(home, 5), 20, "the first files submitted")
    broker.stop()
    down = time.monotonic()
    for i in range(10):
        write(home.inbox / f"during{i}.txt", f"during {i}", via_tmp=i % 2 == 0)
    wait_for(lambda: w.counters()["pending"] == 10, 20, "10 files pending")
    # The broker stays away for 5 s while the watcher keeps failing and backing off.
    wait_for(lambda: time.monotonic() - down >= 5 and w.counters()["errors"] >= 3, 20, "5 s")
    assert {r["status"] for p, r in rows(home).items() if "during" in p} == {"pending"}
    again = start_broker(home, tmp_path / "broker2.log")
    try:
        done = wait_for(
            lambda: (
                (found := rows(home))
                and all(r["status"] == "done" for r in found.values())
                and len(found) == 15
            ),
            60,
            "all 15 files processed",
        )
        assert done
        with Client(home=str(home.root)) as c:
            assert job_total(c) == 15
        assert w.counters()["pending"] == 0
    finally:
        w.close()
        again.stop()


@pytest.mark.timeout(60)
def test_an_event_queue_overflow_is_recovered_by_a_rescan(home: Home, client: Client, run_watcher):
    w = run_watcher()
    w.watcher._sink = lambda change: None  # the events of these files are lost
    for i in range(50):
        write(home.inbox / f"lost{i}.txt", f"lost {i}")
    assert w.counters()["seen"] == 0
    del w.watcher._sink  # events flow again, but the lost ones never come back...
    w.watcher.on_overflow("simulated overflow")  # ...so the overflow path rescans
    history = wait_for(lambda: submitted(home, 50), 30, "the lost files found by a rescan")
    assert len(history) == 50
    counters = w.counters()
    assert counters["overflows"] == 1 and counters["rescans"] >= 2
    assert job_total(client) == 50


@pytest.mark.timeout(60)
def test_a_dead_observer_is_replaced_and_followed_by_a_rescan(
    home: Home, client: Client, run_watcher
):
    w = run_watcher()
    for emitter in list(w.watcher.observers[0].emitters):
        emitter.stop()  # the observer's thread dies, as on an error inside watchdog
        emitter.join(5)
    for i in range(5):
        write(home.inbox / f"o{i}.txt", f"observer {i}")
    wait_for(lambda: submitted(home, 5), 30, "files found after the observer restart")
    assert w.counters()["observer_restarts"] >= 1


@pytest.mark.timeout(60)
def test_history_unchanged_changed_and_same_content_twice(home: Home, client: Client, run_watcher):
    a, b = home.inbox / "a.txt", home.inbox / "b.txt"
    first = run_watcher()
    a.write_text("alpha")
    job_a = wait_for(lambda: submitted(home, 1), 20, "a submitted")[str(a)]["job"]
    b.write_text("alpha")  # same content, another name
    history = wait_for(lambda: submitted(home, 2), 20, "b recorded")
    assert history[str(b)]["job"] == job_a
    assert first.counters()["duplicates"] == 1
    first.close()

    second = run_watcher()  # ready means its start rescan is done: nothing new was found
    assert second.counters()["seen"] == 0 and second.counters()["submitted"] == 0
    second.close()

    # A crash after the broker acknowledged a's submit but before the history recorded it:
    db = sqlite3.connect(home.state / "watcher.db")
    with db:
        db.execute("UPDATE files SET status = 'pending', job = NULL WHERE path = ?", (str(a),))
    db.close()
    third = run_watcher()  # sends a again, under the same key: the broker answers with job_a
    assert wait_for(lambda: submitted(home, 2), 20, "a resubmitted")[str(a)]["job"] == job_a
    assert third.counters()["submitted"] == 1 and job_total(client) == 1

    a.write_text("alpha, changed")
    changed = wait_for(
        lambda: (r := rows(home)[str(a)])["job"] not in (None, job_a) and r, 20, "a resubmitted"
    )
    assert changed["status"] in ("submitted", "done")
    assert rows(home)[str(b)]["job"] == job_a
    third.close()
    assert job_total(client) == 2


@pytest.mark.timeout(60)
def test_a_batch_window_makes_one_process_batch_job(
    home: Home, client: Client, start_pool: StartPool, run_watcher
):
    start_pool(2)
    w = run_watcher(batch_window=1.0, batch_size=20)
    for i in range(10):
        write(home.inbox / f"b{i}.txt", f"batch {i}", via_tmp=i % 2 == 0)
    history = wait_for(lambda: submitted(home, 10), 30, "10 files in a batch")
    assert len({r["job"] for r in history.values()}) == 1
    parent = client.job(next(iter(history.values()))["job"]).info()
    assert parent["task"] == "process_batch"
    wait_for(lambda: all(r["status"] == "done" for r in rows(home).values()), 30, "batch done")
    assert w.counters()["done"] == 10


@pytest.mark.timeout(60)
def test_after_move_sorts_files_into_processed_and_failed(
    home: Home, client: Client, start_pool: StartPool, run_watcher
):
    start_pool(2)
    run_watcher(task="process_document", after="move")
    (home.inbox / "good.txt").write_text("a perfectly good document")
    (home.inbox / "bad.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    good, bad = str(home.inbox / "processed" / "good.txt"), str(home.inbox / "failed" / "bad.pdf")
    # The watcher moves a file, then records where it went: wait for the record, not the file.
    wait_for(lambda: good in rows(home) and bad in rows(home), 40, "both files moved")
    history = rows(home)
    assert Path(good).exists() and Path(bad).exists()
    assert history[good]["status"] == "done"
    assert history[bad]["status"] == "failed"
    assert not (home.inbox / "good.txt").exists()
    assert job_total(client) == 2


@pytest.mark.timeout(10)
def test_settings_come_from_docmill_toml(tmp_path: Path):
    from docmill.settings import load_broker_settings, load_settings

    home = Home(tmp_path / "h").ensure()
    (home.root / "docmill.toml").write_text(
        '[watcher]\nretry_max = 5.0\n[[watcher.folders]]\npath = "drop"\ntask = "echo"\n'
        'include = ["*.pdf"]\nafter = "move"\nbatch_window = 2\n'
    )
    settings = load_settings(home).watcher
    (folder,) = settings.folders
    assert folder.path == home.root / "drop" and folder.task == "echo" and folder.after == "move"
    assert folder.include == ("*.pdf",) and folder.batched and settings.retry_max == 5.0
    assert folder.batch_window == 2.0 and isinstance(folder.batch_window, float)
    assert settings.history_path == home.state / "watcher.db"
    load_broker_settings(home)  # the broker does not mind a [watcher] table
