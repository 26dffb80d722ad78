"""`ledgerxl versions`, `ledgerxl use`, `ledgerxl withdraw`: parse options, call jobs.decide, print."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledgerxl.cli.common import config_option, echo, handle_errors

if TYPE_CHECKING:
    from ledgerxl.jobs.history import StoredVersion

period_option = click.option("--period", "-p", help="哪一期，如 2025H1（默认 ledgerxl.toml 中的 period）。")


def version_line(v: StoredVersion) -> str:
    mark = "★" if v.current else " "
    date = f"填报日期 {v.filled_date}" if v.filled_date else "未填填报日期"
    counts = f"错误 {v.errors} 条，警告 {v.warnings} 条"
    who = f"（{v.decided.who} 于 {v.decided.at[:16]}）" if v.decided is not None else ""
    return f"{mark} {v.number}. {v.name}  {date}  收到于 {v.received_at[:19]}  {counts}  {v.state}{who}"


@click.command(name="versions")
@config_option
@period_option
@click.argument("department", required=False)
@handle_errors
def versions(config_path: Path | None, period: str | None, department: str | None) -> None:
    """列出各单位（或 DEPARTMENT 一个单位）本期收到的每一版报送表：编号、文件、填报日期、收到时间、
    错误和警告数，★ 为当前采用的版本。编号用于 ledgerxl use / ledgerxl withdraw。"""
    from ledgerxl.config import load_config
    from ledgerxl.jobs.decide import list_versions

    r = list_versions(load_config(config_path), department, period)
    echo(f"报告期：{r.period}")
    for dept, mine in r.departments:
        echo(f"{dept}：" + ("" if mine else "本期没有收到报送"))
        for v in mine:
            echo(f"  {version_line(v)}")
    if r.unassigned:
        echo("无法确定报送单位的文件：")
        for v in r.unassigned:
            echo(f"  {v.name}  收到于 {v.received_at[:19]}  错误 {v.errors} 条")


def _decided(
    action: str, config_path: Path | None, period: str | None, department: str, which: str, reason: str
) -> None:
    from ledgerxl.config import load_config
    from ledgerxl.jobs.decide import decide

    d = decide(load_config(config_path), department, which, action, reason, period)
    verb = "已指定采用" if action == "use" else "已撤回"
    by = f"（记录人 {d.version.decided.who}）" if d.version.decided else ""
    echo(f"{verb}：{d.department} 第 {d.version.number} 版 {d.version.name}{by}。")
    if d.current is None:
        echo(f"{d.department}现在没有采用的版本，台账中该单位的事项将显示为未报送。")
    else:
        echo(f"{d.department}现在采用：第 {d.current.number} 版 {d.current.name}。")
    echo("运行 ledgerxl batch 后，台账按此重新发布；merge、validate 和 status 已按此处理。")


@click.command(name="use")
@config_option
@period_option
@click.option("--reason", default="", help="原因（可选），记入历史。")
@click.argument("department")
@click.argument("version")
@handle_errors
def use(config_path: Path | None, period: str | None, reason: str, department: str, version: str) -> None:
    """指定 DEPARTMENT 采用第 VERSION 版（ledgerxl versions 列出的编号或文件名），不论填报日期先后；
    之后收到的新版本也不会自动替换它，直到再次指定。"""
    _decided("use", config_path, period, department, version, reason)


@click.command(name="withdraw")
@config_option
@period_option
@click.option("--reason", required=True, help="撤回的原因（必填），记入历史。")
@click.argument("department")
@click.argument("version")
@handle_errors
def withdraw(config_path: Path | None, period: str | None, reason: str, department: str, version: str) -> None:
    """撤回 DEPARTMENT 的第 VERSION 版：它不再参与选择，该单位改用其余版本中按规则应采用的一份。"""
    _decided("withdraw", config_path, period, department, version, reason)
