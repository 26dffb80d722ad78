"""Small units: periods, master list loading, department names, config."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import DATA, SAMPLE

from ledgerxl.config import load_config
from ledgerxl.departments import Departments
from ledgerxl.errors import ConfigError, MasterError, PeriodError, os_reason
from ledgerxl.periods import parse_period
from ledgerxl.read.master import load_master, split_departments


@pytest.mark.parametrize(
    "text,code,label",
    [
        ("2025Q1", "2025Q1", "一季度"),
        ("2025H1", "2025H1", "上半年"),
        ("2025Q3", "2025Q3", "三季度"),
        ("2025FY", "2025FY", "全年"),
        ("2025年三季度", "2025Q3", "三季度"),
        ("2025年全年", "2025FY", "全年"),
        ("2025 年 上半年", "2025H1", "上半年"),
        ("2025-q1", "2025Q1", "一季度"),
    ],
)
def test_parse_period(text: str, code: str, label: str) -> None:
    p = parse_period(text)
    assert (p.code, p.label) == (code, label)


def test_period_labels() -> None:
    assert parse_period("2025Q3").progress_label == "进展情况"
    assert parse_period("2025FY").progress_label == "全年完成情况"
    assert parse_period("2025Q1").previous.code == "2024FY"
    assert parse_period("2025Q3").previous.code == "2025H1"


@pytest.mark.parametrize("bad", ["2025Q5", "三季度", "", "2025年第五季度"])
def test_bad_period(bad: str) -> None:
    with pytest.raises(PeriodError, match="无法识别报告期"):
        parse_period(bad)


@pytest.mark.parametrize(
    "text,want",
    [
        ("市发展改革委、市工业和信息化局", ("市发展改革委", "市工业和信息化局")),
        ("市科技局，市财政局", ("市科技局", "市财政局")),
        ("市科技局,市财政局;市商务局", ("市科技局", "市财政局", "市商务局")),
        ("市科技局；市财政局/市商务局", ("市科技局", "市财政局", "市商务局")),
        ("市科技局 市财政局", ("市科技局", "市财政局")),
        ("市科技局、市科技局", ("市科技局",)),
        ("\ufeff市科技局\u200b、市\u200b财政局", ("市科技局", "市财政局")),  # invisible characters from a web copy
        # roles written into the cell, as published ledgers do: the lead goes first
        ("市发展改革委（牵头）、市科技局（配合）", ("市发展改革委", "市科技局")),
        ("市科技局、市发展改革委(牵头)", ("市发展改革委", "市科技局")),
        ("牵头单位：市发展改革委；配合单位：市科技局、市财政局", ("市发展改革委", "市科技局", "市财政局")),
        ("市大数据局（市政务服务管理办公室）", ("市大数据局（市政务服务管理办公室）",)),  # part of the name
    ],
)
def test_split_departments(text: str, want: tuple[str, ...]) -> None:
    assert split_departments(text) == want


def test_master_from_csv_and_xlsx_agree() -> None:
    a = load_master(DATA / "master.csv")
    b = load_master(SAMPLE / "挂牌事项清单.xlsx")
    assert a.items == b.items
    assert len(a.items) == 44 and len(a.departments) == 22
    assert a.by_number[7].departments == ("市发展改革委", "市工业和信息化局")
    assert a.by_number[1].category == "主要预期目标"


def test_master_errors(tmp_path: Path) -> None:
    with pytest.raises(MasterError, match="找不到挂牌事项清单"):
        load_master(tmp_path / "none.xlsx")
    p = tmp_path / "m.csv"
    p.write_text("序号,事项内容\n1,x\n", encoding="utf-8")
    with pytest.raises(MasterError, match="找不到表头"):
        load_master(p)
    p.write_text("序号,事项内容,责任单位\n1,x,市科技局\n1,y,市财政局\n", encoding="utf-8")
    with pytest.raises(MasterError, match="序号 1 与 A2 重复"):
        load_master(p)
    p.write_text("序号,事项内容,责任单位\n①,x,市科技局\n", encoding="utf-8")
    with pytest.raises(MasterError, match="A2：序号“①”不是数字"):
        load_master(p)  # ① passes str.isdigit(), but int() refuses it
    p.write_text("序号,事项内容,责任单位\n1,x,\n", encoding="utf-8")
    with pytest.raises(MasterError, match="第 1 项没有责任单位"):
        load_master(p)


def test_master_with_category_heading_rows(tmp_path: Path) -> None:
    """Lists copied from the work report group items under 一、… headings (one merged cell across the row)."""
    import xlsxwriter

    p = tmp_path / "清单.xlsx"
    wb = xlsxwriter.Workbook(p)
    ws = wb.add_worksheet("清单")
    ws.write_row(0, 0, ["序号", "事项内容", "责任单位"])
    ws.merge_range(1, 0, 1, 2, "一、主要预期目标")
    ws.write_row(2, 0, [1, "全市生产总值增长5.5%左右。", "市统计局"])
    ws.write_row(3, 0, [2, "一般公共预算收入增长3%。", "市财政局"])
    ws.write_row(4, 1, ["（二）全方位扩大内需"])  # a heading in the 事项内容 column
    ws.write_row(5, 0, [3, "抓好460个省市重点项目建设。", "市发展改革委"])
    wb.close()
    items = load_master(p).items
    assert [(it.number, it.category) for it in items] == [
        (1, "一、主要预期目标"),
        (2, "一、主要预期目标"),
        (3, "（二）全方位扩大内需"),
    ]
    # a row with only a text and no number is still a defect, not a heading
    p2 = tmp_path / "m.csv"
    p2.write_text("序号,事项内容,责任单位\n,新增绿色建筑1000万平方米。,\n", encoding="utf-8")
    with pytest.raises(MasterError, match="序号“”不是数字"):
        load_master(p2)


def test_master_numbers_as_typed_in_word(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text("序号,事项内容,责任单位\n1.,x,市科技局\n2、,y,市财政局\n３,z,市商务局\n", encoding="utf-8")
    assert [it.number for it in load_master(p).items] == [1, 2, 3]


def test_master_csv_in_gb18030(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_bytes("序号,事项内容,责任单位\n1,全市生产总值增长5.5%左右。,市统计局\n".encode("gb18030"))
    assert load_master(p).items[0].text == "全市生产总值增长5.5%左右。"


def test_departments_resolve_aliases_and_file_names() -> None:
    d = Departments(["市发展改革委", "市科技局"], {"市发改委": "市发展改革委"})
    assert d.resolve("市发改委") == "市发展改革委"
    assert d.resolve(" 市 科技局 ") == "市科技局"
    assert d.resolve("\ufeff市\u200b科技局") == "市科技局"  # BOM, zero-width space: copied from a web page
    assert d.resolve("市科技厅") is None
    assert d.candidates_in("2025三季度-市发改委-报送") == ["市发展改革委"]
    assert d.candidates_in("汇总") == []


def test_config(tmp_path: Path) -> None:
    cfg = load_config(SAMPLE / "ledgerxl.toml")
    assert cfg.period and cfg.period.code == "2025Q3"
    assert cfg.master == SAMPLE.resolve() / "挂牌事项清单.xlsx"
    assert cfg.aliases["市发改委"] == "市发展改革委"
    assert cfg.ledger_title(parse_period("2026H1")) == "2026年市政府工作报告公开挂牌事项上半年进展情况台账"
    bad = tmp_path / "ledgerxl.toml"
    bad.write_text('orgg = "市"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="不认识的设置项 orgg"):
        load_config(bad)
    bad.write_text('period = "2025Q9"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="无法识别报告期"):
        load_config(bad)
    bad.write_text("period = 2025Q3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(bad)
    assert e.value.message.startswith(f"配置文件 {bad} 第 1 行第 14 列附近格式有误（Expected newline")
    assert e.value.message.endswith("）。")
    for title, message in [
        ("{year}{foo}", "title 模板“{year}{foo}”中有不认识的占位符 {foo}。"),
        ("{year", "title 模板“{year”中的花括号有误。"),
        ("{0}年", "title 模板“{0}年”中的花括号有误。"),
    ]:
        bad.write_text(f'title = "{title}"\n', encoding="utf-8")
        with pytest.raises(ConfigError) as e:
            load_config(bad).ledger_title(parse_period("2025Q3"))
        assert e.value.message == f"配置文件 {bad}：{message}" and "{year} {org} {period} {kind}" in e.value.hint


@pytest.mark.parametrize(
    "error,reason",
    [
        (PermissionError(13, "拒绝访问。"), "拒绝访问"),  # Windows: the message adds its own 。
        (PermissionError(13, "Permission denied"), "没有权限"),  # English system texts are translated
        (OSError("磁盘已满. "), "磁盘已满"),  # no strerror: the text itself
    ],
)
def test_os_reason_drops_the_full_stop(error: OSError, reason: str) -> None:
    assert os_reason(error) == reason


def test_os_reason_is_chinese_without_a_doubled_full_stop() -> None:
    import errno

    from ledgerxl.errors import os_reason

    assert os_reason(PermissionError(errno.EACCES, "Permission denied")) == "没有权限"
    assert os_reason(OSError(errno.ENOSPC, "No space left on device")) == "磁盘空间已满"
    assert os_reason(PermissionError(errno.EACCES, "拒绝访问。")) == "拒绝访问"  # Windows' own text
    assert os_reason(OSError(errno.EPROTO, "Protocol error")) == "Protocol error"
    assert os_reason(OSError("文件被占用。")) == "文件被占用"


def test_department_suggestions_are_only_close_ones() -> None:
    """Issue 17: `master check` offered 市水务管理局或市应急局 for the real 市通信管理局 (they share only
    市…管理局). A suggestion now shares the distinctive part: a typo of it, or an abbreviation."""
    from ledgerxl.departments import Departments
    from ledgerxl.master.known_departments import CITY_DEPARTMENTS

    d = Departments(list(CITY_DEPARTMENTS))
    assert d.near("市通信管理局") == []
    assert d.near("市发改委") == ["市发展改革委"]
    assert d.near("市工信局") == ["市工业和信息化局"]
    assert d.near("市财正局") == ["市财政局"]
    assert d.near("市水务局") == ["市水务管理局"]  # not 市商务局 as well
