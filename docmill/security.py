"""Who may talk to the broker, and what a job may read: CURVE keys, allowed roots, inline limits.

    [security]                      # in home/docmill.toml; every key optional
    curve = "auto"                  # on when home/keys/broker.key_secret exists; or true/false
    insecure = false                # allow TCP beyond loopback without CURVE (say why you must)
    allowed_roots = ["/srv/docs"]   # path jobs read only under these (default: the inbox)
    max_inline_bytes = 67108864     # largest document a client may send as bytes (64 MiB)

docmill.settings reads the section, with the rest of the file, into SecuritySettings.

Keys live in home/keys (mode 0700), in the ZeroMQ certificate format (`zmq.auth`):
`broker.key` / `broker.key_secret` is the broker's pair, `NAME.key` / `NAME.key_secret` a
client's or worker's pair, and `allowed/` holds the public keys the broker admits.
`docmill keys init` creates them.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from docmill.home import Home

log = logging.getLogger(__name__)

DEFAULT_MAX_INLINE = 64 * 1024 * 1024
BROKER_KEY = "broker"
DEFAULT_KEY_NAME = "local"


class SecurityError(ValueError):
    """An endpoint or a key that would leave docmill open or cannot be used; the message says
    what to do. (A wrong setting in docmill.toml is a docmill.settings.SettingsError.)"""


@dataclass(frozen=True)
class Keys:
    """Where the CURVE key files of a home are."""

    folder: Path

    @property
    def broker_public(self) -> Path:
        return self.folder / f"{BROKER_KEY}.key"

    @property
    def broker_secret(self) -> Path:
        return self.folder / f"{BROKER_KEY}.key_secret"

    @property
    def allowed(self) -> Path:
        return self.folder / "allowed"

    def public(self, name: str) -> Path:
        return self.folder / f"{name}.key"

    def secret(self, name: str) -> Path:
        return self.folder / f"{name}.key_secret"


def keys_of(home: Home) -> Keys:
    return Keys(home.root / "keys")


@dataclass(frozen=True)
class SecuritySettings:
    """[security] of docmill.toml; the loader (docmill.settings) gives allowed_roots the inbox
    when the file names none, and keys the home's keys folder."""

    curve: bool | str = "auto"  # "auto": on when the broker's key pair exists; or true/false
    insecure: bool = False  # allow TCP beyond loopback without CURVE
    allowed_roots: tuple[Path, ...] = ()  # path jobs read only under these; none: no path
    max_inline_bytes: int = DEFAULT_MAX_INLINE  # largest document sent as bytes
    keys: Keys = field(default_factory=lambda: Keys(Path("keys")))

    def curve_on(self) -> bool:
        if self.curve == "auto":
            return self.keys.broker_secret.is_file()
        return bool(self.curve)


def is_local(endpoint: str) -> bool:
    """Whether an endpoint can be reached only from this machine: ipc, inproc, loopback TCP."""
    scheme, _, rest = endpoint.partition("://")
    if scheme in ("ipc", "inproc"):
        return True
    if scheme != "tcp":
        return False
    host = urlsplit(f"//{rest}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # "*", an interface name or a host name: not loopback only


def check_bind(endpoint: str, curve: bool, insecure: bool) -> None:
    """Refuse to listen beyond this machine without CURVE, unless told to in so many words."""
    if curve or insecure or is_local(endpoint):
        return
    raise SecurityError(
        f"refusing to bind {endpoint} without CURVE: anyone who reaches it could submit jobs "
        "and read results. Run `docmill keys init` (CURVE turns on when home/keys holds the "
        "broker's key pair), bind to loopback or ipc, or pass --insecure on a network you trust."
    )


def ensure_local_keys(
    security: SecuritySettings, endpoints: list[str], platform: str = sys.platform
) -> bool:
    """On Windows, where the broker listens on loopback TCP (no ipc), any local user could
    connect: with `curve = "auto"` and no keys yet, create the home's keys, which turns CURVE
    on; the home's own processes find them (client_keys). True when keys were created."""
    tcp = any(endpoint.startswith("tcp://") for endpoint in endpoints)
    if platform != "win32" or not tcp or security.curve != "auto" or security.curve_on():
        return False
    create_keys(security.keys, [])
    return True


def under_roots(path: str | os.PathLike[str], roots: tuple[Path, ...]) -> Path | None:
    """The resolved `path` (symbolic links and `..` followed) if it lies under one of `roots`."""
    real = Path(os.path.realpath(path))
    for root in roots:
        if real == root or real.is_relative_to(root):
            return real
    return None


# -- CURVE ----------------------------------------------------------------------------------------


def create_keys(keys: Keys, names: list[str]) -> list[Path]:
    """The broker's key pair and `local` (unless there), and a pair per name, admitted at once.

    Returns the files written. The folder is private; secret files are readable by the owner
    only (zmq.auth writes them so).
    """
    import zmq.auth

    keys.folder.mkdir(parents=True, exist_ok=True)
    keys.allowed.mkdir(exist_ok=True)
    if os.name == "posix":
        keys.folder.chmod(0o700)
    else:
        _owner_only(keys.folder)
    written: list[Path] = []
    # `local`, for the home's own processes (pool, watcher, monitor, CLI), always.
    for name in dict.fromkeys([BROKER_KEY, DEFAULT_KEY_NAME, *names]):
        if name != BROKER_KEY and (not name.replace("-", "").replace("_", "").isalnum()):
            raise SecurityError(f"key name {name!r}: use letters, digits, '-' and '_' only")
        if keys.secret(name).exists():
            if name in (BROKER_KEY, DEFAULT_KEY_NAME):
                continue  # never replaced: every copy of the broker's public key would break
            raise SecurityError(f"{keys.secret(name)} exists; remove it to make a new pair")
        public, secret = zmq.auth.create_certificates(str(keys.folder), name)
        Path(secret).chmod(0o600)
        written += [Path(public), Path(secret)]
        if name != BROKER_KEY:
            admitted = keys.allowed / f"{name}.key"
            admitted.write_bytes(Path(public).read_bytes())
            written.append(admitted)
    return written


def _owner_only(folder: Path) -> None:
    """Windows: the folder (and what it will hold) readable by its owner alone, whatever the
    folder it is in allows: inheritance cut, full control to the current user only."""
    import getpass
    import subprocess

    user = getpass.getuser()
    grant = ["/grant:r", f"{user}:(OI)(CI)F"]
    subprocess.run(
        ["icacls", str(folder), "/inheritance:r", *grant], check=False, capture_output=True
    )


@dataclass(frozen=True)
class ClientKeys:
    """What a client or worker needs to talk CURVE to the broker."""

    server_public: bytes
    public: bytes
    secret: bytes

    @classmethod
    def from_files(
        cls, server_key: str | os.PathLike[str], key: str | os.PathLike[str]
    ) -> ClientKeys:
        import zmq.auth

        try:
            server_public, _ = zmq.auth.load_certificate(str(server_key))
            public, secret = zmq.auth.load_certificate(str(key))
        except (OSError, ValueError) as exc:
            raise SecurityError(f"cannot load CURVE keys: {exc}") from exc
        if secret is None:
            raise SecurityError(f"{key} holds no secret key: give the NAME.key_secret file")
        return cls(server_public, public, secret)

    def apply(self, sock: Any) -> None:
        import zmq

        sock.setsockopt(zmq.CURVE_SERVERKEY, self.server_public)
        sock.setsockopt(zmq.CURVE_PUBLICKEY, self.public)
        sock.setsockopt(zmq.CURVE_SECRETKEY, self.secret)


SERVER_KEY_ENV = "DOCMILL_SERVER_KEY"
KEY_ENV = "DOCMILL_KEY"


def client_keys(
    home: Home | None,
    server_key: str | os.PathLike[str] | None = None,
    key: str | os.PathLike[str] | None = None,
) -> ClientKeys | None:
    """A client's CURVE keys: the files given, else $DOCMILL_SERVER_KEY and $DOCMILL_KEY, else
    the home's broker.key and local.key_secret when the home has both; None: no CURVE."""
    server_key = server_key or os.environ.get(SERVER_KEY_ENV)
    key = key or os.environ.get(KEY_ENV)
    if server_key or key:
        if not (server_key and key):
            raise SecurityError("CURVE needs both the broker's public key and a key pair")
        return ClientKeys.from_files(server_key, key)
    if home is not None:
        found = keys_of(home)
        if found.broker_public.is_file() and found.secret(DEFAULT_KEY_NAME).is_file():
            return ClientKeys.from_files(found.broker_public, found.secret(DEFAULT_KEY_NAME))
    return None


class AllowList:
    """The ZAP check of the broker: a client key is admitted if its public key is in the
    allow-list folder, read again whenever the folder changed (a key added or removed counts
    from the next connection, without a restart)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.refused = 0
        self._keys: set[bytes] = set()
        self._seen: int | None = None

    def _current(self) -> set[bytes]:
        import zmq.auth

        try:
            changed = self.folder.stat().st_mtime_ns
        except FileNotFoundError:
            return set()
        if changed != self._seen:
            self._keys = set(zmq.auth.load_certificates(str(self.folder)))
            self._seen = changed
        return self._keys

    def callback(self, domain: str, key: bytes) -> bool:
        if key in self._current():
            return True
        self.refused += 1
        log.warning("refused a connection: CURVE key %s is not in %s", key.decode(), self.folder)
        return False


class Guard:
    """The broker's side of CURVE: its key pair on each server socket, and the ZAP handler."""

    def __init__(self, context: Any, keys: Keys) -> None:
        import zmq.auth
        from zmq.auth.thread import ThreadAuthenticator

        try:
            self.public, self.secret = zmq.auth.load_certificate(str(keys.broker_secret))
        except (OSError, ValueError) as exc:
            raise SecurityError(f"cannot load the broker's key pair: {exc}") from exc
        self.allow = AllowList(keys.allowed)
        self.auth = ThreadAuthenticator(context, log=log)
        self.auth.start()
        self.auth.configure_curve_callback("*", credentials_provider=self.allow)

    def serve(self, sock: Any) -> None:
        import zmq

        sock.setsockopt(zmq.CURVE_SERVER, 1)
        sock.setsockopt(zmq.CURVE_PUBLICKEY, self.public)
        sock.setsockopt(zmq.CURVE_SECRETKEY, self.secret)

    def stop(self) -> None:
        self.auth.stop()
