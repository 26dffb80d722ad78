"""Checks on what a submission holds that would be lost, altered or dangerous once published.

The reader keeps every cell's text exactly; these rules say where that text cannot reach 台账.xlsx and
附件.docx unchanged (too long for an Excel cell, XML-illegal characters, a value read from a number or date
cell, content hidden by merged cells or a duplicated column) or where it looks like a formula/DDE payload
(published as plain text, never as a formula, but worth a word to the clerk). Never raises, never reopens
the file: merged input cells (E209) and formula cells (W304) are found by the reader and reported by
validate.
"""

from __future__ import annotations

import re

from ledgerxl import codes
from ledgerxl.model import Finding, Submission
from ledgerxl.text import EXCEL_CELL_LIMIT, XML_ILLEGAL, cell_name, excel_length, strip_xml_illegal, within_excel_limit

# Text a spreadsheet would run as a formula if it were ever written as one (CSV injection), and DDE calls.
_FORMULA_START = re.compile(r"^\s*(=|@|[+\-]\s*[A-Za-z_][A-Za-z0-9_.]*\s*\()")
_DDE = re.compile(r"(?i)\b(dde|ddeauto)\s*\(|[A-Za-z0-9_]+\s*\|\s*'[^']*'\s*!")
_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*$")


def looks_like_formula(text: str) -> bool:
    # a DDE call needs a "(" or a "|": most texts are ruled out without running the regex over them
    return bool(_FORMULA_START.match(text) or (("(" in text or "|" in text) and _DDE.search(text)))


def check_content(sub: Submission) -> list[Finding]:
    """Findings about the submission's cells (see the module doc); the file has already been read once."""
    where = {"file": sub.name, "sheet": sub.sheet, "department": sub.department or sub.department_raw}
    out: list[Finding] = []
    if not sub.entries:
        out.append(
            codes.make(
                codes.W323,
                f"表头（第 {sub.header_row} 行）下没有任何填报内容。",
                cell=cell_name(sub.header_row - 1, sub.columns.get("number", 0)),
                **where,
            ),
        )
    col = sub.columns.get("progress", 0)
    for e in sub.entries:
        cell = cell_name(e.row - 1, col)
        what = f"第 {e.number} 项" if e.number is not None else f"第 {e.row} 行"
        text = e.progress
        if not within_excel_limit(text, EXCEL_CELL_LIMIT):
            n = excel_length(text)
            out.append(
                codes.make(
                    codes.E220,
                    f"{what}的进展情况有 {n} 个字符，超过 Excel 单元格上限 {EXCEL_CELL_LIMIT}。",
                    cell=cell,
                    **where,
                )
            )
        bad = XML_ILLEGAL.findall(text)
        if bad:
            shown = "、".join(sorted({f"U+{ord(c):04X}" for c in bad}))
            out.append(
                codes.make(
                    codes.W320, f"{what}的进展情况含 {len(bad)} 个不可见的控制字符（{shown}）。", cell=cell, **where
                )
            )
        if looks_like_formula(text):
            out.append(
                codes.make(
                    codes.W321,
                    f"{what}的进展情况“{_clip(text)}”像公式或 DDE 指令，将作为文字发布。",
                    cell=cell,
                    **where,
                )
            )
        if _NUMBER.match(text) or _DATE.match(text):
            out.append(
                codes.make(
                    codes.W322,
                    f"{what}的进展情况只有“{text.strip()}”，是数字或日期，不是文字说明。",
                    cell=cell,
                    **where,
                )
            )
    names = {"number": "序号", "text": "事项内容", "progress": "进展情况"}
    for fieldname, cols in sub.duplicate_columns.items():
        cells = "、".join(cell_name(sub.header_row - 1, c) for c in cols)
        out.append(
            codes.make(
                codes.E221,
                f"表头中“{names[fieldname]}”出现了 {len(cols)} 次（{cells}），只会读取第一列。",
                cell=cell_name(sub.header_row - 1, cols[1]),
                **where,
            )
        )
    return out


def _clip(text: str, n: int = 30) -> str:
    t = strip_xml_illegal(text).replace("\n", " ")
    return t if len(t) <= n else t[:n] + "…"
