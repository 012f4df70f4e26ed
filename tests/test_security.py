"""Who gets in: endpoints beyond loopback need CURVE, the allow-list admits known keys only, and
inline content travels through the broker (kept on disk until its job no longer needs it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import zmq
import zmq.auth

from docmill.client import BrokerError, Client
from docmill.home import Home
from docmill.protocol import MAX_MESSAGE_BYTES
from docmill.security import is_local
from monitor.feed import Feed
from tests.conftest import Proc, StartPool, docmill, run_module, start_broker, wait_for

pytestmark = pytest.mark.timeout(60)


def _secure(home: Home, lines: str) -> None:
    """Add `lines` to the [security] table of the home's docmill.toml."""
    path = home.root / "docmill.toml"
    text = path.read_text()
    if "[security]\n" in text:
        text = text.replace("[security]\n", f"[security]\n{lines}\n", 1)
    else:
        text += f"\n[security]\n{lines}\n"
    path.write_text(text)


def test_which_endpoints_count_as_local() -> None:
    assert all(map(is_local, ["ipc:///x/y.sock", "inproc://a", "tcp://127.0.0.1:5555"]))
    assert all(map(is_local, ["tcp://localhost:1", "tcp://[::1]:5555", "tcp://127.9.0.1:*"]))
    assert not any(map(is_local, ["tcp://0.0.0.0:5555", "tcp://*:5555", "tcp://10.1.2.3:1"]))
    assert not any(map(is_local, ["tcp://eth0:5555", "tcp://example.org:1", "udp://1.2.3.4:5"]))


def test_tcp_beyond_loopback_is_refused_without_curve(home: Home, tmp_path: Path) -> None:
    refused = run_module("broker", home, "--bind", "tcp://0.0.0.0:*")
    assert refused.returncode == 2
    assert "refusing to bind tcp://0.0.0.0:* without CURVE" in refused.stderr
    assert "--insecure" in refused.stderr
    assert not (home.state / "jobs.db").exists(), "refused before anything was opened"
    # Told so in so many words, it binds.
    _secure(home, "insecure = true")
    broker = Proc(
        ["-m", "broker", "--home", str(home.root), "--bind", "tcp://0.0.0.0:*"],
        tmp_path / "broker.log",
    )
    try:
        wait_for(lambda: home.read_endpoints(), 15, "the insecure broker to start")
        assert home.read_endpoints()["broker"].startswith("tcp://0.0.0.0:")
    finally:
        broker.stop()


@pytest.fixture
def curve_broker(home: Home, tmp_path: Path) -> Iterator[Proc]:
    made = docmill(home, "keys", "init", "--name", "hostb")
    assert made.returncode == 0, made.stderr
    assert (home.root / "keys" / "allowed" / "hostb.key").is_file()
    assert (home.root / "keys" / "local.key_secret").stat().st_mode & 0o077 == 0
    proc = start_broker(home, tmp_path / "broker.log")
    yield proc
    proc.stop()


def test_curve_on_every_socket(curve_broker: Proc, home: Home, tmp_path: Path) -> None:
    keys = home.root / "keys"
    pool = Proc(
        ["-m", "workers", "--connect", home.broker_endpoint(), "--concurrency", "1",
         "--server-key", str(keys / "broker.key"), "--key", str(keys / "hostb.key_secret")],
        tmp_path / "pool.log",
    )  # fmt: skip
    try:
        with Client(home=str(home.root), timeout=10) as client:  # the home's `local` pair
            assert client.status()["broker"]["curve"] is True
            wait_for(lambda: client.status()["workers"], 30, "the CURVE worker")
            assert client.submit("echo", x=1).result(timeout=20) == {"x": 1}
            # The status stream is CURVE too: the monitor's feed, with the client's keys.
            feed = Feed(client, home.events_endpoint())
            try:
                client.submit("noop")
                wait_for(lambda: feed.poll(0.2), 20, "an event on the CURVE status stream")
            finally:
                feed.socket.close(0)
        # A key pair the broker never admitted: refused, counted and logged.
        stranger = tmp_path / "stranger"
        stranger.mkdir()
        _, secret = zmq.auth.create_certificates(str(stranger), "x")
        outsider = Client(
            home=str(home.root), timeout=1.5, server_key=str(keys / "broker.key"), key=secret
        )
        with outsider, pytest.raises(TimeoutError):
            outsider.status()
        # No CURVE at all: the handshake never completes either.
        with Client(endpoint=home.broker_endpoint(), timeout=1.5) as plain:
            assert plain.keys is None
            with pytest.raises(TimeoutError):
                plain.status()
        with Client(home=str(home.root), timeout=10) as client:
            assert client.status()["broker"]["auth_refused"] >= 1
        assert "refused a connection: CURVE key" in curve_broker.output()
    finally:
        pool.stop()


# -- inline content -------------------------------------------------------------------------------


def _blobs(home: Home) -> list[Path]:
    folder = home.state / "blobs"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_inline_content_is_kept_until_its_job_succeeds(
    home: Home, client: Client, start_pool: StartPool, tmp_path: Path, story: Path
) -> None:
    content = story.read_bytes()
    assert docmill(home, "pause", "documents").returncode == 0
    job = client.submit("echo", content=content, name="war.txt")
    [blob] = _blobs(home)
    assert blob.name == job.id and blob.read_bytes() == content
    stored = client.infos([job.id])[0]
    assert stored["status"] == "queued"
    start_pool(1)
    assert docmill(home, "resume", "documents").returncode == 0
    echoed = job.result(timeout=30)
    assert echoed == {"content": content, "name": "war.txt"}, "the worker got the bytes back"
    assert _blobs(home) == [], "gone once the job succeeded"


def test_inline_content_survives_a_broker_restart(home: Home, broker: Proc, tmp_path: Path) -> None:
    with Client(home=str(home.root), timeout=10) as client:
        job = client.submit("echo", content=b"\x00bytes\xff" * 1000, name="x.bin")
    broker.stop()
    restarted = start_broker(home, tmp_path / "broker2.log")
    pool = Proc(
        ["-m", "workers", "--home", str(home.root), "--concurrency", "1"], tmp_path / "pool.log"
    )
    try:
        with Client(home=str(home.root), timeout=10) as client:
            result = client.job(job.id).result(timeout=30)
            assert result["content"] == b"\x00bytes\xff" * 1000
    finally:
        pool.stop()
        restarted.stop()


def test_inline_content_over_the_limit_or_malformed_is_refused(home: Home, tmp_path: Path) -> None:
    _secure(home, "max_inline_bytes = 1000")
    broker = start_broker(home, tmp_path / "broker.log")
    try:
        with Client(home=str(home.root), timeout=10) as client:
            with pytest.raises(BrokerError, match="over the 1000-byte limit"):
                client.submit("echo", content=b"x" * 1001, name="big.txt")
            with pytest.raises(BrokerError, match="needs the document's file 'name'"):
                client.submit("echo", content=b"x")
            with pytest.raises(BrokerError, match="'path' or 'content', not both"):
                client.submit("echo", content=b"x", name="a", path="/etc/passwd")
            with pytest.raises(BrokerError, match="must be the document's bytes"):
                client.submit("echo", content="text, not bytes", name="a")
            assert client.submit("echo", content=b"x" * 1000, name="ok.txt")
            assert len(_blobs(home)) == 1
            assert client.status()["counts"] == {"queued": 1}
    finally:
        broker.stop()


def test_a_message_over_the_limit_is_refused_and_counted(client: Client, home: Home) -> None:
    # The client refuses to send one, and says why.
    with pytest.raises(BrokerError, match="over the broker's limit"):
        client.submit_many("echo", [{"blob": b"x" * (1 << 20)}] * 70)
    # A peer that sends one anyway: dropped and counted, and the broker serves on.
    context = zmq.Context.instance()
    sock = context.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(home.broker_endpoint())
    try:
        sock.send_multipart([b"", b"MDPC01", b"docmill.status", b"x" * (MAX_MESSAGE_BYTES + 1)])
        wait_for(lambda: client.status()["broker"]["oversized"] == 1, 20, "the count")
        assert client.status()["broker"]["malformed"] == 0
        assert client.submit("noop") is not None
    finally:
        sock.close(0)


def test_a_tcp_broker_on_windows_makes_the_home_keys_at_first_start(tmp_path: Path) -> None:
    from docmill.security import client_keys, ensure_local_keys
    from docmill.settings import load_settings

    home = Home(tmp_path / "h").ensure()
    security = load_settings(home).security
    loopback = ["tcp://127.0.0.1:*", "tcp://127.0.0.1:*"]
    assert not ensure_local_keys(security, ["ipc:///x/broker.sock"], platform="win32")
    assert not ensure_local_keys(security, loopback, platform="linux")  # ipc by default there
    assert client_keys(home) is None
    assert ensure_local_keys(security, loopback, platform="win32")  # open to every local user
    assert security.curve_on() and client_keys(home) is not None  # the home's processes get in
    assert (home.root / "keys").stat().st_mode & 0o777 == 0o700
    assert (home.root / "keys" / "broker.key_secret").stat().st_mode & 0o777 == 0o600
    assert not ensure_local_keys(security, loopback, platform="win32")  # made once
    off = tmp_path / "off"
    Home(off).ensure()
    (off / "docmill.toml").write_text("[security]\ncurve = false\n")
    assert not ensure_local_keys(load_settings(Home(off)).security, loopback, platform="win32")
