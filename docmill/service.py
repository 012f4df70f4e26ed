"""Start on boot: `docmill service install|uninstall|status [--home DIR] [--at logon|boot]`.

One service per home, named after it (`docmill-<8 hex digits of the home's path>`), running
`python -m run_all --home HOME --headless` with the Python docmill is installed in:

- Linux: a systemd user unit in ~/.config/systemd/user, enabled with `systemctl --user`. systemd
  stops it with SIGTERM to run_all, which stops its children in order (KillMode=mixed: the rest
  is killed only after TimeoutStopSec). `--at boot` needs lingering (`loginctl enable-linger`).
- Windows: a Task Scheduler task registered with `schtasks /Create /XML`, started at logon (or
  at boot), restarted on failure, with no run-time limit.
- macOS: a launchd agent in ~/Library/LaunchAgents, loaded with `launchctl bootstrap`, kept
  alive when it fails.

`render` writes the file's text and nothing else, so each format is tested on every platform;
`install`, `uninstall` and `status` run the platform's own tool.
"""

from __future__ import annotations

import hashlib
import os
import plistlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from docmill.home import Home

TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"


@dataclass(frozen=True)
class Service:
    home: Home
    python: str = sys.executable
    at: str = "logon"  # or "boot"

    @property
    def name(self) -> str:
        digest = hashlib.sha256(str(self.home.root).encode()).hexdigest()[:8]
        return f"docmill-{digest}"

    @property
    def command(self) -> list[str]:
        return [self.python, "-m", "run_all", "--home", str(self.home.root), "--headless"]


def systemd_unit(service: Service) -> str:
    exec_start = " ".join(_systemd_quote(arg) for arg in service.command)
    root = str(service.home.root).replace("%", "%%")  # taken whole, but % starts a specifier
    return f"""[Unit]
Description=docmill document processing for {root}

[Service]
Type=simple
ExecStart={exec_start}
WorkingDirectory={root}
Restart=on-failure
RestartSec=5
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec=60

[Install]
WantedBy=default.target
"""


def task_xml(service: Service) -> str:
    """A Task Scheduler task (schema version 1.2)."""
    trigger = (
        "<BootTrigger><Enabled>true</Enabled></BootTrigger>"
        if service.at == "boot"
        else "<LogonTrigger><Enabled>true</Enabled></LogonTrigger>"
    )
    arguments = " ".join(_windows_quote(arg) for arg in service.command[1:])
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="{TASK_NS}">
  <RegistrationInfo>
    <Description>docmill document processing for {escape(str(service.home.root))}</Description>
    <URI>\\{service.name}</URI>
  </RegistrationInfo>
  <Triggers>{trigger}</Triggers>
  <Principals>
    <Principal id="Author">
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>999</Count>
    </RestartOnFailure>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{escape(service.command[0])}</Command>
      <Arguments>{escape(arguments)}</Arguments>
      <WorkingDirectory>{escape(str(service.home.root))}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
"""


def launchd_plist(service: Service) -> bytes:
    return plistlib.dumps(
        {
            "Label": f"org.docmill.{service.name}",
            "ProgramArguments": service.command,
            "WorkingDirectory": str(service.home.root),
            "RunAtLoad": True,
            "KeepAlive": {"SuccessfulExit": False},
            "ProcessType": "Background",
            "StandardOutPath": str(service.home.logs / "service.log"),
            "StandardErrorPath": str(service.home.logs / "service.log"),
        }
    )


def unit_path(service: Service, platform: str = sys.platform) -> Path:
    """Where the service's file goes on `platform`."""
    if platform == "win32":
        return service.home.run / f"{service.name}.xml"  # schtasks keeps its own copy
    if platform == "darwin":
        return Path.home() / "Library" / "LaunchAgents" / f"org.docmill.{service.name}.plist"
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "systemd" / "user" / f"{service.name}.service"


def install(service: Service) -> tuple[bool, str]:
    """Write and register the service; (started, what a person should know)."""
    service.home.ensure()
    path = unit_path(service)
    path.parent.mkdir(parents=True, exist_ok=True)
    if sys.platform == "win32":
        path.write_text(task_xml(service), encoding="utf-16")
        return _run(["schtasks", "/Create", "/TN", service.name, "/XML", str(path), "/F"], path)
    if sys.platform == "darwin":
        path.write_bytes(launchd_plist(service))
        return _run(["launchctl", "bootstrap", f"gui/{os.getuid()}", str(path)], path)
    path.write_text(systemd_unit(service))
    started, said = _run(["systemctl", "--user", "daemon-reload"], path)
    if started:
        started, said = _run(["systemctl", "--user", "enable", "--now", path.name], path)
    if started and service.at == "boot":
        said += "\nto start at boot, before you log in: loginctl enable-linger"
    return started, said


def uninstall(service: Service) -> tuple[bool, str]:
    path = unit_path(service)
    if sys.platform == "win32":
        done = _run(["schtasks", "/Delete", "/TN", service.name, "/F"], path)
    elif sys.platform == "darwin":
        label = f"gui/{os.getuid()}/org.docmill.{service.name}"
        done = _run(["launchctl", "bootout", label], path)
    else:
        done = _run(["systemctl", "--user", "disable", "--now", path.name], path)
    path.unlink(missing_ok=True)
    return done


def status(service: Service) -> tuple[bool, str]:
    """(installed and known to the platform's manager, its own words)."""
    path = unit_path(service)
    if not path.exists():
        return False, f"{service.name} is not installed (no {path})"
    if sys.platform == "win32":
        return _run(["schtasks", "/Query", "/TN", service.name, "/FO", "LIST"], path)
    if sys.platform == "darwin":
        return _run(["launchctl", "print", f"gui/{os.getuid()}/org.docmill.{service.name}"], path)
    return _run(["systemctl", "--user", "status", "--no-pager", path.name], path)


def _run(command: list[str], path: Path) -> tuple[bool, str]:
    if shutil.which(command[0]) is None:
        return (
            False,
            f"wrote {path}; {command[0]} is not on this machine, so nothing was registered",
        )
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    said = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        return False, f"wrote {path}; `{' '.join(command)}` failed: {said}"
    return True, said or f"{' '.join(command)}: done ({path})"


def _systemd_quote(arg: str) -> str:
    """An argument of ExecStart: quoted when it has spaces, quotes, backslashes or specifiers."""
    if arg and not any(c in arg for c in " \t\"'\\%$;"):
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'"{escaped}"'


def _windows_quote(arg: str) -> str:
    return subprocess.list2cmdline([arg])
