"""通知.docx: the cover notice, rendered with docxtpl from a Word template a clerk can open and restyle.

The built-in template is templates/notice.docx (regenerate it with scripts/make_notice_template.py);
`--notice-template` or [notice] template points at the clerk's own. The jinja environment is strict: a
tag naming anything not in TAGS stops the run with a message naming the tag (exit code 2), rather than
printing an empty string into an official document.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from ledgerxl.errors import NoticeTemplateError
from ledgerxl.ledger import ledger_stats
from ledgerxl.model import Ledger
from ledgerxl.periods import Period
from ledgerxl.write import sandbox
from ledgerxl.write.zip import normalize_zip

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "notice.docx"

# Every tag a template may use, with what it holds (shown to the clerk when a tag is wrong).
TAGS: dict[str, str] = {
    "office": "发文机关，如 市政府办公室",
    "doc_number": "发文字号，如 青政办字〔2025〕12号（未设置时为空）",
    "date": "成文日期，如 2025年10月15日",
    "org": "机关简称，如 市",
    "year": "年份，如 2025",
    "period": "报告期，如 2025年三季度",
    "period_label": "报告期名称，如 三季度",
    "period_end": "报告期末，如 2025年9月30日",
    "annual": "是否全年（true/false）：全年通报总结完成情况，不再要求按期完成",
    "progress_word": "“进展”或（全年）“完成”，如 {{ progress_word }}情况",
    "title": "台账标题",
    "subject": "通报事由，即台账标题去掉“台账”二字",
    "attachment_title": "附件标题（即台账标题）",
    "attachment_number": "附件顺序号，如 2（未编号时为空）",
    "attachment_name": "附件说明中“附件：”后面的文字，如 2.台账标题",
    "item_count": "挂牌事项数",
    "items_reported": "已报送进展的事项数",
    "items_missing": "没有任何单位报送进展的事项数",
    "department_count": "责任单位数",
    "departments_reported": "已报送的单位数",
    "departments_missing": "未报送的单位数",
    "missing_departments": "未报送的单位名称，用顿号分隔",
    "status_counts": "各完成状态的事项数，如 status_counts['已完成']（未填完成状态时为空）",
    "status_summary": "完成状态小结，如 已完成12项，序时推进30项（未填完成状态时为空）",
}


def chinese_date(d: dt.date) -> str:
    """成文日期 in the GB/T 9704-2012 style: Arabic numerals, no leading zeros (2025年10月15日)."""
    return f"{d.year}年{d.month}月{d.day}日"


def attachment_number(label: str | None) -> str:
    """The number of a label like 附件2 ("" for a plain 附件 or none)."""
    m = re.fullmatch(r"\s*附件\s*(\d+)\s*", label or "")
    return m.group(1) if m else ""


def notice_context(
    ledger: Ledger,
    period: Period,
    date: dt.date,
    *,
    org: str = "市",
    office: str = "",
    doc_number: str = "",
    attachment_label: str | None = "附件",
) -> dict[str, Any]:
    """The values the template's tags are filled with (the keys of TAGS)."""
    stats = ledger_stats(ledger)
    number = attachment_number(attachment_label)
    subject = ledger.title.removesuffix("台账")
    status_counts = dict(stats.by_status)
    ctx: dict[str, Any] = {
        "office": office or f"{org}政府办公室",
        "doc_number": doc_number,
        "date": chinese_date(date),
        "org": org,
        "year": period.year,
        "period": str(period),
        "period_label": period.label,
        "period_end": chinese_date(period.end_date),
        "annual": period.is_annual,
        "progress_word": "完成" if period.is_annual else "进展",
        "title": ledger.title,
        "subject": subject,
        "attachment_title": ledger.title,
        "attachment_number": number,
        "attachment_name": f"{number}.{ledger.title}" if number else ledger.title,
        "item_count": stats.items,
        "items_reported": stats.items_reported,
        "items_missing": stats.items_missing,
        "department_count": len(stats.departments),
        "departments_reported": len(stats.departments_reported),
        "departments_missing": len(stats.departments_missing),
        "missing_departments": "、".join(stats.departments_missing),
        "status_counts": status_counts,
        "status_summary": "，".join(f"{s}{n}项" for s, n in status_counts.items()),
    }
    return ctx


def _tag_list() -> str:
    return "；".join(f"{name}（{what}）" for name, what in TAGS.items())


def render_notice(context: dict[str, Any], template: Path | None = None) -> bytes:
    """Fill the template's tags. Raises NoticeTemplateError naming the tag for an unknown or wrong one."""
    import jinja2
    from docxtpl import DocxTemplate

    path = Path(template) if template else TEMPLATE
    name = path.name
    if not path.is_file():
        raise NoticeTemplateError(f"找不到通知模板 {path}。", "请检查 --notice-template 或 [notice] template 的路径。")
    if not zipfile.is_zipfile(path):
        raise NoticeTemplateError(
            f"通知模板 {name} 不是 .docx 文件。", "请在 Word/WPS 中用“另存为”保存成 Word 文档（.docx）后再试。"
        )
    try:
        tpl = DocxTemplate(path)
        tpl.init_docx()
    except Exception as e:  # python-docx raises several kinds for a zip that is not a Word document
        raise NoticeTemplateError(
            f"无法打开通知模板 {name}：{e}", "请确认它是 Word 文档（.docx），并能在 Word 中正常打开。"
        ) from e
    env = sandbox.environment(autoescape=True)
    try:
        used = tpl.get_undeclared_template_variables(env)
    except sandbox.TemplateRefused as e:
        raise NoticeTemplateError(
            f"通知模板 {name} 中有不允许的标签：{e.message}（出于安全原因，模板不能读取其他文件）。",
            "请在 Word 中删去该标签；可用的标签：" + _tag_list() + "。",
        ) from e
    except jinja2.TemplateSyntaxError:
        used = set()  # reported with its paragraph by render() below
    unknown = sorted(used - set(context) - set(env.globals))
    if unknown:
        tags = "、".join(f"{{{{ {u} }}}}" for u in unknown)
        raise NoticeTemplateError(
            f"通知模板 {name} 中有不认识的标签 {tags}：没有名为“{'”“'.join(unknown)}”的数据。",
            f"请在 Word 中改正或删去这些标签。可用的标签：{_tag_list()}。",
        )
    try:
        tpl.render(context, env, autoescape=True)
    except jinja2.exceptions.SecurityError as e:
        raise NoticeTemplateError(
            f"通知模板 {name} 试图做模板不允许的事：{str(e).rstrip('.。')}。",
            "通知模板只能填写标签，不能调用程序或读取文件。",
        ) from e
    except jinja2.TemplateError as e:
        near = "".join(getattr(e, "docx_context", None) or []).strip()
        where = f"（出错位置附近的文字：“{near[:60]}”）" if near else ""
        raise NoticeTemplateError(
            f"通知模板 {name} 中的标签有误：{e.message}{where}。",
            "标签写成 {{ office }} 这样，两边各两个花括号；条件写成 {% if departments_missing %}…{% endif %}。",
        ) from e
    buf = io.BytesIO()
    tpl.save(buf)
    return normalize_zip(buf.getvalue())
