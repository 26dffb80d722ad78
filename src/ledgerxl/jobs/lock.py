"""A lock file that keeps two batch runs apart, on Linux/macOS (flock) and Windows (msvcrt.locking).

The operating system drops the lock when the process ends, however it ends (SIGKILL, power cut of the
process, Task Scheduler's "stop the task"), so a crashed run never blocks the next one and the lock
file is never deleted (deleting it would let two runs lock two different files)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from types import TracebackType

from ledgerxl.errors import ConfigError, LockHeld, os_reason

# Windows locks byte ranges and a locked range cannot be read by others: lock one byte far past the
# holder's note at the start of the file, so a refused run can still say who holds the lock.
_LOCK_OFFSET = 1 << 20


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


class RunLock:
    """`with RunLock(path):` holds the lock or raises LockHeld (exit code 3) at once, without waiting."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        except OSError as e:
            raise ConfigError(
                f"无法创建锁文件 {self.path}：{os_reason(e)}。", "请检查数据库（db）所在的目录是否存在、是否可写。"
            ) from e
        if not _try_lock(fd):
            os.close(fd)
            holder = self._holder()
            raise LockHeld(
                f"另一个 ledgerxl batch 正在运行{f'（{holder}）' if holder else ''}，本次没有执行。",
                "等它结束后再运行即可；定时任务会在下次自动继续。锁文件：" + str(self.path),
            )
        self._fd = fd
        started = dt.datetime.now().astimezone().isoformat(sep=" ", timespec="seconds")
        note = f"进程 {os.getpid()}，开始于 {started}".encode()
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, note)

    def _holder(self) -> str:
        try:
            return self.path.read_bytes()[:200].decode("utf-8", "replace").strip()
        except OSError:
            return ""

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
