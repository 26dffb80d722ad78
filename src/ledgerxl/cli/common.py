"""Shared CLI plumbing: turn the library's errors into clean Chinese messages and exit codes."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ledgerxl.errors import LedgerxlError
from ledgerxl.text import visible

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INTERNAL = 70  # a bug in ledgerxl, not in the inputs

# --config, the same for every command that reads ledgerxl.toml (the parameter is `config_path`)
config_option = click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(path_type=Path),
    help="配置文件（默认当前目录下的 ledgerxl.toml）。",
)

# arguments and options merge, validate and forms share
inputs_argument = click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
master_option = click.option(
    "--master", "-m", type=click.Path(path_type=Path), help="挂牌事项清单（.xlsx/.xls/.ods/.csv）。"
)
period_option = click.option("--period", "-p", help="报告期，如 2025Q1、2025H1、2025Q3、2025FY 或 2025年三季度。")
jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="并行进程数（默认：报送表多时按 CPU 数自动选择；1 表示不并行）。",
)
previous_option = click.option(
    "--previous",
    type=click.Path(path_type=Path),
    help="上期台账.xlsx：进展情况与上期完全相同的事项给出警告（W301）。",
)


def echo(line: str = "", err: bool = False) -> None:
    """One line on the terminal, every control character in it written out (text.visible): a newline,
    ESC or U+202E in a file name or a cell is shown, not obeyed."""
    click.echo(visible(line, keep="\t"), err=err)


def echo_block(text: str, err: bool = False) -> None:
    """Several lines ledgerxl composed (a finding and its hint, the status table): its own line breaks
    stay; the fields from inputs were escaped where they were formatted (format_finding, format_status)."""
    click.echo("\n".join(visible(line, keep="\t") for line in text.split("\n")), err=err)


class CliError(click.ClickException):
    """A library error shown to the clerk as 错误：… with the library's exit code.

    click reads `exit_code` from the class (a ClassVar since click 8.2's typing), so each exit code gets
    its own subclass: `CliError.of(code)(message)`."""

    def show(self, file: Any = None) -> None:
        echo_block(f"错误：{self.format_message()}", err=True)

    @staticmethod
    @functools.cache
    def of(exit_code: int) -> type[CliError]:
        """The CliError subclass that exits with `exit_code` (one class per code, made once)."""
        return type(f"CliError{exit_code}", (CliError,), {"exit_code": exit_code})


def debug_enabled() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    flag = bool(root and isinstance(root.obj, dict) and root.obj.get("debug"))
    return flag or os.environ.get("LEDGERXL_DEBUG") == "1"


def handle_errors(func: F) -> F:
    """Library errors -> message + exit code; anything unexpected -> short message, traceback on --debug."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except LedgerxlError as e:
            if debug_enabled():
                traceback.print_exc()
            raise CliError.of(e.exit_code)(str(e)) from e  # echo() shows its control characters
        except KeyboardInterrupt:
            click.echo("已中断；已有的输出文件未被改动。", err=True)
            sys.exit(130)
        except Exception as e:
            if debug_enabled():
                traceback.print_exc()
            raise CliError.of(EXIT_INTERNAL)(
                f"程序内部错误（{type(e).__name__}: {visible(str(e))}）。"
                "\n  处理办法：请加 --debug 重新运行，并把输出发给维护人员。"
            ) from e

    return wrapper  # type: ignore[return-value]
