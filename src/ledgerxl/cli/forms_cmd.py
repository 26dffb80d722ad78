"""`ledgerxl forms`: parse options, call jobs.forms.write_forms_for, print what was written."""

from __future__ import annotations

from pathlib import Path

import click

from ledgerxl.cli.common import config_option, echo, handle_errors, master_option, period_option


@click.command(name="forms")
@master_option
@period_option
@click.option("--out", "-o", type=click.Path(path_type=Path), help="填报表输出目录（默认 forms）。")
@config_option
@click.option(
    "--department",
    "-d",
    "departments",
    multiple=True,
    help="只为这个单位生成（可重复）；默认为清单中的每个责任单位各生成一份。",
)
@click.option("--force", is_flag=True, help="覆盖输出目录中已有的同名填报表。")
@handle_errors
def forms(
    master: Path | None,
    period: str | None,
    out: Path | None,
    config_path: Path | None,
    departments: tuple[str, ...],
    force: bool,
) -> None:
    """为每个责任单位生成预填的报送表（填报表.xlsx）。

    每份只列该单位负责的事项；序号、事项内容、责任单位锁定，进展情况、完成状态（下拉选择）、备注可填，
    并附“填报说明”工作表。ledgerxl.toml 中的 deadline（报送截止日期）和 contact（督查室联系方式）
    写在表上。已有同名文件时不覆盖，除非加 --force。
    """
    from ledgerxl.config import load_config
    from ledgerxl.jobs.forms import write_forms_for

    cfg = load_config(config_path)
    written = write_forms_for(cfg, master=master, period=period, out=out, departments=list(departments), force=force)
    echo(f"已生成填报表 {len(written)} 份：")
    for p in written:
        echo(f"  {p}")
