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

from ledgerxl.ledger import build_ledger, ledger_stats, status_text
from ledgerxl.model import STATUSES, Entry, Item, Ledger, LedgerRow, MasterList, Submission
from ledgerxl.write.ledger_xlsx import PreviousColumn, build_xlsx, summary_tables
from ledgerxl.write.textwidth import display_width

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"

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
    assert sheet.find(f"{S}autoFilter").get("ref") == "A2:E46"  # 序号 .. 完成状态
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


def _drawing_path(p: dict[str, bytes], sheet: str) -> str:
    path = sheet_paths(p)[sheet]
    rels_path = path.replace("worksheets/", "worksheets/_rels/") + ".rels"
    target: str = etree.fromstring(p[rels_path]).find(f"{REL}Relationship").get("Target")
    return target.replace("..", "xl")


def _drawing(p: dict[str, bytes], sheet: str) -> etree._Element:
    return etree.fromstring(p[_drawing_path(p, sheet)])


def _charts(p: dict[str, bytes], sheet: str) -> list[etree._Element]:
    drawing = _drawing_path(p, sheet)
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
    assert sheet.find(f"{S}dimension").get("ref") == f"A1:E{last}"
    styles = {ref: sheet.find(f".//{S}c[@r='{ref}']").get("s") for ref in ("A3", "B3", "D3")}
    for r in range(4, last + 1):
        assert sheet.find(f".//{S}c[@r='A{r}']").get("s") == styles["A3"]
        assert sheet.find(f".//{S}c[@r='D{r}']").get("s") == styles["D3"]
    expected = [[str(i + 1), f"事项{i + 1}", "市统计局、市财政局", t, ""] for i, t in enumerate(AWKWARD)]
    expected.append([str(len(rows)), "", "市统计局", "（未报送）", ""])
    ws = openpyxl.load_workbook(io.BytesIO(data))["台账"]
    got = [
        [str(ws.cell(r, 1).value), ws.cell(r, 2).value or "", ws.cell(r, 3).value, ws.cell(r, 4).value]
        for r in range(3, last + 1)
    ]
    # openpyxl does not undo Excel's _xHHHH_ escape in inline strings (calamine, LibreOffice and Excel do)
    assert [g for g in got if "_x" not in g[3]] == [e[:4] for e in expected if "_x" not in e[3]]
    assert "_x005F_x0041_" in p[sheet_paths(p)["台账"]].decode()  # escaped as xlsxwriter escapes it
    empty = sheet.find(f".//{S}c[@r='B{last}']")  # an empty 事项内容 (and 完成状态): a blank cell in its style
    assert empty.get("t") is None and len(empty) == 0 and empty.get("s") == styles["B3"]
    # two departments wrap onto 2 lines of the 16-wide column; 第一段\n第二段\n takes 3 lines
    assert ws.row_dimensions[4].height == 36 and ws.row_dimensions[6].height == 51
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    values = []
    for v in wb.get_sheet_by_name("台账").to_python()[2:]:
        assert isinstance(v[0], (int, float)), v  # 序号 is a number cell
        values.append([str(int(v[0])), v[1], v[2], v[3], v[4]])
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


# --- issue 17: 完成状态, last period's progress, 汇总 totals and pages, titles ---------------------------------


def _sub(department: str, rows: list[tuple[int, str, str]]) -> Submission:
    sub = Submission(Path(f"{department}.xlsx"), "填报表", department, department, "B2", 4, {"number": 0})
    sub.entries = [Entry(5 + i, n, str(n), "", text, status) for i, (n, text, status) in enumerate(rows)]
    return sub


def status_ledger() -> Ledger:
    """Five items: one department; two agreeing; two differing; the lead silent on status; none given."""
    a, b = "市发展改革委", "市工业和信息化局"
    master = MasterList(
        [Item(1, "事项一", (a,)), Item(2, "事项二", (a, b)), Item(3, "事项三", (a, b)), Item(4, "事项四", (a, b))]
        + [Item(5, "事项五", (b,))]
    )
    subs = [
        # b's form read first: the column follows the master's department order all the same
        _sub(b, [(2, "乙二", "序时推进"), (3, "乙三", "进度滞后"), (4, "乙四", "已完成"), (5, "乙五", "")]),
        _sub(a, [(1, "甲一", "已完成"), (2, "甲二", "序时推进"), (3, "甲三", "已完成"), (4, "甲四", "")]),
    ]
    return build_ledger(master, subs, "台账", "进展情况", "（未报送）")


def test_status_column_shows_each_departments_status_unless_they_agree() -> None:
    ledger = status_ledger()
    assert [status_text(r) for r in ledger.rows] == [
        "已完成",
        "序时推进",
        "市发展改革委：已完成\n市工业和信息化局：进度滞后",  # the lead's 已完成 does not hide the partner's
        "市工业和信息化局：已完成",  # the lead said nothing: the partner's status is not the item's
        "",
    ]
    assert [r.status for r in ledger.rows] == ["已完成", "序时推进", "已完成", "已完成", ""]  # 汇总's count
    data = build_xlsx(ledger, dt.date(2025, 9, 30))
    ws = openpyxl.load_workbook(io.BytesIO(data))["台账"]
    assert [c.value for c in ws[2]] == ["序号", "事项内容", "责任单位", "进展情况", "完成状态"]
    assert [ws.cell(r, 5).value for r in range(3, 8)] == [status_text(r) or None for r in ledger.rows]
    assert ws["E3"].alignment.horizontal == "center" and ws["E4"].alignment.horizontal == "center"
    assert ws.column_dimensions["E"].width == pytest.approx(12.7, abs=0.1)  # xlsxwriter adds 0.71
    # 单位：状态 twice: 2 + 3 lines of the 12-wide column, taller than the progress (15 pt a line, 3 above and below)
    assert ws.row_dimensions[5].height == 15 * 5 + 6
    # 汇总 counts each item once, by its first status in department order
    rows = list(openpyxl.load_workbook(io.BytesIO(data))["汇总"].iter_rows(values_only=True))
    i = next(n for n, r in enumerate(rows) if r[0] == "按完成状态统计")
    assert [r[:2] for r in rows[i + 2 : i + 5]] == [("已完成", 3), ("序时推进", 1), ("未填写", 1)]


def test_previous_column_beside_this_periods_and_read_back_as_this_periods(tmp_path: Path) -> None:
    from ledgerxl.read.previous_ledger import load_previous

    ledger = formula_ledger()
    column = PreviousColumn("上半年进展情况", {1: "上半年：已完成年度目标的60%。", 3: "=A1 上期"})
    data = build_xlsx(ledger, dt.date(2025, 9, 30), previous=column)
    ws = openpyxl.load_workbook(io.BytesIO(data))["台账"]
    assert [c.value for c in ws[2]] == ["序号", "事项内容", "责任单位", "上半年进展情况", "进展情况", "完成状态"]
    assert [ws.cell(r, 4).value for r in range(3, 8)] == ["上半年：已完成年度目标的60%。", None, "=A1 上期", None, None]
    assert ws["D5"].data_type == "s"  # a text, never a formula
    assert [ws.cell(r, 5).value for r in range(3, 7)] == FORMULA_LIKE
    assert ws["D3"].font.color.rgb == "FF595959"  # last period's in grey, this period's in black
    widths = [ws.column_dimensions[c].width for c in "ABCDEF"]
    assert widths == pytest.approx([6.7, 30.7, 14.7, 56.7, 64.7, 12.7], abs=0.1)  # xlsxwriter adds 0.71
    # next period reads this workbook as its previous ledger: this period's column, not the one before
    path = tmp_path / "台账.xlsx"
    path.write_bytes(data)
    assert load_previous(path)[2] == FORMULA_LIKE[1]


def _cached(data: bytes, sheet: str) -> list[tuple[object, ...]]:
    return list(openpyxl.load_workbook(io.BytesIO(data), data_only=True)[sheet].iter_rows(values_only=True))


def _sample_ledger(statuses: bool = False) -> Ledger:
    from helpers import SAMPLE

    from ledgerxl.config import load_config
    from ledgerxl.departments import Departments
    from ledgerxl.jobs.check import check_inputs
    from ledgerxl.jobs.inputs import collect_inputs
    from ledgerxl.read.master import load_master

    cfg = load_config(SAMPLE / "ledgerxl.toml")
    master, period = load_master(cfg.master_list()), cfg.report_period()
    checked = check_inputs(collect_inputs([SAMPLE / "submissions"]), master, period, Departments(master.departments))
    subs = checked.selection.chosen
    if statuses:
        for sub in subs:
            for e in sub.entries:
                e.status = STATUSES[(e.number or 0) % 3]
    return build_ledger(master, subs, cfg.ledger_title(period), period.progress_label, cfg.placeholder)


@pytest.mark.parametrize("statuses", [False, True])
def test_summary_totals_equal_the_sums(statuses: bool) -> None:
    ledger = _sample_ledger(statuses)
    data = build_xlsx(ledger, dt.date(2025, 9, 30))
    rows = _cached(data, "汇总")
    titles = ["按责任单位统计", "按分类统计"] + (["按完成状态统计"] if statuses else [])
    assert [r[0] for r in rows if r[0] in (*titles, "目标与完成值对照")] == titles
    for title in titles:
        i = next(n for n, r in enumerate(rows) if r[0] == title)
        end = next(n for n in range(i, len(rows)) if rows[n][0] == "合计")
        body = rows[i + 2 : end]
        width = len([h for h in rows[i + 1] if h])
        assert body and all(isinstance(v, int) for r in body for v in r[1:width]), title
        sums = [sum(int(str(r[c])) for r in body) for c in range(1, width)]
        assert list(rows[end][1:width]) == sums, title  # the cached values of the =SUM formulas
    i = rows.index(next(r for r in rows if r[0] == "按责任单位统计"))
    assert rows[i + 24][:4] == ("合计", 45, 45, 0)  # 44 items, one shared by two departments: 45 to report
    assert rows[i + 25][0] == "注：多个单位共同负责的事项在每个单位各计 1 次，故合计 45 项次多于事项数 44 项。"
    j = rows.index(next(r for r in rows if r[0] == "按分类统计"))
    assert rows[next(n for n in range(j, len(rows)) if rows[n][0] == "合计")][1] == 44


def _summary_setup(data: bytes) -> tuple[etree._Element, dict[str, str]]:
    p = parts(data)
    sheet = etree.fromstring(p[sheet_paths(p)["汇总"]])
    names = {d.get("name"): d.text for d in etree.fromstring(p["xl/workbook.xml"]).iter(f"{S}definedName")}
    return sheet, names


@pytest.mark.parametrize("statuses", [False, True])
def test_summary_fills_its_pages(statuses: bool) -> None:
    """Tables stack down the page, each beside its chart; a page breaks only before a block that does not
    fit (issue 17: one block a page left three mostly blank pages). The 22 departments fill page 1; 分类
    and, when given, 完成状态 share page 2."""
    data = build_xlsx(_sample_ledger(statuses), dt.date(2025, 9, 30))
    sheet, names = _summary_setup(data)
    setup = sheet.find(f"{S}pageSetup")
    assert setup.get("paperSize") == "9" and setup.get("orientation") == "landscape"
    assert setup.get("fitToWidth", "1") == "1" and setup.get("fitToHeight") == "0"  # one page wide
    assert sheet.find(f"{S}sheetPr/{S}pageSetUpPr").get("fitToPage") == "1"
    rows = _cached(data, "汇总")
    caption = {r[0]: n + 1 for n, r in enumerate(rows) if r[0] in ("按分类统计", "按完成状态统计")}  # 1-based
    breaks = [int(b.get("id")) for b in sheet.iter(f"{S}brk")]
    assert breaks == [caption["按分类统计"] - 1]  # Excel breaks above the row after `id`
    area = names["_xlnm.Print_Area"]
    assert re.fullmatch(r"汇总!\$A\$1:\$M\$(\d+)", area), area  # the tables and the charts beside them
    chart_ends = [int(to.find(f"{XDR}row").text) + 1 for to in _drawing(parts(data), "汇总").iter(f"{XDR}to")]
    assert max(len(rows), *chart_ends) <= int(area.rsplit("$", 1)[1]) <= max(len(rows), *chart_ends) + 1
    # the page model: 22 departments and their chart fit page 1 at scale 1 (Calibri widths, as Excel)
    from ledgerxl.write import ledger_xlsx as lx

    stats = ledger_stats(_sample_ledger(statuses))
    table = summary_tables(stats)[0]
    first = lx._block(table, lx._shared_items_note(table, stats), 24 + 10 * 3)
    assert first.note and lx.title_height("x") + lx.SUMMARY_ROW_PT + first.height <= lx.PAGE_HEIGHT_PT


def test_small_summary_shares_pages() -> None:
    data = build_xlsx(formula_ledger(), dt.date(2025, 9, 30))
    sheet, names = _summary_setup(data)
    rows = _cached(data, "汇总")
    status = next(n for n, r in enumerate(rows) if r[0] == "按完成状态统计")
    # two departments and two 分类 with their charts on page 1; the pie would cross its bottom: page 2
    assert [int(b.get("id")) for b in sheet.iter(f"{S}brk")] == [status]
    assert names["_xlnm.Print_Area"].startswith("汇总!$A$1:$M$")


LONG_ORG = "中国（山东）自由贸易试验区青岛片区管理委员会"
LONG_TITLE = f"2025年{LONG_ORG}政府工作报告公开挂牌事项和重点民生实事三季度进展情况台账"


def test_a_title_wider_than_its_cell_wraps_between_words() -> None:
    from ledgerxl.write.titles import break_points
    from ledgerxl.write.xlsx_rows import title_units

    ledger = formula_ledger()
    ledger.title = LONG_TITLE
    data = build_xlsx(ledger, dt.date(2025, 9, 30), title_words=[LONG_ORG])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for sheet, title, widths in (
        ("台账", LONG_TITLE, (6, 36, 16, 80, 12)),
        ("汇总", f"{LONG_TITLE}（汇总）", None),
    ):
        ws = wb[sheet]
        lines = ws["A1"].value.split("\n")
        assert len(lines) == 2 and "".join(lines) == title, sheet
        assert len(lines[0]) in break_points(title, [LONG_ORG]), sheet
        assert ws.row_dimensions[1].height == 36 + 27, sheet
        assert ws["A1"].alignment.wrap_text
        if widths:
            assert all(display_width(line) <= title_units(widths, 18) for line in lines)
    short = openpyxl.load_workbook(io.BytesIO(build_xlsx(formula_ledger(), dt.date(2025, 9, 30))))["台账"]
    assert "\n" not in short["A1"].value and short.row_dimensions[1].height == 36
