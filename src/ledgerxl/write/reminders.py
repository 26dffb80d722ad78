"""The 催报 list: departments with no current submission, whom to call and which items they owe,
as 催报名单.xlsx and as text rendered from a jinja2 template (templates/催报.txt.j2 or the config's)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ledgerxl.errors import ConfigError, os_reason
from ledgerxl.model import MasterList
from ledgerxl.write import sandbox
from ledgerxl.write.textwidth import wrapped_lines
from ledgerxl.write.zip import normalize_zip

XLSX_NAME = "催报名单.xlsx"
TEXT_NAME = "催报名单.txt"
TEMPLATE = "催报.txt.j2"
SHORT = 30  # characters of an item's text in the short form
HEADERS = ("序号", "责任单位", "联系人", "联系电话", "情况", "负责事项")
WIDTHS = (6, 20, 12, 16, 26, 50)  # Excel units, about one half-width character each
LINE_PT = 15  # row height per line of 11 pt text


@dataclass(frozen=True)
class ItemRef:
    number: int
    text: str

    @property
    def short(self) -> str:
        return self.text if len(self.text) <= SHORT else self.text[:SHORT] + "…"


@dataclass
class Reminder:
    department: str
    contact: str = ""
    phone: str = ""
    contact_period: str = ""  # label of the period whose form named the contact
    note: str = ""
    items: list[ItemRef] = field(default_factory=list)


def build_reminders(
    master: MasterList,
    current: set[str],
    contacts: Mapping[str, tuple[str, str, str]],
    rejected: Mapping[str, int],
    period_label: str = "",
) -> list[Reminder]:
    """Every master department without a current submission, in master order.

    `contacts`: department -> (contact, phone, period label) from its latest form that named one;
    `rejected`: department -> number of this period's forms that had errors; a contact taken from an
    earlier period's form says so (contact_period), one from `period_label`'s own form does not."""
    out: list[Reminder] = []
    for dept in master.departments:
        if dept in current:
            continue
        contact, phone, period = contacts.get(dept, ("", "", ""))
        period = "" if period == period_label else period
        n = rejected.get(dept, 0)
        note = f"本期已报送 {n} 份，均有错误，待更正后重新报送" if n else ""
        items = [ItemRef(it.number, it.text) for it in master.items_of(dept)]
        out.append(Reminder(dept, contact, phone, period, note, items))
    return out


def reminders_text(
    reminders: list[Reminder], *, title: str, period: str, as_of: str, total: int, template: Path | None = None
) -> str:
    import jinja2

    if template is not None:
        try:
            source = Path(template).read_text(encoding="utf-8-sig")
        except OSError as e:
            raise ConfigError(
                f"找不到催报模板 {template}：{os_reason(e)}。", "请检查 reminder_template 的路径。"
            ) from e
        name = str(template)
    else:
        source = resources.files("ledgerxl").joinpath("templates").joinpath(TEMPLATE).read_text(encoding="utf-8")
        name = TEMPLATE
    env = sandbox.environment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    try:
        tpl = env.from_string(source)
        return sandbox.render_text(tpl, title=title, period=period, as_of=as_of, total=total, reminders=reminders)
    except sandbox.TemplateRefused as e:
        raise ConfigError(
            f"催报模板 {name} 中有不允许的标签：{e.message}（出于安全原因，模板不能读取其他文件）。",
            "请删去该标签；可用变量见 ledgerxl 自带模板 templates/催报.txt.j2 开头的说明。",
        ) from e
    except jinja2.exceptions.SecurityError as e:
        raise ConfigError(
            f"催报模板 {name} 试图做模板不允许的事：{str(e).rstrip('.。')}。",
            "催报模板只能使用变量、条件和循环，不能调用程序或读取文件。",
        ) from e
    except jinja2.TemplateError as e:
        raise ConfigError(
            f"催报模板 {name} 有误：{e}。", "可用变量见 ledgerxl 自带模板 templates/催报.txt.j2 开头的说明。"
        ) from e


def reminders_xlsx(reminders: list[Reminder], *, title: str, as_of: str, date: dt.date) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"title": title, "author": "ledgerxl", "created": dt.datetime.combine(date, dt.time(9))})
    base = {"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top", "border": 1}
    title_fmt = wb.add_format({"font_name": "黑体", "font_size": 16, "align": "center", "valign": "vcenter"})
    note_fmt = wb.add_format({"font_name": "宋体", "font_size": 10})
    head_fmt = wb.add_format({**base, "bold": True, "align": "center", "valign": "vcenter", "bg_color": "#D9E1F2"})
    text_fmt = wb.add_format(base)
    num_fmt = wb.add_format({**base, "align": "center"})
    ws = wb.add_worksheet("催报名单")
    for c, w in enumerate(WIDTHS):
        ws.set_column(c, c, w)
    ws.merge_range(0, 0, 0, len(HEADERS) - 1, title, title_fmt)
    ws.set_row(0, 30)
    ws.write_string(1, 0, f"统计截至：{as_of}；未报送 {len(reminders)} 个单位。", note_fmt)
    for c, h in enumerate(HEADERS):
        ws.write_string(2, c, h, head_fmt)
    for i, r in enumerate(reminders):
        row = 3 + i
        contact = r.contact + (f"（取自{r.contact_period}报送表）" if r.contact and r.contact_period else "")
        items = "\n".join(f"第 {it.number} 项  {it.short}" for it in r.items)
        ws.write_number(row, 0, i + 1, num_fmt)
        texts = (r.department, contact, r.phone, r.note, items)
        for c, text in enumerate(texts, start=1):
            ws.write_string(row, c, text, text_fmt)
        # Excel does not grow a row for wrapped text: give it every line, or the last items are cut off
        lines = max(wrapped_lines(text, WIDTHS[c] - 2) for c, text in enumerate(texts, start=1))
        ws.set_row(row, min(409, LINE_PT * lines + 6))
    ws.freeze_panes(3, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(2)
    ws.fit_to_pages(1, 0)
    wb.close()
    return normalize_zip(buf.getvalue())
