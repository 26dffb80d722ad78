"""`ledgerxl versions`, `ledgerxl use` and `ledgerxl withdraw`: the clerk sees every version of a
department's form and decides when the rule is wrong. A decision is recorded with who and when, in the
history every command reads (merge, validate, batch, status); batch republishes on its next run."""

from __future__ import annotations

from dataclasses import dataclass, field

from ledgerxl import contained
from ledgerxl.config import Config
from ledgerxl.departments import Departments
from ledgerxl.errors import ConfigError, UsageError
from ledgerxl.jobs.batch import BatchPaths, batch_paths
from ledgerxl.jobs.history import StoredVersion, find_version, refresh_current, stored_selection, who
from ledgerxl.jobs.lock import RunLock
from ledgerxl.jobs.store import Store
from ledgerxl.periods import Period, parse_period


@dataclass
class VersionsResult:
    period: Period
    departments: list[tuple[str, list[StoredVersion]]] = field(default_factory=list)  # master order
    unassigned: list[StoredVersion] = field(default_factory=list)  # files of no known department


@dataclass
class Decision:
    period: Period
    department: str
    version: StoredVersion
    action: str
    current: StoredVersion | None  # the department's current version after the decision


def _context(cfg: Config, period: str | None) -> tuple[Period, Departments, BatchPaths]:
    from ledgerxl.read.master import load_master

    cfg_period, paths = batch_paths(cfg)
    p = parse_period(period) if period else cfg_period
    if not paths.db.is_file():
        raise ConfigError(f"还没有报送记录（找不到数据库 {paths.db}）。", "请先运行 ledgerxl batch 收取报送表。")
    master = contained.run(load_master, paths.master, what=f"挂牌事项清单 {paths.master}")
    return p, Departments(master.departments, cfg.aliases), paths


def list_versions(cfg: Config, department: str | None = None, period: str | None = None) -> VersionsResult:
    """Every version of every department's form (or of one), numbered in the order received."""
    p, names, paths = _context(cfg, period)
    store = Store.snapshot(paths.db)
    try:
        stored = stored_selection(store, p)
    finally:
        store.close()
    wanted = _department(names, department) if department else None
    result = VersionsResult(p)
    for dept in names.canonical:
        if wanted is None or dept == wanted:
            mine = [v for v in stored.versions if v.department == dept]
            if mine or wanted is not None:
                result.departments.append((dept, mine))
    if wanted is None:
        result.unassigned = [v for v in stored.versions if v.department is None]
    return result


def decide(
    cfg: Config,
    department: str,
    which: str,
    action: str,
    reason: str = "",
    period: str | None = None,
    who_decided: str | None = None,
) -> Decision:
    """Record `action` ("use" or "withdraw") for version `which` (its number or file name) of the
    department's form, then apply the rule: the department's current version after it. `who_decided`:
    who is recorded (default: the user running the command; the desk says 督查室（网页）)."""
    if action not in ("use", "withdraw"):
        raise UsageError(f"不认识的操作“{action}”。")
    if action == "withdraw" and not reason.strip():
        raise UsageError("撤回一个版本需要写明原因。", '例如：--reason "单位来电说明是草稿"。')
    p, names, paths = _context(cfg, period)
    dept = _department(names, department)
    with RunLock(paths.lock):
        store = Store.open(paths.db)
        try:
            version = find_version(stored_selection(store, p), dept, which)
            run_id = store.begin_run(p)
            with store.transaction():
                store.decide(p, dept, version.file_id, action, reason.strip(), who_decided or who())
                stored = refresh_current(store, p, run_id)
            decision = {"department": dept, "file": version.name, "action": action, "reason": reason}
            record: dict[str, object] = {"decision": decision}
            store.finish_run(run_id, "ok", record)
        finally:
            store.close()
    mine = [v for v in stored.versions if v.department == dept]
    chosen = next((v for v in mine if v.file_id == version.file_id), version)
    current = next((v for v in mine if v.current), None)
    return Decision(p, dept, chosen, action, current)


def _department(names: Departments, given: str) -> str:
    dept = names.resolve(given)
    if dept is None:
        near = names.near(given)
        tip = f"是否应为“{'”或“'.join(near)}”？" if near else ""
        raise UsageError(
            f"挂牌事项清单中没有责任单位“{given}”。", f"{tip}请使用规范名称或 ledgerxl.toml 中登记的别名。"
        )
    return dept
