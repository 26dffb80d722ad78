"""The batch log: a rotating file, attached only while a run holds the lock (one writer at a time), which
never stops a run nor prints logging's traceback to cron's mail."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ledgerxl.errors import ConfigError, os_reason
from ledgerxl.text import visible

LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 5

log = logging.getLogger("ledgerxl.jobs.batch")
log.addHandler(logging.NullHandler())  # silent unless a run attaches its log file (never the console)


class LogFile(logging.handlers.RotatingFileHandler):
    """The rotating log file, which never stops a run nor prints logging's traceback to cron's mail."""

    warned = False

    def doRollover(self) -> None:
        try:
            super().doRollover()
        except OSError:
            # on Windows a program that has the log open blocks the rename: keep appending, rotate next run
            self.maxBytes = 0
            if self.stream is None:
                self.stream = self._open()

    def handleError(self, record: logging.LogRecord) -> None:
        if not self.warned:  # e.g. a full disk: say it once, in a line
            self.warned = True
            sys.stderr.write(f"警告：无法写日志文件 {self.baseFilename}（{sys.exc_info()[1]}），日志可能不完整。\n")


class SafeFormatter(logging.Formatter):
    """A log line per record, whatever its arguments hold: control characters in a file name or a cell
    (a newline that would forge a line, ESC) are written out (text.visible). The traceback of an internal
    error, ledgerxl's own text, stays as it is."""

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.args, tuple):
            record.args = tuple(a if isinstance(a, (int, float)) else visible(str(a)) for a in record.args)
        record.msg = visible(str(record.msg)) if not record.args else record.msg
        return super().format(record)


@contextmanager
def file_log(path: Path) -> Iterator[None]:
    """The batch log, rotated by size; attached only while a run holds the lock (one writer at a time)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = LogFile(path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"无法写日志文件 {path}：{os_reason(e)}。", "请检查 log 的路径和写权限。") from e
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s [%(process)d] %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)
        handler.close()
