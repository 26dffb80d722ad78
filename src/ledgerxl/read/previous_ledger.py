"""Last period's published texts, for the stale-progress rule (W301): read from an earlier 台账.xlsx
(or any table with 序号 and 进展情况 / 全年完成情况 columns: .xlsx/.xls/.ods/.csv)."""

from __future__ import annotations

import re
from pathlib import Path

from ledgerxl.errors import ReadError, UsageError
from ledgerxl.periods import Period, match_period_words
from ledgerxl.read.grid import TABLE_SUFFIXES, find_header, read_grids
from ledgerxl.text import item_number

_HINT = "--previous 应指向上一期的台账.xlsx（含“序号”和“进展情况”两列）。"


def load_previous(path: Path, period: Period | None = None, placeholder: str = "") -> dict[int, str]:
    """Item number -> last period's text (departments' paragraphs joined by line breaks).

    Rows showing only the placeholder for unreported items are left out. If the ledger's title names
    the very period being checked, it is not a previous ledger and a UsageError says so."""
    path = Path(path)
    if not path.is_file() or path.suffix.lower() not in TABLE_SUFFIXES:
        raise UsageError(f"找不到上期台账 {path}，或它不是表格文件。", _HINT)
    try:
        grids = read_grids(path)
    except ReadError as e:
        raise UsageError(f"上期台账 {path.name}：{e.message}", e.hint or _HINT) from e
    for grid in grids:
        found = find_header(grid, ("number", "progress"))
        if not found:
            continue
        header, cols = found
        if period is not None:
            title = " ".join(v for row in grid.rows[:header] for v in row if v)
            kind = match_period_words(title)
            years = {int(y) for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", title)}
            if kind == period.kind and period.year in years:
                raise UsageError(
                    f"上期台账 {path.name} 的标题是本期（{period}）的：“{title.strip()}”。",
                    "请指定上一期的台账，例如三季度校验时用上半年的台账.xlsx。",
                )
        texts: dict[int, str] = {}
        for r in range(header + 1, len(grid.rows)):
            number = item_number(grid.get(r, cols["number"]))
            text = grid.get(r, cols["progress"])
            if number is None or not text.strip() or (placeholder and text.strip() == placeholder):
                continue
            texts.setdefault(number, text)
        return texts
    raise UsageError(f"上期台账 {path.name} 中找不到“序号”和“进展情况”表头。", _HINT)
