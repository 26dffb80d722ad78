"""What departments really send: each variant of design.md read correctly (acceptance 4)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from formkit import DEPT, ITEMS, PROGRESS, edit, findings_for, form_path, put_formula, read, set_cells, write_master

from ledgerxl.departments import Departments
from ledgerxl.read.cellfacts import SheetFacts
from ledgerxl.text import item_number as parse_number


def workbook(path: Path, fill: Callable[[Any, Any], None], sheets: tuple[str, ...] = ("Sheet1",)) -> Path:
    """A workbook written cell by cell, for layouts that are not our form."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    wss = [wb.add_worksheet(s) for s in sheets]
    fill(wb, wss if len(wss) > 1 else wss[0])
    wb.close()
    return path


def entries(path: Path) -> list[tuple[int | None, str]]:
    return [(e.number, e.progress) for e in read(path).entries]


def test_our_form_reads_back(tmp_path: Path) -> None:
    write_master(tmp_path)
    sub = read(form_path(tmp_path))
    assert (sub.sheet, sub.header_row, sub.department, sub.department_cell) == ("填报表", 4, DEPT, "B2")
    assert (sub.period_raw, sub.period_cell) == ("2025年三季度", "D2")
    assert entries(form_path(tmp_path)) == [(1, PROGRESS[1]), (2, PROGRESS[2]), (3, PROGRESS[3])]


def test_header_on_another_row_with_merged_title(tmp_path: Path) -> None:
    def fill(wb: Any, ws: Any) -> None:
        ws.merge_range("B2:F3", "2025年三季度挂牌事项进展情况（市发展改革委）")
        ws.write("B5", "填报单位：市发展改革委")
        ws.write("E5", "报告期：2025年三季度")
        ws.write_row("B8", ["序号", "事项内容", "进展情况"])
        ws.write_row("B9", [2, ITEMS[1][1], PROGRESS[2]])

    sub = read(workbook(tmp_path / "a.xlsx", fill))
    assert (sub.header_row, sub.department, sub.department_cell, sub.period_raw) == (8, DEPT, "B5", "2025年三季度")
    assert [(e.row, e.number, e.progress) for e in sub.entries] == [(9, 2, PROGRESS[2])]
    assert sub.columns == {"number": 1, "text": 2, "progress": 3}


def test_extra_and_reordered_columns(tmp_path: Path) -> None:
    def fill(wb: Any, ws: Any) -> None:
        ws.write_row(0, 0, ["填报单位", "市发改委"])
        ws.write_row(2, 0, ["备注", "进展情况", "联系人", "事项内容", "序号", "牵头处室", "完成状态"])
        ws.write_row(3, 0, ["无", PROGRESS[1], "张三", ITEMS[0][1], 1, "高技术处", "已完成"])
        ws.write_row(4, 0, ["", PROGRESS[2], "李四", ITEMS[1][1], 2, "投资处", "序时推进"])

    sub = read(workbook(tmp_path / "b.xlsx", fill))
    assert sub.department == DEPT and sub.department_source == "alias"
    assert [(e.number, e.progress, e.item_text, e.status, e.note) for e in sub.entries] == [
        (1, PROGRESS[1], ITEMS[0][1], "已完成", "无"),
        (2, PROGRESS[2], ITEMS[1][1], "序时推进", ""),
    ]


@pytest.mark.parametrize(
    "headers",
    [
        ["序 号", "事 项 内 容", "进 展 情 况"],
        ["序号\n", "事项内容（原文）", "进展情况\n（截至9月底）"],
        ["序号", "事项内容【不得修改】", "进展情况(截至9月底)"],
        ["事项序号", "挂牌事项", "2025年三季度进展情况"],
        ["序号*", "事项内容", "工作进展"],
        ["序号", "事项内容", "进展情况及下步打算"],  # the usual heading of government progress forms
        ["序号", "事项内容", "进展情况和存在问题"],
        ["序号", "事项内容", "三季度进展"],
        ["序号", "事项内容", "本期进展"],
    ],
)
def test_header_spellings(tmp_path: Path, headers: list[str]) -> None:
    def fill(wb: Any, ws: Any) -> None:
        ws.write_row(0, 0, headers)
        ws.write_row(1, 0, [3, ITEMS[2][1], PROGRESS[3]])

    path = workbook(tmp_path / f"{DEPT}.xlsx", fill)
    sub = read(path)
    assert [(e.number, e.item_text, e.progress) for e in sub.entries] == [(3, ITEMS[2][1], PROGRESS[3])]


@pytest.mark.parametrize("heading", ["上半年进展情况", "2025年上半年进展情况", "上半年工作进展"])
def test_half_year_heading_is_the_progress_when_it_is_the_only_one(tmp_path: Path, heading: str) -> None:
    """An H1 form headed 上半年进展情况: 上半年 is an earlier period only when a later heading is there too."""

    def fill(wb: Any, ws: Any) -> None:
        ws.write_row(0, 0, ["序号", "事项内容", heading])
        ws.write_row(1, 0, [1, ITEMS[0][1], PROGRESS[1]])

    assert entries(workbook(tmp_path / f"{DEPT}.xlsx", fill)) == [(1, PROGRESS[1])]


@pytest.mark.parametrize(
    "headers",
    [
        ["序号", "上期进展情况", "本期进展情况"],
        ["序号", "上期进展", "本期进展"],
        ["序号", "上半年进展情况及下步打算", "进展情况及下步打算"],
    ],
)
def test_earlier_period_column_is_not_the_progress(tmp_path: Path, headers: list[str]) -> None:
    def fill(wb: Any, ws: Any) -> None:
        ws.write_row(0, 0, headers)
        ws.write_row(1, 0, [1, "上期的文字。", PROGRESS[1]])

    assert entries(workbook(tmp_path / f"{DEPT}.xlsx", fill)) == [(1, PROGRESS[1])]


@pytest.mark.parametrize("raw", [7, 7.0, "7", " 7 ", "7.0", "７", "7.", "7、"])
def test_numbers_stored_as_text_or_float(tmp_path: Path, raw: object) -> None:
    def fill(wb: Any, ws: Any) -> None:
        ws.write_row(0, 0, ["序号", "进展情况"])
        ws.write(1, 0, raw) if not isinstance(raw, str) else ws.write_string(1, 0, raw)
        ws.write_string(1, 1, "进展文字")

    assert entries(workbook(tmp_path / "n.xlsx", fill)) == [(7, "进展文字")]


@pytest.mark.parametrize("raw", ["7.5", "七", "第7项", "-7"])
def test_numbers_that_are_not_item_numbers(raw: str) -> None:
    assert parse_number(raw) is None


def test_line_breaks_inside_cells_are_kept(tmp_path: Path) -> None:
    def fill(wb: Any, ws: Any) -> None:
        ws.write_row(0, 0, ["序号", "进展情况"])
        ws.write_row(1, 0, [1, "第一段。\r\n第二段。\n\n第三段。 "])

    assert entries(workbook(tmp_path / "lb.xlsx", fill)) == [(1, "第一段。\n第二段。\n\n第三段。 ")]


def test_hidden_rows_are_read_and_reported(tmp_path: Path) -> None:
    def fill(wb: Any, ws: Any) -> None:
        ws.write_row(0, 0, ["填报单位", DEPT])
        ws.write_row(1, 0, ["序号", "事项内容", "进展情况"])
        ws.write_row(2, 0, [1, ITEMS[0][1], PROGRESS[1]])
        ws.write_row(3, 0, [2, ITEMS[1][1], PROGRESS[2]])
        ws.write_row(4, 0, [1, ITEMS[0][1], "上期旧文字，被隐藏了。"])
        ws.write_row(5, 0, [3, ITEMS[2][1], PROGRESS[3]])
        ws.set_row(3, None, None, {"hidden": True})
        ws.set_row(4, None, None, {"hidden": True})

    sub = read(workbook(tmp_path / "h.xlsx", fill))
    assert [(e.row, e.number, e.hidden) for e in sub.entries] == [(3, 1, False), (4, 2, True), (6, 3, False)]
    assert [(e.row, e.number) for e in sub.ignored_hidden] == [(5, 1)]


def test_sheet_facts_lookups_over_unsorted_overlapping_and_tall_ranges() -> None:
    facts = SheetFacts(
        hidden_rows=[(40, 45), (3, 3), (10, 20), (15, 30), (31, 31), (1_000, 1_048_575)],
        links=[((5, 0, 5, 3), "#wide"), ((5, 2, 5, 2), "#later"), ((0, 7, 500, 7), "#tall"), ((2, 7, 2, 7), "#h2")],
    )
    hidden = [r for r in range(60) if facts.is_hidden(r)]
    assert hidden == [3, *range(10, 32), *range(40, 46)]
    assert facts.is_hidden(1_048_575) and facts.is_hidden(1_000) and not facts.is_hidden(999)
    assert facts.link_at(5, 2) == "#wide"  # the first link in sheet order wins, as Excel shows it
    assert facts.link_at(5, 4) is None
    assert facts.link_at(2, 7) == "#tall" and facts.link_at(500, 7) == "#tall" and facts.link_at(501, 7) is None
    assert SheetFacts().link_at(0, 0) is None and not SheetFacts().is_hidden(0)


def test_several_sheets_pick_the_filled_one_and_say_which(tmp_path: Path) -> None:
    def fill(wb: Any, wss: Any) -> None:
        guide, blank, data = wss
        guide.write("A1", "填报说明：请在“数据”表中填写进展情况。")
        blank.write_row(0, 0, ["序号", "进展情况"])  # an empty copy of the table
        data.write_row(0, 0, ["填报单位", DEPT])
        data.write_row(2, 0, ["序号", "进展情况"])
        data.write_row(3, 0, [1, PROGRESS[1]])

    path = workbook(tmp_path / "s.xlsx", fill, ("说明", "空表", "数据"))
    sub = read(path)
    assert (sub.sheet, sub.other_sheets, entries(path)) == ("数据", (), [(1, PROGRESS[1])])


def test_hidden_sheets_are_not_read(tmp_path: Path) -> None:
    def fill(wb: Any, wss: Any) -> None:
        hidden, data = wss
        hidden.write_row(0, 0, ["序号", "进展情况"])
        hidden.write_row(1, 0, [1, "隐藏工作表里的旧数据。"])
        hidden.hide()
        data.write_row(0, 0, ["序号", "进展情况"])
        data.write_row(1, 0, [1, PROGRESS[1]])
        data.activate()

    path = workbook(tmp_path / "hs.xlsx", fill, ("旧", "新"))
    assert (read(path).sheet, entries(path)) == ("新", [(1, PROGRESS[1])])


def test_merged_number_cell_joins_its_rows_as_paragraphs(tmp_path: Path) -> None:
    def fill(wb: Any, ws: Any) -> None:
        ws.write_row(0, 0, ["序号", "事项内容", "进展情况"])
        ws.merge_range("A2:A3", 3)
        ws.merge_range("B2:B3", ITEMS[2][1])
        ws.write("C2", "技改项目累计开工455个。")
        ws.write("C3", "已竣工80个，技改投资降幅持续收窄。")
        ws.write_row(3, 0, [1, ITEMS[0][1], PROGRESS[1]])

    sub = read(workbook(tmp_path / "m.xlsx", fill))
    assert [(e.row, e.number, e.progress, e.extra_rows) for e in sub.entries] == [
        (2, 3, "技改项目累计开工455个。\n已竣工80个，技改投资降幅持续收窄。", (3,)),
        (4, 1, PROGRESS[1], ()),
    ]


def test_headings_notes_and_footer_meta(tmp_path: Path) -> None:
    def fill(wb: Any, ws: Any) -> None:
        ws.write_row(0, 0, ["序号", "事项内容", "进展情况"])
        ws.write("A2", "一、全方位扩大内需")
        ws.write_row(2, 0, [2, ITEMS[1][1], PROGRESS[2]])
        ws.write("A5", "注：进展情况截至9月底。")
        ws.write("A6", "填报单位：市发展改革委")
        ws.write("C6", "填报日期：2025年10月8日")

    sub = read(workbook(tmp_path / "f.xlsx", fill))
    assert [(e.row, e.number) for e in sub.entries] == [(3, 2)]
    assert (sub.department, sub.department_cell, sub.filled_date, sub.filled_date_cell) == (
        DEPT,
        "A6",
        "2025年10月8日",
        "C6",
    )


def test_empty_meta_value_does_not_take_the_next_label(tmp_path: Path) -> None:
    write_master(tmp_path)
    sub = read(form_path(tmp_path))  # 联系人 B3 and 联系电话 D3 are empty in a fresh form
    assert (sub.contact, sub.phone, sub.filled_date) == ("", "", "")
    path = set_cells(form_path(tmp_path), {"B3": "王五", "D3": "0532-85911234", "F3": dt.datetime(2025, 10, 8)})
    sub = read(path)
    assert (sub.contact, sub.phone, sub.filled_date, sub.filled_date_cell) == (
        "王五",
        "0532-85911234",
        "2025-10-08",
        "F3",
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    text = f'填报单位,{DEPT}\n序号,事项内容,进展情况\n2,{ITEMS[1][1]},"{PROGRESS[2]}"\n'
    path = tmp_path / "c.csv"
    path.write_bytes(text.encode(encoding))
    sub = read(path)
    assert (sub.department, entries(path)) == (DEPT, [(2, PROGRESS[2])])


def test_xlsm_is_read_like_xlsx(tmp_path: Path) -> None:
    write_master(tmp_path)
    path = form_path(tmp_path).rename(tmp_path / f"{DEPT}.xlsm")
    assert entries(path) == [(1, PROGRESS[1]), (2, PROGRESS[2]), (3, PROGRESS[3])]


def test_formulas_and_links_in_text_cells_are_flagged(tmp_path: Path) -> None:
    write_master(tmp_path)
    path = form_path(tmp_path)
    set_cells(path, {"F6": "=A6*2"})  # 备注 (a text cell) holding a formula

    def link(wb: Any) -> None:
        from openpyxl.worksheet.hyperlink import Hyperlink

        wb["填报表"]["D7"].hyperlink = Hyperlink(ref="D7", location="'填报说明'!A1")

    edit(path, link)
    flags = [(f.cell, f.field, f.kind, f.detail) for f in read(path).cell_flags]
    assert flags == [("F6", "note", "formula", "=A6*2"), ("D7", "progress", "hyperlink", "#'填报说明'!A1")]


def test_department_identification_order() -> None:
    d = Departments(["市发展改革委", "市科技局", "市科技局农业处"], {"市发改委": "市发展改革委"})
    assert d.identify("市发展改革委", "x") == d.identify("市发展改革委", "市科技局")  # the cell wins
    assert d.identify("市发展改革委", "x").source == "cell"
    assert d.identify("市发改委", "x").source == "alias"
    got = d.identify("青岛市发改委（盖章）", "x")
    assert (got.department, got.source) == ("市发展改革委", "cell-contains")
    assert d.identify("", "市科技局农业处-三季度").department == "市科技局农业处"
    got = d.identify("", "市科技局-市发改委")
    assert (got.department, got.source, got.candidates) == (None, "ambiguous", ("市发展改革委", "市科技局"))
    got = d.identify("市科学技术局", "市科技局-三季度")
    assert got.department is None and "市科技局" in got.candidates


def test_unknown_department_names_the_candidates(tmp_path: Path) -> None:
    write_master(tmp_path)
    path = set_cells(form_path(tmp_path), {"B2": "市工信"})
    (f,) = findings_for(tmp_path, [path])
    # near names first, then the department the file name points to
    assert f.message == "填报单位“市工信”不在挂牌事项清单的责任单位中。相近的单位：市工业和信息化局、市发展改革委。"


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.render
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_ods_hidden_rows_formulas_links_and_merges(tmp_path: Path) -> None:
    """.ods facts come from content.xml (calamine gives values only): convert a marked-up form."""
    write_master(tmp_path)
    path = form_path(tmp_path)
    put_formula(path, "F5", 'CONCATENATE("备","注")', "备注")

    def change(wb: Any) -> None:
        from openpyxl.worksheet.hyperlink import Hyperlink

        ws = wb["填报表"]
        ws.row_dimensions[6].hidden = True
        ws["D7"].hyperlink = Hyperlink(ref="D7", target="http://example.org/x")
        ws.append([4, ITEMS[3][1], "", "合并单元格里的进展。"])
        ws.append([1, ITEMS[0][1], "", None])
        ws.merge_cells("D8:D9")

    edit(path, change)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "ods"]
        + ["--outdir", str(tmp_path / "ods"), str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    sub = read(tmp_path / "ods" / f"{path.stem}.ods")
    assert [(e.row, e.number, e.hidden) for e in sub.entries][:3] == [(5, 1, False), (6, 2, True), (7, 3, False)]
    assert [(f.cell, f.kind) for f in sub.cell_flags] == [("F5", "formula"), ("D7", "hyperlink")]
    assert sub.cell_flags[1].detail == "http://example.org/x"
    assert [(s.ref, s.numbers) for s in sub.merged_spans] == [("D8:D9", (4, 1))]
