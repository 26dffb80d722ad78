"""Which periods a progress text speaks of: 1-6月, 截至8月底, 上半年, 前三季度, 今年以来, 目前 …

Used by the earlier-period-figures rule: a 三季度 text that quotes only 1-6月 figures was probably
copied from the 上半年 report. Each mention is reduced to (year or None, last month covered); words
such as 目前 or 今年以来 speak of now. A mention is also of a kind: figures up to a month (1-6月, 上半年,
截至6月底, 6月底累计…), a date on which something happened (3月印发方案, 9月底建成通车: a year's report
lists such milestones), or a baseline compared against (较2024年底增长, 较1-8月收窄).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from ledgerxl.periods import Period

_DASH = r"(?:-|~|至|到)"
_YEAR = r"(?:(?P<year>20\d\d)年(?:度)?)?"
# Each pattern starting with an optional part opens with a lookahead naming the characters a match can
# start with (here: a digit, or 截/到): sre then rejects every other position at once, about 3x faster
# on long texts, and finds exactly the same matches.
_RANGE = re.compile(
    r"(?=\d)" + _YEAR + r"(?<!\d)(?P<a>1[0-2]|0?[1-9])(?:月份?)?" + _DASH + r"(?P<b>1[0-2]|0?[1-9])月(?!\d)"
)
_MONTH = re.compile(
    r"(?=[\d截到])"
    + _YEAR
    + r"(?:截至|截止|截止到|截至到|到)?(?<!\d)(?P<m>1[0-2]|0?[1-9])月(?:份|底|末|中旬|下旬|上旬)?"
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
_WORD_STARTS = "2" + "".join(sorted({w[0] for w, _ in _WORDS}))  # a year's 2, or a word's first character
_WORD = re.compile(f"(?=[{_WORD_STARTS}])" + _YEAR + "(?P<w>" + "|".join(w for w, _ in _WORDS) + ")")
_WORD_MONTHS = dict(_WORDS)
_WORD_KEYS = ("季度", "半年", "全年")  # every word holds one of these
assert all(any(k in w for k in _WORD_KEYS) for w, _ in _WORDS)
_NOW = re.compile(r"今年以来|截至目前|截止目前|到目前|目前|当前|现已|本季度|本期|年初以来")
_DASHES = (("—", "-"), ("–", "-"), ("－", "-"), ("‐", "-"), ("～", "~"), ("〜", "~"))
_SPACES = re.compile(r"\s+")
# NFKC of a Chinese text mostly turns full-width forms (，％１（) into ASCII. Replacing a character by its
# own NFKC form never changes the NFKC of the text, so once those are folded, a text that
# unicodedata.is_normalized (a quick check in C) accepts is NFKC's result, without the slow full pass
# (10,000 progress texts: 0.65 s -> 0.1 s); a text the quick check doubts gets the full pass.
_FULLWIDTH = re.compile("[\u3000\uff01-\uff5e]")
_FULLWIDTH_NFKC = {chr(c): unicodedata.normalize("NFKC", chr(c)) for c in (0x3000, *range(0xFF01, 0xFF5F))}


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), fast for the usual Chinese text."""
    folded = _FULLWIDTH.sub(lambda m: _FULLWIDTH_NFKC[m.group()], text)
    return folded if unicodedata.is_normalized("NFKC", folded) else unicodedata.normalize("NFKC", text)


FIGURES, DATE, BASELINE = "figures", "date", "baseline"
_COMPARED = "较比与"  # 较2024年底, 比上半年, 与一季度相比: the mention is what the figure is compared with
_SINCE = ("截至", "截止", "到")  # 截至6月底 and 到9月: figures up to then, not the day something happened


@dataclass(frozen=True)
class Mention:
    text: str
    year: int | None
    month: int  # last month the mention covers; 0 for "now"
    kind: str = FIGURES  # FIGURES up to `month`, the DATE of an event, or a BASELINE compared against


def _kind(s: str, m: re.Match[str], date: bool = False) -> str:
    """What a match in the normalised text `s` is: a BASELINE after 较/比/与; for a single month or year's
    end (`date`), a DATE unless 截至/截止/到 leads it or 累计 follows it; else FIGURES."""
    start = m.start()
    if start and s[start - 1] in _COMPARED:
        return BASELINE
    if not date or "截" in m.group(0) or "到" in m.group(0) or s[max(0, start - 2) : start].endswith(_SINCE):
        return FIGURES
    return FIGURES if "累计" in s[m.end() : m.end() + 4] else DATE


def _found(text: str) -> Iterator[tuple[int, Mention]]:
    """(position, mention) pairs as the patterns find them, in order of precedence: a later pattern never
    takes characters an earlier one took. A generator, so that only_earlier can stop early."""
    s = nfkc(text)
    for dash, plain in _DASHES:  # str.replace per dash: translate() walks a Chinese text char by char
        if dash in s:
            s = s.replace(dash, plain)
    s = _SPACES.sub("", s)
    taken = [False] * len(s)

    def free(m: re.Match[str]) -> bool:
        if any(taken[m.start() : m.end()]):
            return False
        for i in range(m.start(), m.end()):
            taken[i] = True
        return True

    def year_of(m: re.Match[str]) -> int | None:
        y = m.groupdict().get("year")
        return int(y) if y else None

    # A pattern runs only when the text holds a character every match of it needs: a substring test in C
    # is far cheaper than letting sre try each position (10,000 texts: about 0.25 s saved).
    for m in _NOW.finditer(s):
        if free(m):
            yield m.start(), Mention(m.group(0), None, 0)
    months = "月" in s
    if months:
        for m in _RANGE.finditer(s):
            if free(m):
                yield m.start(), Mention(m.group(0), year_of(m), int(m.group("b")), _kind(s, m))
    if any(k in s for k in _WORD_KEYS):
        for m in _WORD.finditer(s):
            if free(m):
                yield m.start(), Mention(m.group(0), year_of(m), _WORD_MONTHS[m.group("w")], _kind(s, m))
    if "年底" in s or "年末" in s:
        for m in _YEAR_END.finditer(s):
            if free(m):
                yield m.start(), Mention(m.group(0), year_of(m), 12, _kind(s, m, date=True))
    if months:
        for m in _MONTH.finditer(s):
            if free(m):
                yield m.start(), Mention(m.group(0), year_of(m), int(m.group("m")), _kind(s, m, date=True))


def mentions(text: str) -> list[Mention]:
    return [mention for _, mention in sorted(_found(text), key=lambda x: x[0])]


def _previous_end(period: Period) -> int:
    """Last month covered by the period before `period` in the same year (0 for Q1)."""
    return {"Q1": 0, "H1": 3, "Q3": 6, "FY": 9}[period.kind]


def only_earlier(text: str, period: Period) -> list[Mention]:
    """The mentions of earlier periods when the text mentions nothing of `period` itself; else [].

    One mention of now or of `period` decides it, so the search stops at the first one found (most texts
    say 目前 or 1-9月): only a text that quotes earlier periods alone is searched to the end."""
    if _NOW.search(text):
        # a word for now, even before normalising (which only joins more): _found's first mention would
        # be it, so the answer is known without normalising the text (half of all progress texts)
        return []
    earlier: list[tuple[int, Mention]] = []
    for start, m in _found(text):
        year = m.year or period.year
        if m.month == 0 and m.year is None:
            return []  # 目前, 今年以来 …: speaks of now
        if year < period.year or (year == period.year and m.month <= _previous_end(period)):
            earlier.append((start, m))
        else:
            return []
    return [m for _, m in sorted(earlier, key=lambda x: x[0])]


def earlier_figures(text: str, period: Period) -> list[Mention]:
    """W302: the figures of earlier periods a text quotes when it says nothing of `period` itself. Dates
    of events (3月印发方案；9月底建成通车) and baselines (较2024年底增长) are no such figures: an annual text
    listing the year's milestones month by month is a normal one, and so is a 三季度 text saying a project
    was finished in June (issue 17)."""
    return [m for m in only_earlier(text, period) if m.kind == FIGURES]
