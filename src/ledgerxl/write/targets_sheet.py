"""The target-vs-achieved block of 台账.xlsx's 汇总 sheet: each item with both a target and a reported
完成值, its status, and whether the value reaches the target (`targets.assess`)."""

from __future__ import annotations

from ledgerxl.model import Ledger
from ledgerxl.targets import assess
from ledgerxl.write.ledger_xlsx import SummaryTable

TITLE = "目标与完成值对照"


def achieved(values: list[tuple[str, str]]) -> str:
    """One department: its value; several: `单位：值` per line."""
    if len(values) == 1:
        return values[0][1]
    return "\n".join(f"{d}：{v}" for d, v in values)


def target_table(ledger: Ledger) -> list[SummaryTable]:
    """The block as a one-element list, or none when no item has both a target and a value. 对照 is
    filled only where one department's value meets the target (a shared item's values are parts)."""
    rows = [r for r in ledger.rows if r.item.target and r.values]
    if not rows:
        return []
    return [
        SummaryTable(
            TITLE,
            "序号",
            [str(r.item.number) for r in rows],
            {
                "目标": [r.item.target for r in rows],
                "完成值": [achieved(r.values) for r in rows],
                "完成状态": [r.status for r in rows],
                "对照": [assess(r.item.target, r.values[0][1]) if len(r.values) == 1 else "" for r in rows],
            },
            chart="",
        )
    ]
