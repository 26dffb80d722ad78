"""`ledgerxl next-period`: parse options, call jobs.next_period, print what moved where."""

from __future__ import annotations

from pathlib import Path

import click

from ledgerxl.cli.common import config_option, echo, handle_errors


@click.command(name="next-period")
@config_option
@click.option("--blank", is_flag=True, help="下期报送表不预填本期的进展情况。")
@handle_errors
def next_period(config_path: Path | None, blank: bool) -> None:
    """把工作目录转入同一年度的下一报告期（一季度 → 上半年 → 三季度 → 全年）。

    本期的报送表移到 periods/本期/inbox/，下发的报送表移到 periods/本期/forms/，out/ 中的台账等复制到
    periods/本期/out/；forms/ 中生成下期报送表，进展情况预填各单位本期当前版本的文字（--blank 不预填）；
    ledgerxl.toml 改为下一期，并把 previous 设为本期台账（进展与上期相同时给出 W301）。报送历史（ledgerxl.db）
    保留。全年之后请用 ledgerxl init 为新的一年新建工作目录。
    """
    from ledgerxl.config import load_config
    from ledgerxl.jobs.next_period import next_period as move_on

    r = move_on(load_config(config_path), prefill=not blank)
    base = r.kept.parent.parent
    echo(f"已从{r.finished}转入{r.period}。")
    echo(f"  本期文件归档到 {r.kept}：移动 {len(r.moved)} 个报送表和下发表，复制 {len(r.copied)} 个输出文件。")
    prefilled = f"，预填进展情况 {r.prefilled} 项" if r.prefilled else ""
    echo(f"  下期报送表 {len(r.forms)} 份：{base / 'forms'}{prefilled}。")
    if r.previous is not None:
        echo(f"  ledgerxl.toml：period 改为 {r.period.code}，previous 设为 {r.previous}。")
    else:
        echo(f"  ledgerxl.toml：period 改为 {r.period.code}（本期 out/ 中没有台账.xlsx，未设置 previous）。")
    echo("下一步：把 forms/ 中的报送表发给各单位；收到后放入收件目录，运行 ledgerxl merge 或 ledgerxl batch。")
