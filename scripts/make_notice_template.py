"""Build src/ledgerxl/templates/notice.docx, the built-in notice template (通报), from scratch.

The template is an ordinary Word document in the GB/T 9704-2012 layout: every paragraph uses a named style
(公文标题, 主送机关, 公文正文, 一级标题, 附件说明, 发文机关署名, 成文日期) so a clerk can restyle it in
Word, and the figures are jinja tags (docxtpl) listed in ledgerxl.write.notice.TAGS.

    python scripts/make_notice_template.py           # rewrite the template
    python scripts/make_notice_template.py --check   # exit 1 if the committed template is out of date
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from ledgerxl.write.gbt9704 import (  # noqa: E402
    FANGSONG,
    HEITI,
    LATIN,
    TEXT_WIDTH,
    XIAOBIAOSONG,
    add_style,
    new_document,
    save,
)
from ledgerxl.write.notice import TEMPLATE  # noqa: E402
from ledgerxl.write.publish import write_atomic  # noqa: E402

SIZE = 16  # 三号: body text of an official document
CHAR = SIZE * 20  # one character, twips
LINE = 28  # exact line height, pt (22 lines on the GB/T 9704 text area)

BODY = [
    (
        "NoticeBody",
        "为推动{{ year }}年政府工作报告公开挂牌事项落实落细，{{ office }}对各责任单位"
        "{{ period_label }}工作{{ progress_word }}情况进行了调度汇总。现将有关情况通报如下。",
    ),
    ("NoticeHeading1", "一、总体情况"),
    (
        "NoticeBody",
        "{{ period }}，{{ item_count }}项公开挂牌事项中，{{ items_reported }}项报送了{{ progress_word }}情况"
        "{% if items_missing %}，{{ items_missing }}项{% if annual %}尚未报送完成情况{% else %}尚无进展报送{% endif %}"
        "{% endif %}；{{ department_count }}个责任单位中，"
        "{{ departments_reported }}个已按要求报送{% if departments_missing %}，{{ missing_departments }}"
        "共{{ departments_missing }}个单位未报送{% endif %}。{% if status_summary %}从完成状态看，"
        "{{ status_summary }}。{% endif %}各事项具体{{ progress_word }}情况见附件。",
    ),
    ("NoticeHeading1", "二、下一步工作要求"),
    (
        "NoticeBody",
        # a year that is over is not asked to finish on time: it is asked to account for what is not done
        "{% if annual %}各责任单位要认真总结挂牌事项落实情况，对未完成的事项逐项分析原因、明确后续措施和完成时限，"
        "持续抓好落实{% else %}各责任单位要对照年度目标任务，压实工作责任，倒排时间节点，确保各项挂牌事项按期保质完成"
        "{% endif %}{% if departments_missing %}；未报送的单位要尽快补报{% endif %}。",
    ),
]


def _style(
    doc: Any,
    name: str,
    style_id: str,
    font: str,
    size: float,
    *,
    align: str = "both",
    line: float = LINE,
    first_line: int = 0,
    left: int = 0,
    hanging: int = 0,
    right: int = 0,
    before: float = 0,
    after: float = 0,
    latin: str = LATIN,
) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt, Twips

    st = add_style(doc, name, style_id, font, size, latin=latin)
    pf = st.paragraph_format
    pf.alignment = {
        "both": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
    }[align]
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(line)
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    pf.left_indent, pf.right_indent = Twips(left), Twips(right)
    if hanging:
        pf.first_line_indent = Twips(-hanging)
    elif first_line:
        pf.first_line_indent = Twips(first_line)
        # Word measures the indent in characters too, so it stays two characters if the size changes
        ind = st.element.get_or_add_pPr().find(qn("w:ind"))
        ind.set(qn("w:firstLineChars"), str(first_line * 100 // CHAR))
    pf.widow_control = False
    return st


def build() -> bytes:
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Twips

    doc = new_document(FANGSONG, SIZE)
    _style(doc, "发文字号", "NoticeNumber", FANGSONG, SIZE, align="center", after=LINE)
    _style(doc, "公文标题", "NoticeTitle", XIAOBIAOSONG, 22, align="center", line=35, after=LINE, latin=XIAOBIAOSONG)
    _style(doc, "主送机关", "NoticeRecipients", FANGSONG, SIZE, align="left")
    _style(doc, "公文正文", "NoticeBody", FANGSONG, SIZE, first_line=2 * CHAR)
    _style(doc, "一级标题", "NoticeHeading1", HEITI, SIZE, first_line=2 * CHAR, latin=HEITI)
    # GB/T 9704 7.3.4: one blank line under the body, two characters in, 附件：name; a long name wraps
    # under its own first character (a hanging indent as wide as 附件：).
    note = _style(doc, "附件说明", "NoticeAttachment", FANGSONG, SIZE, left=5 * CHAR, hanging=3 * CHAR, before=LINE)
    # never a page holding only the office and date (7.3.5.4): the 附件 line goes over with them
    note.paragraph_format.keep_with_next = True
    # GB/T 9704 7.3.5.1 (sealed document): the date four characters from the right, the office centred
    # over the date, two lines under the text, so the seal's top lies within a line of the text and its
    # centre a little above the office and date. The office keeps with the date on one page.
    date_right = 4 * CHAR
    date_width = 7 * CHAR  # 2025年10月15日: eight half-width digits and three characters
    sign = _style(doc, "发文机关署名", "NoticeSignature", FANGSONG, SIZE, align="left", before=2 * LINE)
    sign.paragraph_format.keep_with_next = True
    sign.paragraph_format.tab_stops.add_tab_stop(
        Twips(TEXT_WIDTH - date_right - date_width // 2), WD_TAB_ALIGNMENT.CENTER
    )
    _style(doc, "成文日期", "NoticeDate", FANGSONG, SIZE, align="right", right=date_right)

    doc.add_paragraph("{%p if doc_number %}", style="发文字号")
    doc.add_paragraph("{{ doc_number }}", style="发文字号")
    doc.add_paragraph("{%p endif %}", style="发文字号")
    doc.add_paragraph("关于{{ subject }}的通报", style="公文标题")
    doc.add_paragraph("各区、市人民政府，市政府各部门，市直各单位：", style="主送机关")
    for style_id, text in BODY:
        style = next(s for s in doc.styles if s.style_id == style_id)
        doc.add_paragraph(text, style=style)
    doc.add_paragraph("附件：{{ attachment_name }}", style="附件说明")
    signature = doc.add_paragraph(style="发文机关署名")
    signature.add_run("\t")
    signature.add_run("{{ office }}")
    doc.add_paragraph("{{ date }}", style="成文日期")
    return save(doc, "通报（ledgerxl 通知模板）", dt.date(2025, 1, 1))


def main(argv: list[str]) -> int:
    data = build()
    if "--check" in argv:
        if not TEMPLATE.is_file() or TEMPLATE.read_bytes() != data:
            print(f"{TEMPLATE} is out of date: run python scripts/make_notice_template.py", file=sys.stderr)
            return 1
        return 0
    write_atomic(TEMPLATE, data)
    print(f"wrote {TEMPLATE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
