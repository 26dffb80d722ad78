"""The merge reproduces the published 2025 Q3 Qingdao ledger exactly (acceptance of the core pipeline)."""

from __future__ import annotations

import csv
import hashlib
import random
from pathlib import Path

import openpyxl
import pytest
from helpers import DATA, SAMPLE, docx_lines, expected_lines

from ledgerxl.config import load_config
from ledgerxl.departments import Departments
from ledgerxl.jobs.check import check_inputs
from ledgerxl.jobs.inputs import collect_inputs
from ledgerxl.jobs.merge import MergeOptions, render_outputs, run_merge
from ledgerxl.read.master import load_master


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_attachment_text_equals_published_ledger(sample_outputs: Path) -> None:
    lines = docx_lines(sample_outputs / "附件.docx")
    assert lines[0] == "附件"
    assert lines[1:] == expected_lines()


@pytest.mark.parametrize("number,paragraphs", [(7, 2), (9, 2), (25, 2), (30, 2), (39, 2), (1, 1)])
def test_paragraph_breaks_are_kept(sample_outputs: Path, number: int, paragraphs: int) -> None:
    from helpers import W, docx_xml

    tbl = docx_xml(sample_outputs / "附件.docx").find(f"{W}body").find(f"{W}tbl")
    rows = tbl.findall(f"{W}tr")
    cells = rows[number].findall(f"{W}tc")  # row 0 is the header
    assert "".join(t.text for t in cells[0].iter(f"{W}t")) == str(number)
    assert len(cells[-1].findall(f"{W}p")) == paragraphs


def test_item_7_joins_departments_in_master_order(sample_outputs: Path) -> None:
    lines = docx_lines(sample_outputs / "附件.docx")
    i = lines.index("新增省级以上企业技术中心和工程研究中心20家以上。")
    assert lines[i + 1].startswith("工程研究中心：")  # 市发展改革委, the lead
    assert lines[i + 2].startswith("企业技术中心：")  # 市工业和信息化局


def test_xlsx_carries_the_same_rows(sample_outputs: Path) -> None:
    with open(DATA / "master.csv", encoding="utf-8") as f:
        master = list(csv.DictReader(f))
    with open(DATA / "progress.csv", encoding="utf-8") as f:
        progress = list(csv.DictReader(f))
    wb = openpyxl.load_workbook(sample_outputs / "台账.xlsx")
    ws = wb["台账"]
    assert ws["A1"].value == "2025年市政府工作报告公开挂牌事项三季度进展情况台账"
    assert [c.value for c in ws[2]] == ["序号", "事项内容", "责任单位", "进展情况", "完成状态"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 44
    for row, m in zip(rows, master):
        depts = m["责任单位"].split("、")
        mine = [p for d in depts for p in progress if p["序号"] == m["序号"] and p["填报单位"] == d]
        want = "\n".join(p["进展情况"] for p in mine)
        # the published ledger gives no 完成状态 (progress.csv has no such column): the column is empty
        statuses = {p.get("完成状态", "") for p in mine} - {""}
        assert row == (int(m["序号"]), m["事项内容"], m["责任单位"], want, statuses.pop() if statuses else None)


def test_rerun_is_byte_identical(sample_outputs: Path, tmp_path: Path) -> None:
    run_merge(MergeOptions(out=tmp_path, config=load_config(SAMPLE / "ledgerxl.toml")))
    for name in ("台账.xlsx", "附件.docx"):
        assert _sha(tmp_path / name) == _sha(sample_outputs / name), name


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reading_order_changes_no_byte(sample_outputs: Path, tmp_path: Path, seed: int) -> None:
    """The library's own stages, fed the files in a shuffled order (merge itself sorts them)."""
    cfg = load_config(SAMPLE / "ledgerxl.toml")
    files = collect_inputs([SAMPLE / "submissions"])
    random.Random(seed).shuffle(files)
    master, period = load_master(cfg.master_list()), cfg.report_period()
    checked = check_inputs(files, master, period, Departments(master.departments, cfg.aliases))
    _, outputs = render_outputs(master, checked.selection.chosen, period, cfg, tmp_path)
    for name in ("台账.xlsx", "附件.docx"):
        assert hashlib.sha256(outputs[tmp_path / name]).hexdigest() == _sha(sample_outputs / name), name


def test_annual_ledger_title_and_column(tmp_path: Path) -> None:
    cfg = load_config(SAMPLE / "ledgerxl.toml")
    r = run_merge(MergeOptions(out=tmp_path, period="2025FY", config=cfg, allow_errors=True))
    title = "2025年市政府工作报告公开挂牌事项全年完成情况台账"
    lines = docx_lines(tmp_path / "附件.docx")
    assert lines[1] == title
    assert lines[2:5] == ["序号", "事项内容", "全年完成情况"]
    ws = openpyxl.load_workbook(tmp_path / "台账.xlsx")["台账"]
    assert ws["A1"].value == title and ws["D2"].value == "全年完成情况"
    # the sample forms say 2025年三季度: an annual run flags every one of them as the wrong period
    assert {f.code for f in r.errors} == {"E206"}
