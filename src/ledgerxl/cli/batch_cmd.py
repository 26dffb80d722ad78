"""`ledgerxl batch`: parse options, call batch.run_batch, print the short summary."""

from __future__ import annotations

from pathlib import Path

import click

from ledgerxl.cli.common import config_option, echo, handle_errors


@click.command(name="batch")
@config_option
@click.option("--dry-run", is_flag=True, help="只检查收件箱里的新文件并报告，不写数据库、归档、输出或日志。")
@click.option(
    "--move-processed",
    is_flag=True,
    help="把已记录的文件移到收件箱的“已处理”子目录（默认不移动、不修改收件箱里的文件）。",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="数据库丢失或损坏时：把现有数据库改名保存，按存档中的文件重建报送记录后照常运行。",
)
@handle_errors
def batch(config_path: Path | None, dry_run: bool, move_processed: bool, rebuild: bool) -> None:
    """定时批处理：收取收件箱中的新报送表，记录历史，重新汇总并发布台账和催报名单。

    供 cron、systemd 定时器或 Windows 任务计划程序无人值守运行：已处理过的文件（按内容）跳过，
    没有新文件时输出不变。除一段简短小结外不向屏幕输出，详情见日志文件、输出目录中的 run.json
    和 ledgerxl status。退出码：0 正常，1 有未解决的错误，2 用法或配置错误，3 另一个批处理正在运行。
    """
    from ledgerxl.config import load_config
    from ledgerxl.jobs.batch import BatchOptions, run_batch

    cfg = load_config(config_path)
    if rebuild and dry_run:
        raise click.UsageError("--rebuild 和 --dry-run 只能选一个。")
    opts = BatchOptions(config=cfg, dry_run=dry_run, move_processed=move_processed, rebuild=rebuild)
    result = run_batch(opts)
    for line in result.summary():
        echo(line)  # one line each: a newline in a file name is shown, not obeyed
    raise SystemExit(result.exit_code)
