"""`ledgerxl status`: parse options, call jobs.status.load_status, print it (the text is made here)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledgerxl.cli.common import config_option, echo_block, handle_errors
from ledgerxl.cli.summary import format_finding, sort_findings
from ledgerxl.text import visible

if TYPE_CHECKING:
    from ledgerxl.jobs.status import Status
    from ledgerxl.jobs.store import Version

_OUTCOMES = {
    "ok": "完成",
    "errors": "完成（有未解决的错误）",
    "failed": "失败",
    "interrupted": "被中断",
    "running": "正在运行",
}


@click.command(name="status")
@config_option
@click.option("--period", "-p", help="查看哪一期，如 2025H1（默认 ledgerxl.toml 中的 period）。")
@handle_errors
def status(config_path: Path | None, period: str | None) -> None:
    """查看批处理记录的报送情况：收到了哪些文件、来自哪个单位、哪一份是当前版本（含收到时间）、
    哪些单位未报送、还有哪些未解决的错误。只读数据库，可在批处理运行时查看。"""
    from ledgerxl.config import load_config
    from ledgerxl.jobs.status import load_status

    echo_block(format_status(load_status(load_config(config_path), period)))


def _version_line(v: Version) -> str:
    if v.current:
        state = "当前版本"
    elif v.errors:
        state = f"有 {v.errors} 条错误，未采用"
    else:
        state = "已被较新的版本取代"
    return f"{'★' if v.current else ' '} {visible(v.name)}  收到于 {v.received_at[:19]}  {state}"


def format_status(st: Status) -> str:
    lines = [f"报告期：{st.period}    数据库：{st.db}"]
    if st.last_run:
        r = st.last_run
        end = f" — {r.ended_at[11:19]}" if r.ended_at else ""
        lines.append(f"最近一次批处理：#{r.id} {r.started_at[:19]}{end}，{_OUTCOMES.get(r.outcome, r.outcome)}")
    else:
        lines.append("本期还没有运行过批处理。")
    total = len(st.departments)
    lines.append(f"已报送 {len(st.submitted)}/{total} 个单位（★ 为当前版本）：")
    for d in st.submitted:
        lines.append(f"  {d.department}")
        lines.extend(f"    {_version_line(v)}" for v in reversed(d.versions))
    if st.missing:
        lines.append(f"未报送 {len(st.missing)} 个单位：")
        for d in st.missing:
            lines.append(f"  {d.department}" + ("（已报送的文件均有错误）" if d.versions else ""))
            lines.extend(f"    {_version_line(v)}" for v in reversed(d.versions))
    else:
        lines.append("全部单位均已报送。")
    if st.unassigned:
        lines.append(f"无法确定报送单位的文件 {len(st.unassigned)} 个：")
        for v in st.unassigned:
            where = "" if v.in_inbox else "，已不在收件箱"
            lines.append(f"    {visible(v.name)}  收到于 {v.received_at[:19]}  错误 {v.errors} 条{where}")
    if st.open_errors:
        lines.append(f"未解决的错误 {len(st.open_errors)} 条：")
        for f in sort_findings(st.open_errors):
            lines.append(format_finding(f, "  "))
    else:
        lines.append("没有未解决的错误。")
    return "\n".join(lines)
