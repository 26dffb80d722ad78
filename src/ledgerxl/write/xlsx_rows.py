"""Row XML that xlsxwriter cannot write as needed: the 台账 sheet's item rows as SpreadsheetML text, spliced
into the sheet part xlsxwriter wrote; the forms' item rows without a fixed height; and what a merged title
cell holds before it wraps.

xlsxwriter keeps a record for every cell, writes each through its XML writer and puts every text in the
shared-string table: at 10,000 items that was three quarters of the time 台账.xlsx took. The item rows are
plain (a number and wrapped texts, one cell format per column), so they are written here as text with their
strings inline (t="inlineStr": Excel, WPS, LibreOffice, calamine and openpyxl all read it), escaped as
xlsxwriter escapes them. xlsxwriter still writes everything else: the title, the header, the first item
row (its cells give the style indexes of the two formats, so nothing here guesses xlsxwriter's
numbering), column widths, print setup, autofilter, and the 汇总 sheet with its charts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ledgerxl.write.titles import title_lines

_FIRST_ROW = 3  # 1-based: title, header, then the first item, which xlsxwriter writes
_ROW3 = re.compile(rb'<row r="3"[ >].*?</row>', re.S)
_STYLE = re.compile(rb'<c r="([A-Z])3" s="(\d+)"')
_ROW_TAG = re.compile(rb'<row r="(\d+)"[^>]*>')
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')
# as xlsxwriter: a literal _xHHHH_ gets its underscore escaped, control characters become _xHHHH_
_ESCAPE_LIKE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_XML_SPECIAL = re.compile(r"[&<>]")


@dataclass(frozen=True)
class ItemRow:
    number: int
    texts: tuple[str, ...]  # the text columns from B on: 事项内容, 责任单位, 进展情况 … (already cell_safe)
    height: float  # pt


def splice_rows(sheet_xml: bytes, rows: Iterable[ItemRow], last_row: int) -> Iterator[bytes]:
    """The sheet part with `rows` (rows 4, 5, …) after row 3, in pieces, and its dimension A1:{col}{last_row};
    row 3 has a cell in every column (xlsxwriter writes an empty text as a styled blank)."""
    first = _ROW3.search(sheet_xml)
    if first is None:
        raise ValueError("the 台账 sheet has no row 3 to take the cell styles from")
    styles = {col.decode(): s.decode() for col, s in _STYLE.findall(first.group())}
    columns = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[: len(styles)]
    if set(styles) != set(columns) or len(columns) < 2:
        raise ValueError(f"row 3 of the 台账 sheet has cells {sorted(styles)}, not A to {columns[-1]}")
    last_col = columns[-1]
    head = _DIMENSION.sub(f'<dimension ref="A1:{last_col}{last_row}"/>'.encode(), sheet_xml[: first.end()], count=1)
    yield head
    number_style, text_styles = styles["A"], tuple(styles[c] for c in columns[1:])
    batch: list[str] = []
    for n, row in enumerate(rows, start=_FIRST_ROW + 1):
        batch.append(_row_xml(n, row, number_style, text_styles))
        if len(batch) == 256:
            yield "".join(batch).encode("utf-8")
            batch.clear()
    yield "".join(batch).encode("utf-8")
    yield sheet_xml[first.end() :]


def _row_xml(n: int, row: ItemRow, number_style: str, text_styles: tuple[str, ...]) -> str:
    span = len(text_styles) + 1
    cells = [f'<row r="{n}" spans="1:{span}" ht="{row.height:g}" customHeight="1"><c r="A{n}" s="{number_style}">']
    cells.append(f"<v>{row.number}</v></c>")
    if len(row.texts) != len(text_styles):
        raise ValueError(f"row {n} has {len(row.texts)} texts for {len(text_styles)} text columns")
    for col, style, text in zip("BCDEFGHIJKLMNOPQRSTUVWXYZ", text_styles, row.texts):
        if not text:  # a blank cell (no 完成状态, an empty 事项内容), as ledger_xlsx writes row 3's
            cells.append(f'<c r="{col}{n}" s="{style}"/>')
            continue
        space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
        cells.append(f'<c r="{col}{n}" s="{style}" t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>')
    cells.append("</row>")
    return "".join(cells)


def _escape(text: str) -> str:
    if "_x" in text:
        text = _ESCAPE_LIKE.sub(r"_x005F\1", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    if _XML_SPECIAL.search(text):
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def unfixed_heights(sheet_xml: bytes, first: int, last: int) -> Iterator[bytes]:
    """The sheet part with rows `first`..`last` (1-based) keeping their height but not as a fixed one:
    xlsxwriter writes every height it is given with customHeight="1", which Excel keeps however much is
    typed into the row. Without it Excel and WPS re-fit a row when one of its cells is edited, while the
    stored height is still what the row opens with (in Excel and LibreOffice), so a prefilled text shows."""

    def unfix(m: re.Match[bytes]) -> bytes:
        tag = m.group(0)
        return tag.replace(b' customHeight="1"', b"") if first <= int(m.group(1)) <= last else tag

    yield _ROW_TAG.sub(unfix, sheet_xml)


# Excel's column width unit: one digit of the workbook's default font (xlsxwriter's: Calibri 11, 7 px), a
# column w units wide being 7w + 5 px (the 5: cell padding and the grid line); 96 px to the inch.
_PX_PER_UNIT, _PX_PAD, _PT_PER_PX = 7, 5, 0.75


def columns_pt(widths: Iterable[float]) -> float:
    """Width in points of adjacent columns `widths` (Excel units), as Excel lays them out."""
    return sum(int(w * _PX_PER_UNIT + _PX_PAD) for w in widths) * _PT_PER_PX


def title_units(widths: Iterable[float], font_pt: float, margin_pt: float = 12.0) -> int:
    """How many half-width units (textwidth.display_width) of a `font_pt` title fit on one line of a cell
    merged over `widths`: a Chinese character is `font_pt` wide, an ASCII one about half. `margin_pt` is left
    for the cell's inner padding and the renderers' differences (LibreOffice reads Calibri widths as
    Carlito's, a few points off), so that a line measured to fit is never wrapped again by the renderer."""
    return int((columns_pt(widths) - margin_pt) / (font_pt / 2))


def wrapped_title(title: str, widths: Sequence[float], font_pt: float, words: Sequence[str] = ()) -> str:
    """`title` as a cell merged over `widths` shows it: on one line when it fits, else broken between its
    words (titles.title_lines; `words` such as the org are kept whole) with "\n", so that neither Excel
    nor LibreOffice wraps it inside a word."""
    return "\n".join(title_lines(title, title_units(widths, font_pt), words))
