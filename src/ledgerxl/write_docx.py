"""附件.docx: the ledger as a Word attachment in the official document format (GB/T 9704-2012).

python-docx builds the page, styles and footers; the table rows are generated as XML text and parsed
once with lxml, because python-docx's add_row/cell are slow (quadratic) on large tables.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from ledgerxl.atomic import normalize_zip
from ledgerxl.model import Ledger

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TEXT_WIDTH = 8844  # twips: A4 210 mm less 28 + 26 mm margins = 156 mm
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
LATIN = "Times New Roman"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class DocxOptions:
    label: str | None = "附件"  # None: no 附件 label
    cell_size: float = 14.0  # pt, 四号
    header_size: float = 14.0
    line_spacing: float | None = None  # exact, pt; default cell_size + 6
    with_departments: bool = False
    date: dt.date = dt.date(2025, 1, 1)


def _twips_pt(pt: float) -> int:
    return int(round(pt * 20))


def _rpr(east_asia: str, size: float, bold: bool = False, latin: str = LATIN) -> str:
    half = int(round(size * 2))
    b = "<w:b/><w:bCs/>" if bold else ""
    return (
        f'<w:rPr><w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asia}" w:cs="{latin}"/>'
        f'{b}<w:sz w:val="{half}"/><w:szCs w:val="{half}"/><w:lang w:eastAsia="zh-CN"/></w:rPr>'
    )


def _para(text: str, style: str, jc: str, rpr: str, line: int) -> str:
    t = escape(_ILLEGAL.sub("", text))
    return (
        f'<w:p><w:pPr><w:pStyle w:val="{style}"/><w:spacing w:before="0" w:after="0" w:line="{line}" '
        f'w:lineRule="exact"/><w:jc w:val="{jc}"/></w:pPr>'
        f'<w:r>{rpr}<w:t xml:space="preserve">{t}</w:t></w:r></w:p>'
    )


def _cell(width: int, paras: str, valign: str = "center") -> str:
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="{valign}"/></w:tcPr>{paras}</w:tc>'


def column_widths(with_departments: bool) -> list[int]:
    # 序号 narrow; the progress text gets what is left of the 156 mm text width
    widths = [794, 2608, 1588] if with_departments else [794, 2892]
    return [*widths, TEXT_WIDTH - sum(widths)]


def table_xml(ledger: Ledger, opts: DocxOptions) -> str:
    widths = column_widths(opts.with_departments)
    line = _twips_pt(opts.line_spacing or opts.cell_size + 6)
    head_line = _twips_pt(opts.header_size + 8)
    head_rpr = _rpr(HEITI, opts.header_size, latin=HEITI)
    cell_rpr = _rpr(FANGSONG, opts.cell_size)
    heads = ["序号", "事项内容", *(["责任单位"] if opts.with_departments else []), ledger.progress_label]
    border = "".join(
        f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for s in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    parts = [
        f'<w:tbl xmlns:w="{W_NS}"><w:tblPr><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
        *(f'<w:gridCol w:w="{w}"/>' for w in widths),
        "</w:tblGrid>",
        # the header row repeats on every page; no row is ever split across pages
        '<w:tr><w:trPr><w:cantSplit/><w:tblHeader/><w:jc w:val="center"/></w:trPr>',
        *(_cell(w, _para(h, "LedgerHeader", "center", head_rpr, head_line)) for w, h in zip(widths, heads)),
        "</w:tr>",
    ]
    for row in ledger.rows:
        cells = [
            _para(str(row.item.number), "LedgerCell", "center", cell_rpr, line),
            _para(row.item.text, "LedgerCell", "both", cell_rpr, line),
        ]
        if opts.with_departments:
            cells.append(_para("、".join(row.item.departments), "LedgerCell", "center", cell_rpr, line))
        cells.append("".join(_para(p, "LedgerCell", "both", cell_rpr, line) for p in ledger.progress_paragraphs(row)))
        parts.append('<w:tr><w:trPr><w:cantSplit/><w:jc w:val="center"/></w:trPr>')
        parts.extend(_cell(w, c) for w, c in zip(widths, cells))
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


def _set_fonts(rpr: Any, east_asia: str, latin: str = LATIN) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):  # theme fonts would override ours (MS Mincho for ja-JP)
            del fonts.attrib[attr]
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


def _style(doc: Any, name: str, east_asia: str, size: float, latin: str = LATIN, bold: bool = False) -> Any:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    st.base_style = doc.styles["Normal"]
    st.font.size = Pt(size)
    st.font.bold = bold
    _set_fonts(st.element.get_or_add_rPr(), east_asia, latin)
    return st


def _page_number(paragraph: Any, align: str) -> None:
    """`— N —` with a PAGE field, 宋体 14pt, one character in from the outer edge (GB/T 9704 7.5)."""
    from docx.oxml import parse_xml

    rpr = _rpr(SONGTI, 14, latin=SONGTI)
    side = "right" if align == "right" else "left"
    xml = (
        f'<w:p xmlns:w="{W_NS}"><w:pPr><w:pStyle w:val="Footer"/><w:ind w:{side}="280"/><w:jc w:val="{align}"/></w:pPr>'
        f'<w:r>{rpr}<w:t xml:space="preserve">— </w:t></w:r>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r>{rpr}<w:t>1</w:t></w:r>"
        f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>'
        f'<w:r>{rpr}<w:t xml:space="preserve"> —</w:t></w:r></w:p>'
    )
    p = paragraph._p
    p.addnext(parse_xml(xml))
    p.getparent().remove(p)


def build_docx(ledger: Ledger, opts: DocxOptions) -> bytes:
    from docx import Document
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    # Document defaults: Chinese fonts through w:eastAsia, language zh-CN, no theme fonts.
    styles_el = doc.styles.element
    defaults = styles_el.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(defaults, FANGSONG)
    _set_lang(defaults)
    for fonts in styles_el.iter(qn("w:rFonts")):
        for attr in list(fonts.attrib):
            if attr.endswith("Theme"):
                del fonts.attrib[attr]
    normal = doc.styles["Normal"]
    normal.font.size = Pt(opts.cell_size)
    _set_fonts(normal.element.get_or_add_rPr(), FANGSONG)
    settings = doc.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")
    doc.settings.odd_and_even_pages_header_footer = True

    _style(doc, "Ledger Label", HEITI, 16, latin=HEITI)
    _style(doc, "Ledger Title", XIAOBIAOSONG, 22, latin=XIAOBIAOSONG)
    _style(doc, "Ledger Header", HEITI, opts.header_size, latin=HEITI)
    _style(doc, "Ledger Cell", FANGSONG, opts.cell_size)

    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    sec.header_distance, sec.footer_distance = Mm(15), Mm(25)
    _page_number(sec.footer.paragraphs[0], "right")  # odd pages
    _page_number(sec.even_page_footer.paragraphs[0], "left")

    body = doc.element.body
    first = body[0]
    blocks = []
    if opts.label:
        blocks.append(_para(opts.label, "LedgerLabel", "left", _rpr(HEITI, 16, latin=HEITI), _twips_pt(28)))
    title_rpr = _rpr(XIAOBIAOSONG, 22, latin=XIAOBIAOSONG)
    blocks.append(
        _para(ledger.title, "LedgerTitle", "center", title_rpr, _twips_pt(33)).replace(
            '<w:spacing w:before="0" w:after="0"', '<w:spacing w:before="0" w:after="480"'
        )
    )
    for b in blocks:
        first.addprevious(parse_xml(b.replace("<w:p>", f'<w:p xmlns:w="{W_NS}">', 1)))
    first.addprevious(parse_xml(table_xml(ledger, opts)))
    # Word wants a paragraph after a closing table; keep it 1 pt high so it never adds a blank page.
    first.addprevious(
        parse_xml(
            f'<w:p xmlns:w="{W_NS}"><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
            '<w:rPr><w:sz w:val="2"/></w:rPr></w:pPr></w:p>'
        )
    )
    if first.tag == qn("w:p") and not len(first):
        body.remove(first)  # the template's empty paragraph

    when = dt.datetime.combine(opts.date, dt.time(9, 0))
    cp = doc.core_properties
    cp.title = ledger.title
    cp.author = cp.last_modified_by = "ledgerxl"
    cp.created = cp.modified = cp.last_printed = when
    cp.revision = 1
    cp.comments = cp.subject = cp.keywords = ""
    cp.language = "zh-CN"
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_zip(buf.getvalue())
