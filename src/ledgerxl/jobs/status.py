"""`ledgerxl status`: what the batch history says about one period, read from a snapshot of the
database (never written, so it can run while a batch is running)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ledgerxl import contained
from ledgerxl.config import Config
from ledgerxl.errors import ConfigError
from ledgerxl.jobs.store import RunInfo, Store, Version
from ledgerxl.model import Finding
from ledgerxl.periods import Period, parse_period


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
        """Departments whose current version has no errors (as batch counts them)."""
        return [d for d in self.departments if d.current and not d.current.errors]

    @property
    def missing(self) -> list[DepartmentStatus]:
        """Departments still to send a form, or a corrected one (their current version has errors)."""
        return [d for d in self.departments if not d.current or d.current.errors]


def load_status(cfg: Config, period: str | None = None) -> Status:
    from ledgerxl.jobs.batch import batch_paths
    from ledgerxl.read.master import load_master

    cfg_period, paths = batch_paths(cfg)
    p = parse_period(period) if period else cfg_period
    if not paths.db.exists():
        raise ConfigError(f"还没有批处理记录（找不到数据库 {paths.db}）。", "请先运行 ledgerxl batch。")
    master = contained.run(load_master, paths.master, what=f"挂牌事项清单 {paths.master}")
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
