"""Submission forms (报送表) for departments: the layout `read` expects, pre-filled per department.

Sheet 填报表: title; meta cells 填报单位 and 报告期 (pre-filled, locked), 报送截止 (the config's deadline,
when set), 联系人, 联系电话 and 填报日期 (to fill); the header 序号 | 事项内容 | 责任单位 | 进展情况 | 完成状态 |
备注; the department's items in master order with the first three columns locked and the rest unlocked,
完成状态 as a drop-down; when the master list has targets, a locked 目标 column and an open 完成值 column
come before 备注; under the table, the 督查室's contact (the config's `contact`, when set). Item rows have
no fixed height, so Excel re-fits a row to what is typed into it. The sheet is protected without a
password (it guards against slips, not people). Sheet 填报说明 says how to fill it. xlsxwriter writes
standard data validations, which survive LibreOffice and openpyxl.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from typing import Any

from ledgerxl.model import Item, statuses_for
from ledgerxl.periods import Period
from ledgerxl.write.textwidth import wrapped_lines
from ledgerxl.write.xlsx_rows import unfixed_heights, wrapped_title
from ledgerxl.write.zip import normalize_zip

SHEET = "填报表"
GUIDE_SHEET = "填报说明"
HEADERS = ("序号", "事项内容", "责任单位", "进展情况", "完成状态", "备注")
WIDTHS = (9, 36, 16, 70, 12, 16)
# when the master list has targets (目标), the form shows them (locked) and asks for the achieved value
TARGET_HEADERS = ("序号", "事项内容", "责任单位", "进展情况", "完成状态", "目标", "完成值", "备注")
TARGET_WIDTHS = (9, 36, 16, 70, 12, 14, 14, 16)
INPUT_LINES = 3  # an empty progress cell is this many lines tall, room to type
LINE_PT = 15  # 宋体 11pt line height in points
TITLE_PT = 16  # 黑体 16 pt: a 30 pt row holds one line, each further line takes 22 pt more
GUIDE_TITLE_PT = 14
FORM_PART = "xl/worksheets/sheet1.xml"  # 填报表, the first sheet added
HEADER_ROW = 3  # 0-based: title, two meta rows, header
# meta cells (0-based row, col) of the values
DEPARTMENT_CELL = (1, 1)  # B2
PERIOD_CELL = (1, 3)  # D2
CONTACT_CELL = (2, 1)  # B3
PHONE_CELL = (2, 3)  # D3
DATE_CELL = (2, 5)  # F3
DEADLINE_CELL = (1, 5)  # F2, labelled 报送截止 in E2 (not a label the reader knows: it is the office's)
CONTACT_LABEL = "如有疑问，请联系"  # the note under the table (never 联系人/联系电话, the department's own cells)


def form_title(period: Period, org: str = "市") -> str:
    # 全年 once: "…挂牌事项全年完成情况填报表", never "…全年全年完成情况…"
    tail = "全年完成情况" if period.is_annual else f"{period.label}进展情况"
    return f"{period.year}年{org}政府工作报告公开挂牌事项{tail}填报表"


def form_name(department: str, period: Period) -> str:
    """File name of a department's form, e.g. 市科技局-2025年三季度.xlsx."""
    return f"{department}-{period.year}年{period.label}.xlsx"


def deadline_text(deadline: dt.date) -> str:
    return f"{deadline.year}年{deadline.month}月{deadline.day}日"


def contact_note(deadline: dt.date | None, contact: str) -> str:
    """The line under the table: by when to send the form and whom to ask ("" when neither is set)."""
    contact = contact.rstrip("。. ")
    when = f"请于{deadline_text(deadline)}前报送" if deadline else ""
    parts = [when, f"{CONTACT_LABEL}：{contact}" if contact else ""]
    said = "。".join(p for p in parts if p)
    return f"{said}。" if said else ""


def guide_lines(
    period: Period, count: int, with_targets: bool = False, deadline: dt.date | None = None, contact: str = ""
) -> list[str]:
    label = period.progress_label
    end = f"{period.end_date.month}月底"
    numbers = "一二三四五六七八"
    lines = [
        f"一、本表列出本单位负责的全部挂牌事项（共 {count} 项）。序号、事项内容、责任单位已锁定，请勿改动，"
        "也不要增删行、调整表头或另建工作表。",
        f"二、“{label}”填写截至{end}的本期情况，尽量用数据说明（数量、投资额、完成率等）；不要照抄上期内容，"
        "也不要只写以前月份的数据。一个单元格内需要分段时按 Alt+Enter 换行，不要另起一行。",
        "三、多个单位共同负责的事项，各单位只写本单位的工作；汇总时按责任单位顺序（牵头单位在前）合并。",
        f"四、“完成状态”从下拉列表中选择：{'、'.join(statuses_for(period))}。“备注”可写需要说明的情况，不进入台账。",
        "五、请填写联系人、联系电话和填报日期。同一单位报送多份时，以填报日期较晚的一份为准。",
        f"六、请保存为 .xlsx 格式报送，文件名用“单位名称-{period.year}年{period.label}.xlsx”；"
        "不要设置打开密码，单元格内不要使用公式或超链接。",
    ]
    if with_targets:
        lines.append(
            "七、“目标”取自挂牌事项清单；“完成值”写截至本期末的数和单位，如 19家、5.4%，"
            "有几个目标就写几个数，用“；”分隔。"
        )
    if deadline or contact:
        lines.append(f"{numbers[len(lines)]}、{contact_note(deadline, contact)}")
    return lines


class _Formats:
    """The cell formats of a form, made in one fixed order (xlsxwriter numbers styles as they are added)."""

    def __init__(self, wb: Any) -> None:
        base = {"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top", "border": 1}
        self.title = wb.add_format(
            {"font_name": "黑体", "font_size": TITLE_PT, "align": "center", "valign": "vcenter", "text_wrap": True}
        )
        self.label = wb.add_format({"font_name": "宋体", "font_size": 11, "bold": True, "align": "right"})
        self.value = wb.add_format({"font_name": "宋体", "font_size": 11, "bottom": 1})
        self.value_in = wb.add_format({"font_name": "宋体", "font_size": 11, "bottom": 1, "locked": False})
        date = {"font_name": "宋体", "font_size": 11, "bottom": 1, "locked": False, "num_format": "yyyy-mm-dd"}
        self.date_in = wb.add_format({**date, "align": "left"})
        self.head = wb.add_format({**base, "bold": True, "align": "center", "valign": "vcenter", "bg_color": "#D9E1F2"})
        self.locked = wb.add_format({**base, "bg_color": "#F2F2F2"})
        self.locked_c = wb.add_format({**base, "bg_color": "#F2F2F2", "align": "center"})
        self.unlocked = wb.add_format({**base, "locked": False})
        self.unlocked_c = wb.add_format({**base, "locked": False, "align": "center"})
        # 完成值 as text: Excel turns “5.4%” typed into a General cell into the number 0.054
        self.unlocked_text = wb.add_format({**base, "locked": False, "num_format": "@"})
        self.note = wb.add_format({"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top"})


def build_form(
    department: str,
    items: list[Item],
    period: Period,
    progress: Mapping[int, str] | None = None,
    title_org: str = "市",
    date: dt.date | None = None,
    filled_date: dt.date | None = None,
    deadline: dt.date | None = None,
    contact: str = "",
) -> bytes:
    """One department's form: title, meta cells, its items in master order. `progress` and
    `filled_date` pre-fill the input cells (for samples and tests; next-period: last period's texts);
    `deadline` and `contact` (the config's) tell the department by when and whom to ask."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    when = dt.datetime.combine(date or period.end_date, dt.time(9))
    wb.set_properties({"title": form_title(period, title_org), "author": "ledgerxl", "created": when})
    fm = _Formats(wb)
    with_targets = any(it.target for it in items)
    headers, widths = (TARGET_HEADERS, TARGET_WIDTHS) if with_targets else (HEADERS, WIDTHS)
    ws = wb.add_worksheet(SHEET)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    title = wrapped_title(form_title(period, title_org), widths, TITLE_PT, [title_org])
    ws.merge_range(0, 0, 0, len(headers) - 1, title, fm.title)
    ws.set_row(0, 30 + 22 * title.count("\n"))
    _meta_cells(ws, fm, department, period, filled_date, deadline)
    for c, h in enumerate(headers):
        ws.write_string(HEADER_ROW, c, period.progress_label if h == "进展情况" else h, fm.head)
    _item_rows(ws, fm, items, progress or {}, widths, with_targets)
    last = HEADER_ROW + max(len(items), 1)
    if items:
        _input_hints(ws, period, last, with_targets)
    note = contact_note(None, contact)  # the deadline is at the top, in F2
    if note:
        last += 1
        ws.merge_range(last, 0, last, len(headers) - 1, note, fm.note)
        ws.set_row(last, LINE_PT * wrapped_lines(note, sum(widths) - 2) + 6)
    _print_setup(ws, last, len(headers))
    _guide_sheet(wb, period, title_org, len(items), with_targets, deadline, contact)
    wb.close()
    # item rows keep their height but not as a fixed one (1-based rows: the header is HEADER_ROW + 1)
    first_item = HEADER_ROW + 2
    unfix = {FORM_PART: lambda xml: unfixed_heights(xml, first_item, first_item + len(items) - 1)}
    return normalize_zip(buf.getvalue(), unfix if items else None)


def _meta_cells(
    ws: Any, fm: _Formats, department: str, period: Period, filled_date: dt.date | None, deadline: dt.date | None
) -> None:
    """填报单位, 报告期 and 报送截止 filled in and locked; 联系人, 联系电话 and 填报日期 to fill."""
    ws.write_string(1, 0, "填报单位", fm.label)
    ws.write_string(*DEPARTMENT_CELL, department, fm.value)
    ws.write_string(1, 2, "报告期", fm.label)
    ws.write_string(*PERIOD_CELL, f"{period.year}年{period.label}", fm.value)
    if deadline:
        ws.write_string(1, 4, "报送截止", fm.label)
        ws.write_string(*DEADLINE_CELL, deadline_text(deadline), fm.value)
    ws.write_string(2, 0, "联系人", fm.label)
    ws.write_blank(*CONTACT_CELL, None, fm.value_in)
    ws.write_string(2, 2, "联系电话", fm.label)
    ws.write_blank(*PHONE_CELL, None, fm.value_in)
    ws.write_string(2, 4, "填报日期", fm.label)
    if filled_date:
        ws.write_datetime(*DATE_CELL, dt.datetime.combine(filled_date, dt.time()), fm.date_in)
    else:
        ws.write_blank(*DATE_CELL, None, fm.date_in)
    ws.data_validation(
        *DATE_CELL,
        *DATE_CELL,
        {
            "validate": "any",
            "input_title": "填报日期",
            "input_message": "如 2025-10-08。同一单位报送多份时以较晚的为准。",
        },
    )


def _item_rows(
    ws: Any, fm: _Formats, items: list[Item], progress: Mapping[int, str], widths: tuple[int, ...], with_targets: bool
) -> None:
    """The department's items: 序号, 事项内容, 责任单位 (and 目标) locked, the rest open to fill."""
    last_col = len(widths) - 1
    for i, it in enumerate(items):
        r = HEADER_ROW + 1 + i
        ws.write_number(r, 0, it.number, fm.locked_c)
        ws.write_string(r, 1, it.text, fm.locked)
        ws.write_string(r, 2, "、".join(it.departments), fm.locked)
        text = progress.get(it.number, "")
        if text:
            ws.write_string(r, 3, text, fm.unlocked)
        else:
            ws.write_blank(r, 3, None, fm.unlocked)
        ws.write_blank(r, 4, None, fm.unlocked_c)
        if with_targets:
            ws.write_string(r, 5, it.target, fm.locked)
            ws.write_blank(r, 6, None, fm.unlocked_text)
        ws.write_blank(r, last_col, None, fm.unlocked)
        # LibreOffice and Excel open a row at its stored height (no customHeight: Excel re-fits it when a
        # cell is edited): give each row the height its texts need, a prefilled progress included
        lines = max(
            wrapped_lines(it.text, widths[1] - 2),
            wrapped_lines("、".join(it.departments), widths[2] - 2),
            wrapped_lines(text, widths[3] - 2) if text else INPUT_LINES,
        )
        ws.set_row(r, min(409, LINE_PT * lines + 6))


def _input_hints(ws: Any, period: Period, last: int, with_targets: bool) -> None:
    """What Excel/WPS shows on the input cells: how to write the progress, the 完成状态 drop-down, 完成值."""
    first = HEADER_ROW + 1
    ws.data_validation(
        first,
        3,
        last,
        3,
        {
            "validate": "any",
            "input_title": period.progress_label,
            "input_message": f"写截至{period.end_date.month}月底的本期情况，尽量用数据说明。单元格内换行按 Alt+Enter。",
        },
    )
    ws.data_validation(
        first,
        4,
        last,
        4,
        {
            "validate": "list",
            "source": list(statuses_for(period)),
            "input_title": "完成状态",
            "input_message": "请从下拉列表中选择。",
            "error_title": "完成状态",
            "error_message": f"请从下拉列表中选择：{'、'.join(statuses_for(period))}。",
        },
    )
    if with_targets:
        ws.data_validation(
            first,
            6,
            last,
            6,
            {
                "validate": "any",
                "input_title": "完成值",
                "input_message": "写截至本期末的数和单位，如 19家、5.4%；有几个目标就写几个数，用“；”分隔。",
            },
        )


def _print_setup(ws: Any, last: int, columns: int) -> None:
    """A4 landscape, header repeated on every page, one page wide; protected without a password."""
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.repeat_rows(HEADER_ROW)
    ws.print_area(0, 0, last, columns - 1)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.protect("", {"format_rows": True, "format_columns": True})
    ws.activate()


def _guide_sheet(
    wb: Any,
    period: Period,
    title_org: str,
    count: int,
    with_targets: bool,
    deadline: dt.date | None = None,
    contact: str = "",
) -> None:
    guide = wb.add_worksheet(GUIDE_SHEET)
    guide.set_column(0, 0, 110)
    gtitle = wb.add_format({"font_name": "黑体", "font_size": GUIDE_TITLE_PT, "text_wrap": True, "valign": "top"})
    gtext = wb.add_format({"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top"})
    title = wrapped_title(f"{form_title(period, title_org)}填报说明", [110], GUIDE_TITLE_PT, [title_org])
    guide.write_string(0, 0, title, gtitle)
    guide.set_row(0, 24 + 20 * title.count("\n"))
    for i, line in enumerate(guide_lines(period, count, with_targets, deadline, contact), start=2):
        guide.write_string(i, 0, line, gtext)
        guide.set_row(i, LINE_PT * wrapped_lines(line, 106) + 6)
    guide.set_landscape()
    guide.set_paper(9)
    guide.fit_to_pages(1, 0)
    guide.protect("")
