"""What a parsing library logs while it reads a document, as that document's warnings.

pypdf reports damaged objects, unreadable fonts and the like through `logging`, once per
occurrence: thousands of lines for one file, in the worker's log where nobody connects them to
the document. While a document is read, `parser_warnings` takes those records off the log and
adds each distinct message once to the job's warnings, with how many times it was said.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterator

LOGGERS = ("pypdf",)
_MAX_DISTINCT = 20  # messages kept per document; the rest are counted together


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages[record.getMessage().strip()] += 1
        except (TypeError, ValueError):  # a record whose arguments do not fit its format
            self.messages[str(record.msg)] += 1


@contextlib.contextmanager
def parser_warnings(warnings: list[str], loggers: tuple[str, ...] = LOGGERS) -> Iterator[None]:
    """Collect the named loggers' warnings while the block runs, into `warnings`."""
    collector = _Collector()
    saved = []
    for name in loggers:
        logger = logging.getLogger(name)
        saved.append((logger, logger.propagate))
        logger.addHandler(collector)
        logger.propagate = False  # the document's warnings say it; the log need not
    try:
        yield
    finally:
        for logger, propagate in saved:
            logger.removeHandler(collector)
            logger.propagate = propagate
        common = collector.messages.most_common()
        for message, count in common[:_MAX_DISTINCT]:
            warnings.append(f"{loggers[0]}: {message}" + (f" (x{count})" if count > 1 else ""))
        rest = sum(count for _, count in common[_MAX_DISTINCT:])
        if rest:
            warnings.append(f"{loggers[0]}: {rest} more warning(s) of other kinds")
