"""The ledger: built from the accepted submissions (one row per master item, in master order), and
its counts per department, per 分类 and per 完成状态 — one source for the 汇总 sheet of 台账.xlsx and for
the numbers quoted in the notice, so both always agree."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ledgerxl import codes
from ledgerxl.model import ANNUAL_STATUSES, STATUSES, Finding, Ledger, LedgerRow, MasterList, Submission

_CELL_ROW = re.compile(r"[A-Z]{1,3}(\d+)")


def build_ledger(
    master: MasterList,
    submissions: list[Submission],
    title: str,
    progress_label: str,
    placeholder: str,
    rejected: Iterable[tuple[int, str]] = (),
    error_placeholder: str = "（报送有误，待更正）",
) -> Ledger:
    """Join accepted submissions. Texts are kept as written; several departments on one item appear
    in the master's department order (lead first), whatever order the files were read in."""
    texts: dict[tuple[int, str], str] = {}
    statuses: dict[tuple[int, str], str] = {}
    values: dict[tuple[int, str], str] = {}
    for sub in submissions:
        if sub.department is None:
            continue
        for e in sub.entries:
            if e.number is None:
                continue
            key = (e.number, sub.department)
            # first row wins; duplicates are reported by validation
            if key not in texts and e.progress.strip():
                texts[key] = e.progress
                statuses[key] = e.status
                values[key] = e.value
    refused = set(rejected)  # (item, department) entries left out for their errors (accepted_part)
    rows: list[LedgerRow] = []
    for item in master.items:
        parts = [(d, texts[(item.number, d)]) for d in item.departments if (item.number, d) in texts]
        missing = [d for d in item.departments if (item.number, d) not in texts]
        given = [(d, statuses[(item.number, d)]) for d in item.departments if statuses.get((item.number, d))]
        status = given[0][1] if given else ""
        got = [(d, values[(item.number, d)]) for d in item.departments if values.get((item.number, d))]
        bad = [d for d in item.departments if (item.number, d) in refused and (item.number, d) not in texts]
        row = LedgerRow(item, parts, missing, status=status, values=got, rejected=bad, statuses=given)
        rows.append(row)
    return Ledger(title, progress_label, rows, placeholder, error_placeholder)


def status_text(row: LedgerRow) -> str:
    """The item's 完成状态 as 台账.xlsx shows it: one status when every department that reported gave the
    same one; otherwise each department's, `单位：状态` a line, in the master's department order (the
    lead's 已完成 must not hide a partner's 进度滞后, nor a lone partner's status pass for the lead's).
    Empty when none was given."""
    if not row.statuses:
        return ""
    if len(row.statuses) == 1 and len(row.parts) <= 1:  # most items: one department
        return row.statuses[0][1]
    distinct = {s for _, s in row.statuses}
    reporters = {d for d, _ in row.parts}
    if len(distinct) == 1 and reporters <= {d for d, _ in row.statuses}:
        return row.statuses[0][1]
    return "\n".join(f"{d}：{s}" for d, s in row.statuses)


def accepted_part(sub: Submission, errors: Iterable[Finding]) -> tuple[Submission | None, set[tuple[int, str]]]:
    """What of a form with errors goes into the ledger: nothing when an error is about the file (codes
    ITEM_LEVEL says which are not), else the form without the rows its errors name, and the (item,
    department) of those rows, which the ledger shows with the error placeholder."""
    errs = [f for f in errors if f.severity == "error"]
    if not errs:
        return sub, set()
    rows = {}
    for f in errs:
        row = _row_of(f.cell)
        if f.code not in codes.ITEM_LEVEL or row is None:
            return None, set()
        rows[row] = f
    keep = [e for e in sub.entries if e.row not in rows]
    dept = sub.department or ""
    refused = {(e.number, dept) for e in sub.entries if e.row in rows and e.number is not None}
    return dataclasses.replace(sub, entries=keep), refused


def _row_of(cell: str) -> int | None:
    m = _CELL_ROW.match(cell)
    return int(m.group(1)) if m else None


# the drop-down of the submission form, in this order; other statuses follow in order of appearance
STATUS_ORDER = (*STATUSES, *(s for s in ANNUAL_STATUSES if s not in STATUSES))
NO_STATUS = "未填写"
NO_CATEGORY = "未分类"


@dataclass(frozen=True)
class Count:
    """Items of one department / category: how many, how many with reported progress."""

    name: str
    items: int
    reported: int

    @property
    def missing(self) -> int:
        return self.items - self.reported


@dataclass(frozen=True)
class LedgerStats:
    items: int
    items_reported: int  # items with progress from at least one department
    departments: list[str]  # every responsible department, in master order
    departments_reported: list[str]
    by_department: list[Count]
    by_category: list[Count]  # empty when the master list has no 分类
    by_status: list[tuple[str, int]]  # empty when no department gave a 完成状态

    @property
    def items_missing(self) -> int:
        return self.items - self.items_reported

    @property
    def departments_missing(self) -> list[str]:
        done = set(self.departments_reported)
        return [d for d in self.departments if d not in done]


def ledger_stats(ledger: Ledger) -> LedgerStats:
    departments: dict[str, None] = {}
    dept_items: Counter[str] = Counter()
    dept_reported: Counter[str] = Counter()
    cat_items: Counter[str] = Counter()
    cat_reported: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for row in ledger.rows:
        reporters = {d for d, _ in row.parts}
        for d in row.item.departments:
            departments.setdefault(d, None)
            dept_items[d] += 1
            dept_reported[d] += d in reporters
        cat = row.item.category or NO_CATEGORY
        cat_items[cat] += 1
        cat_reported[cat] += bool(row.parts)
        statuses[row.status or NO_STATUS] += 1
    has_category = any(row.item.category for row in ledger.rows)
    has_status = any(row.status for row in ledger.rows)
    order = [s for s in STATUS_ORDER if s in statuses]
    order += [s for s in statuses if s not in STATUS_ORDER and s != NO_STATUS]
    order += [NO_STATUS] if NO_STATUS in statuses else []
    return LedgerStats(
        items=len(ledger.rows),
        items_reported=ledger.items_with_progress,
        departments=list(departments),
        departments_reported=[d for d in departments if dept_reported[d]],
        by_department=[Count(d, dept_items[d], dept_reported[d]) for d in departments],
        by_category=[Count(c, cat_items[c], cat_reported[c]) for c in cat_items] if has_category else [],
        by_status=[(s, statuses[s]) for s in order] if has_status else [],
    )
