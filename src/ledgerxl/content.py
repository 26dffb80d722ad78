"""Checks on what a submission holds that would be lost, altered or dangerous once published.

The reader keeps every cell's text exactly; these rules say where that text cannot reach 台账.xlsx and
附件.docx unchanged (too long for an Excel cell, XML-illegal characters, a value read from a number or date
cell, content hidden by merged cells or a duplicated column) or where it looks like a formula/DDE payload
(published as plain text, never as a formula, but worth a word to the clerk). Never raises.
"""

from __future__ import annotations

import re
from pathlib import Path

from ledgerxl import codes
from ledgerxl.model import Finding, Submission
from ledgerxl.tables import HEADER_ALIASES, SPREADSHEET_SUFFIXES, cell_name, norm_header

EXCEL_CELL_LIMIT = 32767  # characters (UTF-16 code units) in one Excel cell
# Characters XML 1.0 cannot carry (tab, LF and CR excepted), nor UTF-8 (lone surrogates).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Text a spreadsheet would run as a formula if it were ever written as one (CSV injection), and DDE calls.
_FORMULA_START = re.compile(r"^\s*(=|@|[+\-]\s*[A-Za-z_][A-Za-z0-9_.]*\s*\()")
_DDE = re.compile(r"(?i)\b(dde|ddeauto)\s*\(|[A-Za-z0-9_]+\s*\|\s*'[^']*'\s*!")
_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*$")
# fields whose second column would be silently ignored
_KEY_FIELDS = {"number": "序号", "text": "事项内容", "progress": "进展情况"}


def excel_length(text: str) -> int:
    """Length as Excel counts it: UTF-16 code units (𠀀 and emoji count 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def strip_xml_illegal(text: str) -> str:
    return XML_ILLEGAL.sub("", text)


def looks_like_formula(text: str) -> bool:
    return bool(_FORMULA_START.match(text) or _DDE.search(text))


def check_content(sub: Submission) -> list[Finding]:
    """Findings about the submission's cells (see the module doc); the file has already been read once."""
    where = {"file": sub.name, "sheet": sub.sheet, "department": sub.department or sub.department_raw}
    out: list[Finding] = []
    if not sub.entries:
        out.append(
            codes.make("W323", f"表头（第 {sub.header_row} 行）下没有任何填报内容。", **where),
        )
    col = sub.columns.get("progress", 0)
    for e in sub.entries:
        cell = cell_name(e.row - 1, col)
        what = f"第 {e.number} 项" if e.number is not None else f"第 {e.row} 行"
        text = e.progress
        n = excel_length(text)
        if n > EXCEL_CELL_LIMIT:
            out.append(
                codes.make(
                    "E220",
                    f"{what}的进展情况有 {n} 个字符，超过 Excel 单元格上限 {EXCEL_CELL_LIMIT}。",
                    cell=cell,
                    **where,
                )
            )
        bad = XML_ILLEGAL.findall(text)
        if bad:
            shown = "、".join(sorted({f"U+{ord(c):04X}" for c in bad}))
            out.append(
                codes.make("W320", f"{what}的进展情况含 {len(bad)} 个不可见的控制字符（{shown}）。", cell=cell, **where)
            )
        if looks_like_formula(text):
            out.append(
                codes.make(
                    "W321", f"{what}的进展情况“{_clip(text)}”像公式或 DDE 指令，将作为文字发布。", cell=cell, **where
                )
            )
        if _NUMBER.match(text) or _DATE.match(text):
            out.append(
                codes.make(
                    "W322", f"{what}的进展情况只有“{text.strip()}”，是数字或日期，不是文字说明。", cell=cell, **where
                )
            )
    if sub.path.suffix.lower() in SPREADSHEET_SUFFIXES:
        out.extend(_sheet_checks(sub, where))
    return out


def _clip(text: str, n: int = 30) -> str:
    t = strip_xml_illegal(text).replace("\n", " ")
    return t if len(t) <= n else t[:n] + "…"


def _sheet_checks(sub: Submission, where: dict[str, str]) -> list[Finding]:
    """Checks that need the sheet itself: duplicated header columns, merged input cells, formulas."""
    from python_calamine import CalamineWorkbook

    out: list[Finding] = []
    try:
        wb = CalamineWorkbook.from_path(str(sub.path))
        try:
            sheet = wb.get_sheet_by_name(sub.sheet)
            header = sheet.to_python(skip_empty_area=False, nrows=sub.header_row)[-1:]
            merged = sheet.merged_cell_ranges or []
        finally:
            wb.close()
    except Exception:  # noqa: BLE001 - it was read a moment ago; a second read failing must not stop the run
        return out
    if header:
        seen: dict[str, list[int]] = {}
        for c, v in enumerate(header[0]):
            h = norm_header(v if isinstance(v, str) else "")
            for fieldname, names in HEADER_ALIASES.items():
                if h in names:
                    seen.setdefault(fieldname, []).append(c)
                    break
        for fieldname, cols in seen.items():
            if fieldname in _KEY_FIELDS and len(cols) > 1:
                cells = "、".join(cell_name(sub.header_row - 1, c) for c in cols)
                out.append(
                    codes.make(
                        "E221",
                        f"表头中“{_KEY_FIELDS[fieldname]}”出现了 {len(cols)} 次（{cells}），只会读取第一列。",
                        cell=cell_name(sub.header_row - 1, cols[1]),
                        **where,
                    )
                )
    key_cols = {sub.columns[f] for f in ("number", "progress") if f in sub.columns}
    for (r1, c1), (r2, c2) in merged:
        if r2 > r1 and r1 >= sub.header_row and any(c1 <= c <= c2 for c in key_cols):
            rng = f"{cell_name(r1, c1)}:{cell_name(r2, c2)}"
            out.append(
                codes.make(
                    "E223",
                    f"{rng} 是合并单元格，跨越第 {r1 + 1}–{r2 + 1} 行，只有第一行能读到内容。",
                    cell=cell_name(r1, c1),
                    **where,
                )
            )
    if sub.path.suffix.lower() in (".xlsx", ".xlsm"):
        out.extend(_formula_cells(sub.path, sub, where))
    return out


def _formula_cells(path: Path, sub: Submission, where: dict[str, str]) -> list[Finding]:
    """W304 for formula cells in the progress column: what we read is the value Excel last saved, if any."""
    import openpyxl

    col = sub.columns.get("progress")
    if col is None:
        return []
    out: list[Finding] = []
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        try:
            ws = wb[sub.sheet]
            rows = ws.iter_rows(min_row=sub.header_row + 1, min_col=col + 1, max_col=col + 1)
            for row in rows:
                for c in row:
                    if getattr(c, "data_type", "") == "f":
                        name = cell_name(c.row - 1, col)
                        out.append(
                            codes.make(
                                "W304",
                                f"{name} 是公式（{_clip(str(c.value))}），读取的是 Excel 上次保存时的计算结果。",
                                cell=name,
                                **where,
                            )
                        )
        finally:
            wb.close()
    except Exception:  # noqa: BLE001 - openpyxl may refuse what calamine reads; the checks above stand
        return out
    return out
