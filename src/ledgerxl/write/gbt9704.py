"""The official document page (GB/T 9704-2012) shared by 附件.docx and the notice template.

A4 with margins 37/35/28/26 mm, Chinese fonts set through w:eastAsia everywhere (python-docx's font.name
sets only the Latin slots), language zh-CN instead of the default template's ja-JP/MS Mincho, and page
numbers `— N —` in 宋体 14pt, odd pages right and even pages left.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ledgerxl.write.zip import normalize_zip

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TEXT_WIDTH = 8844  # twips: A4 210 mm less 28 + 26 mm margins = 156 mm
TEXT_HEIGHT = 12756  # twips: A4 297 mm less 37 + 35 mm margins = 225 mm
LEFT_MARGIN = 1587  # twips: 28 mm
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
LATIN = "Times New Roman"
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"

# Word substitutes a missing font by the table's altName and charset (86 = GB2312): a PC without
# 仿宋_GB2312 or 方正小标宋简体 then falls back to a Chinese face, never to a Latin or Japanese one.
_FONTS = (
    (LATIN, "", "00", "roman", "variable"),
    (FANGSONG, "仿宋", "86", "modern", "fixed"),
    (HEITI, "SimHei", "86", "modern", "fixed"),
    (SONGTI, "SimSun", "86", "auto", "variable"),
    (XIAOBIAOSONG, "宋体", "86", "auto", "variable"),
)


def twips(pt: float) -> int:
    return int(round(pt * 20))


def half_widths(size: float, width: int = TEXT_WIDTH) -> int:
    """How many half-width units (textwidth.display_width) of `size` pt type fit in `width` twips: 40 for
    a 22 pt title on the text width."""
    return width // twips(size / 2)


def rpr_xml(east_asia: str, size: float, bold: bool = False, latin: str = LATIN) -> str:
    """Run properties with every font slot set, so no theme or default font can take over."""
    half = int(round(size * 2))
    b = "<w:b/><w:bCs/>" if bold else ""
    return (
        f'<w:rPr><w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asia}" w:cs="{latin}"/>'
        f'{b}<w:sz w:val="{half}"/><w:szCs w:val="{half}"/><w:lang w:eastAsia="zh-CN"/></w:rPr>'
    )


def _drop_theme_fonts(fonts: Any) -> None:
    # asciiTheme/hAnsiTheme/eastAsiaTheme/cstheme override the explicit names (MS Mincho for ja-JP)
    for attr in list(fonts.attrib):
        if attr.lower().endswith("theme"):
            del fonts.attrib[attr]


def set_fonts(rpr: Any, east_asia: str, latin: str = LATIN) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    _drop_theme_fonts(fonts)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def _set_lang(rpr: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")


def add_style(
    doc: Any,
    name: str,
    style_id: str,
    east_asia: str,
    size: float,
    latin: str = LATIN,
    bold: bool = False,
    base: str = "Normal",
) -> Any:
    """A paragraph style a clerk sees (and can change) in Word's style list."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    st.style_id = style_id
    st.base_style = doc.styles[base]
    st.quick_style = True
    st.font.size = Pt(size)
    st.font.bold = bold
    set_fonts(st.element.get_or_add_rPr(), east_asia, latin)
    return st


def _font_table_xml() -> bytes:
    parts = []
    for name, alt, charset, family, pitch in _FONTS:
        alt_xml = f'<w:altName w:val="{alt}"/>' if alt else ""
        parts.append(
            f'<w:font w:name="{name}">{alt_xml}<w:charset w:val="{charset}"/><w:family w:val="{family}"/>'
            f'<w:pitch w:val="{pitch}"/></w:font>'
        )
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return f'{head}<w:fonts xmlns:w="{W_NS}">{"".join(parts)}</w:fonts>'.encode()


def page_number_xml(align: str) -> str:
    """`— N —` with a PAGE field, 宋体 14pt, one character in from the outer edge (GB/T 9704 7.5)."""
    rpr = rpr_xml(SONGTI, 14, latin=SONGTI)
    side = "right" if align == "right" else "left"
    return (
        f'<w:p xmlns:w="{W_NS}"><w:pPr><w:pStyle w:val="Footer"/><w:ind w:{side}="280"/><w:jc w:val="{align}"/>'
        "</w:pPr>"
        f'<w:r>{rpr}<w:t xml:space="preserve">— </w:t></w:r>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r>{rpr}<w:t>1</w:t></w:r>"
        f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>'
        f'<w:r>{rpr}<w:t xml:space="preserve"> —</w:t></w:r></w:p>'
    )


def _replace_paragraph(paragraph: Any, xml: str) -> None:
    from docx.oxml import parse_xml

    p = paragraph._p
    p.addnext(parse_xml(xml))
    p.getparent().remove(p)


def new_document(body_font: str = FANGSONG, body_size: float = 16) -> Any:
    """A python-docx Document set up as an official document page: fonts, language, margins, page numbers."""
    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    # The default template's leftovers: a thumbnail of an empty page and Word 2010's copy of the styles
    # (with theme fonts) would contradict what is set below.
    for rels, reltype in ((doc.part.package.rels, RT.THUMBNAIL), (doc.part.rels, _STYLES_WITH_EFFECTS)):
        for rid, rel in list(rels.items()):
            if rel.reltype == reltype:
                rels.pop(rid)
    font_table = doc.part.part_related_by(RT.FONT_TABLE)
    font_table._blob = _font_table_xml()

    styles_el = doc.styles.element
    defaults = styles_el.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(defaults, body_font)
    _set_lang(defaults)
    for fonts in styles_el.iter(qn("w:rFonts")):
        _drop_theme_fonts(fonts)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(body_size)
    set_fonts(normal.element.get_or_add_rPr(), body_font)
    settings = doc.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), "en-US")
        theme_lang.set(qn("w:eastAsia"), "zh-CN")
    doc.settings.odd_and_even_pages_header_footer = True

    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    # 25 mm puts the page number's dash about 7 mm under the text area
    sec.header_distance, sec.footer_distance = Mm(15), Mm(25)
    _replace_paragraph(sec.footer.paragraphs[0], page_number_xml("right"))  # odd pages
    _replace_paragraph(sec.even_page_footer.paragraphs[0], page_number_xml("left"))
    return doc


def save(
    doc: Any, title: str, date: dt.date, replace: Mapping[str, Callable[[bytes], Iterable[bytes]]] | None = None
) -> bytes:
    """The document as bytes, with fixed properties so that reruns are byte-identical.

    `replace`: parts to rewrite while zipping (see atomic.normalize_zip)."""
    when = dt.datetime.combine(date, dt.time(9, 0))
    cp = doc.core_properties
    cp.title = title
    cp.author = cp.last_modified_by = "ledgerxl"
    cp.created = cp.modified = cp.last_printed = when
    cp.revision = 1
    cp.comments = cp.subject = cp.keywords = ""
    cp.language = "zh-CN"
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_zip(buf.getvalue(), replace)
