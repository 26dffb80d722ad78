"""台账.xlsx: the consolidated ledger workbook, written with xlsxwriter.

Sheet 台账 is ready to print (A4 landscape, one page wide, header row on every page): 序号, 事项内容,
责任单位, (last period's progress, when asked), 进展情况, 完成状态. Sheet 汇总 holds counts per
department, per 分类 and per 完成状态 with their 合计, each beside a native Excel chart, the blocks stacked
to fill the printed pages.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledgerxl.errors import OutputError
from ledgerxl.ledger import LedgerStats, ledger_stats, status_text
from ledgerxl.model import Ledger, LedgerRow
from ledgerxl.text import EXCEL_CELL_LIMIT, excel_length, strip_xml_illegal, within_excel_limit
from ledgerxl.write.summary_tables import MISSING, REPORTED, SummaryTable, summary_tables, target_table
from ledgerxl.write.textwidth import display_width, wrapped_lines
from ledgerxl.write.xlsx_rows import ItemRow, columns_pt, splice_rows, wrapped_title
from ledgerxl.write.zip import normalize_zip

SHEET = "台账"
LEDGER_PART = "xl/worksheets/sheet1.xml"  # xlsxwriter names sheet parts in the order they are added
SUMMARY_SHEET = "汇总"
FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
GB2312 = 134  # font charset: Excel picks a Chinese face when the named one is missing
STATUS = "完成状态"
# column widths in Excel units (about one half-width character each): 序号, 事项内容, 责任单位, 进展情况, 完成状态
# (12: a status in one line, and 单位：状态 of a shared item whose departments differ in two or three)
WIDTHS = (6, 36, 16, 80, 12)
# with last period's progress beside this period's: the texts share the width (the page is scaled to fit)
PREVIOUS_WIDTHS = (6, 30, 14, 56, 64, 12)
LINE_PT = 15  # row height per line of 11 pt text
TITLE_PT = 18  # the title's font size
TITLE_LINE_PT = 27  # and its line height as LibreOffice draws 18 pt (a 36 pt row holds one line)
SUMMARY_ROW_PT = 16  # row height on the 汇总 sheet: 22 departments and their chart fit the first page
PX_PER_PT = 4 / 3


@dataclass(frozen=True)
class PreviousColumn:
    """Last period's published progress, shown beside this period's (opt-in: [ledger] with_previous or
    merge --with-previous): the column's heading (上半年进展情况) and item number -> text."""

    label: str
    texts: Mapping[int, str]


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
        self.previous = wb.add_format({**boxed, "align": "left", "font_color": "#595959"})  # last period's: grey
        self.total = wb.add_format({**boxed, "font_name": HEAD_FONT, "align": "center"})
        self.caption = wb.add_format({**base, "font_name": HEAD_FONT, "font_size": 12, "bold": True})
        self.note = wb.add_format(base)
        self.note_wrap = wb.add_format({**base, "text_wrap": True})


def _print_setup(ws: Any, title_row: int, landscape: bool = True) -> None:
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    if title_row >= 0:
        ws.repeat_rows(title_row)
    ws.fit_to_pages(1, 0)  # one page wide, as many pages down as needed
    ws.set_footer("&C第 &P 页，共 &N 页")


def title_height(title: str) -> float:
    """The title row's height: 36 pt for one line, 27 pt more for each further line."""
    return 36 + TITLE_LINE_PT * title.count("\n")


def _ledger_sheet(
    wb: Any, fm: _Formats, ledger: Ledger, previous: PreviousColumn | None, words: Sequence[str]
) -> list[ItemRow]:
    """The 台账 sheet up to its first item row; the other item rows are returned, to be spliced into the
    sheet's XML as it is zipped (xlsx_rows: xlsxwriter would take most of the time on them)."""
    ws = wb.add_worksheet(SHEET)
    widths = WIDTHS if previous is None else PREVIOUS_WIDTHS
    heads = ["序号", "事项内容", "责任单位", ledger.progress_label, STATUS]
    if previous is not None:
        heads.insert(3, previous.label)
    ncol = len(widths)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    title = wrapped_title(ledger.title, widths, TITLE_PT, words)
    ws.merge_range(0, 0, 0, ncol - 1, title, fm.title)
    ws.set_row(0, title_height(title))
    for c, h in enumerate(heads):
        ws.write_string(1, c, h, fm.head)
    ws.set_row(1, 22)
    usable = [w - 2 for w in widths[1:]]  # a cell's padding takes about two units
    rows = [_item_row(ledger, row, usable, previous) for row in ledger.rows]
    if rows:
        first = rows[0]
        ws.write_number(2, 0, first.number, fm.num)
        styles = [fm.text] * (ncol - 2) + [fm.num]  # the texts left, 完成状态 centred
        if previous is not None:
            styles[2] = fm.previous
        for c, (text, style) in enumerate(zip(first.texts, styles), start=1):
            if not text:  # a blank cell, as xlsx_rows writes the other rows' (xlsxwriter would store "")
                ws.write_blank(2, c, None, style)
                continue
            # write_string, never write: a text starting with = + - @ stays text, not a formula
            ws.write_string(2, c, text, style)
        ws.set_row(2, first.height)
    last = len(ledger.rows) + 1
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, last, ncol - 1)
    _print_setup(ws, title_row=1)
    return rows[1:]


JOINED_TOO_LONG = "（各单位进展合计超过 Excel 单元格上限，全文见附件.docx。）"  # W324


def _item_row(ledger: Ledger, row: LedgerRow, widths: Sequence[int], previous: PreviousColumn | None) -> ItemRow:
    """One item's cells from 事项内容 on, and the row's height. `widths`: the text columns' usable widths."""
    n = row.item.number
    progress = "\n".join(ledger.progress_paragraphs(row))
    if len(row.parts) > 1 and not within_excel_limit(strip_xml_illegal(progress)):
        progress = JOINED_TOO_LONG  # each text fits alone (E220 otherwise); 附件.docx carries them whole
    texts = [cell_safe(row.item.text), cell_safe("、".join(row.item.departments))]
    if previous is not None:
        texts.append(cell_safe(previous.texts.get(n, ""), f"第 {n} 项的{previous.label}"))
    texts.append(cell_safe(progress, f"第 {n} 项的{ledger.progress_label}"))
    status = status_text(row)
    texts.append(cell_safe(status, f"第 {n} 项的{STATUS}") if status else "")
    lines = max(map(wrapped_lines, texts, widths))
    return ItemRow(n, tuple(texts), min(409, LINE_PT * lines + 6))  # 409 pt is Excel's tallest row


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


# The printed page, in points: A4 landscape less _print_setup's margins (the footer sits in the bottom one)
PAGE_WIDTH_PT = 842 - 72 * (0.5 + 0.5)
PAGE_HEIGHT_PT = 595 - 72 * (0.6 + 0.6)
CHART_WIDTH_PX = 560
CHART_COLUMNS = 8  # 10-unit columns under a chart (8 x 75 px >= its 560 px and offset)
GAP_WIDTH = 2  # the column between a table and its chart


@dataclass
class _Block:
    """One table of the 汇总 sheet as laid out: its rows (caption .. 合计 and note), and its chart's height."""

    table: SummaryTable
    heights: list[float]  # pt, one per row from the caption on
    note: str = ""  # a line under the table, wrapped across its columns
    chart_px: int = 0

    @property
    def height(self) -> float:
        """Points from the caption's top to below both the table and its chart."""
        return max(sum(self.heights), (self.chart_px + 4) * 0.75)

    @property
    def rows(self) -> int:
        """Rows the block takes, its chart included (rows under a table are SUMMARY_ROW_PT tall)."""
        return len(self.heights) + math.ceil(max(0.0, self.height - sum(self.heights)) / SUMMARY_ROW_PT)


def _value_lines(table: SummaryTable, i: int) -> int:
    """Lines of a data row: text values (目标, 完成值) may wrap in the 10-wide columns."""
    return max((wrapped_lines(str(v[i]), 8) for v in table.columns.values() if isinstance(v[i], str)), default=1)


def _block(table: SummaryTable, note: str = "", width: int = 0) -> _Block:
    """`table` laid out; `note` goes under it, wrapped in the table's `width` (Excel units)."""
    heights: list[float] = [SUMMARY_ROW_PT, SUMMARY_ROW_PT]  # caption, header
    heights += [SUMMARY_ROW_PT * _value_lines(table, i) for i in range(len(table.keys))]
    heights += [SUMMARY_ROW_PT] * bool(table.total)
    table_pt = sum(heights)
    if note:
        heights.append(SUMMARY_ROW_PT * wrapped_lines(note, width - 2))
    block = _Block(table, heights, note)
    if table.chart:
        # the chart beside the table, at least as tall as it and never under 260 px; a bar takes 22 px (with
        # less, LibreOffice leaves out every other department's name)
        table_px = int(table_pt * PX_PER_PT) - 8
        bars = 22 * len(table.keys) + 110 if table.chart == "bar" else 0
        block.chart_px = max(260, bars, table_px)
    return block


def _page_breaks(top: float, blocks: list[_Block], page: float) -> list[bool]:
    """Whether each block starts a new printed page: only when it does not fit in what is left of the
    page and would fit on a fresh one (or less than a quarter of the page is left). Tables are stacked,
    each beside its chart, so a page holds as many as fit (the issue: one block a page left three mostly
    blank pages)."""
    out, y = [], top
    for i, b in enumerate(blocks):
        new_page = i > 0 and y + b.height > page and (b.height <= page or page - y < page / 4)
        if new_page:
            y = 0.0
        out.append(new_page)
        y += b.height + SUMMARY_ROW_PT  # a blank row between blocks
        while y > page:  # a block taller than a page runs on
            y -= page
    return out


def _summary_sheet(
    wb: Any, fm: _Formats, ledger: Ledger, stats: LedgerStats, tables: list[SummaryTable], words: Sequence[str]
) -> None:
    ws = wb.add_worksheet(SUMMARY_SHEET)
    ncols = max(1 + len(t.columns) for t in tables)
    key_width = max(14, max(display_width(k) for t in tables for k in [t.key, *t.keys]) + 4)
    chart_col = ncols + 1
    last_col = chart_col + CHART_COLUMNS - 1
    widths = [key_width] + [10] * (ncols - 1) + [GAP_WIDTH] + [10] * CHART_COLUMNS
    ws.set_column(0, 0, key_width)
    ws.set_column(1, ncols - 1, 10)
    ws.set_column(ncols, ncols, GAP_WIDTH)
    ws.set_column(chart_col, last_col, 10)
    title = wrapped_title(f"{ledger.title}（汇总）", widths, TITLE_PT, words)
    ws.merge_range(0, 0, 0, last_col, title, fm.title)
    ws.set_row(0, title_height(title))
    ws.write_string(
        1,
        0,
        f"共 {stats.items} 项事项，{stats.items_reported} 项已报送进展；{len(stats.departments)} 个责任单位，"
        f"{len(stats.departments_reported)} 个已报送。",
        fm.note,
    )
    ws.set_default_row(SUMMARY_ROW_PT)
    blocks = [_block(t, _shared_items_note(t, stats), key_width + 10 * len(t.columns)) for t in tables]
    # fit to width: the page is scaled by printable width / sheet width, so a page holds more sheet points
    scale = min(1.0, PAGE_WIDTH_PT / columns_pt(widths))
    starts = _page_breaks(title_height(title) + SUMMARY_ROW_PT, blocks, PAGE_HEIGHT_PT / scale)
    r = 2  # under the title and the line of totals: 22 departments and their chart still fit the first page
    breaks = []
    for block, new_page in zip(blocks, starts):
        if new_page:
            breaks.append(r)
        _write_table(wb, ws, fm, block, r, chart_col)
        r += block.rows + 1
    ws.set_h_pagebreaks(breaks)
    ws.print_area(0, 0, r - 2, last_col)
    _print_setup(ws, title_row=-1)


def _shared_items_note(table: SummaryTable, stats: LedgerStats) -> str:
    """Under the per-department table: why its 合计 exceeds the number of items (shared items count once
    per department)."""
    if table.key != "责任单位" or not table.total:
        return ""
    assigned = sum(c.items for c in stats.by_department)
    if assigned == stats.items:
        return ""
    return f"注：多个单位共同负责的事项在每个单位各计 1 次，故合计 {assigned} 项次多于事项数 {stats.items} 项。"


def _write_table(wb: Any, ws: Any, fm: _Formats, block: _Block, r: int, chart_col: int) -> None:
    table = block.table
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
        if block.heights[2 + i] != SUMMARY_ROW_PT:
            ws.set_row(head + 1 + i, block.heights[2 + i])
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
    if block.note:  # wrapped across the table's columns: a long line would run on under the chart
        ws.merge_range(end + 1, 0, end + 1, len(table.columns), block.note, fm.note_wrap)
        ws.set_row(end + 1, block.heights[-1])
    if table.chart:
        chart = _chart(wb, table, first, last, value_cols)
        chart.set_size({"width": CHART_WIDTH_PX, "height": block.chart_px})
        ws.insert_chart(r, chart_col, chart, {"x_offset": 4, "y_offset": 4, "object_position": 1})


def _col(c: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    name: str = xl_col_to_name(c)
    return name


def build_xlsx(
    ledger: Ledger,
    date: dt.date,
    summary: list[SummaryTable] | None = None,
    previous: PreviousColumn | None = None,
    title_words: Sequence[str] = (),
) -> bytes:
    """The workbook; `summary` replaces the 汇总 tables (default: summary_tables of the ledger's counts);
    `previous` adds last period's progress beside this period's; `title_words` are words of the title that
    a wrapped title keeps whole (the org: 青岛市)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    when = dt.datetime.combine(date, dt.time(9, 0))
    wb.set_properties({"title": ledger.title, "author": "ledgerxl", "created": when})
    fm = _Formats(wb)
    more_rows = _ledger_sheet(wb, fm, ledger, previous, title_words)
    stats = ledger_stats(ledger)
    if summary is None:
        summary = summary_tables(stats) + target_table(ledger)  # 目标 vs 完成值, when both are known
    _summary_sheet(wb, fm, ledger, stats, summary, title_words)
    wb.close()
    last = len(ledger.rows) + 2  # title and header rows, then the items
    splice = {LEDGER_PART: lambda xml: splice_rows(xml, more_rows, last)} if more_rows else {}
    return normalize_zip(buf.getvalue(), splice)
