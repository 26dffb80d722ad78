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
from ledgerxl.write.gbt9704 import TEXT_WIDTH, half_widths
from ledgerxl.write.textwidth import display_width
from ledgerxl.write.titles import title_lines
from ledgerxl.write.zip import normalize_zip

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "notice.docx"
# The layout the line breaks are computed for (the built-in template's, GB/T 9704): a 22 pt title (二号)
# on the full text width, a 16 pt body (三号) whose 附件： line is indented five characters.
TITLE_SIZE, BODY_SIZE = 22, 16
ATTACHMENT_INDENT = 5  # characters: two in, then 附件：
# 发文机关标志 (GB/T 9704 7.2.2): paragraphs of this style get the size that puts the name on one line,
# at most the style's own, and an exact line height MASTHEAD_LINE times that size.
MASTHEAD_STYLE = "NoticeMasthead"
MASTHEAD_LINE = 1.1
# The built-in template's document title (File > Properties): a notice made from it gets its own title
# instead, which a PDF viewer shows in its title bar.
TEMPLATE_TITLE = "通报（ledgerxl 通知模板）"

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
    "notice_title": "通报标题，即 关于{{ subject }}的通报",
    "notice_title_lines": "通报标题，按二号字在词与词之间回行（GB/T 9704 7.3.3），用于标题段落",
    "attachment_title": "附件标题（即台账标题）",
    "attachment_number": "附件顺序号，如 2（未编号时为空）",
    "attachment_name": "附件说明中“附件：”后面的文字，如 2.台账标题",
    "attachment_name_lines": "同上，在词与词之间回行（附件说明段落，三号字，左空五字）",
    "masthead": "发文机关标志，如 青岛市人民政府办公厅文件（未设置时为空：不排版头）",
    "cc": "抄送机关，以句号结尾（未设置时为空）",
    "printed_by": "印发机关（未设置时为空）",
    "printed_on": "印发日期，即成文日期，如 2025年10月15日",
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
    masthead: str = "",
    cc: str = "",
    printed_by: str = "",
) -> dict[str, Any]:
    """The values the template's tags are filled with (the keys of TAGS). The *_lines values hold a "\\n"
    where the text wraps, which docxtpl writes as a line break (w:br) within the paragraph."""
    stats = ledger_stats(ledger)
    number = attachment_number(attachment_label)
    subject = ledger.title.removesuffix("台账")
    status_counts = dict(stats.by_status)
    name = f"{number}.{ledger.title}" if number else ledger.title
    title = f"关于{subject}的通报"
    words = (org,)
    name_width = half_widths(BODY_SIZE, TEXT_WIDTH - ATTACHMENT_INDENT * 20 * BODY_SIZE)
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
        "notice_title": title,
        "notice_title_lines": "\n".join(title_lines(title, half_widths(TITLE_SIZE), words)),
        "attachment_title": ledger.title,
        "attachment_number": number,
        "attachment_name": name,
        "attachment_name_lines": "\n".join(title_lines(name, name_width, words)),
        "masthead": masthead,
        # GB/T 9704 7.4.2: a full stop after the last office
        "cc": cc if not cc or cc.endswith("。") else cc.rstrip("，、；,;") + "。",
        "printed_by": printed_by,
        "printed_on": chinese_date(date),
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
    _fit_masthead(tpl.docx)
    props = tpl.docx.core_properties
    if props.title == TEMPLATE_TITLE and context.get("notice_title"):
        props.title = context["notice_title"]
    buf = io.BytesIO()
    tpl.save(buf)
    return normalize_zip(buf.getvalue())


def _fit_masthead(doc: Any) -> None:
    """Each 发文机关标志 paragraph on one line: its runs get the size at which the name fills at most 98 % of
    the text width (青岛市人民政府办公厅文件, 12 characters: 36 pt), never more than the style's own."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    style = next((s for s in doc.styles if s.style_id == MASTHEAD_STYLE), None)
    if style is None or style.font.size is None:
        return
    for p in doc.paragraphs:
        if p.style is None or p.style.style_id != MASTHEAD_STYLE or not p.text.strip():
            continue
        units = display_width(p.text.strip())
        # half-points, rounded down: TEXT_WIDTH twips hold TEXT_WIDTH / 10 half-width units of 1 pt; the 2 %
        # spare keeps a name that just fits from wrapping where a renderer measures a little wider
        fit = min(style.font.size.pt, int(2 * 0.98 * TEXT_WIDTH / 10 / units) / 2)
        for run in p.runs:
            run.font.size = Pt(fit)
        # the line as high as the type: the glyphs' top then stays where the style puts it (35 mm down),
        # whatever the size (a 28.5 pt name in the 42 pt line stood 4 mm lower, measured)
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        p.paragraph_format.line_spacing = Pt(round(fit * MASTHEAD_LINE, 1))
