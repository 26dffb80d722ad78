"""台账.xlsx's columns from issue 17, end to end: 完成状态 from the forms, and last period's progress beside
this period's (opt-in: merge --with-previous or [ledger] with_previous, fed by --previous / previous)."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
from formkit import set_cells
from helpers import invoke

from ledgerxl.config import load_config
from ledgerxl.jobs.merge import previous_label, render_outputs
from ledgerxl.periods import parse_period

HEADER = ("序号", "事项内容", "责任单位", "进展情况", "完成状态")


def _ledger_sheet(path: Path) -> list[tuple[object, ...]]:
    return list(openpyxl.load_workbook(path)["台账"].iter_rows(values_only=True))


def test_status_from_the_forms_reaches_the_ledger(sample_dir: Path) -> None:
    set_cells(sample_dir / "submissions" / "市统计局-2025年三季度.xlsx", {"E5": "序时推进"})
    set_cells(sample_dir / "submissions" / "市科技局-2025年三季度.xlsx", {"E5": "已完成"})
    r = invoke(["merge"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    rows = _ledger_sheet(sample_dir / "out" / "台账.xlsx")
    assert rows[1] == HEADER
    status = {row[0]: row[4] for row in rows[2:]}
    assert status[1] == "序时推进" and status[6] == "已完成"  # 市科技局's first item is item 6
    assert sum(v is not None for v in status.values()) == 2


def test_previous_column_on_request(sample_dir: Path, unchanged_h1_ledger: Path) -> None:
    r = invoke(["merge", "--previous", str(unchanged_h1_ledger), "--with-previous"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    rows = _ledger_sheet(sample_dir / "out" / "台账.xlsx")
    assert rows[1] == ("序号", "事项内容", "责任单位", "上半年进展情况", "进展情况", "完成状态")
    # the h1 fixture repeats this period's texts (W301 says so), but for item 1's, retitled 上半年 with it
    assert [row[0] for row in rows[2:] if row[3] != row[4]] == [1]
    assert str(rows[2][3]).startswith("上半年，全市实现地区生产总值")
    assert "W301" in r.output
    # without the flag the ledger keeps its columns; --previous alone still only warns
    r = invoke(["merge", "--previous", str(unchanged_h1_ledger)], cwd=sample_dir)
    assert r.exit_code == 0 and _ledger_sheet(sample_dir / "out" / "台账.xlsx")[1] == HEADER


def test_previous_column_from_the_config_and_in_batch_rendering(sample_dir: Path, unchanged_h1_ledger: Path) -> None:
    shutil.copyfile(unchanged_h1_ledger, sample_dir / "上半年台账.xlsx")
    toml = sample_dir / "ledgerxl.toml"
    extra = 'previous = "上半年台账.xlsx"\n\n[ledger]\nwith_previous = true\n\n[aliases]'
    text = toml.read_text(encoding="utf-8").replace("[aliases]", extra)
    toml.write_text(text, encoding="utf-8")
    r = invoke(["merge"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    assert _ledger_sheet(sample_dir / "out" / "台账.xlsx")[1][3] == "上半年进展情况"
    # batch renders with render_outputs and no texts of its own: they come from the config's `previous`
    from ledgerxl.read.master import load_master

    cfg = load_config(toml)
    master = load_master(cfg.master_list())
    _, outputs = render_outputs(master, [], cfg.report_period(), cfg, sample_dir / "o")
    path = sample_dir / "batch.xlsx"
    path.write_bytes(outputs[sample_dir / "o" / "台账.xlsx"])
    rows = _ledger_sheet(path)
    assert rows[1][3] == "上半年进展情况" and rows[2][3] and rows[2][4] == "（未报送）"


def test_previous_column_without_a_previous_ledger_says_what_to_give(sample_dir: Path) -> None:
    r = invoke(["merge", "--with-previous"], cwd=sample_dir)
    assert r.exit_code == 2
    assert "错误：台账要列出上期进展情况（with_previous），但没有指定上期台账。" in r.output
    assert "请用 --previous 指定上一期的台账.xlsx" in r.output
    assert not (sample_dir / "out" / "台账.xlsx").exists()


def test_previous_label_names_the_period_before() -> None:
    assert previous_label(parse_period("2025Q3")) == "上半年进展情况"
    assert previous_label(parse_period("2025FY")) == "三季度进展情况"
    assert previous_label(parse_period("2025H1")) == "一季度进展情况"
    assert previous_label(parse_period("2025Q1")) == "2024年全年完成情况"
