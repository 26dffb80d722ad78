"""`ledgerxl status`: what the batch history says about one period, read from a snapshot of the
database (never written, so it can run while a batch is running)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ledgerxl.cli.summary import format_finding, sort_findings
from ledgerxl.config import Config
from ledgerxl.errors import ConfigError
from ledgerxl.jobs.store import RunInfo, Store, Version
from ledgerxl.model import Finding
from ledgerxl.periods import Period, parse_period

_OUTCOMES = {
    "ok": "完成",
    "errors": "完成（有未解决的错误）",
    "failed": "失败",
    "interrupted": "被中断",
    "running": "正在运行",
}


@dataclass
class DepartmentStatus:
    department: str
    versions: list[Version] = field(default_factory=list)

    @property
    def current(self) -> Version | None:
        return next((v for v in self.versions if v.current), None)


@dataclass
class Status:
    period: Period
    db: Path
    last_run: RunInfo | None
    departments: list[DepartmentStatus]  # every master department, in master order, then any other
    unassigned: list[Version]  # files not traced to a department
    open_errors: list[Finding]

    @property
    def submitted(self) -> list[DepartmentStatus]:
        return [d for d in self.departments if d.current]

    @property
    def missing(self) -> list[DepartmentStatus]:
        return [d for d in self.departments if not d.current]


def load_status(cfg: Config, period: str | None = None) -> Status:
    from ledgerxl.jobs.batch import batch_paths
    from ledgerxl.read.master import load_master

    cfg_period, paths = batch_paths(cfg)
    p = parse_period(period) if period else cfg_period
    if not paths.db.exists():
        raise ConfigError(f"还没有批处理记录（找不到数据库 {paths.db}）。", "请先运行 ledgerxl batch。")
    master = load_master(paths.master)
    store = Store.snapshot(paths.db)
    try:
        versions = store.versions(p)
        by_dept = {d: DepartmentStatus(d) for d in master.departments}
        unassigned: list[Version] = []
        for v in versions:
            if v.department is None:
                unassigned.append(v)
            else:
                by_dept.setdefault(v.department, DepartmentStatus(v.department)).versions.append(v)
        open_errors = store.findings_of(store.open_error_files(p), "error")
        return Status(p, paths.db, store.last_run(p), list(by_dept.values()), unassigned, open_errors)
    finally:
        store.close()


def _version_line(v: Version) -> str:
    if v.current:
        state = "当前版本"
    elif v.errors:
        state = f"有 {v.errors} 条错误，未采用"
    else:
        state = "已被较新的版本取代"
    return f"{'★' if v.current else ' '} {v.name}  收到于 {v.received_at[:19]}  {state}"


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
            lines.append(f"    {v.name}  收到于 {v.received_at[:19]}  错误 {v.errors} 条{where}")
    if st.open_errors:
        lines.append(f"未解决的错误 {len(st.open_errors)} 条：")
        for f in sort_findings(st.open_errors):
            lines.append(format_finding(f, "  "))
    else:
        lines.append("没有未解决的错误。")
    return "\n".join(lines)
