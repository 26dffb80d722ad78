"""台账.xlsx: the consolidated ledger workbook, written with xlsxwriter.

Sheet 台账 is ready to print (A4 landscape, one page wide, header row on every page); sheet 汇总 holds
counts per department, per 分类 and per 完成状态, each with a native Excel chart.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from ledgerxl.errors import OutputError
from ledgerxl.ledger import LedgerStats, ledger_stats
from ledgerxl.model import Ledger, LedgerRow
from ledgerxl.text import EXCEL_CELL_LIMIT, excel_length, strip_xml_illegal, within_excel_limit
from ledgerxl.write.summary_tables import MISSING, REPORTED, SummaryTable, summary_tables, target_table
from ledgerxl.write.textwidth import display_width, wrapped_lines
from ledgerxl.write.xlsx_rows import ItemRow, splice_rows
from ledgerxl.write.zip import normalize_zip

SHEET = "台账"
LEDGER_PART = "xl/worksheets/sheet1.xml"  # xlsxwriter names sheet parts in the order they are added
SUMMARY_SHEET = "汇总"
FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
GB2312 = 134  # font charset: Excel picks a Chinese face when the named one is missing
# column widths in Excel units (about one half-width character each)
WIDTHS = (6, 36, 16, 80)
LINE_PT = 15  # row height per line of 11 pt text
SUMMARY_ROW_PT = 18  # row height on the 汇总 sheet
ROW_PX = 24  # the same in pixels, to place charts


def cell_safe(text: str, what: str = "单元格") -> str:
    """Text that Excel can hold: XML-illegal characters dropped (reported as W320 at intake). Text over
    Excel's cell limit is refused, never cut: xlsxwriter would silently truncate it."""
    text = strip_xml_illegal(text)
    if not within_excel_limit(text, EXCEL_CELL_LIMIT):
        n = excel_length(text)
        raise OutputError(
            f"{what}合计 {n} 个字符，超过 Excel 单元格上限 {EXCEL_CELL_LIMIT}，台账.xlsx 无法完整写入。",
            "请联系相关单位精简进展情况后重新汇总。",
        )
    return text


class _Formats:
    def __init__(self, wb: Any) -> None:
        base = {"font_name": FONT, "font_charset": GB2312, "font_size": 11, "valign": "vcenter"}
        boxed = {**base, "text_wrap": True, "border": 1}
        self.title = wb.add_format(
            {**base, "font_name": TITLE_FONT, "font_size": 18, "align": "center", "text_wrap": True}
        )
        self.head = wb.add_format(
            {**boxed, "font_name": HEAD_FONT, "bold": True, "align": "center", "bg_color": "#D9E1F2"}
        )
        self.num = wb.add_format({**boxed, "align": "center"})
        self.text = wb.add_format({**boxed, "align": "left"})
        self.total = wb.add_format({**boxed, "font_name": HEAD_FONT, "align": "center"})
        self.caption = wb.add_format({**base, "font_name": HEAD_FONT, "font_size": 12, "bold": True})
        self.note = wb.add_format(base)


def _print_setup(ws: Any, title_row: int, landscape: bool = True) -> None:
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    if title_row >= 0:
        ws.repeat_rows(title_row)
    ws.fit_to_pages(1, 0)  # one page wide, as many pages down as needed
    ws.set_footer("&C第 &P 页，共 &N 页")


def _ledger_sheet(wb: Any, fm: _Formats, ledger: Ledger) -> list[ItemRow]:
    """The 台账 sheet up to its first item row; the other item rows are returned, to be spliced into the
    sheet's XML as it is zipped (xlsx_rows: xlsxwriter would take most of the time on them)."""
    ws = wb.add_worksheet(SHEET)
    ncol = len(WIDTHS)
    for c, w in enumerate(WIDTHS):
        ws.set_column(c, c, w)
    ws.merge_range(0, 0, 0, ncol - 1, ledger.title, fm.title)
    ws.set_row(0, 36)
    for c, h in enumerate(("序号", "事项内容", "责任单位", ledger.progress_label)):
        ws.write_string(1, c, h, fm.head)
    ws.set_row(1, 22)
    rows = [_item_row(ledger, row) for row in ledger.rows]
    if rows:
        first = rows[0]
        ws.write_number(2, 0, first.number, fm.num)
        for c, text in enumerate(first.texts, start=1):
            # write_string, never write: a text starting with = + - @ stays text, not a formula
            ws.write_string(2, c, text, fm.text)
        ws.set_row(2, first.height)
    last = len(ledger.rows) + 1
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, last, ncol - 1)
    _print_setup(ws, title_row=1)
    return rows[1:]


JOINED_TOO_LONG = "（各单位进展合计超过 Excel 单元格上限，全文见附件.docx。）"  # W324


def _item_row(ledger: Ledger, row: LedgerRow) -> ItemRow:
    progress = "\n".join(ledger.progress_paragraphs(row))
    if len(row.parts) > 1 and not within_excel_limit(strip_xml_illegal(progress)):
        progress = JOINED_TOO_LONG  # each text fits alone (E220 otherwise); 附件.docx carries them whole
    depts = "、".join(row.item.departments)
    lines = max(
        wrapped_lines(row.item.text, WIDTHS[1] - 2),
        wrapped_lines(depts, WIDTHS[2] - 2),
        wrapped_lines(progress, WIDTHS[3] - 2),
    )
    texts = (
        cell_safe(row.item.text),
        cell_safe(depts),
        cell_safe(progress, f"第 {row.item.number} 项的{ledger.progress_label}"),
    )
    return ItemRow(row.item.number, texts, min(409, LINE_PT * lines + 6))  # 409 pt is Excel's tallest row


def _chart(wb: Any, table: SummaryTable, first: int, last: int, value_cols: dict[str, int]) -> Any:
    """A native chart over the table's data rows (first..last, 0-based), never over the 合计 row."""
    font = {"name": FONT, "charset": GB2312, "size": 10}
    cats = [SUMMARY_SHEET, first, 0, last, 0]
    if table.chart == "pie":
        chart = wb.add_chart({"type": "pie"})
        name = table.charted[0]
        chart.add_series(
            {
                "name": name,
                "categories": cats,
                "values": [SUMMARY_SHEET, first, value_cols[name], last, value_cols[name]],
                "data_labels": {"value": True, "percentage": True, "separator": "\n", "font": font},
            }
        )
        chart.set_legend({"position": "right", "font": font})
    else:
        chart = wb.add_chart({"type": "bar", "subtype": "stacked"})
        colors = {REPORTED: "#70AD47", MISSING: "#BFBFBF"}
        for name in table.charted:
            col = value_cols[name]
            chart.add_series(
                {
                    "name": [SUMMARY_SHEET, first - 1, col],
                    "categories": cats,
                    "values": [SUMMARY_SHEET, first, col, last, col],
                    "fill": {"color": colors.get(name, "#4472C4")},
                    "gap": 60,
                }
            )
        # categories top-down, as in the table, with the value axis kept at the bottom
        chart.set_y_axis({"reverse": True, "crossing": "max", "num_font": font})
        chart.set_x_axis({"num_font": font, "major_gridlines": {"visible": True}, "min": 0})
        chart.set_legend({"position": "bottom", "font": font})
    chart.set_title({"name": table.title, "name_font": {"name": HEAD_FONT, "charset": GB2312, "size": 12}})
    return chart


def _summary_sheet(wb: Any, fm: _Formats, ledger: Ledger, stats: LedgerStats, tables: list[SummaryTable]) -> None:
    ws = wb.add_worksheet(SUMMARY_SHEET)
    ncols = max(1 + len(t.columns) for t in tables)
    key_width = max(display_width(k) for t in tables for k in [t.key, *t.keys]) + 4
    ws.set_column(0, 0, max(14, key_width))
    ws.set_column(1, ncols - 1, 10)
    chart_col = ncols + 1
    ws.merge_range(0, 0, 0, chart_col + 7, f"{ledger.title}（汇总）", fm.title)
    ws.set_row(0, 36)
    ws.write_string(
        1,
        0,
        f"共 {stats.items} 项事项，{stats.items_reported} 项已报送进展；{len(stats.departments)} 个责任单位，"
        f"{len(stats.departments_reported)} 个已报送。",
        fm.note,
    )
    ws.set_default_row(SUMMARY_ROW_PT)
    r = 3
    breaks = []
    for table in tables:
        if r > 3:
            breaks.append(r)  # each block starts a printed page
        ws.write_string(r, 0, table.title, fm.caption)
        head = r + 1
        ws.write_string(head, 0, table.key, fm.head)
        value_cols = {}
        for c, (name, values) in enumerate(table.columns.items(), start=1):
            value_cols[name] = c
            ws.write_string(head, c, name, fm.head)
            for i, v in enumerate(values):
                if isinstance(v, (int, float)):
                    ws.write_number(head + 1 + i, c, v, fm.num)
                else:
                    ws.write_string(head + 1 + i, c, cell_safe(str(v)), fm.num)
        for i, k in enumerate(table.keys):
            ws.write_string(head + 1 + i, 0, cell_safe(k), fm.text)
            # text values (目标, 完成值) may wrap in the 10-wide columns: give them their lines
            lines = max(
                (wrapped_lines(str(v[i]), 8) for v in table.columns.values() if isinstance(v[i], str)), default=1
            )
            if lines > 1:
                ws.set_row(head + 1 + i, SUMMARY_ROW_PT * lines)
        first, last = head + 1, head + len(table.keys)
        end = last
        if table.total:
            end = last + 1
            ws.write_string(end, 0, "合计", fm.total)
            for c, values in enumerate(table.columns.values(), start=1):
                if all(isinstance(v, (int, float)) for v in values):
                    ws.write_formula(end, c, f"=SUM({_col(c)}{first + 1}:{_col(c)}{last + 1})", fm.total, sum(values))
                else:
                    ws.write_blank(end, c, None, fm.total)
        if not table.chart:
            r = end + 2
            continue
        chart = _chart(wb, table, first, last, value_cols)
        height = max(260, 22 * len(table.keys) + 110)
        chart.set_size({"width": 560, "height": height})
        ws.insert_chart(r, chart_col, chart, {"x_offset": 4, "y_offset": 4, "object_position": 1})
        # the next block starts below both this table and its chart
        r = max(end, r + -(-height // ROW_PX)) + 2
    ws.set_h_pagebreaks(breaks)
    _print_setup(ws, title_row=-1)


def _col(c: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    name: str = xl_col_to_name(c)
    return name


def build_xlsx(ledger: Ledger, date: dt.date, summary: list[SummaryTable] | None = None) -> bytes:
    """The workbook; `summary` replaces the 汇总 tables (default: summary_tables of the ledger's counts)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    when = dt.datetime.combine(date, dt.time(9, 0))
    wb.set_properties({"title": ledger.title, "author": "ledgerxl", "created": when})
    fm = _Formats(wb)
    more_rows = _ledger_sheet(wb, fm, ledger)
    stats = ledger_stats(ledger)
    if summary is None:
        summary = summary_tables(stats) + target_table(ledger)  # 目标 vs 完成值, when both are known
    _summary_sheet(wb, fm, ledger, stats, summary)
    wb.close()
    last = len(ledger.rows) + 2  # title and header rows, then the items
    splice = {LEDGER_PART: lambda xml: splice_rows(xml, more_rows, last)} if more_rows else {}
    return normalize_zip(buf.getvalue(), splice)
