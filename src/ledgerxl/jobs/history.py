"""One store, one truth about versions: the working folder's history applied by the one rule
(rules.resubmissions.choose_submissions) for every command.

- batch and the clerk's decisions (`ledgerxl use`, `ledgerxl withdraw`) keep the history's current
  version of each department up to date: `refresh_current`;
- merge and validate, reading files from the inbox, take the order in which batch received them and the
  clerk's decisions from the history when the folder has one: `FileHistory`; a folder without history
  (plain merge) orders by file modification time, as before;
- status and `ledgerxl versions` show the versions and which one counts: `department_versions`.
"""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ledgerxl.config import DB_NAME, Config
from ledgerxl.errors import LedgerxlError, ReadError, UsageError
from ledgerxl.model import Finding, Submission
from ledgerxl.periods import Period
from ledgerxl.rules.resubmissions import Decision, Selection, choose_submissions

if TYPE_CHECKING:  # imported where a history exists: a folder without one (plain merge) never loads sqlite3
    from ledgerxl.jobs.store import Decided, Store


@dataclass
class StoredVersion:
    """One file the history received for the period, with the rule's verdict."""

    number: int  # 1, 2, … in the order the department's files were received
    file_id: int
    submission_id: int | None
    name: str
    department: str | None
    filled_date: str
    received_at: str
    errors: int
    warnings: int
    decided: Decided | None
    current: bool = False

    @property
    def state(self) -> str:
        if self.decided is not None and self.decided.action == "withdraw":
            return f"已撤回（{self.decided.reason}）" if self.decided.reason else "已撤回"
        if self.current:
            return "当前版本（督查室指定）" if self.decided is not None else "当前版本"
        return f"有 {self.errors} 条错误，未采用" if self.errors else "未采用"


@dataclass
class StoredSelection:
    selection: Selection
    versions: list[StoredVersion] = field(default_factory=list)

    @property
    def current(self) -> dict[str, int]:
        """department -> submission id of its current version."""
        return {v.department: v.submission_id for v in self.versions if v.current and v.department and v.submission_id}

    @property
    def findings(self) -> list[Finding]:
        return self.selection.findings


def stored_selection(store: Store, period: Period, department: str | None = None) -> StoredSelection:
    """The rule over every version the history holds for the period (or for one department: the rule
    chooses within each department, and an upload changes one; over all of them it cost an upload
    2-3 ms at 150 files, inside the lock every upload waits for)."""
    heads = store.version_heads(period, department)
    decided = store.decisions(period, department)
    meta = {id(sub): (fid, sid, errors) for fid, sid, sub, errors in heads}
    subs = [sub for _, _, sub, _ in heads]

    def decision(s: Submission) -> Decision:
        d = decided.get(meta[id(s)][0])
        return "use" if d and d.action == "use" else "withdraw" if d and d.action == "withdraw" else ""

    sel = choose_submissions(
        subs, receipt=lambda s: meta[id(s)][0], has_errors=lambda s: meta[id(s)][2] > 0, decision=decision
    )
    chosen = {id(s) for s in sel.chosen if s.department}
    versions: list[StoredVersion] = []
    counts: dict[str | None, int] = {}
    warnings = store.warning_counts(period, department)
    for v in store.versions(period, department):
        counts[v.department] = counts.get(v.department, 0) + 1
        versions.append(
            StoredVersion(
                number=counts[v.department],
                file_id=v.file_id,
                submission_id=None,
                name=v.name,
                department=v.department,
                filled_date="",
                received_at=v.received_at,
                errors=v.errors,
                warnings=warnings.get(v.file_id, 0),
                decided=decided.get(v.file_id),
            )
        )
    by_file = {sv.file_id: sv for sv in versions}
    for fid, sid, sub, _ in heads:
        head = by_file[fid]
        head.submission_id, head.filled_date = sid, sub.filled_date
        head.current = id(sub) in chosen
    return StoredSelection(sel, versions)


def refresh_current(store: Store, period: Period, run_id: int, department: str | None = None) -> StoredSelection:
    """Apply the rule and record each department's current version (inside a transaction); `department`:
    only that one's versions changed."""
    stored = stored_selection(store, period, department)
    store.set_currents(period, stored.current, run_id, department)
    return stored


@dataclass
class FileHistory:
    """What the history knows of the files merge or validate read: when batch received each (by content)
    and what the clerk decided. Files it never received count as received after all it did."""

    received: dict[str, int]  # sha256 -> file id (the order of receipt)
    decided: dict[str, Decided]
    sha: dict[Path, str] = field(default_factory=dict)

    def receipt(self, s: Submission) -> Hashable:
        sha = self.sha.get(s.path, "")
        return (0, self.received[sha], 0) if sha in self.received else (1, 0, int(s.mtime))

    def decision(self, s: Submission) -> Decision:
        d = self.decided.get(self.sha.get(s.path, ""))
        return "use" if d and d.action == "use" else "withdraw" if d and d.action == "withdraw" else ""


def history_db(cfg: Config) -> Path | None:
    """The working folder's history database, when it has one."""
    db = cfg.db or (cfg.base_dir / DB_NAME if cfg.source else None)
    return db if db is not None and db.is_file() else None


def file_history(cfg: Config, period: Period, files: list[Path]) -> FileHistory | None:
    db = history_db(cfg)
    if db is None:
        return None
    from ledgerxl.jobs.store import Store
    from ledgerxl.read.safety import check_stat

    try:
        store = Store.snapshot(db)
    except LedgerxlError:
        return None  # a damaged history is batch's to report; merge still works from the files
    try:
        received = {
            sha: fid for fid, sha in store.conn.execute("SELECT id, sha256 FROM files WHERE period = ?", (period.code,))
        }
        decided_by_id = store.decisions(period)
        by_id = {fid: sha for sha, fid in received.items()}
        decided = {by_id[fid]: d for fid, d in decided_by_id.items() if fid in by_id}
    finally:
        store.close()
    sha: dict[Path, str] = {}
    for f in files:
        try:
            check_stat(f)  # a pipe would block here forever, a link out of the inbox must not be read
            sha[f] = hashlib.sha256(f.read_bytes()).hexdigest()
        except (OSError, ReadError):
            continue  # reported by the reader, in its worker
    return FileHistory(received, decided, sha)


# ---- the clerk's decisions


def who() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no user name in this environment (a service account)
        return "未知用户"


def find_version(stored: StoredSelection, department: str, which: str) -> StoredVersion:
    """A department's version by its number in `ledgerxl versions` or by its file name."""
    mine = [v for v in stored.versions if v.department == department]
    if not mine:
        raise UsageError(f"{department}本期还没有报送记录。", "请用 ledgerxl versions 查看各单位收到的报送。")
    for v in mine:
        if which == str(v.number) or which == v.name:
            return v
    listed = "；".join(f"{v.number}. {v.name}" for v in mine)
    raise UsageError(f"{department}没有编号或文件名为“{which}”的版本。", f"可选：{listed}。")
