"""The 台账 sheet's item rows as SpreadsheetML text, spliced into the sheet part xlsxwriter wrote.

xlsxwriter keeps a record for every cell, writes each through its XML writer and puts every text in the
shared-string table: at 10,000 items that was three quarters of the time 台账.xlsx took. The item rows are
plain (a number and three wrapped texts, two cell formats), so they are written here as text with their
strings inline (t="inlineStr": Excel, WPS, LibreOffice, calamine and openpyxl all read it), escaped as
xlsxwriter escapes them. xlsxwriter still writes everything else: the title, the header, the first item
row (its cells give the style indexes of the two formats, so nothing here guesses xlsxwriter's
numbering), column widths, print setup, autofilter, and the 汇总 sheet with its charts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_FIRST_ROW = 3  # 1-based: title, header, then the first item, which xlsxwriter writes
_ROW3 = re.compile(rb'<row r="3"[ >].*?</row>', re.S)
_STYLE = re.compile(rb'<c r="([A-D])3" s="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')
# as xlsxwriter: a literal _xHHHH_ gets its underscore escaped, control characters become _xHHHH_
_ESCAPE_LIKE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_XML_SPECIAL = re.compile(r"[&<>]")


@dataclass(frozen=True)
class ItemRow:
    number: int
    texts: tuple[str, str, str]  # 事项内容, 责任单位, 进展情况 (already cell_safe)
    height: float  # pt


def splice_rows(sheet_xml: bytes, rows: Iterable[ItemRow], last_row: int) -> Iterator[bytes]:
    """The sheet part with `rows` (rows 4, 5, …) after row 3, in pieces, and its dimension A1:D{last_row}."""
    first = _ROW3.search(sheet_xml)
    if first is None:
        raise ValueError("the 台账 sheet has no row 3 to take the cell styles from")
    styles = {col.decode(): s.decode() for col, s in _STYLE.findall(first.group())}
    if set(styles) != {"A", "B", "C", "D"}:
        raise ValueError(f"row 3 of the 台账 sheet has cells {sorted(styles)}, not A to D")
    head = _DIMENSION.sub(f'<dimension ref="A1:D{last_row}"/>'.encode(), sheet_xml[: first.end()], count=1)
    yield head
    number_style, text_styles = styles["A"], (styles["B"], styles["C"], styles["D"])
    batch: list[str] = []
    for n, row in enumerate(rows, start=_FIRST_ROW + 1):
        batch.append(_row_xml(n, row, number_style, text_styles))
        if len(batch) == 256:
            yield "".join(batch).encode("utf-8")
            batch.clear()
    yield "".join(batch).encode("utf-8")
    yield sheet_xml[first.end() :]


def _row_xml(n: int, row: ItemRow, number_style: str, text_styles: tuple[str, str, str]) -> str:
    cells = [f'<row r="{n}" spans="1:4" ht="{row.height:g}" customHeight="1"><c r="A{n}" s="{number_style}">']
    cells.append(f"<v>{row.number}</v></c>")
    for col, style, text in zip("BCD", text_styles, row.texts):
        # an empty text stays an empty string (as xlsxwriter writes it), not a blank cell
        space = ' xml:space="preserve"' if text and (text[0].isspace() or text[-1].isspace()) else ""
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
