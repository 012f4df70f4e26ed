"""One broker, workers on another host: two network namespaces joined by a veth pair.

Host A (namespace A, 10.251.0.1) runs the broker and the client; host B (namespace B,
10.251.0.2) runs a worker pool that reaches the broker only over the veth link, with CURVE on,
no home folder and no allowed root, so documents reach it as inline bytes. Pulling the link
down in B is a network partition between the hosts.

Creating namespaces needs root (CAP_SYS_ADMIN) and iproute2; where that fails, every test here
is skipped with the command's error.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zmq.auth

from broker.home import Home
from broker.protocol import HEARTBEAT_INTERVAL, HEARTBEAT_LIVENESS
from tests.conftest import QUIET, ROOT, Proc, wait_for
from workers.extract import extract

pytestmark = pytest.mark.timeout(120)

ADDR_A, ADDR_B = "10.251.0.1", "10.251.0.2"
# Each namespace has its own network stack, so fixed ports cannot clash with anything.
BIND = f"tcp://{ADDR_A}:5555"
EVENTS = f"tcp://{ADDR_A}:5556"
LIVENESS = HEARTBEAT_INTERVAL * HEARTBEAT_LIVENESS
TXT = "Unstructured-IO__unstructured/example-docs/book-war-and-peace-1p.txt"
PDF = "py-pdf__sample-files/004-pdflatex-4-pages/pdflatex-4-pages.pdf"

# What the client on host A runs: one Client, driven by JSON lines on stdin, one answer a line.
CLIENT_AGENT = r"""
import json, sys
from pathlib import Path
from broker.client import Client, Job, JobFailed

config = json.loads(sys.argv[1])


def submit(client, task, args, content_file=None):
    if content_file:
        args["content"] = Path(content_file).read_bytes()
    return client.submit(task, **args).id


def result(client, job, timeout):
    try:
        return {"value": Job(client, job).result(timeout=timeout)}
    except JobFailed as exc:
        return {"failed": exc.type, "message": exc.message}


OPS = {
    "status": lambda client: client.status(),
    "submit": submit,
    "info": lambda client, job: client.infos([job])[0],
    "result": result,
}

with Client(**config) as client:
    for line in sys.stdin:
        call = json.loads(line)
        try:
            answer = {"ok": True, "value": OPS[call["op"]](client, **call["args"])}
        except Exception as exc:
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer, default=repr), flush=True)
"""


class HostProc(Proc):
    """A Proc whose Python runs inside a network namespace, in a folder of its own."""

    def __init__(
        self, netns: str, args: list[str], log: Path, cwd: Path, env: dict[str, str]
    ) -> None:
        self.log = log
        self._out = log.open("ab")
        # `ip netns exec` execs the command, so the pid is Python's and Proc.stop works as is.
        self.popen = subprocess.Popen(
            ["ip", "netns", "exec", netns, sys.executable, *args],
            cwd=cwd,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


class RemoteClient:
    """A broker.client.Client living in namespace A, called over a pipe."""

    def __init__(self, netns: str, config: dict[str, Any], log: Path, env: dict[str, str]) -> None:
        self.log = log
        self._err = log.open("ab")
        self.popen = subprocess.Popen(
            ["ip", "netns", "exec", netns, sys.executable, "-c", CLIENT_AGENT, json.dumps(config)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._err,
            text=True,
        )

    def call(self, op: str, **args: Any) -> Any:
        """Run `op` in the client; it may take its own `timeout`, and gets 30 s more."""
        assert self.popen.stdin is not None and self.popen.stdout is not None
        timeout = float(args.get("timeout", 0)) + 30.0
        self.popen.stdin.write(json.dumps({"op": op, "args": args}) + "\n")
        self.popen.stdin.flush()
        # One request at a time and one line per answer, so a ready pipe holds a whole line.
        ready, _, _ = select.select([self.popen.stdout], [], [], timeout)
        line = self.popen.stdout.readline() if ready else ""
        if not line:
            raise AssertionError(
                f"client in {op!r} gave no answer in {timeout}s: {self.log.read_text()}"
            )
        answer = json.loads(line)
        if not answer["ok"]:
            raise AssertionError(f"client {op!r} failed: {answer['error']}")
        return answer["value"]

    def status(self) -> dict[str, Any]:
        return self.call("status")  # type: ignore[no-any-return]

    def stop(self) -> None:
        if self.popen.stdin is not None:
            self.popen.stdin.close()  # the agent's loop ends at end of input
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)
        if self.popen.stdout is not None:
            self.popen.stdout.close()
        self._err.close()


def _clean_env() -> dict[str, str]:
    """The environment of a process on either host: nothing that points at a local home."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DOCMILL_HOME", "DOCMILL_SERVER_KEY", "DOCMILL_KEY")
    }
    env["PYTHONPATH"] = str(ROOT)  # tests.tasks for --tasks; stands for code installed on B
    return env


_serial = itertools.count()


class Hosts:
    """Two namespaces, A (broker, client) and B (worker pools), and what runs in them."""

    def __init__(self, tmp_path: Path) -> None:
        tag = f"{os.getpid()}{next(_serial)}"
        self.a, self.b = f"dm{tag}a", f"dm{tag}b"
        # Interface names are at most 15 characters; the namespaces tell them apart anyway.
        self.veth_a, self.veth_b = f"vdm{tag}a"[-15:], f"vdm{tag}b"[-15:]
        self.tmp = tmp_path
        self.procs: list[Proc] = []
        self.clients: list[RemoteClient] = []

    @staticmethod
    def ip(*args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=20)

    def create(self) -> None:
        self.ip("netns", "add", self.a)
        self.ip("netns", "add", self.b)
        self.ip("link", "add", self.veth_a, "type", "veth", "peer", "name", self.veth_b)
        self.ip("link", "set", self.veth_a, "netns", self.a)
        self.ip("link", "set", self.veth_b, "netns", self.b)
        for ns, dev, addr in ((self.a, self.veth_a, ADDR_A), (self.b, self.veth_b, ADDR_B)):
            self.ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
            self.ip("-n", ns, "link", "set", "lo", "up")
            self.ip("-n", ns, "link", "set", dev, "up")

    def link(self, state: str) -> None:
        """Bring host B's end of the wire "up" or "down"."""
        self.ip("-n", self.b, "link", "set", self.veth_b, state)

    def destroy(self) -> None:
        for client in self.clients:
            client.stop()
        for proc in reversed(self.procs):
            proc.stop()
        for ns in (self.a, self.b):  # the veth pair goes with its namespaces
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)
        # unless creating them stopped before it left the root namespace
        subprocess.run(["ip", "link", "del", self.veth_a], capture_output=True, timeout=20)

    # -- what runs on the hosts -----------------------------------------------------------------

    def folder(self, name: str) -> Path:
        path = self.tmp / name
        path.mkdir(exist_ok=True)
        return path

    def broker(self, home: Home, *extra: str) -> Proc:
        """The broker on host A, bound to A's address, once it has published its endpoints."""
        args = ["-m", "broker", "--home", str(home.root), "--bind", BIND, "--events", EVENTS]
        proc = HostProc(
            self.a, [*args, *extra], self.tmp / "broker.log", self.folder("host-a"), _clean_env()
        )
        self.procs.append(proc)
        wait_for(lambda: home.read_endpoints() or proc.popen.poll() is not None, 30, "broker")
        assert proc.popen.poll() is None, proc.output()
        return proc

    def pool(self, server_key: Path, key: Path, *extra: str, name: str = "pool") -> Proc:
        """A worker pool on host B: a connect endpoint and keys, no home, no allowed root."""
        args = ["-m", "workers", "--connect", BIND, "--server-key", str(server_key)]
        args += ["--key", str(key), *extra]
        proc = HostProc(self.b, args, self.tmp / f"{name}.log", self.folder("host-b"), _clean_env())
        self.procs.append(proc)
        return proc

    def client(self, server_key: Path | None = None, key: Path | None = None) -> RemoteClient:
        """A Client on host A talking to the broker over A's address."""
        config: dict[str, Any] = {"endpoint": BIND, "timeout": 10}
        if server_key and key:
            config |= {"server_key": str(server_key), "key": str(key)}
        client = RemoteClient(
            self.a, config, self.tmp / f"client{len(self.clients)}.log", _clean_env()
        )
        self.clients.append(client)
        return client


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
        [sys.executable, "-m", "broker.cli", "keys", "init", "--home", str(home.root), *args],
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
    curve_system: tuple[Hosts, Home, Proc, RemoteClient], tmp_path: Path, corpus: Path
) -> None:
    hosts, home, _, client = curve_system
    server_key, key = copy_to_host_b(tmp_path, home, "host-b")
    pool = hosts.pool(server_key, key, "--concurrency", "2")

    workers = wait_for(
        lambda: len(w := client.status()["workers"]) == 2 and w, 30, "2 workers from host B"
    )
    assert {w["pid"] for w in workers} <= pool_pids(pool), workers
    assert all(w["host"] for w in workers)

    for relative, phrase in (
        (TXT, "Anna Pavlovna"),
        (PDF, "Hello, here is some text without a meaning."),
    ):
        source = corpus / relative
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

    # B has no allowed root: a path, even one that exists on B, is not read.
    job = client.call("submit", task="process_document", args={"path": str(corpus / TXT)})
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
        env=_clean_env(),
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
