"""Submission forms (报送表) for departments: the layout `read` expects, pre-filled per department."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping

from ledgerxl.atomic import normalize_zip
from ledgerxl.model import Item
from ledgerxl.periods import Period

SHEET = "填报表"
HEADERS = ("序号", "事项内容", "责任单位", "进展情况", "完成状态", "备注")
# when the master list has targets (目标), the form shows them and asks for the achieved value
TARGET_HEADERS = ("序号", "事项内容", "责任单位", "进展情况", "完成状态", "目标", "完成值", "备注")
STATUSES = ("已完成", "序时推进", "进度滞后", "未启动")
HEADER_ROW = 3  # 0-based: title, meta, blank, header


def build_form(
    department: str,
    items: list[Item],
    period: Period,
    progress: Mapping[int, str] | None = None,
    title_org: str = "市",
    date: dt.date | None = None,
) -> bytes:
    """One department's form: title, meta cells, its items in master order; progress optional (samples)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"author": "ledgerxl", "created": dt.datetime.combine(date or period.end_date, dt.time(9))})
    head_label = "全年完成情况" if period.is_annual else "进展情况"
    base = {"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top", "border": 1}
    title = wb.add_format({"font_name": "黑体", "font_size": 16, "align": "center", "valign": "vcenter"})
    label = wb.add_format({"font_name": "宋体", "font_size": 11, "bold": True, "align": "right"})
    value = wb.add_format({"font_name": "宋体", "font_size": 11, "bottom": 1})
    head = wb.add_format({**base, "bold": True, "align": "center", "valign": "vcenter", "bg_color": "#D9E1F2"})
    locked = wb.add_format({**base, "bg_color": "#F2F2F2"})
    locked_c = wb.add_format({**base, "bg_color": "#F2F2F2", "align": "center"})
    unlocked = wb.add_format({**base, "locked": False})

    with_targets = any(it.target for it in items)
    headers = TARGET_HEADERS if with_targets else HEADERS
    ws = wb.add_worksheet(SHEET)
    for c, w in enumerate((6, 36, 16, 70, 12, 14, 14, 16) if with_targets else (6, 36, 16, 70, 12, 16)):
        ws.set_column(c, c, w)
    ws.merge_range(
        0,
        0,
        0,
        len(headers) - 1,
        f"{period.year}年{title_org}政府工作报告公开挂牌事项{period.label}{head_label}填报表",
        title,
    )
    ws.set_row(0, 30)
    ws.write_string(1, 0, "填报单位", label)
    ws.write_string(1, 1, department, value)
    ws.write_string(1, 2, "报告期", label)
    ws.write_string(1, 3, f"{period.year}年{period.label}", value)
    ws.write_string(2, 0, "联系人", label)
    ws.write_blank(2, 1, None, wb.add_format({"bottom": 1, "locked": False}))
    ws.write_string(2, 2, "联系电话", label)
    ws.write_blank(2, 3, None, wb.add_format({"bottom": 1, "locked": False}))
    for c, h in enumerate(headers):
        ws.write_string(HEADER_ROW, c, head_label if h == "进展情况" else h, head)
    for i, it in enumerate(items):
        r = HEADER_ROW + 1 + i
        ws.write_number(r, 0, it.number, locked_c)
        ws.write_string(r, 1, it.text, locked)
        ws.write_string(r, 2, "、".join(it.departments), locked)
        text = (progress or {}).get(it.number, "")
        if text:
            ws.write_string(r, 3, text, unlocked)
        else:
            ws.write_blank(r, 3, None, unlocked)
        ws.write_blank(r, 4, None, unlocked)
        if with_targets:
            ws.write_string(r, 5, it.target, locked)
            ws.write_blank(r, 6, None, unlocked)
        ws.write_blank(r, len(headers) - 1, None, unlocked)
    if items:
        last = HEADER_ROW + len(items)
        ws.data_validation(HEADER_ROW + 1, 4, last, 4, {"validate": "list", "source": list(STATUSES)})
        if with_targets:
            ws.data_validation(
                HEADER_ROW + 1,
                6,
                last,
                6,
                {
                    "validate": "any",
                    "input_title": "完成值",
                    "input_message": "写截至本期末的数和单位，如 19家、5.4%；有几个目标就写几个数，用“；”分隔。",
                },
            )
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(HEADER_ROW)
    ws.fit_to_pages(1, 0)
    ws.protect("", {"format_rows": True, "format_columns": True})
    wb.close()
    return normalize_zip(buf.getvalue())
