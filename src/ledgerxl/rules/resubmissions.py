"""Choosing one submission per department when a department sent several (resubmissions).

The later form wins: by its 填报日期 cell when every form has one and one date is the latest, else by
the file modification time. Each form left out gets a warning (W306) naming it and the one used; only
when neither rule can pick (same date and same time) is it an error (E208) and nothing is dropped.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ledgerxl import codes
from ledgerxl.model import Finding, Submission

_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(text: str) -> dt.date | None:
    """2025-10-08, 2025/10/8, 2025.10.8, 2025年10月8日, 2025-10-08 09:30:00 or an Excel day number."""
    s = unicodedata.normalize("NFKC", text).strip()
    m = re.search(r"(20\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", s)
    try:
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if re.fullmatch(r"\d{5}(\.\d+)?", s) and 36526 <= float(s) <= 73051:  # 2000-01-01 .. 2099-12-31
            return _EXCEL_EPOCH + dt.timedelta(days=int(float(s)))
    except ValueError:
        return None
    return None


def _when(ts: float) -> str:
    try:
        return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):  # a file time in year 11476 (a broken clock, a crafted zip)
        return f"（无效的文件时间 {ts:.0f}）"


@dataclass
class Selection:
    chosen: list[Submission] = field(
        default_factory=list
    )  # one per department (several only where E208 could not pick), and unknowns
    superseded: list[Submission] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def choose_submissions(subs: list[Submission]) -> Selection:
    groups: dict[str, list[Submission]] = defaultdict(list)
    sel = Selection(chosen=[])
    for s in subs:
        if s.department:
            groups[s.department].append(s)
        else:
            sel.chosen.append(s)
    for dept, group in groups.items():
        if len(group) == 1:
            sel.chosen.append(group[0])
            continue
        group = sorted(group, key=lambda s: (s.name, str(s.path)))
        winner, basis = _pick(group)
        if winner is None:
            names = "、".join(f"“{s.name}”" for s in group)
            for s in group:
                sel.findings.append(
                    codes.make(
                        codes.E208,
                        f"{dept}有 {len(group)} 份报送：{names}，填报日期和文件修改时间都相同，无法确定以哪份为准。",
                        file=s.name,
                        sheet=s.sheet,
                        department=dept,
                    )
                )
            sel.chosen.extend(group)
            continue
        sel.chosen.append(winner)
        for s in group:
            if s is winner:
                continue
            sel.superseded.append(s)
            msg = f"{dept}报送了 {len(group)} 份报送表：本文件“{s.name}”未采用，以“{winner.name}”为准（{basis(s)}）。"
            sel.findings.append(
                codes.make(
                    codes.W306,
                    msg,
                    file=s.name,
                    sheet=s.sheet,
                    cell=s.filled_date_cell,
                    department=dept,
                )
            )
    return sel


def _pick(group: list[Submission]) -> tuple[Submission | None, Callable[[Submission], str]]:
    """The winner of a department's group and how to explain, for each other form, why it lost."""
    dates = {id(s): parse_date(s.filled_date) for s in group}
    candidates = group
    if all(dates[id(s)] for s in group):
        latest = max(d for d in dates.values() if d)
        candidates = [s for s in group if dates[id(s)] == latest]
    latest_t = max(int(s.mtime) for s in candidates)
    top = [s for s in candidates if int(s.mtime) == latest_t]
    if len(top) > 1:
        return None, lambda s: ""
    w = top[0]

    def basis(s: Submission) -> str:
        dw, ds = dates[id(w)], dates[id(s)]
        if dw and ds and dw != ds:
            return f"填报日期 {dw} 晚于 {ds}"
        same = f"填报日期同为 {ds}，" if dw and ds else ""
        return f"{same}文件修改时间 {_when(w.mtime)} 晚于 {_when(s.mtime)}"

    return w, basis
