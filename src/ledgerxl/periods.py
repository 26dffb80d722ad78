"""Reporting periods (报告期): 2025Q1 一季度, 2025H1 上半年, 2025Q3 三季度, 2025FY 全年."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ledgerxl.errors import PeriodError

KINDS = ("Q1", "H1", "Q3", "FY")
LABELS = {"Q1": "一季度", "H1": "上半年", "Q3": "三季度", "FY": "全年"}
# Words people write for each period, longest first when matching.
_SYNONYMS = {
    "Q1": ("一季度", "第一季度", "1季度", "Q1", "1-3月", "1—3月", "1至3月"),
    "H1": ("上半年", "半年", "二季度", "第二季度", "H1", "Q2", "1-6月", "1—6月", "1至6月"),
    "Q3": ("三季度", "第三季度", "前三季度", "3季度", "Q3", "1-9月", "1—9月", "1至9月"),
    "FY": ("全年", "年度", "四季度", "第四季度", "FY", "Q4", "1-12月", "1—12月", "1至12月"),
}
_END = {"Q1": (3, 31), "H1": (6, 30), "Q3": (9, 30), "FY": (12, 31)}


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: str  # one of KINDS

    @property
    def code(self) -> str:
        return f"{self.year}{self.kind}"

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def is_annual(self) -> bool:
        return self.kind == "FY"

    @property
    def progress_label(self) -> str:
        """Column heading of the progress text: annual ledgers report completion, not progress."""
        return "全年完成情况" if self.is_annual else "进展情况"

    @property
    def end_date(self) -> dt.date:
        m, d = _END[self.kind]
        return dt.date(self.year, m, d)

    @property
    def previous(self) -> Period:
        i = KINDS.index(self.kind)
        return Period(self.year - 1, "FY") if i == 0 else Period(self.year, KINDS[i - 1])

    def __str__(self) -> str:
        return f"{self.year}年{self.label}"


def parse_period(text: str) -> Period:
    """Parse `2025Q3`, `2025-Q3`, `2025H1`, `2025FY`, `2025年三季度`, `2025年全年` and the like."""
    s = re.sub(r"\s+", "", str(text)).upper().replace("－", "-")
    m = re.fullmatch(r"(\d{4})-?(Q[1-4]|H[12]|FY)", s)
    if m:
        year, kind = int(m.group(1)), m.group(2)
        kind = {"Q2": "H1", "Q4": "FY", "H2": "FY"}.get(kind, kind)
        return Period(year, kind)
    m = re.fullmatch(r"(\d{4})年?(.+)", s)
    if m:
        found = match_period_words(m.group(2))
        if found:
            return Period(int(m.group(1)), found)
    raise PeriodError(
        f"无法识别报告期“{text}”。",
        "请写成 2025Q1、2025H1、2025Q3、2025FY，或 2025年一季度、2025年上半年、2025年三季度、2025年全年。",
    )


def match_period_words(text: str) -> str | None:
    """The period kind a free text names (e.g. a form's 报告期 cell), or None."""
    s = re.sub(r"\s+", "", text).upper()
    best: tuple[int, str] | None = None
    for kind, words in _SYNONYMS.items():
        for w in words:
            if w.upper() in s and (best is None or len(w) > best[0]):
                best = (len(w), kind)
    return best[1] if best else None
