"""`docmill service`: the systemd unit, the Task Scheduler task and the launchd agent it writes,
each checked against what its platform documents; install and uninstall on this machine."""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from docmill.home import Home
from docmill.service import TASK_NS, Service, launchd_plist, systemd_unit, task_xml
from tests.conftest import ROOT

pytestmark = pytest.mark.timeout(60)


def _service(tmp_path: Path, at: str = "logon") -> Service:
    # A space and a percent sign in the path: both need quoting in a unit file.
    return Service(Home(tmp_path / "my docs 100%"), at=at)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_the_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    service = _service(tmp_path)
    unit = tmp_path / f"{service.name}.service"
    unit.write_text(systemd_unit(service))
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    done = subprocess.run(
        ["systemd-analyze", "verify", "--user", str(unit)],
        env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    # It exits 0 even when it ignores a line it cannot parse: what it says must be nothing.
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
    assert f'--home "{service.home.root}"'.replace("%", "%%") in unit.read_text()


# The Task Scheduler schema (version 1.2): the children each element may have.
TASK_CHILDREN = {
    "Task": {"RegistrationInfo", "Triggers", "Settings", "Data", "Principals", "Actions"},
    "RegistrationInfo": {
        "URI", "SecurityDescriptor", "Source", "Date", "Author", "Version", "Description",
        "Documentation",
    },
    "Triggers": {
        "BootTrigger", "RegistrationTrigger", "IdleTrigger", "TimeTrigger", "EventTrigger",
        "LogonTrigger", "SessionStateChangeTrigger", "CalendarTrigger",
    },
    "BootTrigger": {"StartBoundary", "EndBoundary", "Enabled", "Repetition", "ExecutionTimeLimit", "Delay"},  # noqa: E501
    "LogonTrigger": {
        "StartBoundary", "EndBoundary", "Enabled", "Repetition", "ExecutionTimeLimit", "Delay",
        "UserId",
    },
    "Principals": {"Principal"},
    "Principal": {
        "UserId", "LogonType", "GroupId", "DisplayName", "RunLevel", "ProcessTokenSidType",
        "RequiredPrivileges",
    },
    "Settings": {
        "AllowStartOnDemand", "RestartOnFailure", "MultipleInstancesPolicy",
        "DisallowStartIfOnBatteries", "StopIfGoingOnBatteries", "AllowHardTerminate",
        "StartWhenAvailable", "NetworkProfileName", "RunOnlyIfNetworkAvailable", "WakeToRun",
        "Enabled", "Hidden", "DeleteExpiredTaskAfter", "IdleSettings", "NetworkSettings",
        "ExecutionTimeLimit", "Priority", "RunOnlyIfIdle", "UseUnifiedSchedulingEngine",
        "DisallowStartOnRemoteAppSession", "MaintenanceSettings", "Volatile",
    },
    "RestartOnFailure": {"Interval", "Count"},
    "Actions": {"Exec", "ComHandler", "SendEmail", "ShowMessage"},
    "Exec": {"Command", "Arguments", "WorkingDirectory"},
}  # fmt: skip
TASK_VALUES = {
    "LogonType": {"S4U", "Password", "InteractiveToken", "InteractiveTokenOrPassword"},
    "RunLevel": {"LeastPrivilege", "HighestAvailable"},
    "MultipleInstancesPolicy": {"Parallel", "Queue", "IgnoreNew", "StopExisting"},
    "Enabled": {"true", "false"},
    "DisallowStartIfOnBatteries": {"true", "false"},
    "StopIfGoingOnBatteries": {"true", "false"},
}
DURATION = re.compile(r"^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")


@pytest.mark.parametrize("at", ["logon", "boot"])
def test_the_task_scheduler_task_follows_its_schema(tmp_path: Path, at: str) -> None:
    service = _service(tmp_path, at)
    text = task_xml(service)
    root = ET.fromstring(text.replace('encoding="UTF-16"', ""))  # a str has no encoding
    assert root.tag == f"{{{TASK_NS}}}Task" and root.get("version") == "1.2"

    def local(element: ET.Element) -> str:
        assert element.tag.startswith(f"{{{TASK_NS}}}"), element.tag
        return element.tag.split("}")[1]

    for parent in root.iter():
        allowed = TASK_CHILDREN.get(local(parent))
        for child in parent:
            assert allowed is not None and local(child) in allowed, (local(parent), local(child))
        if local(parent) in TASK_VALUES:
            assert parent.text in TASK_VALUES[local(parent)], (local(parent), parent.text)
    durations = [e.text for e in root.iter() if local(e) in ("Interval", "ExecutionTimeLimit")]
    assert durations and all(DURATION.match(d or "") for d in durations), durations
    count = int(root.findtext(f".//{{{TASK_NS}}}Count") or 0)
    assert count in range(1, 1000), count  # the schema allows 1 to 999 restarts
    trigger = "BootTrigger" if at == "boot" else "LogonTrigger"
    assert root.find(f"{{{TASK_NS}}}Triggers/{{{TASK_NS}}}{trigger}") is not None
    exec_ = root.find(f".//{{{TASK_NS}}}Exec")
    assert exec_ is not None and exec_.findtext(f"{{{TASK_NS}}}Command") == sys.executable
    arguments = exec_.findtext(f"{{{TASK_NS}}}Arguments") or ""
    assert arguments.startswith("-m run_all --home ") and f'"{service.home.root}"' in arguments


# launchd.plist(5): the keys docmill may use, and their types.
LAUNCHD_KEYS = {
    "Label": str, "ProgramArguments": list, "WorkingDirectory": str, "RunAtLoad": bool,
    "KeepAlive": (bool, dict), "ProcessType": str, "StandardOutPath": str,
    "StandardErrorPath": str, "EnvironmentVariables": dict, "ThrottleInterval": int,
}  # fmt: skip


def test_the_launchd_agent_uses_documented_keys(tmp_path: Path) -> None:
    service = _service(tmp_path)
    agent = plistlib.loads(launchd_plist(service))
    for key, value in agent.items():
        assert key in LAUNCHD_KEYS and isinstance(value, LAUNCHD_KEYS[key]), key
    assert agent["Label"] == f"org.docmill.{service.name}"
    assert agent["ProgramArguments"] == service.command
    assert set(agent["KeepAlive"]) <= {"SuccessfulExit", "Crashed", "NetworkState", "PathState"}
    assert agent["ProcessType"] in ("Background", "Standard", "Adaptive", "Interactive")


def _docmill(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    home = tmp_path / "h"
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    return subprocess.run(
        [sys.executable, "-m", "docmill", "--home", str(home), "service", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _user_manager() -> bool:
    if shutil.which("systemctl") is None:
        return False
    done = subprocess.run(["systemctl", "--user", "is-system-running"], capture_output=True)
    return done.returncode == 0 or b"degraded" in done.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="the systemd unit is Linux's")
def test_install_writes_the_unit_or_says_why_it_cannot_start_it(tmp_path: Path) -> None:
    installed = _docmill(tmp_path, "install")
    unit = next((tmp_path / "config" / "systemd" / "user").glob("docmill-*.service"))
    assert "ExecStart=" in unit.read_text()
    if not _user_manager():
        assert installed.returncode == 1 and f"wrote {unit}" in installed.stderr
    status = _docmill(tmp_path, "status")
    assert unit.name in status.stdout + status.stderr
    _docmill(tmp_path, "uninstall")
    assert not unit.exists()
    after = _docmill(tmp_path, "status")
    assert after.returncode == 1 and "is not installed" in after.stderr


@pytest.mark.skipif(
    not _user_manager(),
    reason="no systemd user manager runs here (PID 1 is not systemd, `systemd --user` exits)",
)
def test_the_unit_really_starts_and_stops_docmill(tmp_path: Path) -> None:
    installed = _docmill(tmp_path, "install")
    try:
        assert installed.returncode == 0, installed.stderr
        status = _docmill(tmp_path, "status")
        assert "active (running)" in status.stdout
    finally:
        assert _docmill(tmp_path, "uninstall").returncode == 0
