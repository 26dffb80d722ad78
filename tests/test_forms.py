"""`ledgerxl forms`: the pre-filled, protected form of design.md, and that it survives LibreOffice."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from formkit import DEPT, PERIOD, PROGRESS, form_path, read, write_master
from helpers import SAMPLE, invoke

from ledgerxl.model import STATUSES, Submission
from ledgerxl.periods import parse_period
from ledgerxl.read.master import load_master
from ledgerxl.write.form import build_form

MASTER = SAMPLE / "挂牌事项清单.xlsx"


def test_form_layout(tmp_path: Path) -> None:
    write_master(tmp_path)
    path = form_path(tmp_path, progress={})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["填报表", "填报说明"]
    ws = wb["填报表"]
    assert ws["A1"].value == "2025年市政府工作报告公开挂牌事项三季度进展情况填报表"
    assert "A1:F1" in {str(r) for r in ws.merged_cells.ranges}
    meta = [ws[c].value for c in ("A2", "B2", "C2", "D2", "A3", "C3", "E3")]
    assert meta == ["填报单位", DEPT, "报告期", "2025年三季度", "联系人", "联系电话", "填报日期"]
    assert [c.value for c in ws[4]] == ["序号", "事项内容", "责任单位", "进展情况", "完成状态", "备注"]
    # the department's items only, in master order
    assert [ws.cell(r, 1).value for r in range(5, ws.max_row + 1)] == [1, 2, 3]
    assert ws["C7"].value == "市发展改革委、市工业和信息化局"
    # protected; the first three columns locked, the inputs unlocked, all wrapped
    assert ws.protection.sheet and not ws.protection.password
    for r in range(5, 8):
        assert [ws.cell(r, c).protection.locked for c in range(1, 7)] == [True, True, True, False, False, False]
        assert all(ws.cell(r, c).alignment.wrap_text for c in range(1, 7))
    assert [ws[c].protection.locked for c in ("B2", "D2", "B3", "D3", "F3")] == [True, True, False, False, False]
    # 完成状态 drop-down over the item rows
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1 and str(lists[0].sqref) == "E5:E7"
    assert lists[0].formula1 == '"' + ",".join(STATUSES) + '"'
    # widths, print set-up
    assert ws.column_dimensions["D"].width > 2 * ws.column_dimensions["B"].width - 10
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert ws.page_setup.fitToWidth in (None, 1)  # 1 page wide is the default, left unwritten
    assert ws.print_title_rows == "$4:$4" and ws.freeze_panes == "A5"
    assert all(ws.row_dimensions[r].height >= 45 for r in range(5, 8))  # room to type
    guide = wb["填报说明"]
    lines = [c.value for c in guide["A"] if c.value]
    assert lines[0] == "2025年市政府工作报告公开挂牌事项三季度进展情况填报表填报说明"
    assert any("Alt+Enter" in line for line in lines) and any("填报日期较晚" in line for line in lines)


def test_annual_form_says_completion() -> None:
    master = load_master(MASTER)
    data = build_form("市统计局", master.items_of("市统计局"), parse_period("2025FY"))
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        strings = z.read("xl/sharedStrings.xml").decode("utf-8")
    assert "全年完成情况填报表" in strings and "<t>全年完成情况</t>" in strings
    # issue 17: 全年 once in the title and in the guide's; a finished year's statuses, no 序时推进
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb["填报表"]["A1"].value == "2025年市政府工作报告公开挂牌事项全年完成情况填报表"
    guide = [c.value for c in wb["填报说明"]["A"] if c.value]
    assert guide[0] == "2025年市政府工作报告公开挂牌事项全年完成情况填报表填报说明"
    assert all("全年全年" not in str(line) for line in guide)
    (dv,) = [d for d in wb["填报表"].data_validations.dataValidation if d.type == "list"]
    assert dv.formula1 == '"已完成,基本完成,未完成"'
    assert "序时推进" not in strings


def test_annual_statuses_are_accepted_in_an_annual_form_only() -> None:
    from ledgerxl.model import Entry, Submission
    from ledgerxl.rules.form import FormRules

    master = load_master(MASTER)
    item = master.items_of("市统计局")[0]

    def w311(status: str, period: str) -> list[str]:
        sub = Submission(Path("x.xlsx"), "填报表", "市统计局", "市统计局", "B2", 3, {"number": 0, "progress": 3})
        sub.entries = [Entry(5, item.number, str(item.number), "", "全年完成情况说明，数据详实可查。", status)]
        return [f.message for f in FormRules(master, parse_period(period)).check_form(sub) if f.code == "W311"]

    assert w311("基本完成", "2025FY") == [] and w311("已完成", "2025FY") == []
    assert w311("序时推进", "2025FY") == []  # a quarter's word in an annual form is not wrong, only dated
    assert w311("完成了", "2025FY") == [
        f"第 {item.number} 项的完成状态“完成了”不是可选项（已完成、基本完成、未完成）。"
    ]
    assert w311("基本完成", "2025Q3") != []


def test_form_is_deterministic() -> None:
    master = load_master(MASTER)
    items = master.items_of(DEPT)
    assert build_form(DEPT, items, PERIOD) == build_form(DEPT, items, PERIOD)


def test_forms_command_writes_one_per_department(tmp_path: Path) -> None:
    out = tmp_path / "填报表"
    r = invoke(["forms", "--master", str(MASTER), "--period", "2025Q3", "--out", str(out)])
    assert r.exit_code == 0, r.output
    master = load_master(MASTER)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{d}-2025年三季度.xlsx" for d in master.departments)
    assert r.output.startswith("已生成填报表 22 份：\n")
    sub = read(out / "市科技局-2025年三季度.xlsx")
    assert [e.number for e in sub.entries] == [it.number for it in master.items_of("市科技局")]
    assert all(e.progress == "" for e in sub.entries)
    # a second run does not overwrite forms that may have been filled in meanwhile
    r = invoke(["forms", "--master", str(MASTER), "--period", "2025Q3", "--out", str(out), "-d", "市科技局"])
    assert r.exit_code == 2
    assert f"错误：输出目录 {out} 中已有同名文件：市科技局-2025年三季度.xlsx。" in r.output
    r = invoke(["forms", "--master", str(MASTER), "--period", "2025Q3", "--out", str(out), "-d", "市科技局", "--force"])
    assert r.exit_code == 0 and "已生成填报表 1 份" in r.output


def test_forms_command_from_config_and_unknown_department(sample_dir: Path) -> None:
    old = os.getcwd()
    os.chdir(sample_dir)
    try:
        r = invoke(["forms", "-d", "市科技局"])
        assert r.exit_code == 0, r.output
        assert (sample_dir / "forms" / "市科技局-2025年三季度.xlsx").is_file()
        r = invoke(["forms", "-d", "市科学技术局"])
        assert r.exit_code == 2
        lines = r.output.splitlines()
        assert lines[0] == "错误：挂牌事项清单中没有这些责任单位：市科学技术局。"
        assert lines[1].startswith("  处理办法：市科学技术局：是否应为“市科技局”？可用的单位：市统计局、市财政局、")
        # an alias from ledgerxl.toml, or a name with a stray space, is the department it stands for
        r = invoke(["forms", "-d", "市发改委", "-d", "市 财政局"])
        assert r.exit_code == 0, r.output
        assert (sample_dir / "forms" / "市发展改革委-2025年三季度.xlsx").is_file()
        assert (sample_dir / "forms" / "市财政局-2025年三季度.xlsx").is_file()
    finally:
        os.chdir(old)


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.render
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_form_saved_by_libreoffice_stays_readable_and_protected(tmp_path: Path) -> None:
    write_master(tmp_path)
    src = form_path(tmp_path)
    out = tmp_path / "lo"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    saved = out / src.name
    sub = read(saved)
    assert [(e.number, e.progress) for e in sub.entries] == [(n, PROGRESS[n]) for n in (1, 2, 3)]
    assert (sub.department, sub.period_raw) == (DEPT, "2025年三季度")
    ws = openpyxl.load_workbook(saved)["填报表"]
    assert ws.protection.sheet
    assert [ws.cell(5, c).protection.locked for c in range(1, 7)] == [True, True, True, False, False, False]
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists and "已完成" in (lists[0].formula1 or "")


# --- issue 17: rows that grow with their text, the deadline and the 督查室's contact, titles ----------------


def _row_tags(data: bytes) -> dict[int, dict[str, str]]:
    """The 填报表 sheet's <row> attributes by 1-based row number."""
    import re

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    return {
        int(m.group(1)): dict(re.findall(r'(\w+)="([^"]*)"', m.group(0)))
        for m in re.finditer(r'<row r="(\d+)"[^>]*>', xml)
    }


def test_item_rows_have_no_fixed_height_and_open_tall_enough_for_a_prefilled_text() -> None:
    from ledgerxl.write.form import INPUT_LINES, LINE_PT, WIDTHS
    from ledgerxl.write.textwidth import wrapped_lines

    master = load_master(MASTER)
    items = master.items_of("市科技局")
    long = "；".join(["新获批省重点实验室19家，居全省首位，其中企业牵头建设的有11家"] * 8)  # about 280 characters
    data = build_form("市科技局", items, PERIOD, {items[0].number: long, items[1].number: "已完成年度目标任务。"})
    rows = _row_tags(data)
    item_rows = range(5, 5 + len(items))
    # Excel re-fits a row without customHeight when a cell of it is edited: a long text typed in shows whole
    assert all("customHeight" not in rows[r] for r in item_rows)
    assert rows[1].get("customHeight") == "1"  # the title row keeps its height
    # ... and LibreOffice and Excel open each row at its stored height: the prefilled text is whole
    lines = wrapped_lines(long, WIDTHS[3] - 2)
    assert lines >= 8 and float(rows[5]["ht"]) >= LINE_PT * lines
    assert float(rows[7]["ht"]) == LINE_PT * INPUT_LINES + 6  # an empty progress cell: room to type
    ws = openpyxl.load_workbook(io.BytesIO(data))["填报表"]
    assert ws["D5"].value == long and ws.protection.sheet
    # read back as written (the sample's forms, written with fixed heights, are read by test_golden)
    sub = read_bytes(data)
    assert [e.number for e in sub.entries] == [it.number for it in items] and sub.entries[0].progress == long


def read_bytes(data: bytes) -> Submission:
    import tempfile

    from ledgerxl.departments import Departments
    from ledgerxl.read.submission import read_submission

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "市科技局-2025年三季度.xlsx"
        path.write_bytes(data)
        return read_submission(path, Departments(load_master(MASTER).departments))


def test_deadline_and_contact_on_the_form_and_in_the_guide(sample_dir: Path) -> None:
    toml = sample_dir / "ledgerxl.toml"
    text = toml.read_text(encoding="utf-8").replace(
        "[aliases]", 'deadline = 2025-10-15\ncontact = "市政府督查室  张三 0532-12345678"\n\n[aliases]'
    )
    toml.write_text(text, encoding="utf-8")
    r = invoke(["forms", "-d", "市科技局", "--config", str(toml)])
    assert r.exit_code == 0, r.output
    path = sample_dir / "forms" / "市科技局-2025年三季度.xlsx"
    ws = openpyxl.load_workbook(path)["填报表"]
    assert (ws["E2"].value, ws["F2"].value) == ("报送截止", "2025年10月15日")
    assert ws["F2"].protection.locked  # the office's, not the department's to change
    n = len(load_master(MASTER).items_of("市科技局"))
    note = ws.cell(5 + n, 1).value
    assert note == "如有疑问，请联系：市政府督查室 张三 0532-12345678。"  # spaces folded, one line
    assert f"A{5 + n}:F{5 + n}" in {str(m) for m in ws.merged_cells.ranges}
    assert ws.print_area == f"'填报表'!$A$1:$F${5 + n}"  # the note is printed with the table
    guide = [c.value for c in openpyxl.load_workbook(path)["填报说明"]["A"] if c.value]
    assert guide[-1] == "七、请于2025年10月15日前报送。如有疑问，请联系：市政府督查室 张三 0532-12345678。"
    # the reader takes neither for the department's own 联系人/联系电话, nor the note for an item row
    sub = read_bytes(path.read_bytes())
    assert (sub.contact, sub.phone, sub.period_raw) == ("", "", "2025年三季度")
    assert [e.number for e in sub.entries] == [it.number for it in load_master(MASTER).items_of("市科技局")]
    # another period's form does not carry this period's deadline; the contact is the office's all year
    r = invoke(["forms", "-d", "市科技局", "--period", "2025FY", "--config", str(toml)])
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(sample_dir / "forms" / "市科技局-2025年全年.xlsx")["填报表"]
    assert ws["E2"].value is None and ws.cell(5 + n, 1).value.startswith("如有疑问")


def test_form_title_wraps_between_words_when_wider_than_its_cell() -> None:
    from ledgerxl.write.form import TITLE_PT, WIDTHS, form_title
    from ledgerxl.write.textwidth import display_width
    from ledgerxl.write.titles import break_points
    from ledgerxl.write.xlsx_rows import title_units

    master = load_master(MASTER)
    items = master.items_of("市残联")
    ws = openpyxl.load_workbook(io.BytesIO(build_form("市残联", items, PERIOD)))["填报表"]
    assert "\n" not in ws["A1"].value and _row_tags(build_form("市残联", items, PERIOD))[1]["ht"] == "30"
    org = "中国（山东）自由贸易试验区青岛片区管理委员会与青岛前湾保税港区管理委员会"  # wider than the cell
    data = build_form("市残联", items, PERIOD, title_org=org)
    lines = openpyxl.load_workbook(io.BytesIO(data))["填报表"]["A1"].value.split("\n")
    title = form_title(PERIOD, org)
    assert len(lines) == 2 and "".join(lines) == title
    assert len(lines[0]) in break_points(title, [org])
    assert all(display_width(line) <= title_units(WIDTHS, TITLE_PT) for line in lines)
    assert float(_row_tags(data)[1]["ht"]) == pytest.approx(30 + 22, abs=0.5)  # 22 pt for the second line
