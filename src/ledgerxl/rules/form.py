"""The rules about one form: each returns findings (never raises, never stops at the first problem).

Every rule of design.md has a stable code (see codes.py). Rules are plain functions over the read
Submission, the master list and the period; `FormRules.check_form` runs them all, the same way whether
the forms are checked in this process or in the worker processes that read them (jobs.check). The rules
across forms are in rules/sets.py. Texts are compared, never changed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from ledgerxl import codes
from ledgerxl.model import STATUSES, Entry, Finding, MasterList, Submission, statuses_for
from ledgerxl.periods import Period, match_period_words
from ledgerxl.rules.periodrefs import earlier_figures
from ledgerxl.rules.textdiff import char_diff, normalize, same_text
from ledgerxl.rules.values import check_values
from ledgerxl.text import cell_name

MIN_PROGRESS_CHARS = 15  # fewer letters and digits than this is "very short" (W303)
_FIELD_LABELS = {"text": "事项内容", "progress": "进展情况", "note": "备注", "status": "完成状态"}


def _at(sub: Submission, row: int, field: str) -> dict[str, str]:
    col = sub.columns.get(field, sub.columns["number"])
    return {
        "file": sub.name,
        "sheet": sub.sheet,
        "cell": cell_name(row - 1, col),
        "department": sub.department or sub.department_raw,
    }


def _where(sub: Submission) -> dict[str, str]:
    return {"file": sub.name, "sheet": sub.sheet, "department": sub.department or sub.department_raw}


def shown(text: str, limit: int = 40) -> str:
    """A department's text quoted in a message: on one line, long ones cut."""
    t = " ".join(text.split())
    return t if len(t) <= limit else t[: limit - 1] + "…"


_HANZI = re.compile("[\u4e00-\u9fff]")  # CJK unified ideographs: letters (Lo), most of any progress text


def letters(text: str, enough: int | None = None) -> int:
    """Characters that carry meaning: not spaces, not punctuation. Counting stops at `enough`: whether a
    400-character text is "very short" is known after its first few characters."""
    if enough is not None and len(_HANZI.findall(text, 0, 4 * enough)) >= enough:
        return enough  # as many Chinese characters near the start: counted in C, the same answer
    n = 0
    for ch in text:
        if not ch.isspace() and unicodedata.category(ch)[0] not in "PZ":
            n += 1
            if n == enough:
                break
    return n


def check_department(sub: Submission) -> list[Finding]:
    where = _where(sub)
    cands = "、".join(sub.department_candidates)
    if sub.department is None:
        ambiguous = sub.department_source == "ambiguous"
        if sub.department_raw and ambiguous:
            msg = f"填报单位“{shown(sub.department_raw)}”中含有多个单位：{cands}，无法确定是哪一个。"
        elif sub.department_raw:
            msg = f"填报单位“{shown(sub.department_raw)}”不在挂牌事项清单的责任单位中。"
            if cands:
                msg += f"相近的单位：{cands}。"
        elif ambiguous:
            msg = f"表中没有“填报单位”，文件名中含有多个单位：{cands}，无法确定是哪一个。"
        else:
            msg = "表中没有“填报单位”，文件名中也没有责任单位名称。"
        hint = ""
        if sub.department_raw and not ambiguous and len(sub.department_candidates) == 1:
            name, raw = sub.department_candidates[0], " ".join(sub.department_raw.split())
            hint = (
                f'如确是{name}，请在 ledgerxl.toml 的 [aliases] 中登记：“"{name}" = ["{raw}"]”'
                f"（已有“{name}”这一行时，把新名称加在它的方括号里）；否则请该单位按规范名称填写。"
            )
        return [codes.make(codes.E207, msg, cell=sub.department_cell, hint=hint, **where)]
    if sub.department_source == "file name":
        return [codes.make(codes.W312, f"表中没有“填报单位”，按文件名识别为{sub.department}。", **where)]
    return []


def check_period(sub: Submission, period: Period | None) -> list[Finding]:
    if period is None or not sub.period_raw:
        return []
    kind = match_period_words(sub.period_raw)
    years = {int(y) for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", sub.period_raw)}
    if (kind and kind != period.kind) or (years and period.year not in years):
        msg = f"表中报告期为“{shown(sub.period_raw)}”，本次汇总的是{period}。"
        return [codes.make(codes.E206, msg, cell=sub.period_cell, **_where(sub))]
    return []


class ItemTexts:
    """Master item numbers by normalised text, to tell a wrong 序号 from an edited text (E203).

    Built on first use and shared by all forms of a run: built for every form, it made validating
    500 forms against 10,000 items take a minute."""

    def __init__(self, master: MasterList) -> None:
        self.master = master
        self._numbers: dict[str, int] | None = None

    def number_of(self, text: str) -> int | None:
        if self._numbers is None:
            self._numbers = {normalize(it.text): it.number for it in self.master.items}
        return self._numbers.get(normalize(text))


def check_submission(
    sub: Submission,
    master: MasterList,
    period: Period | None,
    previous: Mapping[int, str] | None = None,
    texts: ItemTexts | None = None,
) -> list[Finding]:
    """Every rule about one form, in the order a clerk reads it: who, when, the sheet, then row by row,
    then what the rows lack."""
    out = check_department(sub) + check_period(sub, period)
    covered = _sheet_rules(sub, out)
    texts = texts or ItemTexts(master)
    own = {it.number for it in master.items_of(sub.department)} if sub.department else None
    seen: dict[int, int] = {}  # item number -> the row that first reported it
    for e in sub.entries:
        out.extend(_entry_rules(sub, e, master, own, seen, texts, period, covered))
    out.extend(_hidden_and_cell_rules(sub))
    if own is not None:
        for n in sorted(own - seen.keys()):
            out.append(codes.make(codes.W307, f"本单位负责的第 {n} 项没有填报。", **_where(sub)))
    if previous:
        out.extend(check_stale(sub, previous))
    return out


def _sheet_rules(sub: Submission, out: list[Finding]) -> set[int]:
    """W308 (other sheets hold tables) and E209 (a merged progress cell over several items), appended to
    `out`; the rows such a merged cell covers, whose empty progress is then not reported again."""
    if sub.other_sheets:
        others = "、".join(f"“{s}”" for s in sub.other_sheets)
        msg = f"文件中有多个工作表填有事项，已使用“{sub.sheet}”，未使用{others}。"
        out.append(codes.make(codes.W308, msg, **_where(sub)))
    covered: set[int] = set()
    for span in sub.merged_spans:
        nums = "、".join(f"第 {n} 项" for n in span.numbers)
        msg = f"{_FIELD_LABELS[span.field]}单元格 {span.ref} 是合并单元格，跨了{nums}，无法分清各项的进展。"
        out.append(codes.make(codes.E209, msg, **{**_where(sub), "cell": span.ref.partition(":")[0]}))
        covered.update(span.rows[1:])
    return covered


def _entry_rules(
    sub: Submission,
    e: Entry,
    master: MasterList,
    own: set[int] | None,
    seen: dict[int, int],
    texts: ItemTexts,
    period: Period | None,
    covered: set[int],
) -> list[Finding]:
    """One row: its 序号 (E201, E202), its item text (E203), repeats (E204), its progress, 完成状态 (W311),
    and whether it was hidden (W309). Records the row in `seen`."""
    if e.number is None or e.number not in master.by_number:
        if e.raw_number.strip():
            return [_unknown_number(sub, e.row, e.number, e.raw_number, master)]
        return [
            codes.make(
                codes.E201,
                f"第 {e.row} 行有进展情况，但没有序号。",
                hint="请填写序号；如是上一项的续写，请写在同一单元格内（单元格内换行按 Alt+Enter）。",
                **_at(sub, e.row, "number"),
            )
        ]
    out: list[Finding] = []
    item = master.by_number[e.number]
    if own is not None and e.number not in own:
        msg = f"第 {e.number} 项的责任单位是{'、'.join(item.departments)}，不是{sub.department}。"
        out.append(codes.make(codes.E202, msg, **_at(sub, e.row, "number")))
    if e.item_text.strip() and not same_text(e.item_text, item.text):
        other = texts.number_of(e.item_text)
        if other is not None:
            msg = f"第 {e.number} 项的事项内容是第 {other} 项的内容，序号可能填错了。"
            hint = "请核对序号与事项内容是否对应；事项内容以挂牌事项清单为准。"
        else:
            msg = f"第 {e.number} 项的事项内容与挂牌事项清单不一致：{char_diff(item.text, e.item_text)}"
            # the whole original, so the department can paste it back rather than redo the diff by hand
            hint = f"事项内容以挂牌事项清单为准，请恢复原文“{item.text}”，进展写在“进展情况”列。"
        out.append(codes.make(codes.E203, msg, hint=hint, **_at(sub, e.row, "text")))
    if e.number in seen:
        msg = f"第 {e.number} 项在第 {seen[e.number]} 行和第 {e.row} 行重复填报。"
        out.append(codes.make(codes.E204, msg, **_at(sub, e.row, "number")))
    else:
        seen[e.number] = e.row
    out.extend(_progress_rules(sub, e.row, e.number, e.progress, period, covered))
    allowed = statuses_for(period)
    if e.status and e.status not in allowed and e.status not in STATUSES:
        msg = f"第 {e.number} 项的完成状态“{shown(e.status)}”不是可选项（{'、'.join(allowed)}）。"
        out.append(codes.make(codes.W311, msg, **_at(sub, e.row, "status")))
    if e.hidden:
        msg = f"第 {e.row} 行（第 {e.number} 项）是隐藏行，其内容已采用。"
        out.append(codes.make(codes.W309, msg, **_at(sub, e.row, "number")))
    return out


def _hidden_and_cell_rules(sub: Submission) -> list[Finding]:
    """W310 (a hidden row repeating a visible one, ignored) and W304 (a formula or link in a text cell)."""
    out: list[Finding] = []
    visible = {x.number: x.row for x in reversed(sub.entries) if not x.hidden}  # the first visible row of each
    for e in sub.ignored_hidden:
        msg = f"第 {e.row} 行（第 {e.number} 项）是隐藏行，与可见的第 {visible.get(e.number, '?')} 行重复，未采用。"
        out.append(codes.make(codes.W310, msg, **_at(sub, e.row, "number")))
    by_row = {e.row: e for e in sub.entries}
    for flag in sub.cell_flags:
        owner = by_row.get(flag.row)
        what = f"第 {owner.number} 项的" if owner and owner.number is not None else ""
        label = _FIELD_LABELS.get(flag.field, "")
        if flag.kind == "formula":
            msg = f"{what}{label}单元格是公式（{shown(flag.detail, 80)}），汇总时只取其显示的结果。"
        else:
            msg = f"{what}{label}单元格带有超链接（{shown(flag.detail, 80)}），汇总时只保留文字。"
        out.append(codes.make(codes.W304, msg, **{**_where(sub), "cell": flag.cell}))
    return out


def _unknown_number(sub: Submission, row: int, number: int | None, raw: str, master: MasterList) -> Finding:
    """E201 for a 序号 the master list lacks, or one written with words or brackets (（7）, 第7项)."""
    at = _at(sub, row, "number")
    digits = re.findall(r"\d+", unicodedata.normalize("NFKC", raw))
    if number is not None or len(digits) != 1:
        return codes.make(codes.E201, f"序号“{shown(raw)}”不在挂牌事项清单中。", **at)
    n = int(digits[0])
    hint = f"如是第 {n} 项，请在序号栏只填 {n}（不加括号或文字）。" if n in master.by_number else ""
    return codes.make(codes.E201, f"序号“{shown(raw)}”不是单纯的数字，无法对应挂牌事项。", hint=hint, **at)


def _progress_rules(
    sub: Submission, row: int, number: int, text: str, period: Period | None, covered: set[int]
) -> list[Finding]:
    if not text.strip():
        if row in covered:
            return []  # reported once as E209 for the merged cell
        return [codes.make(codes.E205, f"第 {number} 项的进展情况为空。", **_at(sub, row, "progress"))]
    out: list[Finding] = []
    n = letters(text, MIN_PROGRESS_CHARS)
    if n < MIN_PROGRESS_CHARS:
        msg = f"第 {number} 项的进展情况只有“{shown(text)}”（{n} 个字），过于简短。"
        out.append(codes.make(codes.W303, msg, **_at(sub, row, "progress")))
    if period is not None:
        earlier = earlier_figures(text, period)
        if earlier:
            said = "、".join(dict.fromkeys(f"“{m.text}”" for m in earlier))
            column = period.progress_label  # 全年完成情况 in an annual form
            msg = f"第 {number} 项的{column}只提到以前期间（{said}）的数据，没有本期（{period}）的情况。"
            out.append(codes.make(codes.W302, msg, **_at(sub, row, "progress")))
    return out


def _paragraphs(text: str) -> list[str]:
    return [p for p in (normalize(line) for line in text.split("\n")) if p]


def _runs(n: int) -> list[tuple[int, int]]:
    """Every run of whole paragraphs old[i:j] of a text with n paragraphs."""
    return [(i, j) for i in range(n) for j in range(i + 1, n + 1)]


def check_stale(sub: Submission, previous: Mapping[int, str], previous_label: str = "上期") -> list[Finding]:
    """W301: progress identical to the previous period's. `previous` maps an item number to the text
    published for it last period (several departments' paragraphs joined by line breaks, as in
    台账.xlsx: `merge --previous`) or to this department's own previous text (batch's history);
    `previous_label` names that period in the message ("上期", "2025年上半年报送的").

    Whitespace, line breaks and width do not count as change (re-pasting last period's cell often adds
    or drops them), and a department's text is stale when it equals a run of whole paragraphs of the
    previous text."""
    out: list[Finding] = []
    for e in sub.entries:
        if e.number is None or not e.progress.strip() or e.number not in previous:
            continue
        cur, old = "".join(_paragraphs(e.progress)), _paragraphs(previous[e.number])
        if cur and cur in "".join(old) and any(cur == "".join(old[i:j]) for i, j in _runs(len(old))):
            msg = f"第 {e.number} 项的进展情况与{previous_label}完全相同。"
            out.append(codes.make(codes.W301, msg, **_at(sub, e.row, "progress")))
    return out


class FormRules:
    """Every rule about one form (check_submission, check_values) with the run's fixed arguments. It is
    picklable, so the worker processes that read the forms run `check_form` on each form they read."""

    def __init__(self, master: MasterList, period: Period | None, previous: Mapping[int, str] | None = None) -> None:
        self.master, self.period, self.previous = master, period, previous
        self.texts = ItemTexts(master)

    def check_form(self, sub: Submission) -> list[Finding]:
        found = check_submission(sub, self.master, self.period, self.previous, self.texts)
        return found + check_values(sub, self.master)  # 完成值 against the item's target (W340–W343)
