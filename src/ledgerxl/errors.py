"""Exceptions ledgerxl raises. Messages are in Chinese, for clerks; the CLI prints them as they are."""

from __future__ import annotations

import errno

# The reasons a clerk meets, in Chinese: Linux and macOS give strerror in English.
_ERRNO_ZH = {
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.ENOENT: "文件或目录不存在",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENOSPC: "磁盘空间已满",
    errno.EROFS: "磁盘是只读的",
    errno.EBUSY: "文件正被其他程序使用",
    errno.ELOOP: "符号链接（快捷方式）循环",
    errno.ENAMETOOLONG: "文件名或路径太长",
    errno.EIO: "磁盘读写出错",
}


def os_reason(e: OSError) -> str:
    """The system's reason for `e` in Chinese, for a message that adds its own 。 after it.

    Common errors are translated; others keep the system's text (Windows' is already Chinese and ends in
    "。", which gave "…：拒绝访问。。"); an OSError raised with only a message has no strerror, so its
    text is used instead."""
    if e.errno in _ERRNO_ZH and (e.strerror or "").isascii():
        return _ERRNO_ZH[e.errno]
    return (e.strerror or str(e)).strip().rstrip("。.")


class LedgerxlError(Exception):
    """Base of every error ledgerxl raises on purpose. `exit_code` is what the CLI returns."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  处理办法：{self.hint}" if self.hint else self.message

    def __reduce__(self) -> tuple[type, tuple[str, ...]]:
        # whole across processes (raised in a worker, reported by the parent): args would hold only the message
        return (type(self), (self.message, self.hint))


class UsageError(LedgerxlError):
    """Bad command-line options or arguments."""


class ConfigError(LedgerxlError):
    """ledgerxl.toml missing a value or holding a wrong one."""


class PeriodError(UsageError):
    """A period string that cannot be parsed."""


class MasterError(LedgerxlError):
    """The master list (挂牌事项清单) is missing or unreadable."""


class ReadError(LedgerxlError):
    """A submission could not be read. Carries the finding code; the pipeline turns it into a finding."""

    def __init__(self, code: str, message: str, hint: str = "", cell: str = "", sheet: str = "") -> None:
        super().__init__(message, hint)
        self.code = code
        self.cell = cell
        self.sheet = sheet

    def __reduce__(self) -> tuple[type, tuple[str, ...]]:
        return (type(self), (self.code, self.message, self.hint, self.cell, self.sheet))


class OutputError(LedgerxlError):
    """An output file could not be written."""

    exit_code = 2


class LockHeld(LedgerxlError):
    """Another batch run holds the lock; this run did nothing."""

    exit_code = 3


class NoticeTemplateError(LedgerxlError):
    """The notice template (通知模板) cannot be opened or names a tag ledgerxl does not know."""

    exit_code = 2
