"""The tables of 台账.xlsx's 汇总 sheet, as data: counts per department, 分类 and 完成状态, and the
target-vs-achieved block (each item with both a target and a reported 完成值, its status, and whether the
value reaches the target, `targets.assess`). ledger_xlsx lays them out and charts them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledgerxl.ledger import Count, LedgerStats
from ledgerxl.model import Ledger
from ledgerxl.targets import assess

REPORTED, MISSING = "已报送", "未报送"

TITLE = "目标与完成值对照"


@dataclass
class SummaryTable:
    """One block of the 汇总 sheet: a key column, value columns, and a chart of some of them.

    Other outputs add figures by appending to `columns` (heading -> one value per key)."""

    title: str
    key: str
    keys: list[str]
    columns: dict[str, list[Any]] = field(default_factory=dict)
    chart: str = "bar"  # "bar": stacked horizontal bars of `charted`; "pie": a pie of the first of them; "": none
    charted: tuple[str, ...] = (REPORTED, MISSING)
    # a 合计 row, where a sum means something: the items (分类, 完成状态 split them) or, per department, the
    # items each must report (a shared item once per department: the 合计 is what the office expects to receive)
    total: bool = False


def _count_table(title: str, key: str, counts: list[Count], items: str, total: bool = False) -> SummaryTable:
    """Items, reported and missing per department or 分类."""
    columns = {
        items: [c.items for c in counts],
        REPORTED: [c.reported for c in counts],
        MISSING: [c.missing for c in counts],
    }
    return SummaryTable(title, key, [c.name for c in counts], columns, total=total)


def summary_tables(stats: LedgerStats) -> list[SummaryTable]:
    tables = [_count_table("按责任单位统计", "责任单位", stats.by_department, "负责事项", total=True)]
    if stats.by_category:
        tables.append(_count_table("按分类统计", "分类", stats.by_category, "事项数", total=True))
    if stats.by_status:
        tables.append(
            SummaryTable(
                "按完成状态统计",
                "完成状态",
                [s for s, _ in stats.by_status],
                {"事项数": [n for _, n in stats.by_status]},
                chart="pie",
                charted=("事项数",),
                total=True,
            )
        )
    return tables


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
