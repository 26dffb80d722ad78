"""`ledgerxl init`: a working folder usable at once, and the year's first merge from it."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from helpers import SAMPLE, docx_lines, expected_lines, invoke

from ledgerxl.config import load_config
from ledgerxl.errors import MasterError
from ledgerxl.jobs.init import current_period
from ledgerxl.master.known_departments import CITY_DEPARTMENTS
from ledgerxl.read.master import load_master


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_init_creates_a_working_folder(tmp_path: Path) -> None:
    d = tmp_path / "2026年"
    r = invoke(["init", str(d), "--year", "2026", "--period", "2026Q1"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[:6] == [
        f"已新建工作目录 {d}（市，报告期 2026年一季度）：",
        "  inbox/",
        "  out/",
        "  挂牌事项清单.xlsx",
        "  ledgerxl.toml",
        f"挂牌事项清单的责任单位下拉列表已列出 {len(CITY_DEPARTMENTS)} 个单位，ledgerxl.toml 中已登记其简称和全称。",
    ]
    assert "ledgerxl master import 附件.docx --out 挂牌事项清单.xlsx" in r.output
    assert sorted(p.name for p in d.iterdir()) == ["inbox", "ledgerxl.toml", "out", "挂牌事项清单.xlsx"]
    cfg = load_config(d / "ledgerxl.toml")
    assert (cfg.org, cfg.period and cfg.period.code, cfg.placeholder) == ("市", "2026Q1", "（未报送）")
    assert (cfg.master, cfg.inbox, cfg.out) == (d / "挂牌事项清单.xlsx", d / "inbox", d / "out")
    assert cfg.document_date is None and cfg.title == "{year}年{org}政府工作报告公开挂牌事项{period}{kind}台账"
    assert cfg.aliases["市发改委"] == "市发展改革委"
    assert cfg.aliases["青岛市科学技术局"] == "市科技局"
    text = (d / "ledgerxl.toml").read_text(encoding="utf-8")
    # every setting is explained by a comment line just above it
    lines = text.splitlines()
    for key in ("org", "period", "master", "inbox", "out", "placeholder"):
        i = next(n for n, ln in enumerate(lines) if ln.startswith(f"{key} = "))
        assert lines[i - 1].startswith("# "), key
    assert '# title = "{year}年{org}政府工作报告公开挂牌事项{period}{kind}台账"' in lines
    assert "# document_date = 2026-03-31" in lines


def test_master_template(tmp_path: Path) -> None:
    assert invoke(["init", str(tmp_path / "w"), "--year", "2026"]).exit_code == 0
    path = tmp_path / "w" / "挂牌事项清单.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["挂牌事项清单", "填写说明", "单位名单"]
    ws = wb["挂牌事项清单"]
    assert [c.value for c in ws[1]] == ["序号", "事项内容", "责任单位", "分类", "目标"]
    assert ws.freeze_panes == "A2"
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1 and str(lists[0].sqref) == "C2:C201"
    assert lists[0].formula1 == "OFFSET(单位名单!$A$2,0,0,MAX(1,COUNTA(单位名单!$A$2:$A$501)),1)"
    assert lists[0].errorStyle == "information"  # several departments per cell stay possible
    numbers = [dv for dv in ws.data_validations.dataValidation if dv.type == "whole"]
    assert str(numbers[0].sqref) == "A2:A201"
    names = [c.value for c in wb["单位名单"]["A"]]
    assert names == ["单位名称", *CITY_DEPARTMENTS]
    help_text = "\n".join(str(c.value) for c in wb["填写说明"]["A"] if c.value)
    for phrase in ("牵头单位在前", "ledgerxl master import", "ledgerxl master check", "≥ 15 家", "[aliases]"):
        assert phrase in help_text
    with pytest.raises(MasterError, match="表头下没有事项"):
        load_master(path)


def test_init_is_deterministic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert invoke(["init", str(tmp_path / name), "--year", "2026", "--period", "2026Q3"]).exit_code == 0
    for f in ("挂牌事项清单.xlsx", "ledgerxl.toml"):
        assert _sha(tmp_path / "a" / f) == _sha(tmp_path / "b" / f)


def test_init_never_overwrites(tmp_path: Path) -> None:
    d = tmp_path / "w"
    assert invoke(["init", str(d), "--year", "2026"]).exit_code == 0
    (d / "ledgerxl.toml").write_text('org = "市"\n', encoding="utf-8")
    before = {p.name: _sha(p) for p in d.iterdir() if p.is_file()}
    r = invoke(["init", str(d), "--year", "2027"])
    assert r.exit_code == 2
    assert f"错误：{d} 中已有 ledgerxl.toml、挂牌事项清单.xlsx，未做任何改动。" in r.output
    assert "Traceback" not in r.output
    assert {p.name: _sha(p) for p in d.iterdir() if p.is_file()} == before


def test_init_other_organisation(tmp_path: Path) -> None:
    d = tmp_path / "shibei"
    r = invoke(["init", str(d), "--org", "市北区", "--year", "2026", "--period", "2026H1"])
    assert r.exit_code == 0, r.output
    assert "请在挂牌事项清单的“单位名单”表中列出本级的责任单位" in r.output
    cfg = load_config(d / "ledgerxl.toml")
    assert cfg.org == "市北区" and cfg.aliases == {}
    assert cfg.period is not None
    assert cfg.ledger_title(cfg.period) == "2026年市北区政府工作报告公开挂牌事项上半年进展情况台账"
    assert [c.value for c in openpyxl.load_workbook(d / "挂牌事项清单.xlsx")["单位名单"]["A"]] == ["单位名称"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--year", "2026", "--period", "2025Q3"], "错误：--year 2026 与 --period 2025Q3 的年份不一致。"),
        (["--period", "2026Q5"], "错误：无法识别报告期“2026Q5”。"),
        (["--org", " "], "错误：--org 不能为空。"),
    ],
)
def test_init_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    r = invoke(["init", str(tmp_path / "w"), *args])
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output
    assert not (tmp_path / "w").exists()


@pytest.mark.parametrize(
    "year,today,period",
    [
        (2026, dt.date(2026, 1, 15), "2026Q1"),  # January: the year's first period
        (2026, dt.date(2026, 4, 2), "2026Q1"),
        (2026, dt.date(2026, 7, 1), "2026H1"),
        (2026, dt.date(2026, 10, 8), "2026Q3"),
        (2027, dt.date(2026, 12, 20), "2027Q1"),  # preparing next year
        (2025, dt.date(2026, 1, 10), "2025FY"),  # last year's annual report
    ],
)
def test_current_period(year: int, today: dt.date, period: str) -> None:
    assert current_period(year, today).code == period


def test_first_merge_of_an_init_folder_reproduces_the_golden_ledger(tmp_path: Path) -> None:
    """Acceptance: init, copy the 2025 Q3 master over the template and the forms into inbox/, merge."""
    d = tmp_path / "2025"
    assert invoke(["init", str(d), "--year", "2025", "--period", "2025Q3"]).exit_code == 0
    shutil.copyfile(SAMPLE / "挂牌事项清单.xlsx", d / "挂牌事项清单.xlsx")
    for f in (SAMPLE / "submissions").iterdir():
        shutil.copyfile(f, d / "inbox" / f.name)
    r = invoke(["merge"], cwd=d)
    assert r.exit_code == 0, r.output
    assert r.output.rstrip().endswith("汇总完成：44 项事项，44 项有进展；22/22 个单位已报送；错误 0 条，警告 0 条。")
    lines = docx_lines(d / "out" / "附件.docx")
    assert lines[0] == "附件" and lines[1:] == expected_lines()


def test_merge_in_a_fresh_folder_says_what_is_missing(tmp_path: Path) -> None:
    d = tmp_path / "2026"
    assert invoke(["init", str(d), "--year", "2026"]).exit_code == 0
    r = invoke(["merge"], cwd=d)
    assert r.exit_code == 2
    assert r.output.splitlines() == [
        "错误：还不能汇总，缺少：",
        f"  1. 挂牌事项清单 {d / '挂牌事项清单.xlsx'} 中还没有事项：请填写，"
        "或用 ledgerxl master import 从已发布的台账导入，再运行 ledgerxl master check。",
        f"  2. {d / 'inbox'} 中还没有报送表：请把各单位的报送表放入后再汇总。",
        "  处理办法：准备好后重新运行 ledgerxl merge。",
    ]
    assert not any((d / "out").iterdir())
    # the master filled in, nothing received yet: only the inbox is missing
    shutil.copyfile(SAMPLE / "挂牌事项清单.xlsx", d / "挂牌事项清单.xlsx")
    r = invoke(["merge"], cwd=d)
    assert r.exit_code == 2
    assert r.output.splitlines()[:2] == [
        "错误：还不能汇总，缺少：",
        f"  1. {d / 'inbox'} 中还没有报送表：请把各单位的报送表放入后再汇总。",
    ]
    assert not any((d / "out").iterdir())


def test_commented_settings_are_real_settings(tmp_path: Path) -> None:
    """Uncommenting any commented-out setting of the generated ledgerxl.toml gives a valid config."""
    d = tmp_path / "w"
    assert invoke(["init", str(d), "--year", "2026", "--period", "2026Q3"]).exit_code == 0
    text = (d / "ledgerxl.toml").read_text(encoding="utf-8")
    keys = re.findall(r"^# ([a-z_]+(?= = )|\[[a-z]+\]$)", text, re.M)
    assert keys == [
        *("title", "document_date", "deadline", "contact", "db", "archive", "log", "reminder_template"),
        *("[attachment]", "label", "font_size", "with_departments", "[ledger]", "with_previous"),
        *("[notice]", "office", "number", "template", "masthead", "cc", "printed_by"),
    ]
    opened = re.sub(r"^# ([a-z_]+ = |\[[a-z]+\]$)", r"\1", text, flags=re.M)
    (d / "ledgerxl.toml").write_text(opened, encoding="utf-8")
    cfg = load_config(d / "ledgerxl.toml")
    assert cfg.document_date == dt.date(2026, 9, 30)
    assert (cfg.deadline, cfg.contact) == (dt.date(2026, 10, 15), "市政府督查室 张三 0532-12345678")
    assert cfg.ledger.with_previous
    assert (cfg.db, cfg.archive, cfg.log) == (d / "ledgerxl.db", d / "archive", d / "ledgerxl.log")
    assert (cfg.attachment.label, cfg.attachment.font_size, cfg.attachment.with_departments) == ("附件2", 12, True)
    assert (cfg.notice.enabled, cfg.notice.office, cfg.notice.number) == (True, "市政府办公室", "〔2026〕1号")
    assert (cfg.notice.masthead, cfg.notice.printed_by) == ("市人民政府办公室文件", "市政府办公室")
    assert cfg.notice.cc == "市委各部门，市人大常委会办公室，市政协办公室"


def test_start_of_a_year_as_the_readme_shows(sample_outputs: Path, tmp_path: Path) -> None:
    """init, import last year's attachment with last year's list, check: a clean list, ready to use."""
    last_year = tmp_path / "2025"
    last_year.mkdir()
    shutil.copyfile(sample_outputs / "附件.docx", last_year / "附件.docx")
    shutil.copyfile(SAMPLE / "挂牌事项清单.xlsx", last_year / "挂牌事项清单.xlsx")
    assert invoke(["init", str(tmp_path / "2026"), "--year", "2026"]).exit_code == 0
    d = tmp_path / "2026"
    r = invoke(
        [
            "master",
            "import",
            "../2025/附件.docx",
            "--out",
            "挂牌事项清单.xlsx",
            "--previous",
            "../2025/挂牌事项清单.xlsx",
        ],
        cwd=d,
    )
    assert r.exit_code == 0, r.output
    r = invoke(["master", "check"], cwd=d)
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[-1] == "检查通过。"
    items = load_master(d / "挂牌事项清单.xlsx").items
    assert len(items) == 44 and all(it.departments and it.target for it in items)
