"""The rules across the forms of a period: one form per department (W306, E208, via rules.resubmissions)
and who has not sent anything (W305). `validate` gathers every finding for a set of forms already read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from ledgerxl import codes
from ledgerxl.ledger import build_ledger
from ledgerxl.model import Finding, MasterList, Submission
from ledgerxl.periods import Period
from ledgerxl.rules.form import FormRules
from ledgerxl.rules.resubmissions import Selection, choose_submissions
from ledgerxl.text import EXCEL_CELL_LIMIT, excel_length, within_excel_limit


def check_missing(subs: list[Submission], master: MasterList) -> list[Finding]:
    """W305: departments of the master list that sent nothing (a warning: never blocks publishing)."""
    sent = {s.department for s in subs if s.department}
    out: list[Finding] = []
    for dept in master.departments:
        if dept not in sent:
            n = len(master.items_of(dept))
            out.append(codes.make(codes.W305, f"{dept}尚未报送（负责 {n} 项）。", department=dept))
    return out


def check_joined(chosen: list[Submission], master: MasterList) -> list[Finding]:
    """W324: an item whose departments' texts, joined as the ledger joins them, exceed Excel's cell limit
    (each text alone is within it, or E220 said so). 附件.docx keeps it whole; 台账.xlsx points there."""
    out: list[Finding] = []
    # only items several departments share can add up past the limit: building the whole ledger for the
    # check cost 0.06 s at 10,000 items, as much as merging it
    shared = {it.number for it in master.items if len(it.departments) > 1}
    mine = [s for s in chosen if any(e.number in shared for e in s.entries)]
    if not mine:
        return out
    ledger = build_ledger(MasterList([it for it in master.items if it.number in shared]), mine, "", "", "")
    for row in ledger.rows:
        if len(row.parts) > 1 and not within_excel_limit(row.progress):
            n = excel_length(row.progress)
            who = "、".join(d for d, _ in row.parts)
            msg = f"第 {row.item.number} 项{who}的进展合计 {n} 个字符，超过 Excel 单元格上限 {EXCEL_CELL_LIMIT}。"
            out.append(codes.make(codes.W324, msg, department=row.item.departments[0]))
    return out


def validate(
    subs: list[Submission],
    master: MasterList,
    period: Period | None,
    previous: Mapping[int, str] | None = None,
    missing: bool = True,
    checked: Mapping[Path, list[Finding]] | None = None,
    selection: Selection | None = None,
) -> list[Finding]:
    """All findings for a set of submissions already read. Forms replaced by a later one (W306) are not
    checked further: only the chosen form of each department goes into the ledger. `checked` holds the
    check_form findings already made for the forms (jobs.check makes them as it reads), by file;
    `selection` the choice of one form per department when the caller has made it already."""
    selection = selection or choose_submissions(subs)
    findings = list(selection.findings)
    rules: FormRules | None = None  # made only for forms not checked already
    for s in selection.chosen:
        done = checked.get(s.path) if checked is not None else None
        if done is None:
            rules = rules or FormRules(master, period, previous)
            done = rules.check_form(s)
        findings.extend(done)
    if missing:
        findings.extend(check_missing(subs, master))
    if period is not None:
        findings.extend(check_configured_period(subs, findings, period))
    return findings + check_joined(selection.chosen, master)


def check_configured_period(subs: list[Submission], findings: list[Finding], period: Period) -> list[Finding]:
    """W315, once, for the clerk: when most forms name another period than the configured one, the
    configuration is the likelier mistake (21 × E206 "请使用本期填报表" blamed the departments)."""
    wrong = {f.file for f in findings if f.code == codes.E206}
    dated = [s for s in subs if s.period_raw.strip()]
    if len(wrong) < 2 or len(wrong) * 2 <= len(dated):
        return []
    said = Counter(s.period_raw.strip() for s in dated if s.name in wrong).most_common(1)[0][0]
    msg = (
        f"{len(dated)} 份报送表中有 {len(wrong)} 份的报告期是“{said}”，与配置的报告期“{period}”不同："
        "多半是 ledgerxl.toml 中的 period 该改了。"
    )
    return [codes.make(codes.W315, msg, hint="请核对 ledgerxl.toml 的 period（或命令行的 --period）后重新运行。")]
