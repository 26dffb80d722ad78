"""`ledgerxl master check`: every defect class of a master list, each with its stable code."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import click
import pytest
from helpers import SAMPLE, invoke

from ledgerxl import codes
from ledgerxl.master.check import check_master

ROWS = [
    ("1", "全市生产总值增长5.5%左右。", "市统计局", "≈ 5.5 %"),
    ("2", "一般公共预算收入增长3%。", "市财政局", "3 %"),
    ("2", "新获批省重点实验室15家以上。", "市科技局", ""),  # M102 duplicate number
    ("x", "新增绿色建筑1000万平方米。", "市住房城乡建设局", ""),  # M101 not a number
    ("5", "", "市体育局", ""),  # M104 empty text
    ("6", "全市生产总值增长 5.5% 左右", "市统计局", ""),  # M105 same text as item 1
    ("7", "实施50条背街小巷综合整治。", "", ""),  # M106 no department
    ("8", "新开通海运航线10条以上。", "市交通运输厅", ""),  # M107 unknown (close to 市交通运输局)
    ("9", "新增“两业融合”试点企业10家以上。", "市发改委", ""),  # M108 alias instead of the name
    ("10", "建设10个紧密型医联体。", "市卫生健康委、市卫生健康委", ""),  # M112 listed twice
    ("11", "举办全民健身活动2万场以上。", "市体育局", "两万场"),  # M111 unreadable target
    ("13", "新增规模化供水村庄100个。", "市水务管理局、区发展和改革局", ""),  # 区… registered in [aliases]
]  # M103: 3, 4 and 12 are missing (4 is only in the bad "x" row)

CONFIG = """\
org = "市"
period = "2026Q1"
master = "清单.csv"
inbox = "inbox"

[aliases]
"市发展改革委" = ["市发改委"]
"市工业和信息化局" = ["市工信局", "市发改委"]        # M109: 市发改委 under two departments
"市商务局" = ["市贸促会", "市体育局"]                # M110: 市体育局 is a department of its own
"区发展和改革局" = []
"""


@pytest.fixture
def defects(tmp_path: Path) -> Path:
    with open(tmp_path / "清单.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["序号", "事项内容", "责任单位", "目标"])
        w.writerows(ROWS)
    (tmp_path / "ledgerxl.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def test_every_defect_class_has_its_code(defects: Path) -> None:
    r = check_master(config_path=defects / "ledgerxl.toml")
    got = [(f.code, f.file, f.sheet, f.cell, f.message) for f in r.findings]
    t, m = "ledgerxl.toml", "清单.csv"
    assert got == [
        ("M109", t, "[aliases]", "", "别名“市发改委”同时写在“市发展改革委”和“市工业和信息化局”之下。"),
        ("M110", t, "[aliases]", "", "“市体育局”既是单位名称，又写作“市商务局”的别名。"),
        ("M102", m, "清单", "A4", "序号 2 在第 3 行和第 4 行重复。"),
        ("M101", m, "清单", "A5", "序号“x”不是正整数。"),
        ("M104", m, "清单", "B6", "第 5 项的事项内容为空。"),
        ("M105", m, "清单", "B7", "第 6 项的事项内容与第 2 行相同：“全市生产总值增长 5.5% 左右”。"),
        ("M106", m, "清单", "C8", "第 7 项没有责任单位。"),
        ("M107", m, "清单", "C9", "第 8 项的责任单位“市交通运输厅”不在单位名单中。是否应为“市交通运输局”？"),
        ("M108", m, "清单", "C10", "第 9 项的责任单位“市发改委”是“市发展改革委”的别名。"),
        ("M112", m, "清单", "C11", "第 10 项的责任单位中“市卫生健康委”出现了两次。"),
        (
            "M111",
            m,
            "清单",
            "D12",
            "第 11 项的目标“两万场”无法识别：“两万场”不是一个数量（应有且只有一个数字，或“5.5–6 %”这样的区间）。",
        ),
        ("M103", m, "清单", "", "序号从 1 到 13，缺少第 3、4、12 项（共 3 个）。"),
    ]
    assert {f.severity for f in r.findings} == {"error"}
    assert all(f.hint == codes.CODES[f.code].hint for f in r.findings)


def test_cli_reports_and_exits_1(defects: Path) -> None:
    r = invoke(["master", "check"], cwd=defects)
    assert r.exit_code == 1
    lines = r.output.splitlines()
    assert lines[0] == f"挂牌事项清单：{defects / '清单.csv'}（11 项，10 个责任单位）"
    assert lines[1] == f"单位别名：{defects / 'ledgerxl.toml'}"
    assert "  [错误 M106] 清单.csv / 清单 / C8：第 7 项没有责任单位。" in lines
    assert "      处理办法：请填写责任单位，多个单位用顿号“、”分隔，牵头单位在前。" in lines
    assert lines[-1].startswith("检查未通过：12 个问题（M109 1 个，M110 1 个，M102 1 个，")
    assert "Traceback" not in r.output


def test_cli_folds_many_findings_of_one_code(tmp_path: Path) -> None:
    """Issue 17: a list imported from a published attachment lacks every 责任单位; `master check` shows
    three M106 in full and the others by their cells, then a count per code."""
    with open(tmp_path / "清单.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["序号", "事项内容", "责任单位"])
        w.writerows([(str(n), f"第{n}项工作任务全面完成。", "") for n in range(1, 8)])
    r = invoke(["master", "check", str(tmp_path / "清单.csv")], cwd=tmp_path)
    assert r.exit_code == 1
    lines = r.output.splitlines()
    assert sum(line.startswith("  [错误 M106]") for line in lines) == 3
    assert "  …另有 4 处同类问题（M106 没有责任单位）：C5、C6、C7、C8。" in lines
    assert lines[-1] == "检查未通过：7 个问题（M106 7 个）。"


@pytest.mark.parametrize("number", ["①", "²", "一"])
def test_number_that_is_a_digit_sign_but_not_an_integer_is_m101(tmp_path: Path, number: str) -> None:
    """① and ² pass str.isdigit() yet int() refuses them: a finding, not 程序内部错误 (exit 70)."""
    m = tmp_path / "清单.csv"
    m.write_text(f"序号,事项内容,责任单位\n{number},新增绿色建筑1000万平方米。,市住房城乡建设局\n", encoding="utf-8")
    r = invoke(["master", "check", str(m)])
    assert r.exit_code == 1
    assert f"  [错误 M101] 清单.csv / 清单 / A2：序号“{number}”不是正整数。" in r.output.splitlines()


def test_category_heading_rows_are_not_defects(tmp_path: Path) -> None:
    m = tmp_path / "清单.csv"
    m.write_text(
        "序号,事项内容,责任单位\n一、主要预期目标,,\n1,全市生产总值增长5.5%左右。,市统计局\n"
        "二、全方位扩大内需,,\n2,抓好460个省市重点项目建设。,市发展改革委\n",
        encoding="utf-8",
    )
    r = check_master(m)
    assert r.findings == []
    assert [(row.number, row.category) for row in r.table.rows] == [(1, "一、主要预期目标"), (2, "二、全方位扩大内需")]


def test_sample_master_passes(sample_dir: Path) -> None:
    r = invoke(["master", "check"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == [
        f"挂牌事项清单：{sample_dir / '挂牌事项清单.xlsx'}（44 项，22 个责任单位）",
        f"单位别名：{sample_dir / 'ledgerxl.toml'}",
        "检查通过。",
    ]


def test_names_sheet_of_the_workbook_is_part_of_the_registry(tmp_path: Path) -> None:
    """A district's own departments, listed in the 单位名单 sheet, are known."""
    import openpyxl

    assert invoke(["init", str(tmp_path / "w"), "--org", "市北区", "--year", "2026"]).exit_code == 0
    path = tmp_path / "w" / "挂牌事项清单.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["单位名单"]["A2"] = "区发展和改革局"
    ws = wb["挂牌事项清单"]
    ws.append([])  # openpyxl appends after the formatted blank rows; write cells directly instead
    for c, v in enumerate((1, "全区生产总值增长5.5%以上。", "区发展和改革局", "", ""), start=1):
        ws.cell(row=2, column=c, value=v)
    for c, v in enumerate((2, "新增就业4万人。", "区人社局", "", ""), start=1):
        ws.cell(row=3, column=c, value=v)
    wb.save(path)
    r = invoke(["master", "check"], cwd=tmp_path / "w")
    assert r.exit_code == 1
    assert "第 2 项的责任单位“区人社局”不在单位名单中。" in r.output
    assert "区发展和改革局" not in r.output


@pytest.mark.parametrize(
    "toml,message",
    [
        ('org = "市\nperiod = "2025Q3"\n', "错误：配置文件 ledgerxl.toml 第 1 行第 9 列附近格式有误。"),
        (
            '[aliases]\n"市发展改革委" = ["市发改委" "发改委"]\n',
            "错误：配置文件 ledgerxl.toml 第 2 行第 20 列附近格式有误。",
        ),
        ('org = "市"\norg = "区"', "错误：配置文件 ledgerxl.toml 格式有误。"),  # tomllib says "at end of document"
    ],
)
def test_broken_config_is_reported_in_chinese(tmp_path: Path, toml: str, message: str) -> None:
    shutil.copyfile(SAMPLE / "挂牌事项清单.xlsx", tmp_path / "m.xlsx")
    (tmp_path / "ledgerxl.toml").write_text(toml, encoding="utf-8")
    r = invoke(["master", "check", "m.xlsx", "--config", "ledgerxl.toml"], cwd=tmp_path)
    assert r.exit_code == 2
    assert r.output.splitlines()[:2] == [
        message,
        "  处理办法：请对照 README 中的示例检查引号、括号和逗号；同一设置不要写两次。",
    ]


def test_check_without_config_uses_known_names(tmp_path: Path) -> None:
    shutil.copyfile(SAMPLE / "挂牌事项清单.xlsx", tmp_path / "m.xlsx")
    r = invoke(["master", "check", "m.xlsx"], cwd=tmp_path)
    assert r.exit_code == 0 and r.output.splitlines()[-1] == "检查通过。"


@pytest.mark.parametrize(
    "args,message",
    [
        ([], "错误：没有指定挂牌事项清单。"),
        (["无.xlsx"], "错误：找不到挂牌事项清单 无.xlsx。"),
        (["--config", "无.toml"], "错误：找不到配置文件 无.toml。"),
    ],
)
def test_check_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    r = invoke(["master", "check", *args], cwd=tmp_path)
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output


def test_targets_without_a_master_list(tmp_path: Path) -> None:
    r = invoke(["master", "targets"], cwd=tmp_path)
    assert r.exit_code == 2 and r.output == (
        "错误：没有指定挂牌事项清单。\n  处理办法：请在命令后给出清单文件，或在含 ledgerxl.toml 的工作目录中运行。\n"
    )
    # a list named on the command line is read without any ledgerxl.toml
    shutil.copyfile(SAMPLE / "挂牌事项清单.xlsx", tmp_path / "m.xlsx")
    assert invoke(["master", "targets", "m.xlsx", "--config", "无.toml"], cwd=tmp_path).exit_code == 0


def test_targets_command_lists_targets_and_fills_a_copy(sample_dir: Path) -> None:
    r = invoke(["master", "targets", "--out", "带目标.xlsx"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == "1\t≈ 5.5 %\t全市生产总值增长5.5%左右。"
    assert lines[44:] == ["识别出量化目标 44/44 项。", "已写出：带目标.xlsx"]
    from ledgerxl.read.master import load_master

    filled = load_master(sample_dir / "带目标.xlsx").items
    original = load_master(sample_dir / "挂牌事项清单.xlsx").items
    assert [(i.number, i.text, i.departments, i.category) for i in filled] == [
        (i.number, i.text, i.departments, i.category) for i in original
    ]
    assert filled[2].target == "460 个；≥ 2450 亿元"
    r = invoke(["master", "targets", "--out", "挂牌事项清单.xlsx"], cwd=sample_dir)
    assert r.exit_code == 2 and "就是输入的清单；ledgerxl 从不改动输入文件。" in r.output


def test_master_subcommands_have_help() -> None:
    from ledgerxl.cli.master_cmd import master

    for name, cmd in master.commands.items():
        assert cmd.help, name
        r = invoke(["master", name, "--help"])
        assert r.exit_code == 0
        for p in cmd.params:
            if isinstance(p, click.Option) and p.name != "help":
                assert p.help, f"master {name} {p.opts}"
    assert sorted(master.commands) == ["check", "import", "targets"]
