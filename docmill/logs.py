"""One logging set-up for every docmill process: a line per record on stderr.

run_all.py sends each child's stderr to its own file in home/logs, so processes never share a
file handle that one of them might rotate under the others.
"""

from __future__ import annotations

import logging
import os


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format=f"%(asctime)s %(levelname)-7s [{os.getpid()}] %(name)s: %(message)s",
        force=True,
    )
