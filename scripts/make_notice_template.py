"""Build src/ledgerxl/templates/notice.docx, the built-in notice template (通报), from scratch.

The template is an ordinary Word document in the GB/T 9704-2012 layout: every paragraph uses a named style
(公文标题, 主送机关, 公文正文, 一级标题, 附件说明, 发文机关署名, 成文日期; 发文机关标志, 版头分隔线 and
the 版记 table's 抄送, 印发机关, 印发日期) so a clerk can restyle it in Word, and the figures are jinja tags
(docxtpl) listed in ledgerxl.write.notice.TAGS. The 版头 (7.2) and 版记 (7.4) appear only when [notice]
gives their texts (masthead; cc, printed_by): without them the notice is a body to paste into letterhead.

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
    LEFT_MARGIN,
    TEXT_WIDTH,
    W_NS,
    XIAOBIAOSONG,
    add_style,
    new_document,
    save,
)
from ledgerxl.write.notice import (  # noqa: E402
    ATTACHMENT_INDENT,
    BODY_SIZE,
    MASTHEAD_LINE,
    MASTHEAD_STYLE,
    TEMPLATE,
    TEMPLATE_TITLE,
    TITLE_SIZE,
)
from ledgerxl.write.publish import write_atomic  # noqa: E402

SIZE = BODY_SIZE  # 三号: body text of an official document
CHAR = SIZE * 20  # one character, twips
LINE = 28  # exact line height, pt (22 lines on the GB/T 9704 text area)
MM = 72 / 25.4  # pt
RED = "FF0000"
MASTHEAD_SIZE = 42  # pt, the largest 发文机关标志 (about 15 mm a character); notice.py shrinks a long name
IMPRINT_SIZE = 14  # 四号: 抄送, 印发机关 and 印发日期 (GB/T 9704 7.4.2, 7.4.3)
IMPRINT_CHAR = IMPRINT_SIZE * 20
IMPRINT_LINE = 20  # pt, exact: a 版记 line
IMPRINT_PAD = 3  # pt above and below each 版记 element: a row about 9 mm high

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
    color: str = "",
) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor, Twips

    st = add_style(doc, name, style_id, font, size, latin=latin)
    if color:
        st.font.color.rgb = RGBColor.from_string(color)
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


def _bottom_rule(style: Any, color: str, eighths: int, space: int = 0) -> None:
    """A line under every paragraph of `style` (w:pBdr), as wide as the paragraph: the text width."""
    from docx.oxml import parse_xml

    ppr = style.element.get_or_add_pPr()
    border = parse_xml(
        f'<w:pBdr xmlns:w="{W_NS}"><w:bottom w:val="single" w:sz="{eighths}" w:space="{space}" '
        f'w:color="{color}"/></w:pBdr>'
    )
    # CT_PPr's sequence: pStyle, keepNext, keepLines, pageBreakBefore, framePr, widowControl, numPr,
    # suppressLineNumbers, pBdr, shd, tabs, … spacing, ind, … jc: before the first of those that follow it
    follows = ("shd", "tabs", "suppressAutoHyphens", "spacing", "ind", "jc")
    nxt = next((c for c in ppr if c.tag.split("}")[1] in follows), None)
    if nxt is None:
        ppr.append(border)
    else:
        nxt.addprevious(border)


def _masthead(doc: Any) -> None:
    """版头 (GB/T 9704 7.2), shown only when [notice] masthead is set: 发文机关标志 in red 小标宋, its top
    35 mm under the text area's; 发文字号 two blank lines under it, centred; 4 mm under that a red line as
    wide as the text; the title two blank lines under the line. Without masthead, the 发文字号 alone (when
    set) stands over the title as before."""
    mast = _style(
        doc,
        "发文机关标志",
        MASTHEAD_STYLE,
        XIAOBIAOSONG,
        MASTHEAD_SIZE,
        align="center",
        line=MASTHEAD_SIZE * MASTHEAD_LINE,
        # in a line 1.1 times the size the glyphs' top lies 0.03 times the size under the line's top
        # (measured on rendered pages at 28.5, 36 and 42 pt)
        before=35 * MM - 0.03 * MASTHEAD_SIZE,
        latin=XIAOBIAOSONG,
        color=RED,
    )
    mast.paragraph_format.keep_with_next = True
    num = _style(doc, "版头发文字号", "NoticeMastheadNumber", FANGSONG, SIZE, align="center", before=2 * LINE)
    num.paragraph_format.keep_with_next = True
    # an empty paragraph whose bottom border is the line: 4 mm under the number's glyphs, which end about
    # 4.5 pt above the bottom of their 28 pt line (measured on the rendered page)
    rule_height = 4 * MM - 4.5
    rule = _style(doc, "版头分隔线", "NoticeRule", FANGSONG, 2, align="center", line=rule_height, after=2 * LINE - 4)
    rule.paragraph_format.keep_with_next = True
    _bottom_rule(rule, RED, 12)  # 1.5 pt

    doc.add_paragraph("{%p if masthead %}", style="发文字号")
    doc.add_paragraph("{{ masthead }}", style="发文机关标志")
    doc.add_paragraph("{%p if doc_number %}", style="发文字号")
    doc.add_paragraph("{{ doc_number }}", style="版头发文字号")
    doc.add_paragraph("{%p endif %}", style="发文字号")
    doc.add_paragraph(style="版头分隔线")
    doc.add_paragraph("{%p elif doc_number %}", style="发文字号")
    doc.add_paragraph("{{ doc_number }}", style="发文字号")
    doc.add_paragraph("{%p endif %}", style="发文字号")


def _imprint(doc: Any) -> None:
    """版记 (GB/T 9704 7.4), shown only when [notice] cc or printed_by is set: a table at the foot of the
    last page, its last line the text area's bottom edge; lines as wide as the text, the first and last
    thick (0.35 mm), the one between thin (0.25 mm); 抄送 one character in from each side, a long list
    wrapping under the first office; 印发机关 one character in from the left, 印发日期 one in from the
    right, followed by 印发.

    The table floats (w:tblpPr), anchored to the bottom of the text area. Its horizontal position is
    given from the page's edge: LibreOffice 7.4 lays a floating table as wide as the text out in the flow
    when it is placed relative to the margin (measured; it floats from the page edge, as in Word). A frame
    of paragraphs (w:framePr) is not an alternative: with borders, LibreOffice 7.4 drops the frame."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    common: dict[str, Any] = {"align": "left", "line": IMPRINT_LINE, "before": IMPRINT_PAD, "after": IMPRINT_PAD}
    # 抄送： one character in, a long list wrapping under its first office, one character off the right
    _style(
        doc, "抄送", "NoticeCc", FANGSONG, IMPRINT_SIZE, left=4 * IMPRINT_CHAR, hanging=3 * IMPRINT_CHAR,
        right=IMPRINT_CHAR, **common,
    )  # fmt: skip
    _style(doc, "印发机关", "NoticeImprint", FANGSONG, IMPRINT_SIZE, left=IMPRINT_CHAR, **common)
    common["align"] = "right"
    _style(doc, "印发日期", "NoticeImprintDate", FANGSONG, IMPRINT_SIZE, right=IMPRINT_CHAR, **common)
    _style(doc, "版记末段", "NoticeImprintEnd", FANGSONG, 1, align="left", line=1)

    half = TEXT_WIDTH // 2

    def cell(text: str, style: str, width: int, span: int = 1) -> str:
        grid = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
        return (
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{grid}<w:vAlign w:val="center"/></w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t xml:space="preserve">{text}</w:t></w:r>'
            "</w:p></w:tc>"
        )

    def row(*cells: str) -> str:
        return f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{''.join(cells)}</w:tr>"

    def tag_row(tag: str) -> str:  # docxtpl replaces a row holding {%tr … %} by the tag
        return row(cell(tag, "NoticeImprint", TEXT_WIDTH, 2))

    def line(side: str, eighths: int) -> str:
        return f'<w:{side} w:val="single" w:sz="{eighths}" w:space="0" w:color="000000"/>'

    borders = line("top", 8) + '<w:left w:val="nil"/>' + line("bottom", 8) + '<w:right w:val="nil"/>'
    borders += line("insideH", 6) + '<w:insideV w:val="nil"/>'
    table = (
        f'<w:tbl xmlns:w="{W_NS}"><w:tblPr>'
        '<w:tblpPr w:leftFromText="0" w:rightFromText="0" w:topFromText="0" w:bottomFromText="0" '
        f'w:vertAnchor="margin" w:horzAnchor="page" w:tblpX="{LEFT_MARGIN}" w:tblpYSpec="bottom"/>'
        '<w:tblOverlap w:val="never"/>'
        f'<w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:tblBorders>{borders}</w:tblBorders>'
        '<w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/>'
        '</w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr>'
        f'<w:tblGrid><w:gridCol w:w="{half}"/><w:gridCol w:w="{TEXT_WIDTH - half}"/></w:tblGrid>'
        + tag_row("{%tr if cc %}")
        + row(cell("抄送：{{ cc }}", "NoticeCc", TEXT_WIDTH, 2))
        + tag_row("{%tr endif %}")
        + tag_row("{%tr if printed_by %}")
        + row(
            cell("{{ printed_by }}", "NoticeImprint", half),
            cell("{{ printed_on }}印发", "NoticeImprintDate", TEXT_WIDTH - half),
        )
        + tag_row("{%tr endif %}")
        + "</w:tbl>"
    )
    doc.add_paragraph("{%p if cc or printed_by %}", style="印发机关")
    doc.element.body.find(qn("w:sectPr")).addprevious(parse_xml(table))
    doc.add_paragraph(style="版记末段")  # a table is followed by a paragraph: the one it is anchored to
    doc.add_paragraph("{%p endif %}", style="印发机关")


def build() -> bytes:
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Twips

    doc = new_document(FANGSONG, SIZE)
    _style(doc, "发文字号", "NoticeNumber", FANGSONG, SIZE, align="center", after=LINE)
    title_style = ("公文标题", "NoticeTitle", XIAOBIAOSONG, TITLE_SIZE)
    _style(doc, *title_style, align="center", line=35, after=LINE, latin=XIAOBIAOSONG)
    _style(doc, "主送机关", "NoticeRecipients", FANGSONG, SIZE, align="left")
    _style(doc, "公文正文", "NoticeBody", FANGSONG, SIZE, first_line=2 * CHAR)
    _style(doc, "一级标题", "NoticeHeading1", HEITI, SIZE, first_line=2 * CHAR, latin=HEITI)
    # GB/T 9704 7.3.4: one blank line under the body, two characters in, 附件：name; a long name wraps
    # under its own first character (a hanging indent as wide as 附件：).
    # Flush left: the name is broken between words (notice.py), and a justified line that ends in a line
    # break is spread out to the full width (附 件 ： 2025 年 市 政 府…, rendered).
    indent = ATTACHMENT_INDENT * CHAR
    note = _style(
        doc, "附件说明", "NoticeAttachment", FANGSONG, SIZE, align="left", left=indent, hanging=3 * CHAR, before=LINE
    )
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

    _masthead(doc)
    # the title broken between words (notice.py computes the lines; a "\n" in a value becomes a w:br)
    doc.add_paragraph("{{ notice_title_lines }}", style="公文标题")
    doc.add_paragraph("各区、市人民政府，市政府各部门，市直各单位：", style="主送机关")
    for style_id, text in BODY:
        style = next(s for s in doc.styles if s.style_id == style_id)
        doc.add_paragraph(text, style=style)
    doc.add_paragraph("附件：{{ attachment_name_lines }}", style="附件说明")
    signature = doc.add_paragraph(style="发文机关署名")
    signature.add_run("\t")
    signature.add_run("{{ office }}")
    doc.add_paragraph("{{ date }}", style="成文日期")
    _imprint(doc)
    return save(doc, TEMPLATE_TITLE, dt.date(2025, 1, 1))


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
