"""Rules that compare a submission with the same department's previous period (pure functions).

The batch job takes the previous period's texts from its history database; any caller that has them
(e.g. from last period's forms) can use the same functions. W301 (unchanged text) is validate's
check_stale, the rule `merge --previous` applies to a published ledger; W330 is batch's alone."""

from __future__ import annotations

from collections.abc import Mapping

from ledgerxl import codes
from ledgerxl.model import Finding, Submission
from ledgerxl.periods import Period
from ledgerxl.rules.form import check_stale
from ledgerxl.text import cell_name

SNIPPET = 40  # characters of last period's text quoted in a W330 message


def _where(sub: Submission, row: int | None = None) -> dict[str, str]:
    where = {"file": sub.name, "sheet": sub.sheet, "department": sub.department or sub.department_raw}
    if row is not None:
        where["cell"] = cell_name(row - 1, sub.columns.get("progress", 0))
    return where


def disappeared_progress(sub: Submission, previous: Mapping[int, str], previous_period: Period) -> list[Finding]:
    """W330: an item the department reported last period has no progress in this submission."""
    rows = {e.number: e for e in sub.entries if e.number is not None}
    out: list[Finding] = []
    for number, old in sorted(previous.items()):
        if not old.strip():
            continue
        e = rows.get(number)
        if e is not None and e.progress.strip():
            continue
        quoted = old.strip().replace("\n", " ")
        quoted = quoted if len(quoted) <= SNIPPET else quoted[:SNIPPET] + "…"
        out.append(
            codes.make(
                codes.W330,
                f"第 {number} 项{previous_period}有进展情况（“{quoted}”），本次报送中{'为空' if e else '没有这一项'}。",
                **_where(sub, e.row if e else None),
            )
        )
    return out


def history_findings(sub: Submission, previous: Mapping[int, str], previous_period: Period) -> list[Finding]:
    """W301 and W330 against the department's own texts for `previous_period`."""
    return check_stale(sub, previous, f"{previous_period}报送的") + disappeared_progress(sub, previous, previous_period)
