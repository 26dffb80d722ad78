"""台账.xlsx polish: print setup, fonts, text that looks like a formula, the 汇总 sheet and its charts."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from ledgerxl.ledger import ledger_stats
from ledgerxl.model import Item, Ledger, LedgerRow
from ledgerxl.write.ledger_xlsx import build_xlsx, summary_tables

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"

FORMULA_LIKE = ["=SUM(A1:A9)", "+86 532 8591 1234 已联系", "-5.8%，降幅收窄", "@市发展改革委 请核对"]


def formula_ledger() -> Ledger:
    rows = [
        LedgerRow(Item(i + 1, f"事项{i + 1}", ("市统计局",), "主要预期目标"), [("市统计局", text)], [], status)
        for i, (text, status) in enumerate(zip(FORMULA_LIKE, ["已完成", "序时推进", "序时推进", ""]))
    ]
    rows[0] = LedgerRow(Item(1, "=1+1", ("市统计局",), "主要预期目标"), rows[0].parts, [], "已完成")
    rows.append(LedgerRow(Item(5, "事项5", ("市财政局",), ""), [], ["市财政局"]))
    return Ledger("2025年市政府工作报告公开挂牌事项三季度进展情况台账", "进展情况", rows)


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def sheet_paths(p: dict[str, bytes]) -> dict[str, str]:
    wb = etree.fromstring(p["xl/workbook.xml"])
    rels = {r.get("Id"): r.get("Target") for r in etree.fromstring(p["xl/_rels/workbook.xml.rels"])}
    return {s.get("name"): "xl/" + rels[s.get(f"{R}id")] for s in wb.iter(f"{S}sheet")}


def test_text_starting_like_a_formula_stays_text() -> None:
    data = build_xlsx(formula_ledger(), dt.date(2025, 9, 30))
    p = parts(data)
    sheet = etree.fromstring(p[sheet_paths(p)["台账"]])
    assert sheet.find(f".//{S}f") is None  # no formula anywhere on the ledger sheet
    for ref in ("B3", "D3", "D4", "D5", "D6"):
        cell = sheet.find(f".//{S}c[@r='{ref}']")
        # item 1 is written by xlsxwriter (a shared string), the others are spliced in (inline strings)
        assert cell.get("t") == ("s" if ref.endswith("3") else "inlineStr"), ref
    ws = openpyxl.load_workbook(io.BytesIO(data))["台账"]
    assert [ws.cell(r, 4).value for r in range(3, 7)] == FORMULA_LIKE
    assert ws["B3"].value == "=1+1" and ws["B3"].data_type == "s"


def test_ledger_sheet_print_setup(sample_outputs: Path) -> None:
    p = parts((sample_outputs / "台账.xlsx").read_bytes())
    sheet = etree.fromstring(p[sheet_paths(p)["台账"]])
    setup = sheet.find(f"{S}pageSetup")
    assert setup.get("paperSize") == "9" and setup.get("orientation") == "landscape"  # A4 landscape
    assert setup.get("fitToWidth", "1") == "1" and setup.get("fitToHeight") == "0"  # one page wide
    assert sheet.find(f"{S}sheetPr/{S}pageSetUpPr").get("fitToPage") == "1"
    margins = sheet.find(f"{S}pageMargins")
    assert float(margins.get("left")) == 0.5 and float(margins.get("top")) == 0.6
    pane = sheet.find(f".//{S}pane")
    assert pane.get("ySplit") == "2" and pane.get("state") == "frozen"
    assert sheet.find(f"{S}autoFilter").get("ref") == "A2:D46"
    names = {d.get("name"): d.text for d in etree.fromstring(p["xl/workbook.xml"]).iter(f"{S}definedName")}
    assert names["_xlnm.Print_Titles"] == "台账!$2:$2"  # the header row repeats on every printed page
    assert "&amp;P" in etree.tostring(sheet.find(f"{S}headerFooter")).decode()


def test_fonts_wrap_and_row_heights(sample_outputs: Path) -> None:
    wb = openpyxl.load_workbook(sample_outputs / "台账.xlsx")
    ws = wb["台账"]
    assert ws["A1"].font.name == "方正小标宋简体"
    assert ws["B2"].font.name == "黑体" and ws["B2"].font.b
    for ref in ("B3", "C3", "D3"):
        assert ws[ref].font.name == "仿宋_GB2312" and ws[ref].font.charset == 134 and ws[ref].alignment.wrap_text
    # a row is as tall as its longest text (15 pt a line, 3 pt above and below): item 1 holds one line,
    # item 5's progress (about 190 half-width characters) three lines of the 80-wide column
    assert ws.row_dimensions[3].height == 21 and ws.row_dimensions[7].height == 51


def test_summary_sheet_counts(sample_outputs: Path) -> None:
    ws = openpyxl.load_workbook(sample_outputs / "台账.xlsx")["汇总"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][0] == "共 44 项事项，44 项已报送进展；22 个责任单位，22 个已报送。"
    i = next(n for n, r in enumerate(rows) if r[0] == "按责任单位统计")
    assert rows[i + 1][:4] == ("责任单位", "负责事项", "已报送", "未报送")
    depts = {r[0]: r[1:4] for r in rows[i + 2 : i + 24]}
    assert len(depts) == 22 and depts["市发展改革委"] == (6, 6, 0) and depts["市残联"] == (1, 1, 0)
    j = next(n for n, r in enumerate(rows) if r[0] == "按分类统计")
    cats = {}
    for r in rows[j + 2 :]:
        if r[0] == "合计":
            total = r
            break
        cats[r[0]] = r[1:4]
    assert cats["主要预期目标"] == (2, 2, 0) and cats["科技创新引领新质生产力发展"] == (7, 7, 0)
    assert sum(v[0] for v in cats.values()) == 44
    assert total[1] == f"=SUM(B{j + 3}:B{j + 2 + len(cats)})"  # rows are 1-based in formulas
    assert not any(r[0] == "按完成状态统计" for r in rows)  # the sample forms give no 完成状态


def _charts(p: dict[str, bytes], sheet: str) -> list[etree._Element]:
    path = sheet_paths(p)[sheet]
    rels_path = path.replace("worksheets/", "worksheets/_rels/") + ".rels"
    drawing = etree.fromstring(p[rels_path]).find(f"{REL}Relationship").get("Target").replace("..", "xl")
    drawing_rels = drawing.replace("drawings/", "drawings/_rels/") + ".rels"
    targets = [r.get("Target").replace("..", "xl") for r in etree.fromstring(p[drawing_rels])]
    return [etree.fromstring(p[t]) for t in targets]


def test_summary_sheet_holds_native_charts(sample_outputs: Path) -> None:
    p = parts((sample_outputs / "台账.xlsx").read_bytes())
    charts = _charts(p, "汇总")
    assert len(charts) == 2
    for chart in charts:
        bar = chart.find(f".//{C}barChart")
        assert bar is not None and bar.find(f"{C}grouping").get("val") == "stacked"
        refs = [f.text for f in chart.iter(f"{C}f")]
        assert refs and all(r.startswith("汇总!") for r in refs)
    dept_values = next(f.text for f in charts[0].iter(f"{C}f") if "$B$" in f.text or "$C$" in f.text)
    assert re.fullmatch(r"汇总!\$[BC]\$\d+(:\$[BC]\$\d+)?", dept_values)


def test_status_counts_and_pie_chart() -> None:
    data = build_xlsx(formula_ledger(), dt.date(2025, 9, 30))
    ws = openpyxl.load_workbook(io.BytesIO(data))["汇总"]
    rows = list(ws.iter_rows(values_only=True))
    i = next(n for n, r in enumerate(rows) if r[0] == "按完成状态统计")
    assert [r[:2] for r in rows[i + 1 : i + 6]] == [
        ("完成状态", "事项数"),
        ("已完成", 1),
        ("序时推进", 2),
        ("未填写", 2),
        ("合计", "=SUM(B" + str(i + 3) + ":B" + str(i + 5) + ")"),
    ]
    j = next(n for n, r in enumerate(rows) if r[0] == "按分类统计")
    assert rows[j + 2][:4] == ("主要预期目标", 4, 4, 0) and rows[j + 3][:4] == ("未分类", 1, 0, 1)
    charts = _charts(parts(data), "汇总")
    assert [c.find(f".//{C}plotArea")[1].tag.split("}")[1] for c in charts] == ["barChart", "barChart", "pieChart"]


def test_summary_tables_take_extra_columns() -> None:
    """Another figure (e.g. targets achieved) is one more column in a table; charts stay as they were."""
    ledger = formula_ledger()
    tables = summary_tables(ledger_stats(ledger))
    assert [t.title for t in tables] == ["按责任单位统计", "按分类统计", "按完成状态统计"]
    tables[1].columns["目标完成"] = [3, "—"]
    data = build_xlsx(ledger, dt.date(2025, 9, 30), summary=tables)
    rows = list(openpyxl.load_workbook(io.BytesIO(data))["汇总"].iter_rows(values_only=True))
    j = next(n for n, r in enumerate(rows) if r[0] == "按分类统计")
    assert rows[j + 1][:5] == ("分类", "事项数", "已报送", "未报送", "目标完成")
    assert rows[j + 2][4] == 3 and rows[j + 3][4] == "—" and rows[j + 4][4] is None  # no sum of mixed values
    assert len(_charts(parts(data), "汇总")) == 3


def test_same_input_same_bytes() -> None:
    d = dt.date(2025, 9, 30)
    assert build_xlsx(formula_ledger(), d) == build_xlsx(formula_ledger(), d)


AWKWARD = [
    " 前后有空格 ",
    "a < b && c > d",
    "字面的 _x0041_ 不是转义",
    "第一段\n第二段\n",
    "\t制表符开头",
    "引号\"和'撇号",
    "𠀀 与 emoji 😀",
]


def test_spliced_rows_read_back_exactly() -> None:
    """Rows after the first are written as XML text by xlsx_rows: every reader must see the ledger's text
    exactly (spaces, markup characters, a literal _xHHHH_, line breaks), in the formats of row 3."""
    from python_calamine import CalamineWorkbook

    rows = [
        LedgerRow(Item(i + 1, f"事项{i + 1}", ("市统计局", "市财政局"), ""), [("市统计局", text)], [])
        for i, text in enumerate(AWKWARD)
    ]
    rows.append(LedgerRow(Item(len(rows) + 1, "", ("市统计局",), ""), [], ["市统计局"]))  # empty 事项内容
    ledger = Ledger("台账", "进展情况", rows)
    data = build_xlsx(ledger, dt.date(2025, 9, 30))
    p = parts(data)
    sheet = etree.fromstring(p[sheet_paths(p)["台账"]])  # well-formed
    last = len(rows) + 2
    assert sheet.find(f"{S}dimension").get("ref") == f"A1:D{last}"
    styles = {ref: sheet.find(f".//{S}c[@r='{ref}']").get("s") for ref in ("A3", "B3", "D3")}
    for r in range(4, last + 1):
        assert sheet.find(f".//{S}c[@r='A{r}']").get("s") == styles["A3"]
        assert sheet.find(f".//{S}c[@r='D{r}']").get("s") == styles["D3"]
    expected = [[str(i + 1), f"事项{i + 1}", "市统计局、市财政局", t] for i, t in enumerate(AWKWARD)]
    expected.append([str(len(rows)), "", "市统计局", "（未报送）"])
    ws = openpyxl.load_workbook(io.BytesIO(data))["台账"]
    got = [
        [str(ws.cell(r, 1).value), ws.cell(r, 2).value or "", ws.cell(r, 3).value, ws.cell(r, 4).value]
        for r in range(3, last + 1)
    ]
    # openpyxl does not undo Excel's _xHHHH_ escape in inline strings (calamine, LibreOffice and Excel do)
    assert [g for g in got if "_x" not in g[3]] == [e for e in expected if "_x" not in e[3]]
    assert "_x005F_x0041_" in p[sheet_paths(p)["台账"]].decode()  # escaped as xlsxwriter escapes it
    empty = sheet.find(f".//{S}c[@r='B{last}']")  # an empty 事项内容: an empty string, as xlsxwriter writes
    assert empty.get("t") == "inlineStr" and empty.find(f"{S}is/{S}t").text is None
    # two departments wrap onto 2 lines of the 16-wide column; 第一段\n第二段\n takes 3 lines
    assert ws.row_dimensions[4].height == 36 and ws.row_dimensions[6].height == 51
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    values = []
    for v in wb.get_sheet_by_name("台账").to_python()[2:]:
        assert isinstance(v[0], (int, float)), v  # 序号 is a number cell
        values.append([str(int(v[0])), v[1], v[2], v[3]])
    assert values == expected


def test_splice_into_a_missing_part_is_an_error() -> None:
    from ledgerxl.write.zip import normalize_zip

    data = build_xlsx(formula_ledger(), dt.date(2025, 9, 30))
    with pytest.raises(ValueError, match="sheet9.xml"):  # rows meant for it are never dropped silently
        normalize_zip(data, {"xl/worksheets/sheet9.xml": lambda xml: [xml]})


def test_ledger_of_one_item_needs_no_splice() -> None:
    ledger = Ledger("台账", "进展情况", formula_ledger().rows[:1])
    ws = openpyxl.load_workbook(io.BytesIO(build_xlsx(ledger, dt.date(2025, 9, 30))))["台账"]
    assert ws.max_row == 3 and ws["D3"].value == FORMULA_LIKE[0]
