"""W340–W343: a form's 完成值 against the targets (目标) of its items, and against its own 完成状态. The
targets themselves are parsed and compared in ledgerxl.targets."""

from __future__ import annotations

import re

from ledgerxl import codes
from ledgerxl.model import STATUS_DONE, STATUS_LATE, Finding, MasterList, Submission
from ledgerxl.targets import TargetSyntaxError, compare, format_target, parse_target
from ledgerxl.text import cell_name


def check_values(sub: Submission, master: MasterList) -> list[Finding]:
    """W340–W343: a submission's 完成值 against the item targets, and against its own 完成状态.

    Only items with one responsible department are compared: where several share an item, each
    department's value is a part of the whole. Items whose 目标 cell cannot be read are skipped
    here (`ledgerxl master check` reports them)."""
    out: list[Finding] = []
    col = sub.columns.get("value", sub.columns.get("number", 0))
    for e in sub.entries:
        item = master.by_number.get(e.number) if e.number is not None else None
        if item is None or not item.target.strip() or not e.value.strip() or len(item.departments) != 1:
            continue
        try:
            target = parse_target(item.target)
        except TargetSyntaxError:
            continue
        if not target:
            continue
        where = {
            "file": sub.name,
            "sheet": sub.sheet,
            "cell": cell_name(e.row - 1, col),
            "department": sub.department or sub.department_raw,
        }
        c = compare(target, e.value)
        status = re.sub(r"\s+", "", e.status)
        shown = format_target(target)
        if c.met is None:
            out.append(codes.make(c.code, f"第 {e.number} 项{c.message}。", **where))
        elif status == STATUS_DONE and not c.met:
            out.append(
                codes.make(
                    codes.W340, f"第 {e.number} 项完成状态为“已完成”，但完成值“{e.value}”未达到目标“{shown}”。", **where
                )
            )
        elif status == STATUS_LATE and c.met:
            out.append(
                codes.make(
                    codes.W341,
                    f"第 {e.number} 项完成值“{e.value}”已达到目标“{shown}”，但完成状态为“进度滞后”。",
                    **where,
                )
            )
    return out
