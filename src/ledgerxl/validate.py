"""Validation rules: each returns findings (never raises, never stops at the first problem)."""

from __future__ import annotations

from collections import defaultdict

from ledgerxl import codes
from ledgerxl.model import Finding, MasterList, Submission
from ledgerxl.periods import Period, match_period_words
from ledgerxl.tables import cell_name
from ledgerxl.targets import check_values


def _at(sub: Submission, row: int, field: str) -> dict[str, str]:
    col = sub.columns.get(field, sub.columns["number"])
    return {
        "file": sub.name,
        "sheet": sub.sheet,
        "cell": cell_name(row - 1, col),
        "department": sub.department or sub.department_raw,
    }


def check_submission(sub: Submission, master: MasterList, period: Period | None) -> list[Finding]:
    out: list[Finding] = []
    where = {"file": sub.name, "sheet": sub.sheet, "department": sub.department or sub.department_raw}
    if sub.department is None:
        if sub.department_raw:
            msg = f"填报单位“{sub.department_raw}”不在挂牌事项清单的责任单位中。"
        else:
            msg = "表中没有“填报单位”，文件名中也找不到唯一的责任单位名称。"
        out.append(codes.make("E207", msg, cell=sub.department_cell, **where))
    if period is not None and sub.period_raw:
        kind = match_period_words(sub.period_raw)
        years = {int(y) for y in _years(sub.period_raw)}
        if (kind and kind != period.kind) or (years and period.year not in years):
            out.append(
                codes.make(
                    "E206",
                    f"表中报告期为“{sub.period_raw}”，本次汇总的是{period}。",
                    cell=sub.period_cell,
                    **where,
                )
            )
    own = {it.number for it in master.items_of(sub.department)} if sub.department else None
    seen: dict[int, int] = {}
    for e in sub.entries:
        if e.number is None or e.number not in master.by_number:
            shown = e.raw_number.strip() or "（空）"
            out.append(codes.make("E201", f"序号“{shown}”不在挂牌事项清单中。", **_at(sub, e.row, "number")))
            continue
        if own is not None and e.number not in own:
            item = master.by_number[e.number]
            out.append(
                codes.make(
                    "E202",
                    f"第 {e.number} 项的责任单位是{'、'.join(item.departments)}，不是{sub.department}。",
                    **_at(sub, e.row, "number"),
                )
            )
        if e.number in seen:
            out.append(
                codes.make(
                    "E204",
                    f"第 {e.number} 项在第 {seen[e.number]} 行和第 {e.row} 行重复填报。",
                    **_at(sub, e.row, "number"),
                )
            )
        else:
            seen[e.number] = e.row
        if not e.progress.strip():
            out.append(codes.make("E205", f"第 {e.number} 项的进展情况为空。", **_at(sub, e.row, "progress")))
    if own is not None:
        for n in sorted(own - seen.keys()):
            out.append(codes.make("W307", f"本单位负责的第 {n} 项没有填报。", **where))
    return out


def _years(text: str) -> list[str]:
    import re

    return re.findall(r"(?<!\d)(20\d\d)(?!\d)", text)


def check_set(subs: list[Submission], master: MasterList) -> list[Finding]:
    """Rules across submissions: one per department, and who has not sent anything."""
    out: list[Finding] = []
    by_dept: dict[str, list[Submission]] = defaultdict(list)
    for s in subs:
        if s.department:
            by_dept[s.department].append(s)
    for dept, group in by_dept.items():
        if len(group) > 1:
            names = "、".join(sorted(s.name for s in group))
            for s in group:
                out.append(
                    codes.make(
                        "E208",
                        f"{dept}有 {len(group)} 份报送：{names}。",
                        file=s.name,
                        sheet=s.sheet,
                        department=dept,
                    )
                )
    for dept in master.departments:
        if dept not in by_dept:
            n = len(master.items_of(dept))
            out.append(codes.make("W305", f"{dept}尚未报送（负责 {n} 项）。", department=dept))
    return out


def validate(subs: list[Submission], master: MasterList, period: Period | None) -> list[Finding]:
    findings: list[Finding] = []
    for s in subs:
        findings.extend(check_submission(s, master, period))
        findings.extend(check_values(s, master))  # 完成值 against the item's target (W340–W343)
    findings.extend(check_set(subs, master))
    return findings
