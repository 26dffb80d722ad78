"""挂牌事项清单.xlsx as ledgerxl writes it: the blank one of `init` and the filled one of `master import`.

Sheets: 挂牌事项清单 (序号 | 事项内容 | 责任单位 | 分类 | 目标; drop-down of departments), 填写说明, and
单位名单 (the drop-down's source, which the clerk may extend). `master.load_master` reads it back.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from ledgerxl.departments import NAMES_HEADER, NAMES_SHEET
from ledgerxl.model import Item
from ledgerxl.write.textwidth import wrapped_lines
from ledgerxl.write.zip import normalize_zip

SHEET = "挂牌事项清单"
HELP_SHEET = "填写说明"
HEADERS = ("序号", "事项内容", "责任单位", "分类", "目标")
WIDTHS = (6, 60, 30, 28, 20)
BLANK_ROWS = 200  # formatted empty rows below the items, so the drop-downs reach where the clerk types
HELP_WIDTH = 76
MAX_NAMES = 500  # the drop-down reads this many rows of 单位名单 (blank ones are not offered)

INSTRUCTIONS = (
    "挂牌事项清单填写说明",
    "",
    "1. 每行一个挂牌事项。“序号”填 1、2、3……的整数，不重复、不跳号；不要改动表头，不要合并单元格。",
    "2. “事项内容”照录政府工作报告的原文。各单位报送时不得改动事项内容，ledgerxl 会逐字核对。",
    "3. “责任单位”从下拉列表中选择；一个事项有多个单位时用顿号“、”分隔，牵头单位在前，台账中各单位的进展按此顺序排列。",
    "4. 下拉列表来自“单位名单”表。名单中没有的单位，请加在该表末尾；单位的简称、全称等别名写在 "
    'ledgerxl.toml 的 [aliases] 中，例如 "市发展改革委" = ["市发改委"]。',
    "5. “分类”（可选）：报告中的板块，如“主要预期目标”“全方位扩大内需”。",
    "6. “目标”（可选）：事项的量化目标，如 ≥ 15 家、≈ 5.5 %、≤ 3 %、8 条、5.5–6 %；一个事项有几个目标时用"
    "“；”分隔（100 项；10 项）；没有量化目标的留空。ledgerxl 会据此核对各单位填报的“完成值”。",
    "7. 也可以从去年的台账导入后再修改：ledgerxl master import 附件.docx --out 挂牌事项清单.xlsx"
    " --previous 去年的挂牌事项清单.xlsx（导入时自动识别目标）。",
    "8. 填好后运行 ledgerxl master check，检查序号、空白内容、责任单位和别名；无误后即可下发填报表、汇总台账。",
)


def build_master_xlsx(
    items: Sequence[Item], departments: Sequence[str], created: dt.datetime, blank_rows: int = BLANK_ROWS
) -> bytes:
    """The master workbook. `items` may be empty (a blank list to fill); `departments` fill 单位名单."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"title": SHEET, "author": "ledgerxl", "created": created})
    base = {"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top", "border": 1}
    head = wb.add_format({**base, "font_name": "黑体", "bold": True, "align": "center", "bg_color": "#D9E1F2"})
    cell = wb.add_format(base)
    num = wb.add_format({**base, "align": "center"})

    ws = wb.add_worksheet(SHEET)
    for c, (h, w) in enumerate(zip(HEADERS, WIDTHS)):
        ws.set_column(c, c, w)
        ws.write_string(0, c, h, head)
    for r, it in enumerate(items, start=1):
        values = (it.text, "、".join(it.departments), it.category, it.target)
        ws.write_number(r, 0, it.number, num)
        for c, v in enumerate(values, start=1):
            ws.write_string(r, c, v, cell)
        # LibreOffice and WPS do not grow rows for wrapped text on their own
        ws.set_row(r, 15 * max(wrapped_lines(v, WIDTHS[c] - 2) for c, v in enumerate(values, start=1)) + 4)
    last = len(items) + blank_rows
    for r in range(len(items) + 1, last + 1):
        ws.write_blank(r, 0, None, num)
        for c in range(1, len(HEADERS)):
            ws.write_blank(r, c, None, cell)
    ws.data_validation(
        1,
        0,
        last,
        0,
        {
            "validate": "integer",
            "criteria": ">=",
            "value": 1,
            "error_title": "序号",
            "error_message": "序号应为 1、2、3……的整数。",
        },
    )
    # "information": a cell may still hold several departments (市发展改革委、市工业和信息化局)
    ws.data_validation(
        1,
        2,
        last,
        2,
        {
            "validate": "list",
            "source": f"=OFFSET({NAMES_SHEET}!$A$2,0,0,MAX(1,COUNTA({NAMES_SHEET}!$A$2:$A${MAX_NAMES + 1})),1)",
            "error_type": "information",
            "error_title": "责任单位",
            "error_message": "该单位不在“单位名单”中。多个单位请用顿号“、”分隔；新单位请先加到“单位名单”表。",
            "input_title": "责任单位",
            "input_message": "从列表选择；多个单位用“、”分隔，牵头单位在前。",
        },
    )
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(items), 1), len(HEADERS) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(0)
    ws.fit_to_pages(1, 0)

    help_ws = wb.add_worksheet(HELP_SHEET)
    help_ws.set_column(0, 0, HELP_WIDTH)
    title = wb.add_format({"font_name": "黑体", "font_size": 14, "bold": True})
    para = wb.add_format({"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top"})
    for r, line in enumerate(INSTRUCTIONS):
        help_ws.write_string(r, 0, line, title if r == 0 else para)
        help_ws.set_row(r, 24 if r == 0 else 15 * wrapped_lines(line, HELP_WIDTH - 4) + 6)
    help_ws.set_paper(9)
    help_ws.fit_to_pages(1, 0)

    names_ws = wb.add_worksheet(NAMES_SHEET)
    names_ws.set_column(0, 0, 36)
    names_ws.write_string(0, 0, NAMES_HEADER, head)
    for r, name in enumerate(departments, start=1):
        names_ws.write_string(r, 0, name, cell)
    names_ws.freeze_panes(1, 0)
    wb.close()
    return normalize_zip(buf.getvalue())
