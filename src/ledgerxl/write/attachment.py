"""附件.docx: the ledger as a Word attachment in the official document format (GB/T 9704-2012).

gbt9704 builds the page, fonts and footers; the table is generated as XML text and spliced into
word/document.xml while the package is zipped, because python-docx's add_row/cell are slow (quadratic)
on large tables, and even parsing the text into lxml costs seconds and ~15 KB per row at 10,000 rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ledgerxl.model import Ledger
from ledgerxl.text import strip_xml_illegal
from ledgerxl.write.gbt9704 import (
    FANGSONG,
    HEITI,
    TEXT_HEIGHT,
    TEXT_WIDTH,
    W_NS,
    XIAOBIAOSONG,
    add_style,
    half_widths,
    new_document,
    rpr_xml,
    save,
)
from ledgerxl.write.gbt9704 import twips as _twips_pt
from ledgerxl.write.textwidth import wrapped_lines
from ledgerxl.write.titles import title_lines

_CELL_MARGIN = 85  # twips, left and right of every cell (1.5 mm)
TITLE_SIZE = 22  # pt, 二号 (GB/T 9704 7.3.1)
# A row taller than this may split across pages; a shorter one is kept whole. Kept whole, a row of 17
# lines left pages 4 and 9 of the 2025 Q3 sample 73 % full (the row went over to the next page whole).
SPLIT_ABOVE = TEXT_HEIGHT // 3
# Table text is flush left, not justified: in a 17-character column a long number (317.35、2025) that goes
# over to the next line left the line before it stretched (资 317.35 亿元， 年 度 计 划 投 资); flush left
# keeps every gap the same, at the price of a ragged edge of a few half widths. Auto spacing between
# Chinese and Latin text is off so that Word breaks lines where LibreOffice does (LibreOffice 7.4 ignores
# it: measured, the same pages with and without) and where the row height estimate counts.
CELL_ALIGN = "left"
# Stands in the document for the table until the package is zipped (a comment: no text can produce it).
_TABLE_SLOT = "ledgerxl-table"


@dataclass
class DocxOptions:
    label: str | None = "附件"  # None or "": no 附件 label; "附件2" for a numbered attachment
    cell_size: float = 14.0  # pt of the table text (四号); the header row uses the same size
    with_departments: bool = False  # add a 责任单位 column
    date: dt.date = dt.date(2025, 1, 1)
    title_words: tuple[str, ...] = ()  # words the title may not be broken in besides titles.WORDS (the org)

    @property
    def line_spacing(self) -> float:
        """Exact line height of the table text, pt."""
        return self.cell_size + 6


def _escape(text: str) -> str:
    # xml.sax.saxutils.escape, without the 30 ms of urllib imports it brings
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def _para(
    text: str | list[str],
    style: str,
    jc: str,
    rpr: str,
    line: int,
    after: int = 0,
    autospace: bool = True,
    widow: str = "",
) -> str:
    """One paragraph; `text` a list: its lines, with a line break (w:br) between them."""
    lines = [text] if isinstance(text, str) else text
    t = '</w:t><w:br/><w:t xml:space="preserve">'.join(_escape(strip_xml_illegal(ln)) for ln in lines)
    # autospace off: no extra gap between Chinese and digits (附件2, not 附件 2)
    space = "" if autospace else '<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/>'
    return (
        f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{widow}{space}<w:spacing w:before="0" w:after="{after}" '
        f'w:line="{line}" w:lineRule="exact"/><w:jc w:val="{jc}"/></w:pPr>'
        f'<w:r>{rpr}<w:t xml:space="preserve">{t}</w:t></w:r></w:p>'
    )


def _text_para(text: str, rpr: str, line: int) -> str:
    """A paragraph of item or progress text (see CELL_ALIGN), with widow control: where a row splits, Word
    leaves no paragraph's single line behind or ahead. (LibreOffice 7.4 ignores it in table cells: item 25's
    《青岛市国土空间近期建设规划》已完 stays alone at the foot of page 5, with and without.)"""
    return _para(text, "LedgerCell", CELL_ALIGN, rpr, line, autospace=False, widow="<w:widowControl/>")


def _cell(width: int, paras: str, valign: str) -> str:
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="{valign}"/></w:tcPr>{paras}</w:tc>'


def column_widths(with_departments: bool, cell_size: float = 14.0) -> list[int]:
    """Twips per column. 序号 is as narrow as its two-character heading allows; the progress text gets
    what is left of the 156 mm text width."""

    def chars(n: float) -> int:
        return _twips_pt(n * cell_size) + 2 * _CELL_MARGIN + 60

    number = max(794, chars(2))
    if with_departments:
        widths = [number, 2400, max(1588, chars(6))]  # 市发展改革委 on one line
    else:
        widths = [number, 2892]
    return [*widths, TEXT_WIDTH - sum(widths)]


def row_height(texts: list[str], widths: list[int], opts: DocxOptions) -> int:
    """Twips a row of cells with these texts (paragraphs split by "\\n") takes: its tallest cell's lines at
    the exact line spacing, wrapped at each column's width as textwidth counts it."""
    unit = _twips_pt(opts.cell_size / 2)  # one half-width character
    lines = max(wrapped_lines(t, (w - 2 * _CELL_MARGIN) / unit) for t, w in zip(texts, widths))
    return lines * _twips_pt(opts.line_spacing)


def may_split(texts: list[str], widths: list[int], opts: DocxOptions) -> bool:
    """A row taller than a third of the text area may split across pages (see SPLIT_ABOVE)."""
    return _split_test(widths, opts)(texts)


def _split_test(widths: list[int], opts: DocxOptions) -> Callable[[list[str]], bool]:
    """may_split for rows of one table: its answer is row_height's, but a cell is measured paragraph by
    paragraph only when its length does not decide (10,000 sample rows: 0.09 s measuring all, 0.03 s so)."""
    unit = _twips_pt(opts.cell_size / 2)
    pers = [max(int((w - 2 * _CELL_MARGIN) / unit), 1) for w in widths]
    most = SPLIT_ABOVE // _twips_pt(opts.line_spacing)  # the lines of a row kept whole

    def tall(texts: list[str]) -> bool:
        for text, per in zip(texts, pers):
            # no character is wider than 2 half widths (textwidth.wrapped_lines): each paragraph takes at
            # most twice its length / per lines, plus its last, partly filled one
            if 2 * len(text) // per + text.count("\n") + 1 > most and wrapped_lines(text, per) > most:
                return True
        return False

    return tall


def headings(ledger: Ledger, with_departments: bool) -> list[str]:
    return ["序号", "事项内容", *(["责任单位"] if with_departments else []), ledger.progress_label]


def table_xml(ledger: Ledger, opts: DocxOptions) -> str:
    return "".join(table_xml_parts(ledger, opts))


def table_xml_parts(ledger: Ledger, opts: DocxOptions, standalone: bool = True) -> Iterator[str]:
    """The table's XML text in pieces (a few per row); `standalone` declares the w: namespace on w:tbl."""
    # Word reads each cell's tcW, LibreOffice reads w:gridCol: set both, with a fixed layout.
    widths = column_widths(opts.with_departments, opts.cell_size)
    tall = _split_test(widths, opts)
    line = _twips_pt(opts.line_spacing)
    head_line = _twips_pt(opts.cell_size + 8)
    head_rpr = rpr_xml(HEITI, opts.cell_size, latin=HEITI)
    cell_rpr = rpr_xml(FANGSONG, opts.cell_size)
    border = "".join(
        f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for s in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    xmlns = f' xmlns:w="{W_NS}"' if standalone else ""
    parts = [
        f'<w:tbl{xmlns}><w:tblPr><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:left w:w="{_CELL_MARGIN}" w:type="dxa"/><w:right w:w="{_CELL_MARGIN}" w:type="dxa"/>'
        "</w:tblCellMar>"
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
        *(f'<w:gridCol w:w="{w}"/>' for w in widths),
        "</w:tblGrid>",
        # the header row repeats on every page (and is never split); a row splits only when it is tall
        '<w:tr><w:trPr><w:cantSplit/><w:tblHeader/><w:jc w:val="center"/></w:trPr>',
        *(
            _cell(w, _para(h, "LedgerHeader", "center", head_rpr, head_line), "center")
            for w, h in zip(widths, headings(ledger, opts.with_departments))
        ),
        "</w:tr>",
    ]
    yield "".join(parts)
    for row in ledger.rows:
        progress = ledger.progress_paragraphs(row)
        texts = [str(row.item.number), row.item.text]
        cells = [
            _para(texts[0], "LedgerCell", "center", cell_rpr, line),
            _text_para(texts[1], cell_rpr, line),
        ]
        if opts.with_departments:
            texts.append("、".join(row.item.departments))
            cells.append(_para(texts[-1], "LedgerCell", "center", cell_rpr, line))
        texts.append("\n".join(progress))
        cells.append("".join(_text_para(p, cell_rpr, line) for p in progress))
        # A row that may split has its texts at the top: the item's number and text then start the row on
        # whichever page it begins (LibreOffice draws a split row's centred cells at the top anyway).
        split = tall(texts)
        yield f'<w:tr><w:trPr>{"" if split else "<w:cantSplit/>"}<w:jc w:val="center"/></w:trPr>'
        yield "".join(_cell(w, c, "top" if split else "center") for w, c in zip(widths, cells))
        yield "</w:tr>"
    yield "</w:tbl>"


def build_docx(ledger: Ledger, opts: DocxOptions) -> bytes:
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn
    from lxml import etree

    doc = new_document(FANGSONG, opts.cell_size)
    add_style(doc, "Ledger Label", "LedgerLabel", HEITI, 16, latin=HEITI)
    add_style(doc, "Ledger Title", "LedgerTitle", XIAOBIAOSONG, TITLE_SIZE, latin=XIAOBIAOSONG)
    add_style(doc, "Ledger Header", "LedgerHeader", HEITI, opts.cell_size, latin=HEITI)
    add_style(doc, "Ledger Cell", "LedgerCell", FANGSONG, opts.cell_size)

    body = doc.element.body
    first = body[0]
    blocks = []
    if opts.label:
        # GB/T 9704 7.3.5.1: 附件 and its number in 黑体 三号, flush left on the first line; the title
        # centred on the third line, i.e. one blank line between them.
        label_rpr = rpr_xml(HEITI, 16, latin=HEITI)
        blocks.append(
            _para(opts.label, "LedgerLabel", "left", label_rpr, _twips_pt(28), after=_twips_pt(28), autospace=False)
        )
    title_rpr = rpr_xml(XIAOBIAOSONG, TITLE_SIZE, latin=XIAOBIAOSONG)
    # GB/T 9704 7.3.3: a title wraps between words, in balanced lines (titles.title_lines), each line
    # break a w:br inside the one title paragraph
    lines = title_lines(ledger.title, half_widths(TITLE_SIZE), opts.title_words)
    blocks.append(_para(lines, "LedgerTitle", "center", title_rpr, _twips_pt(33), after=480))
    for b in blocks:
        first.addprevious(parse_xml(b.replace("<w:p>", f'<w:p xmlns:w="{W_NS}">', 1)))
    first.addprevious(etree.Comment(_TABLE_SLOT))  # the table goes here: see _splice_table
    # Word wants a paragraph after a closing table; keep it 1 pt high so it never adds a blank page.
    first.addprevious(
        parse_xml(
            f'<w:p xmlns:w="{W_NS}"><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
            '<w:rPr><w:sz w:val="2"/></w:rPr></w:pPr></w:p>'
        )
    )
    if first.tag == qn("w:p") and not len(first):
        body.remove(first)  # the template's empty paragraph
    return save(doc, ledger.title, opts.date, {"word/document.xml": lambda xml: _splice_table(xml, ledger, opts)})


def _splice_table(document_xml: bytes, ledger: Ledger, opts: DocxOptions) -> Iterator[bytes]:
    """document.xml with the table's XML text in place of its slot, in pieces to be compressed as they come."""
    slot = f"<!--{_TABLE_SLOT}-->".encode()
    at = document_xml.index(slot)
    yield document_xml[:at]
    for piece in table_xml_parts(ledger, opts, standalone=False):  # w: is declared on the document root
        yield piece.encode("utf-8")
    yield document_xml[at + len(slot) :]
