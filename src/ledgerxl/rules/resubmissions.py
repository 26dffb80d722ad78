"""The one rule for which version of a department's form counts, used by every command (merge, validate,
batch, status, the clerk's versions/use/withdraw).

1. A version the clerk withdrew does not count; a version the clerk chose to use counts, whatever else.
2. Otherwise the later form wins: by its 填报日期 cell when every version has one, else (and between
   equal dates) by the later receipt: the order batch received the files in, or for a folder without
   history the file modification time.
3. A newer version with errors does not replace an older one without (W316 says so, to the department);
   when every version has errors the latest counts, and its good items are published.
Each version left out gets a warning (W306) naming it and the one used; only when nothing can pick (same
date, same receipt) is it an error (E208), and nothing is dropped.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Literal

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


# What the clerk decided about a version (rule 1): nothing, use it, or withdraw it.
Decision = Literal["", "use", "withdraw"]


@dataclass
class Selection:
    # one per department (several only where E208 could not pick), and forms of no known department
    chosen: list[Submission] = field(default_factory=list)
    superseded: list[Submission] = field(default_factory=list)  # left out by rule 2 or 3
    withdrawn: list[Submission] = field(default_factory=list)  # left out by the clerk (rule 1)
    findings: list[Finding] = field(default_factory=list)


def _by_mtime(s: Submission) -> Hashable:
    return int(s.mtime)


def _no(s: Submission) -> bool:
    return False


def _none(s: Submission) -> Decision:
    return ""


def choose_submissions(
    subs: list[Submission],
    receipt: Callable[[Submission], Hashable] = _by_mtime,
    has_errors: Callable[[Submission], bool] = _no,
    decision: Callable[[Submission], Decision] = _none,
) -> Selection:
    """One version per department by the rule above. `receipt` orders versions received one after the
    other (later is larger; equal is a tie), `has_errors` says which have errors of their own, `decision`
    what the clerk decided about each (from the history, when the folder has one)."""
    groups: dict[str, list[Submission]] = defaultdict(list)
    sel = Selection()
    for s in subs:
        if s.department:
            groups[s.department].append(s)
        else:
            sel.chosen.append(s)
    for dept, group in groups.items():
        group = sorted(group, key=lambda s: (s.name, str(s.path)))
        for s in group:
            if decision(s) == "withdraw":
                sel.withdrawn.append(s)
                msg = f"本文件“{s.name}”已被督查室撤回，不参与汇总（ledgerxl versions 可查看原因和记录人）。"
                sel.findings.append(codes.make(codes.W317, msg, file=s.name, sheet=s.sheet, department=dept))
        group = [s for s in group if decision(s) != "withdraw"]
        if not group:
            continue
        pinned = [s for s in group if decision(s) == "use"]
        if len(group) == 1 or pinned:
            winner = pinned[-1] if pinned else group[0]
            sel.chosen.append(winner)
            for s in group:
                if s is not winner:
                    sel.superseded.append(s)
                    chosen_by = f"督查室已指定以“{winner.name}”为准"
                    msg = f"{dept}报送了 {len(group)} 份报送表：本文件“{s.name}”未采用，{chosen_by}。"
                    sel.findings.append(_w306(s, dept, msg))
            continue
        picked, basis = _pick(group, receipt)
        if picked is None:  # a tie: a form without errors still beats one with (another office's workbook)
            good = [s for s in group if not has_errors(s)]
            if good and len(good) < len(group):
                picked, _ = _pick(good, receipt)
                if picked is not None:
                    basis = _explain(picked, group, receipt)
        if picked is None:
            names = "、".join(f"“{s.name}”" for s in group)
            for s in group:
                sel.findings.append(
                    codes.make(
                        codes.E208,
                        f"{dept}有 {len(group)} 份报送：{names}，填报日期和{_receipt_word(receipt)}都相同，"
                        "无法确定以哪份为准。",
                        file=s.name,
                        sheet=s.sheet,
                        department=dept,
                    )
                )
            sel.chosen.extend(group)
            continue
        newest = winner = picked
        if has_errors(newest):  # rule 3: a newer version with errors does not replace a good one
            good = [s for s in group if s is not newest and not has_errors(s)]
            if good:
                older, _ = _pick(good, receipt)
                if older is not None:
                    winner, basis = older, _explain(older, group, receipt)
                    sel.findings.append(
                        codes.make(
                            codes.W316,
                            f"{dept}较新的报送表“{newest.name}”有错误，暂不采用，仍以“{winner.name}”为准。",
                            file=newest.name,
                            sheet=newest.sheet,
                            department=dept,
                        )
                    )
        sel.chosen.append(winner)
        for s in group:
            if s is winner:
                continue
            sel.superseded.append(s)
            if s is newest:
                continue  # said by W316
            msg = f"{dept}报送了 {len(group)} 份报送表：本文件“{s.name}”未采用，以“{winner.name}”为准（{basis(s)}）。"
            sel.findings.append(_w306(s, dept, msg))
    return sel


def _receipt_word(receipt: Callable[[Submission], Hashable]) -> str:
    return "文件修改时间" if receipt is _by_mtime else "收到时间"


def _w306(s: Submission, dept: str, msg: str) -> Finding:
    return codes.make(codes.W306, msg, file=s.name, sheet=s.sheet, cell=s.filled_date_cell, department=dept)


def _pick(
    group: list[Submission], receipt: Callable[[Submission], Hashable]
) -> tuple[Submission | None, Callable[[Submission], str]]:
    """The latest of a department's versions by rule 2 and how to explain, for each other one, why it
    lost; None when the latest two cannot be told apart."""
    dates = {id(s): parse_date(s.filled_date) for s in group}
    candidates = group
    if all(dates[id(s)] for s in group):
        latest = max(d for d in dates.values() if d)
        candidates = [s for s in group if dates[id(s)] == latest]
    keys = {id(s): receipt(s) for s in candidates}
    latest_key = max(keys.values())  # type: ignore[type-var]
    top = [s for s in candidates if keys[id(s)] == latest_key]
    if len(top) > 1:
        return None, lambda s: ""
    return top[0], _explain(top[0], group, receipt)


def _explain(
    w: Submission, group: list[Submission], receipt: Callable[[Submission], Hashable]
) -> Callable[[Submission], str]:
    """For each other version of `group`, why `w` counts instead of it."""
    dates = {id(s): parse_date(s.filled_date) for s in group}

    def basis(s: Submission) -> str:
        dw, ds = dates[id(w)], dates[id(s)]
        if dw and ds and dw != ds:
            return f"填报日期 {dw} {'晚于' if dw > ds else '早于'} {ds}"
        same = f"填报日期同为 {ds}，" if dw and ds else ""
        if receipt is _by_mtime:
            return (
                f"{same}文件修改时间 {_when(w.mtime)} 晚于 {_when(s.mtime)}"
                if w.mtime >= s.mtime
                else f"{same}较早的版本没有错误"
            )
        return f"{same}收到得更晚" if receipt(w) > receipt(s) else f"{same}较早的版本没有错误"  # type: ignore[operator]

    return basis
