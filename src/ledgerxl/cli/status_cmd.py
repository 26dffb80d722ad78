"""`ledgerxl status`: parse options, call status.load_status, print it."""

from __future__ import annotations

from pathlib import Path

import click

from ledgerxl.cli.common import config_option, handle_errors


@click.command(name="status")
@config_option
@click.option("--period", "-p", help="查看哪一期，如 2025H1（默认 ledgerxl.toml 中的 period）。")
@handle_errors
def status(config_path: Path | None, period: str | None) -> None:
    """查看批处理记录的报送情况：收到了哪些文件、来自哪个单位、哪一份是当前版本（含收到时间）、
    哪些单位未报送、还有哪些未解决的错误。只读数据库，可在批处理运行时查看。"""
    from ledgerxl.config import load_config
    from ledgerxl.jobs.status import format_status, load_status

    click.echo(format_status(load_status(load_config(config_path), period)))
