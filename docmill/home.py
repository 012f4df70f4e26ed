"""The home folder: where every component finds its files, endpoints and settings (DESIGN §5)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docmill import running
from docmill.running import DEFAULT_HOME, HOME_ENV

# sun_path holds 108 bytes on Linux, 104 on macOS; keep a margin for the NUL and the scheme.
_MAX_IPC_PATH = 100


def resolve_home(arg: str | os.PathLike[str] | None = None) -> Path:
    """--home, else $DOCMILL_HOME, else ./docmill-home; always absolute."""
    return Path(arg or os.environ.get(HOME_ENV) or DEFAULT_HOME).expanduser().resolve()


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def endpoints_file(self) -> Path:
        return self.run / "endpoints.json"

    def ensure(self) -> Home:
        """Create the layout; run/ is private because its ipc endpoints carry no authentication."""
        for folder in (self.inbox, self.outbox, self.state, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        self.run.mkdir(parents=True, exist_ok=True)
        if os.name == "posix":
            self.run.chmod(0o700)
        return self

    def default_endpoint(self, name: str) -> str:
        """ipc in run/ where the platform has it and the path fits, else a loopback port."""
        path = self.run / f"{name}.sock"
        if sys.platform != "win32" and len(str(path)) <= _MAX_IPC_PATH:
            return f"ipc://{path}"
        return "tcp://127.0.0.1:*"

    def write_endpoints(self, endpoints: dict[str, Any]) -> None:
        """Publish a started broker's endpoints, here and in the user's record of running
        homes (docmill/running.py), so that commands run from other folders find it."""
        tmp = self.endpoints_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(endpoints, indent=2))
        os.replace(tmp, self.endpoints_file)
        running.record(self.root, endpoints)

    def clear_endpoints(self) -> None:
        """A stopped broker's endpoints withdrawn, from both places."""
        running.forget(self.root)
        self.endpoints_file.unlink(missing_ok=True)

    def read_endpoints(self) -> dict[str, Any]:
        """The endpoints a running broker published; empty if none has started here."""
        try:
            data = json.loads(self.endpoints_file.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def broker_endpoint(self) -> str:
        return str(self.read_endpoints().get("broker") or self.default_endpoint("broker"))

    def events_endpoint(self) -> str:
        return str(self.read_endpoints().get("events") or self.default_endpoint("events"))
