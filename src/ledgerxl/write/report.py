"""校验报告.xlsx: every finding of a run, one row each, sorted by department, with an auto-filter."""

from __future__ import annotations

import datetime as dt
import io
import re

from ledgerxl.codes import CODES
from ledgerxl.model import Finding
from ledgerxl.write.ledger_xlsx import cell_safe
from ledgerxl.write.textwidth import wrapped_lines
from ledgerxl.write.zip import normalize_zip

REPORT_NAME = "校验报告.xlsx"
SHEET = "校验报告"
COLUMNS = (
    ("责任单位", 16),
    ("级别", 6),
    ("代码", 7),
    ("问题类型", 18),
    ("文件", 28),
    ("工作表", 10),
    ("单元格", 8),
    ("问题说明", 60),
    ("处理办法", 40),
)
SEVERITY = {"error": "错误", "warning": "警告"}


def _cell_key(cell: str) -> tuple[int, str]:
    m = re.match(r"([A-Z]+)(\d+)", cell)
    return (int(m.group(2)), m.group(1).rjust(3)) if m else (0, cell)


def report_order(findings: list[Finding]) -> list[Finding]:
    """By department (unidentified files last), then file, errors first, then position in the sheet."""
    return sorted(
        findings,
        key=lambda f: (
            not f.department,
            f.department,
            f.file,
            f.severity != "error",
            f.sheet,
            _cell_key(f.cell),
            f.code,
            f.message,
        ),
    )


def build_report(findings: list[Finding], title: str, date: dt.date) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"title": title, "author": "ledgerxl", "created": dt.datetime.combine(date, dt.time(9, 0))})
    base = {"font_name": "宋体", "font_size": 10, "text_wrap": True, "valign": "top", "border": 1}
    head = wb.add_format({**base, "bold": True, "align": "center", "valign": "vcenter", "bg_color": "#D9E1F2"})
    text = wb.add_format(base)
    error = wb.add_format({**base, "font_color": "#9C0006", "bg_color": "#FFC7CE", "align": "center"})
    warning = wb.add_format({**base, "font_color": "#9C5700", "bg_color": "#FFEB9C", "align": "center"})

    ws = wb.add_worksheet(SHEET)
    for c, (name, width) in enumerate(COLUMNS):
        ws.set_column(c, c, width)
        ws.write_string(0, c, name, head)
    ws.set_row(0, 20)
    rows = report_order(findings)
    for r, f in enumerate(rows, start=1):
        code = CODES.get(f.code)
        values = (
            f.department or "（未识别）",
            SEVERITY.get(f.severity, f.severity),
            f.code,
            code.title if code else "",
            f.file,
            f.sheet,
            f.cell,
            f.message,
            f.hint,
        )
        for c, v in enumerate(values):
            fmt = (error if f.severity == "error" else warning) if c == 1 else text
            if v:
                ws.write_string(r, c, cell_safe(v), fmt)
            else:
                ws.write_blank(r, c, None, fmt)
        lines = max(wrapped_lines(f.message, COLUMNS[7][1] - 2), wrapped_lines(f.hint, COLUMNS[8][1] - 2))
        ws.set_row(r, min(409, 13.5 * lines + 4))
    ws.autofilter(0, 0, max(len(rows), 1), len(COLUMNS) - 1)
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.repeat_rows(0)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C第 &P 页，共 &N 页")
    wb.close()
    return normalize_zip(buf.getvalue())
