"""Loaded at interpreter start when this folder is on PYTHONPATH: docmill's own code can no
longer import the POSIX-only modules of the standard library, as on Windows
(tests/test_portable.py). Third-party libraries keep theirs: on Windows they load their
Windows backends instead (psutil's Linux backend imports `resource`, its Windows one not).

The check wraps `__import__`, which receives the importing module's globals, so it catches a
module already loaded by a library as well as a first import.
"""

import builtins

POSIX_ONLY = frozenset({"termios", "tty", "fcntl", "resource", "pwd", "grp", "pty"})
OURS = frozenset({"docmill", "broker", "workers", "watcher", "monitor", "run_all", "__main__"})
_import = builtins.__import__


def _windowsish_import(name, globals=None, locals=None, fromlist=(), level=0):  # type: ignore[no-untyped-def]
    importer = str((globals or {}).get("__name__", ""))
    if level == 0 and name.partition(".")[0] in POSIX_ONLY and importer.partition(".")[0] in OURS:
        raise ModuleNotFoundError(f"No module named {name!r} (as on Windows)", name=name)
    return _import(name, globals, locals, fromlist, level)


builtins.__import__ = _windowsish_import
