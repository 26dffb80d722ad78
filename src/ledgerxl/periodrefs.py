"""Which periods a progress text speaks of: 1-6月, 截至8月底, 上半年, 前三季度, 今年以来, 目前 …

Used by the earlier-period-figures rule: a 三季度 text that quotes only 1-6月 figures was probably
copied from the 上半年 report. Each mention is reduced to (year or None, last month covered); words
such as 目前 or 今年以来 speak of now.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ledgerxl.periods import Period

_DASH = r"(?:-|~|至|到)"
_YEAR = r"(?:(?P<year>20\d\d)年(?:度)?)?"
_RANGE = re.compile(_YEAR + r"(?<!\d)(?P<a>1[0-2]|0?[1-9])(?:月份?)?" + _DASH + r"(?P<b>1[0-2]|0?[1-9])月(?!\d)")
_MONTH = re.compile(
    _YEAR + r"(?:截至|截止|截止到|截至到|到)?(?<!\d)(?P<m>1[0-2]|0?[1-9])月(?:份|底|末|中旬|下旬|上旬)?"
)
_YEAR_END = re.compile(r"(?P<year>20\d\d)年(?:底|末)")
_WORDS: tuple[tuple[str, int], ...] = (
    ("前三季度", 9),
    ("第三季度", 9),
    ("三季度", 9),
    ("第一季度", 3),
    ("一季度", 3),
    ("第二季度", 6),
    ("二季度", 6),
    ("上半年", 6),
    ("下半年", 12),
    ("第四季度", 12),
    ("四季度", 12),
    ("全年", 12),
)
_WORD = re.compile(_YEAR + "(?P<w>" + "|".join(w for w, _ in _WORDS) + ")")
_NOW = re.compile(r"今年以来|截至目前|截止目前|到目前|目前|当前|现已|本季度|本期|年初以来")
_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "‐": "-", "～": "~", "〜": "~"})


@dataclass(frozen=True)
class Mention:
    text: str
    year: int | None
    month: int  # last month the mention covers; 0 for "now"


def mentions(text: str) -> list[Mention]:
    s = unicodedata.normalize("NFKC", text).translate(_DASHES)
    s = re.sub(r"\s+", "", s)
    found: list[tuple[int, Mention]] = []
    taken = [False] * len(s)

    def add(m: re.Match[str], year: int | None, month: int) -> None:
        if any(taken[m.start() : m.end()]):
            return
        for i in range(m.start(), m.end()):
            taken[i] = True
        found.append((m.start(), Mention(m.group(0), year, month)))

    def year_of(m: re.Match[str]) -> int | None:
        y = m.groupdict().get("year")
        return int(y) if y else None

    for m in _NOW.finditer(s):
        add(m, None, 0)
    for m in _RANGE.finditer(s):
        add(m, year_of(m), int(m.group("b")))
    for m in _WORD.finditer(s):
        add(m, year_of(m), dict(_WORDS)[m.group("w")])
    for m in _YEAR_END.finditer(s):
        add(m, year_of(m), 12)
    for m in _MONTH.finditer(s):
        add(m, year_of(m), int(m.group("m")))
    return [mention for _, mention in sorted(found, key=lambda x: x[0])]


def _previous_end(period: Period) -> int:
    """Last month covered by the period before `period` in the same year (0 for Q1)."""
    return {"Q1": 0, "H1": 3, "Q3": 6, "FY": 9}[period.kind]


def only_earlier(text: str, period: Period) -> list[Mention]:
    """The mentions of earlier periods when the text mentions nothing of `period` itself; else []."""
    earlier: list[Mention] = []
    for m in mentions(text):
        year = m.year or period.year
        if m.month == 0 and m.year is None:
            return []  # 目前, 今年以来 …: speaks of now
        if year < period.year or (year == period.year and m.month <= _previous_end(period)):
            earlier.append(m)
        else:
            return []
    return earlier
