"""Two hosts on one machine: network namespaces A and B joined by a veth pair.

`Hosts` creates the namespaces and the link (and deletes them), brings B's end of the link up
or down, and starts processes inside a namespace: a broker on A bound to A's address (`BIND`,
`EVENTS`), worker pools on B. `RemoteClient` is a docmill.client.Client living in namespace A,
driven over a pipe. Creating namespaces needs root (CAP_SYS_ADMIN) and iproute2.
"""

from __future__ import annotations

import itertools
import json
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

from docmill.home import Home
from tests.conftest import ROOT, Proc, wait_for

ADDR_A, ADDR_B = "10.251.0.1", "10.251.0.2"
# Each namespace has its own network stack, so fixed ports cannot clash with anything.
BIND = f"tcp://{ADDR_A}:5555"
EVENTS = f"tcp://{ADDR_A}:5556"

# What the client on host A runs: one Client, driven by JSON lines on stdin, one answer a line.
CLIENT_AGENT = r"""
import json, sys
from pathlib import Path
from docmill.client import Client, Job, JobFailed

config = json.loads(sys.argv[1])


def submit(client, task, args, content_file=None, inline=None):
    if content_file:
        args["content"] = Path(content_file).read_bytes()
    return client.enqueue(task, args, inline=inline).id


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
    """A docmill.client.Client living in namespace A, called over a pipe."""

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
        return self.call("status")

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


def clean_env() -> dict[str, str]:
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
            self.a, [*args, *extra], self.tmp / "broker.log", self.folder("host-a"), clean_env()
        )
        self.procs.append(proc)
        wait_for(lambda: home.read_endpoints() or proc.popen.poll() is not None, 30, "broker")
        assert proc.popen.poll() is None, proc.output()
        return proc

    def pool(self, server_key: Path, key: Path, *extra: str, name: str = "pool") -> Proc:
        """A worker pool on host B: a connect endpoint and keys, no home, no allowed root."""
        args = ["-m", "workers", "--connect", BIND, "--server-key", str(server_key)]
        args += ["--key", str(key), *extra]
        proc = HostProc(self.b, args, self.tmp / f"{name}.log", self.folder("host-b"), clean_env())
        self.procs.append(proc)
        return proc

    def client(self, server_key: Path | None = None, key: Path | None = None) -> RemoteClient:
        """A Client on host A talking to the broker over A's address."""
        config: dict[str, Any] = {"endpoint": BIND, "timeout": 10}
        if server_key and key:
            config |= {"server_key": str(server_key), "key": str(key)}
        client = RemoteClient(
            self.a, config, self.tmp / f"client{len(self.clients)}.log", clean_env()
        )
        self.clients.append(client)
        return client
