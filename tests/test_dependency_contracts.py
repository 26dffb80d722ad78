"""What ledgerxl relies on in its dependencies beyond their documented API, checked with a plain message.

xlsx_rows splices item rows into the sheet part xlsxwriter wrote, so it relies on how xlsxwriter names
and lays out that part and how it escapes text; python-calamine is pre-1.0, so its reader API may change in
a minor release. pyproject.toml caps both below their next major; these tests say what broke if a release
inside those bounds changes one of these details, instead of a wrong byte deep in a golden test.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from ledgerxl.write import xlsx_rows
from ledgerxl.write.ledger_xlsx import LEDGER_PART


def _xlsxwriter_sheet(texts: list[str]) -> tuple[bytes, bytes, str]:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("台账")
    wb.add_worksheet("汇总")
    wrap = wb.add_format({"text_wrap": True})
    # the item row first, so its first text is the first shared string
    ws.write_number(2, 0, 1, wb.add_format({"align": "center"}))
    for col, text in enumerate(texts[:3], start=1):
        ws.write_string(2, col, text, wrap)
    ws.write(0, 0, "title")
    ws.write_row(1, 0, ["序号", "事项内容", "责任单位", "进展情况"])
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return z.read(LEDGER_PART), z.read("xl/sharedStrings.xml"), xlsxwriter.__version__


def test_xlsxwriter_lays_out_the_sheet_part_as_xlsx_rows_expects() -> None:
    sheet, _, version = _xlsxwriter_sheet(["a", "b", "c"])
    what = f"xlsxwriter {version} changed a detail that ledgerxl/xlsx_rows.py relies on: "
    row3 = xlsx_rows._ROW3.search(sheet)
    assert row3, what + 'row 3 is no longer written as <row r="3" …>…</row>'
    styles = dict(xlsx_rows._STYLE.findall(row3.group()))
    assert set(styles) == {b"A", b"B", b"C", b"D"}, what + f'the cells of row 3 are not <c r="A3" s="N" …> ({styles})'
    assert xlsx_rows._DIMENSION.search(sheet), what + "the sheet has no <dimension ref=…/> to widen"
    # the first sheet added is the first sheet part: LEDGER_PART names it
    assert b"<sheetData>" in sheet or b"<sheetData/>" in sheet, what + f"{LEDGER_PART} is not the first sheet"


@pytest.mark.parametrize("text", ["_x0041_ literal", "tab\there\x01ctl", "a < b & c > d", " lead", "trail "])
def test_xlsxwriter_escapes_text_as_xlsx_rows_does(text: str) -> None:
    """Spliced inline strings must read back as xlsxwriter's shared strings do: same escapes."""
    _, shared, version = _xlsxwriter_sheet([text, "x", "y"])
    m = re.search(rb"<si><t(?: xml:space=\"preserve\")?>(.*?)</t></si>", shared, re.S)
    assert m, f"xlsxwriter {version}: shared strings are no longer <si><t>…</t></si>"
    assert m.group(1).decode() == xlsx_rows._escape(text), (
        f"xlsxwriter {version} escapes {text!r} as {m.group(1).decode()!r}, xlsx_rows as {xlsx_rows._escape(text)!r}: "
        "update xlsx_rows._escape to match"
    )


def test_python_calamine_reader_api(tmp_path: Path) -> None:
    """The calls tables.read_grids makes, and what they return."""
    import python_calamine
    import xlsxwriter

    path = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("填报表")
    ws.write_string(0, 0, "序号")
    ws.write_number(1, 0, 7)
    hidden = wb.add_worksheet("隐藏")
    hidden.hide()
    wb.close()
    version = getattr(python_calamine, "__version__", "?")
    what = f"python-calamine {version} changed its API that ledgerxl/tables.py uses: "
    assert hasattr(python_calamine, "PasswordError"), what + "no PasswordError (E102 relies on it)"
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    meta = {m.name: str(m.visible) for m in book.sheets_metadata}
    assert set(meta) == {"填报表", "隐藏"}, what + f"sheets_metadata gives {meta}"
    assert meta["填报表"] in ("SheetVisibleEnum.Visible", "Visible"), what + f"a visible sheet is {meta['填报表']!r}"
    assert meta["隐藏"] not in ("SheetVisibleEnum.Visible", "Visible"), what + "a hidden sheet reads as visible"
    rows = book.get_sheet_by_name("填报表").to_python(skip_empty_area=False)
    assert rows == [["序号"], [7.0]] or rows == [["序号"], [7]], what + f"to_python gives {rows}"
