"""One broker, workers on another host: two network namespaces joined by a veth pair.

Host A (namespace A, 10.251.0.1) runs the broker and the client; host B (namespace B,
10.251.0.2) runs a worker pool that reaches the broker only over the veth link, with CURVE on,
no home folder and no allowed root, so documents reach it as inline bytes. Pulling the link
down in B is a network partition between the hosts.

Creating namespaces needs root (CAP_SYS_ADMIN) and iproute2; where that fails, every test here
is skipped with the command's error. The namespace harness is in tests/netns.py.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import zmq.auth

from docmill.home import Home
from docmill.protocol import HEARTBEAT_INTERVAL, HEARTBEAT_LIVENESS
from tests.conftest import QUIET, ROOT, Proc, wait_for
from tests.documents.pdf import write_pdf
from tests.documents.prose import OPENING
from tests.netns import BIND, EVENTS, Hosts, RemoteClient, clean_env
from workers.extract import extract

pytestmark = pytest.mark.timeout(120)

LIVENESS = HEARTBEAT_INTERVAL * HEARTBEAT_LIVENESS


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[Hosts]:
    if shutil.which("ip") is None:
        pytest.skip("no `ip` command (iproute2) to make network namespaces")
    hosts = Hosts(tmp_path)
    try:
        hosts.create()
    except subprocess.CalledProcessError as exc:
        hosts.destroy()
        pytest.skip(f"cannot make network namespaces: {' '.join(exc.cmd)}: {exc.stderr.strip()}")
    try:
        yield hosts
    finally:
        hosts.destroy()


def broker_home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "host-a" / "home").ensure()
    (home.root / "docmill.toml").write_text(QUIET)
    return home


def keys_init(home: Home, *names: str) -> None:
    args = [arg for name in names for arg in ("--name", name)]
    done = subprocess.run(
        [sys.executable, "-m", "docmill.cli", "keys", "init", "--home", str(home.root), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def copy_to_host_b(tmp_path: Path, home: Home, name: str) -> tuple[Path, Path]:
    """What an operator copies to a worker host: broker.key and the host's own pair, no more."""
    keys, there = home.root / "keys", tmp_path / "host-b-keys"
    there.mkdir(mode=0o700, exist_ok=True)
    for file in ("broker.key", f"{name}.key", f"{name}.key_secret"):
        shutil.copy2(keys / file, there / file)
    return there / "broker.key", there / f"{name}.key_secret"


@pytest.fixture
def curve_system(hosts: Hosts, tmp_path: Path) -> tuple[Hosts, Home, Proc, RemoteClient]:
    """A CURVE broker on host A with keys for a client on A and for host B, and that client."""
    home = broker_home(tmp_path)
    keys_init(home, "client", "host-b")
    broker = hosts.broker(home)
    keys = home.root / "keys"
    client = hosts.client(keys / "broker.key", keys / "client.key_secret")
    return hosts, home, broker, client


def pool_pids(pool: Proc) -> set[int]:
    return {p.pid for p in pool.tree()}


def test_jobs_from_host_a_run_on_host_b_with_inline_content(
    curve_system: tuple[Hosts, Home, Proc, RemoteClient], tmp_path: Path, story: Path
) -> None:
    hosts, home, _, client = curve_system
    server_key, key = copy_to_host_b(tmp_path, home, "host-b")
    pool = hosts.pool(server_key, key, "--concurrency", "2")

    workers = wait_for(
        lambda: len(w := client.status()["workers"]) == 2 and w, 30, "2 workers from host B"
    )
    assert {w["pid"] for w in workers} <= pool_pids(pool), workers
    assert all(w["host"] for w in workers)

    pages = ["Hello, here is some text without a meaning.", "The second page."]
    for source, phrase in (
        (story, OPENING),
        (write_pdf(tmp_path / "two.pdf", pages), pages[0]),
    ):
        job = client.call(
            "submit",
            task="process_document",
            args={"name": source.name},
            content_file=str(source),
        )
        outcome = client.call("result", job=job, timeout=60)
        assert "value" in outcome, outcome
        doc = outcome["value"]
        assert doc["status"] == "ok", doc
        assert doc["kind"] == source.suffix.lstrip("."), doc["kind"]
        assert doc["doc_id"] == hashlib.sha256(source.read_bytes()).hexdigest()
        assert phrase in doc["text"]
        assert doc["text"] == extract(str(source))["text"]  # as if read here, from its path
        assert client.call("info", job=job)["status"] == "succeeded"

    # B has no allowed root: a path, even one that exists on B, is not read. (Sent as a path:
    # by default the client on A would send the file's content, since B may not read it.)
    job = client.call("submit", task="process_document", args={"path": str(story)}, inline=False)
    outcome = client.call("result", job=job, timeout=60)
    assert outcome.get("failed") == "forbidden", outcome


def test_a_worker_with_an_unknown_key_never_registers(
    curve_system: tuple[Hosts, Home, Proc, RemoteClient], tmp_path: Path
) -> None:
    hosts, home, broker, client = curve_system
    server_key, _ = copy_to_host_b(tmp_path, home, "host-b")
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    public_file, secret_file = zmq.auth.create_certificates(str(stranger), "stranger")
    public = zmq.auth.load_certificate(public_file)[0].decode()

    pool = hosts.pool(server_key, Path(secret_file), "--concurrency", "1", name="stranger")

    def refusals() -> int:
        lines = broker.output().splitlines()
        return sum("refused" in line and public in line for line in lines)

    # Refused at every attempt: the worker connects again each time the broker stays silent.
    wait_for(lambda: refusals() >= 2, 10 + 2 * LIVENESS, "two refusals of the stranger's key")
    status = client.status()
    assert status["workers"] == [], status["workers"]
    assert status["broker"]["auth_refused"] >= 2
    assert pool.popen.poll() is None  # it keeps knocking; the broker keeps it out


def test_broker_refuses_open_tcp_without_curve_unless_insecure(
    hosts: Hosts, tmp_path: Path
) -> None:
    home = broker_home(tmp_path)
    command = ["-m", "broker", "--home", str(home.root), "--bind", BIND, "--events", EVENTS]
    refused = subprocess.run(
        ["ip", "netns", "exec", hosts.a, sys.executable, *command],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "CURVE" in refused.stdout + refused.stderr, refused
    assert not home.read_endpoints()

    hosts.broker(home, "--insecure")
    client = hosts.client()
    assert client.status()["broker"]["endpoint"] == BIND


def test_a_network_partition_requeues_the_job_and_the_worker_comes_back(
    curve_system: tuple[Hosts, Home, Proc, RemoteClient], tmp_path: Path
) -> None:
    hosts, home, broker, client = curve_system
    server_key, key = copy_to_host_b(tmp_path, home, "host-b")
    pool = hosts.pool(server_key, key, "--concurrency", "1", "--tasks", "tests.tasks")
    (worker,) = wait_for(lambda: client.status()["workers"], 30, "the worker on host B")

    # Long enough that the first run is still going when the worker gives the broker up, one
    # liveness window after the cut, even on a loaded machine slow to see the job start.
    seconds = 2 * LIVENESS + 2
    job = client.call("submit", task="burn", args={"seconds": seconds})
    wait_for(
        lambda: any(r["job"] == job for r in client.status()["running"]), 30, "the job to start"
    )

    hosts.link("down")
    cut = time.monotonic()
    wait_for(lambda: not client.status()["workers"], 2 * LIVENESS + 5, "the worker to be lost")
    lost_after = time.monotonic() - cut
    # Heard last at most one interval before the cut; expired when the liveness window ran out.
    assert LIVENESS - HEARTBEAT_INTERVAL <= lost_after <= 2 * LIVENESS, lost_after
    assert f"gone (missed heartbeats), held job {job}" in broker.output()
    info = client.call("info", job=job)
    assert info["status"] == "queued", info  # requeued at once, and nobody left to take it
    assert info["attempts"] == 1, info
    # Across the cut, the worker too hears nothing, gives its job up and dials again.
    wait_for(
        lambda: f"abandoning job {job}: lost the broker" in pool.output(),
        2 * LIVENESS + 5,
        "the worker to abandon the job",
    )

    hosts.link("up")
    outcome = client.call("result", job=job, timeout=seconds + 4 * LIVENESS + 20)
    assert "value" in outcome, outcome
    info = client.call("info", job=job)
    assert info["status"] == "succeeded" and info["attempts"] == 2, info
    (back,) = client.status()["workers"]
    assert back["pid"] == worker["pid"]  # the same worker process reconnected
