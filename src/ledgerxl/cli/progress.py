"""A progress bar on stderr while many files are read, only on a terminal: scheduled jobs' logs stay clean."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any, TextIO

import click

MIN_FILES = 30  # fewer files are read in well under a second: a bar would only flicker


class FileProgress:
    """A `pipeline.ReadProgress` callback; use it as a context manager so the bar's line is always ended.

    Silent (never draws, never writes) unless the stream is a terminal and there are MIN_FILES or more."""

    def __init__(self, label: str = "读取报送文件", stream: TextIO | None = None, min_files: int = MIN_FILES) -> None:
        self.label = label
        self.stream = stream
        self.min_files = min_files
        self._bar: Any = None
        self._decided = False

    def __call__(self, done: int, total: int) -> None:
        if not self._decided:
            self._decided = True
            stream = self.stream or sys.stderr  # looked up late: CliRunner and tests swap sys.stderr
            if total >= self.min_files and _is_terminal(stream):
                self._bar = click.progressbar(length=total, label=self.label, file=stream, show_pos=True)
                self._bar.__enter__()
        if self._bar is not None:
            self._bar.update(done - self._bar.pos)
            if done >= total:
                self.close()

    def close(self) -> None:
        if self._bar is not None:
            bar, self._bar = self._bar, None
            bar.__exit__(None, None, None)

    def __enter__(self) -> FileProgress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or unusual streams
        return False
