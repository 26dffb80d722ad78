"""Marked-up copies of submissions to send back to departments (validate --annotate DIR).

Each flagged cell gets a comment (code, message, how to fix) and a fill (red for errors, yellow for
warnings); a 问题清单 sheet, placed first, lists every finding with a link to its cell. .xlsx/.xlsm
copies keep the department's workbook as it was (openpyxl round trip); .xls, .ods and .csv inputs are
copied as an .xlsx holding their cell texts. The input file is only read, never written.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ledgerxl.codes import CODES
from ledgerxl.model import Finding, Grid, Markable
from ledgerxl.write.ledger_xlsx import cell_safe
from ledgerxl.write.report import COLUMNS, SEVERITY, report_order
from ledgerxl.write.textwidth import display_width
from ledgerxl.write.zip import normalize_zip

ISSUES_SHEET = "问题清单"
ERROR_FILL = "FFC7CE"
WARNING_FILL = "FFEB9C"
# 校验报告's columns less 责任单位 and 文件: the copy is one department's one file
_COLUMNS = tuple(c for c in COLUMNS if c[0] not in ("责任单位", "文件"))
_MIN_WIDTH, _MAX_WIDTH = 8, 60  # columns of a copy made from cell texts
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _comment_text(findings: list[Finding]) -> str:
    parts = []
    for f in findings:
        label = SEVERITY.get(f.severity, f.severity)
        parts.append(f"【{label} {f.code}】{f.message}" + (f"\n处理办法：{f.hint}" if f.hint else ""))
    return cell_safe("\n\n".join(parts))


def _copy_of_texts(grids: list[Grid]) -> Any:
    """A new workbook holding a file's cell texts (for .xls, .ods, .csv or a workbook openpyxl cannot open)."""
    import openpyxl
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    wrap = Alignment(wrap_text=True, vertical="top")
    for grid in grids:
        ws = wb.create_sheet(_BAD_SHEET_CHARS.sub("_", grid.sheet)[:31] or "Sheet")
        widths: dict[int, int] = {}
        spanning = {(r1 + 1, c1 + 1) for r1, c1, _, c2 in grid.merged if c2 > c1}  # a title over the table
        for r, row in enumerate(grid.rows, start=1):
            for c, v in enumerate(row, start=1):
                if v:
                    cell = ws.cell(row=r, column=c, value=cell_safe(v))
                    cell.data_type = "s"  # text stays text: "=…" is not a formula here
                    cell.alignment = wrap
                    if (r, c) not in spanning:
                        widths[c] = max(widths.get(c, 0), *(display_width(line) for line in v.split("\n")))
        # the copy has no formatting of its own: columns as wide as their texts, long ones wrapped
        for c, w in widths.items():
            ws.column_dimensions[get_column_letter(c)].width = min(_MAX_WIDTH, max(_MIN_WIDTH, w) + 2)
        for r1, c1, r2, c2 in grid.merged:
            if (r1, c1) != (r2, c2):
                ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    return wb


def _target(ws: Any, ref: str) -> str:
    """The cell that can carry a comment: the first cell of a merged range holding `ref`."""
    first = ref.partition(":")[0]
    for rng in ws.merged_cells.ranges:
        if first in rng:
            return str(rng.start_cell.coordinate)
    return first


def build_annotated(path: Path, source: Markable, findings: list[Finding]) -> bytes:
    """The marked-up copy of `path` (read as `source`) as bytes, deterministic for the same input and
    findings. `path` only names the file in the copy: nothing here reads it."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    own = source.workbook is not None
    wb: Any = source.workbook if own else _copy_of_texts(source.grids)
    ordered = report_order(findings)
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in ordered:
        if f.cell and f.sheet in wb.sheetnames:
            ws = wb[f.sheet]
            by_cell.setdefault((f.sheet, _target(ws, f.cell)), []).append(f)
    for (sheet, ref), group in by_cell.items():
        cell = wb[sheet][ref]
        text = _comment_text(group)
        if cell.comment is not None and cell.comment.text and cell.comment.author != "ledgerxl":
            text = f"{cell.comment.text}\n\n{text}"  # the department's own note stays
        lines = sum(1 + len(p) // 24 for p in text.split("\n"))
        cell.comment = Comment(text, "ledgerxl", height=min(600, 18 * lines + 10), width=360)
        color = ERROR_FILL if any(f.severity == "error" for f in group) else WARNING_FILL
        cell.fill = PatternFill("solid", start_color=color, end_color=color)

    if ISSUES_SHEET in wb.sheetnames:  # a copy annotated before: list only today's findings
        wb.remove(wb[ISSUES_SHEET])
    ws = wb.create_sheet(ISSUES_SHEET, 0)
    errors = sum(1 for f in findings if f.severity == "error")
    summary = f"{path.name}：错误 {errors} 条，警告 {len(findings) - errors} 条。"
    if not own:
        summary += f"原文件为 {path.suffix} 格式，本副本只保留了单元格文字。"
    if errors:
        summary += "请按“处理办法”修改原文件后重新报送（本工作表不必保留）。"
    else:  # warnings alone never keep a form out: asking for a resubmission would only cost a round
        summary += "报送表已采用，无须重新报送；提示供核对，下期填报时请注意。" if findings else "未发现问题。"
    head = ws.cell(row=1, column=1, value=cell_safe(summary))
    head.data_type = "s"  # the file's name starts it: "=1+1+cmd|…" must stay text, as every cell here does
    head.font = Font(bold=True)
    head_fill = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
    wrap = Alignment(wrap_text=True, vertical="top")
    for c, (name, width) in enumerate(_COLUMNS, start=1):
        h = ws.cell(row=2, column=c, value=name)
        h.font = Font(bold=True)
        h.fill = head_fill
        ws.column_dimensions[h.column_letter].width = width
    for r, f in enumerate(ordered, start=3):
        code = CODES.get(f.code)
        values = (SEVERITY.get(f.severity, f.severity), f.code, code.title if code else "", f.sheet, f.cell)
        for c, v in enumerate((*values, f.message, f.hint), start=1):
            cell = ws.cell(row=r, column=c, value=cell_safe(v))
            cell.data_type = "s"
            cell.alignment = wrap
        ws.cell(row=r, column=1).fill = PatternFill(
            "solid", start_color=ERROR_FILL if f.severity == "error" else WARNING_FILL
        )
        if f.cell and f.sheet in wb.sheetnames:
            link = ws.cell(row=r, column=5)
            sheet = f.sheet.replace("'", "''")  # a quote in a sheet name is doubled inside the reference
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{sheet}'!{f.cell.partition(':')[0]}")
            link.font = Font(color="0563C1", underline="single")
    ws.freeze_panes = "A3"
    if ordered:
        ws.auto_filter.ref = f"A2:G{len(ordered) + 2}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for other in wb.worksheets:
        other.sheet_view.tabSelected = other is ws
    wb.active = 0

    buf = io.BytesIO()
    wb.save(buf)
    return normalize_zip(_fixed_dates(buf.getvalue(), source.created))


_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)")


def _fixed_dates(data: bytes, stamp: bytes) -> bytes:
    """openpyxl stamps the time of saving into docProps/core.xml; put a fixed stamp there instead, so
    the same input and findings give the same bytes."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                part = _STAMP.sub(lambda m: m.group(1) + stamp + m.group(2), part)
            dst.writestr(info, part)
    return out.getvalue()
