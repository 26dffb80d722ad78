"""台账.xlsx: the consolidated ledger workbook, written with xlsxwriter."""

from __future__ import annotations

import datetime as dt
import io
import re

from ledgerxl.atomic import normalize_zip
from ledgerxl.model import Ledger
from ledgerxl.textwidth import wrapped_lines

SHEET = "台账"
FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
# column widths in Excel units (about one half-width character each)
WIDTHS = (6, 36, 16, 80)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_CELL = 32767  # Excel's limit on characters in one cell


def cell_safe(text: str) -> str:
    """Text that Excel can hold: XML-illegal control characters dropped, cut at Excel's cell limit."""
    return _ILLEGAL.sub("", text)[:MAX_CELL]


def build_xlsx(ledger: Ledger, date: dt.date) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    when = dt.datetime.combine(date, dt.time(9, 0))
    wb.set_properties({"title": ledger.title, "author": "ledgerxl", "created": when})
    base = {"font_name": FONT, "font_size": 11, "text_wrap": True, "valign": "vcenter", "border": 1}
    title_fmt = wb.add_format(
        {"font_name": TITLE_FONT, "font_size": 18, "align": "center", "valign": "vcenter", "text_wrap": True}
    )
    head_fmt = wb.add_format({**base, "font_name": HEAD_FONT, "bold": True, "align": "center", "bg_color": "#D9E1F2"})
    num_fmt = wb.add_format({**base, "align": "center"})
    text_fmt = wb.add_format({**base, "align": "left"})

    ws = wb.add_worksheet(SHEET)
    ncol = len(WIDTHS)
    for c, w in enumerate(WIDTHS):
        ws.set_column(c, c, w)
    ws.merge_range(0, 0, 0, ncol - 1, ledger.title, title_fmt)
    ws.set_row(0, 36)
    for c, h in enumerate(("序号", "事项内容", "责任单位", ledger.progress_label)):
        ws.write_string(1, c, h, head_fmt)
    ws.set_row(1, 22)
    for i, row in enumerate(ledger.rows):
        r = i + 2
        progress = "\n".join(ledger.progress_paragraphs(row))
        depts = "、".join(row.item.departments)
        ws.write_number(r, 0, row.item.number, num_fmt)
        ws.write_string(r, 1, cell_safe(row.item.text), text_fmt)
        ws.write_string(r, 2, cell_safe(depts), text_fmt)
        ws.write_string(r, 3, cell_safe(progress), text_fmt)
        lines = max(
            wrapped_lines(row.item.text, WIDTHS[1] - 2),
            wrapped_lines(depts, WIDTHS[2] - 2),
            wrapped_lines(progress, WIDTHS[3] - 2),
        )
        ws.set_row(r, min(409, 15 * lines + 6))  # 409 pt is Excel's tallest row
    last = len(ledger.rows) + 1
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, last, ncol - 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.repeat_rows(1)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C第 &P 页，共 &N 页")
    wb.close()
    return normalize_zip(buf.getvalue())
