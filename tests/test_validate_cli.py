"""`ledgerxl validate`: text and JSON output, exit codes, --annotate copies, --previous; the sample's
findings (acceptance 1) and 校验报告.xlsx from merge."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from formkit import DEPT, PROGRESS, form_path, set_cells, write_master
from helpers import invoke

from ledgerxl.config import load_config
from ledgerxl.jobs.validate import ValidateOptions, run_validate
from ledgerxl.ledger import build_ledger
from ledgerxl.write.ledger_xlsx import build_xlsx

# Acceptance 1: the warnings the 2025 Q3 sample gives, each with the text that justifies it.
# None: every text is at least 19 letters long (W303 starts below 15), every period it names is 三季度,
# 1-9月, 截至8月底/9月底, 前三季度 or 今年以来/目前 (W302 needs only earlier periods), all 22
# departments sent exactly one form (W305/W306), and no cell holds a formula or link (W304).
SAMPLE_WARNINGS: list[tuple[str, str, str]] = []


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_sample_validates_without_errors(sample_dir: Path) -> None:
    r = run_validate(ValidateOptions(config=load_config(sample_dir / "ledgerxl.toml")))
    assert len(r.submissions) == 22 and r.errors == []
    assert [(f.code, f.file, f.cell) for f in r.warnings] == SAMPLE_WARNINGS
    out = invoke(["validate"], cwd=sample_dir)
    assert out.exit_code == 0, out.output
    assert "  市科技局-2025年三季度.xlsx  市科技局  工作表“填报表”  6 项\n" in out.output
    assert out.output.endswith("未发现问题。\n校验完成：错误 0 条，警告 0 条。\n")


def _defective_folder(tmp_path: Path) -> tuple[Path, Path]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    master = write_master(tmp_path)
    path = form_path(inbox)
    set_cells(path, {"D5": None, "D6": "已完成。", "B7": "滚动开展600个技改项目，技改投资增长8%以上。"})
    return master, path


def test_text_output_and_exit_code(tmp_path: Path) -> None:
    master, path = _defective_folder(tmp_path)
    r = invoke(["validate", "--master", str(master), "--period", "2025Q3", str(path.parent)])
    assert r.exit_code == 1
    name = path.name
    assert r.output.splitlines()[3:] == [
        f"  {name}  {DEPT}  工作表“填报表”  3 项",
        "校验发现：",
        f"  [错误 E203] {name} / 填报表 / B7：第 3 项的事项内容与挂牌事项清单不一致：滚动开展〔改：5→6〕00个技改项…",
        "      处理办法：事项内容以挂牌事项清单为准，请恢复原文“滚动开展500个技改项目，技改投资增长8%以上。”，"
        "进展写在“进展情况”列。",
        f"  [错误 E205] {name} / 填报表 / D5：第 1 项的进展情况为空。",
        "      处理办法：请填写该事项的进展情况。",
        f"  [警告 W303] {name} / 填报表 / D6：第 2 项的进展情况只有“已完成。”（3 个字），过于简短。",
        "      处理办法：请具体说明进展，包括数量、进度等。",
        "  [警告 W305] 市工业和信息化局尚未报送（负责 2 项）。",
        "      处理办法：请督促该单位尽快报送。",
        "校验完成：错误 2 条，警告 2 条。",
    ]
    # a single file: who else has not sent anything is not this check's business
    r = invoke(["validate", "--master", str(master), "--period", "2025Q3", str(path)])
    assert "W305" not in r.output and r.exit_code == 1


def test_json_output(tmp_path: Path) -> None:
    master, path = _defective_folder(tmp_path)
    r = invoke(["validate", "--master", str(master), "--period", "2025Q3", "--format", "json", str(path.parent)])
    assert r.exit_code == 1
    data = json.loads(r.output)
    assert isinstance(data, list) and len(data) == 4
    keys = {"code", "severity", "file", "sheet", "cell", "message", "hint", "department"}
    assert all(set(obj) == keys for obj in data)
    assert data[0] == {
        "code": "E203",
        "severity": "error",
        "file": path.name,
        "sheet": "填报表",
        "cell": "B7",
        "department": DEPT,
        "message": "第 3 项的事项内容与挂牌事项清单不一致：滚动开展〔改：5→6〕00个技改项…",
        "hint": "事项内容以挂牌事项清单为准，请恢复原文“滚动开展500个技改项目，技改投资增长8%以上。”，"
        "进展写在“进展情况”列。",
    }
    assert [(o["code"], o["severity"]) for o in data[1:]] == [
        ("E205", "error"),
        ("W303", "warning"),
        ("W305", "warning"),
    ]


def test_usage_errors(tmp_path: Path) -> None:
    master, path = _defective_folder(tmp_path)
    r = invoke(["validate", "--period", "2025Q3", str(path)], cwd=tmp_path)
    assert r.exit_code == 2 and "错误：没有指定挂牌事项清单。" in r.output
    r = invoke(
        ["validate", "--master", str(master), "--period", "2025Q3", "--annotate", str(path.parent), str(path.parent)]
    )
    assert r.exit_code == 2
    assert f"错误：--annotate 的目录 {path.parent} 就是报送文件目录。" in r.output
    # validate and merge resolve their options with one function (pipeline.resolve_options)
    for command in ("validate", "merge"):
        r = invoke([command, "--master", str(master), "--period", "2025Q3"], cwd=tmp_path)
        assert r.exit_code == 2 and r.output == (
            "错误：没有指定报送文件。\n  处理办法：请在命令末尾给出文件或目录，或在 ledgerxl.toml 中设置 inbox。\n"
        )
        r = invoke([command, "--master", str(master), str(path)], cwd=tmp_path)
        assert r.exit_code == 2 and r.output.startswith("错误：没有指定报告期。\n")


def test_annotate_marks_every_flagged_cell(tmp_path: Path) -> None:
    master, path = _defective_folder(tmp_path)
    before = _sha(path)
    out = tmp_path / "意见"
    r = invoke(["validate", "--master", str(master), "--period", "2025Q3", "--annotate", str(out), str(path)])
    assert r.exit_code == 1
    copy = out / f"{path.stem}（校验意见）.xlsx"  # the stem starts with the department: not repeated
    assert path.stem.startswith(DEPT)
    assert f"已写出校验意见（发给对应单位）：\n  {copy}\n" in r.output
    assert _sha(path) == before  # the department's file is never touched
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames == ["问题清单", "填报表", "填报说明"]
    ws = wb["填报表"]
    flagged = {c.coordinate: c for row in ws.iter_rows() for c in row if c.comment is not None}
    assert sorted(flagged) == ["B7", "D5", "D6"]
    assert flagged["D5"].comment.text == "【错误 E205】第 1 项的进展情况为空。\n处理办法：请填写该事项的进展情况。"
    assert flagged["D5"].comment.author == "ledgerxl"
    assert flagged["D5"].fill.fgColor.rgb == "00FFC7CE" and flagged["D6"].fill.fgColor.rgb == "00FFEB9C"
    assert ws.protection.sheet  # the form is still the form
    issues = wb["问题清单"]
    assert (
        issues["A1"].value
        == f"{path.name}：错误 2 条，警告 1 条。请按“处理办法”修改原文件后重新报送（本工作表不必保留）。"
    )
    rows = [[c.value for c in row] for row in issues.iter_rows(min_row=2, max_col=5)]
    assert rows == [
        ["级别", "代码", "问题类型", "工作表", "单元格"],
        ["错误", "E205", "进展情况为空", "填报表", "D5"],  # errors first, then in sheet order
        ["错误", "E203", "事项内容被改动", "填报表", "B7"],
        ["警告", "W303", "进展情况过短", "填报表", "D6"],
    ]
    assert issues["E3"].hyperlink.location == "'填报表'!D5"
    # the copy is read like the original: same findings, and the same bytes on a rerun
    first = copy.read_bytes()
    again = invoke(["validate", "--master", str(master), "--period", "2025Q3", "--format", "json", str(copy)])
    assert [o["code"] for o in json.loads(again.output)] == ["E203", "E205", "W303"]
    invoke(["validate", "--master", str(master), "--period", "2025Q3", "--annotate", str(out), str(path)])
    assert copy.read_bytes() == first


def test_annotate_csv_and_unreadable(tmp_path: Path) -> None:
    master = write_master(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / f"{DEPT}.csv").write_text(f"填报单位,{DEPT}\n序号,进展情况\n1,{PROGRESS[1]}\n2,=1+1\n", encoding="utf-8")
    (inbox / "坏.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "意见"
    r = invoke(["validate", "--master", str(master), "--period", "2025Q3", "--annotate", str(out), str(inbox)])
    assert "未生成校验意见：坏.xlsx（文件无法读取）" in r.output
    wb = openpyxl.load_workbook(out / f"{DEPT}（校验意见）.xlsx")
    assert sorted(p.name for p in out.iterdir()) == ["反馈清单.txt", f"{DEPT}（校验意见）.xlsx"]
    ws = wb[DEPT]
    assert ws["B4"].value == "=1+1" and ws["B4"].data_type == "s"  # text, not a formula
    assert ws["B4"].comment.text.startswith("【警告 W303】第 2 项的进展情况只有“=1+1”")
    assert "原文件为 .csv 格式，本副本只保留了单元格文字。" in wb["问题清单"]["A1"].value
    # readable without adjusting anything: columns as wide as their texts (up to a limit), text wrapped
    assert ws.column_dimensions["A"].width == 10  # 填报单位 / 序号: the narrow floor is 8 + 2
    assert ws.column_dimensions["B"].width == 60  # the progress text, capped
    assert ws["B3"].alignment.wrap_text and ws["B3"].alignment.vertical == "top"


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.render
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_annotated_copy_opens_in_libreoffice(tmp_path: Path) -> None:
    """Acceptance 5: LibreOffice converts the copy to PDF, and reads a comment on each flagged cell."""
    master, path = _defective_folder(tmp_path)
    out = tmp_path / "意见"
    invoke(["validate", "--master", str(master), "--period", "2025Q3", "--annotate", str(out), str(path)])
    copy = out / f"{path.stem}（校验意见）.xlsx"
    for fmt in ("pdf", "ods"):
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{tmp_path}/profile",
                "--headless",
                "--convert-to",
                fmt,
                "--outdir",
                str(tmp_path / "lo"),
                str(copy),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    pdf = tmp_path / "lo" / f"{copy.stem}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "E205" in text and "第 1 项的进展情况为空。" in text and "进展情况填报表" in text
    with zipfile.ZipFile(tmp_path / "lo" / f"{copy.stem}.ods") as z:
        content = z.read("content.xml").decode("utf-8")
    assert content.count("<office:annotation") == 3
    assert "第 1 项的进展情况为空。" in content


def test_previous_ledger_flags_unchanged_progress(sample_dir: Path, tmp_path: Path) -> None:
    """W301 on validate and merge from an earlier 台账.xlsx (here: an H1 ledger with the Q3 texts)."""
    cfg = load_config(sample_dir / "ledgerxl.toml")
    r = run_validate(ValidateOptions(config=cfg))
    ledger = build_ledger(
        r.master, r.submissions, "2025年市政府工作报告公开挂牌事项上半年进展情况台账", "进展情况", "（未报送）"
    )
    prev = tmp_path / "上半年台账.xlsx"
    prev.write_bytes(build_xlsx(ledger, dt.date(2025, 6, 30)))
    out = invoke(["validate", "--format", "json", "--previous", str(prev)], cwd=sample_dir)
    found = json.loads(out.output)
    assert out.exit_code == 0 and len(found) == 45 and {o["code"] for o in found} == {"W301"}
    stats = [o for o in found if o["file"] == "市统计局-2025年三季度.xlsx"]
    assert [(o["cell"], o["message"]) for o in stats] == [("D5", "第 1 项的进展情况与上期完全相同。")]
    m = invoke(["merge", "--previous", str(prev), "--out", str(tmp_path / "out")], cwd=sample_dir)
    assert m.exit_code == 0 and "警告 45 条" in m.output
    # the current period's own ledger is not a previous one
    invoke(["merge", "--out", str(tmp_path / "now")], cwd=sample_dir)
    bad = invoke(["validate", "--previous", str(tmp_path / "now" / "台账.xlsx")], cwd=sample_dir)
    assert bad.exit_code == 2 and "错误：上期台账 台账.xlsx 的标题是本期（2025年三季度）的" in bad.output


def test_merge_writes_the_report(sample_dir: Path) -> None:
    subs = sample_dir / "submissions"
    set_cells(subs / "市科技局-2025年三季度.xlsx", {"D5": None, "D6": "推进中。"})
    set_cells(subs / "市财政局-2025年三季度.xlsx", {"E5": "完成"})
    (subs / "市残联-2025年三季度.xlsx").unlink()
    r = invoke(["merge", "--allow-errors"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(sample_dir / "out" / "校验报告.xlsx")["校验报告"]
    rows = [[c.value for c in row] for row in ws.iter_rows(values_only=False)]
    assert rows[0] == ["责任单位", "级别", "代码", "问题类型", "文件", "工作表", "单元格", "问题说明", "处理办法"]
    assert [(row[0], row[2], row[6]) for row in rows[1:]] == [
        ("市残联", "W305", None),  # no cell: the department sent nothing
        ("市科技局", "E205", "D5"),
        ("市科技局", "W303", "D6"),
        ("市财政局", "W311", "E5"),
    ]
    assert ws.auto_filter.ref == "A1:I5" and ws.freeze_panes == "A2"
    first = (sample_dir / "out" / "校验报告.xlsx").read_bytes()
    invoke(["merge", "--allow-errors"], cwd=sample_dir)
    assert (sample_dir / "out" / "校验报告.xlsx").read_bytes() == first


def test_resubmission_later_form_goes_into_the_ledger(sample_dir: Path) -> None:
    subs = sample_dir / "submissions"
    old = subs / "市统计局-2025年三季度.xlsx"
    new = subs / "市统计局-2025年三季度-更正.xlsx"
    shutil.copy(old, new)
    corrected = "三季度，全市实现地区生产总值13373.47亿元，按不变价格计算，同比增长5.5%。"
    set_cells(new, {"D5": corrected, "F3": dt.datetime(2025, 10, 12)})
    set_cells(old, {"F3": dt.datetime(2025, 10, 8)})
    r = invoke(["merge"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    assert "  市统计局-2025年三季度.xlsx  市统计局  1 项  （已有较新的报送，未采用）" in r.output
    assert (
        "[警告 W306] 市统计局-2025年三季度.xlsx / 填报表 / F3："
        "市统计局报送了 2 份报送表：本文件“市统计局-2025年三季度.xlsx”未采用，"
        "以“市统计局-2025年三季度-更正.xlsx”为准（填报日期 2025-10-12 晚于 2025-10-08）。"
    ) in r.output
    ws = openpyxl.load_workbook(sample_dir / "out" / "台账.xlsx")["台账"]
    assert ws["D3"].value == corrected


def test_same_named_files_from_two_folders(tmp_path: Path) -> None:
    """Two inputs named alike (two folders): each finding names its own file, and only the item with the
    error is left out of the ledger (they were matched by name and excluded together)."""
    master = write_master(tmp_path)
    (tmp_path / "甲").mkdir()
    (tmp_path / "乙").mkdir()
    form_path(tmp_path / "甲", name="报送表.xlsx")  # 市发展改革委, no problems
    form_path(tmp_path / "乙", "市工业和信息化局", name="报送表.xlsx", progress={3: PROGRESS[3]})  # 4 empty
    good, bad = str(Path("甲") / "报送表.xlsx"), str(Path("乙") / "报送表.xlsx")
    args = ["--master", str(master), "--period", "2025Q3", "甲", "乙"]
    r = invoke(["validate", "--format", "json", *args], cwd=tmp_path)
    assert [(o["code"], o["file"]) for o in json.loads(r.output)] == [("E205", bad)]
    r = invoke(["merge", "--allow-errors", "--out", "out", *args], cwd=tmp_path)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert f"  {good}  市发展改革委  3 项" in lines and f"  {bad}  市工业和信息化局  2 项" in lines
    assert f"  市工业和信息化局  第 4 项  （{bad}）" in lines  # its item 3 is published, item 4 is not
    assert lines[-1] == "汇总完成：4 项事项，3 项有进展；2/2 个单位已报送；错误 1 条，警告 0 条。"


def test_feedback_copies_only_for_forms_to_look_at_and_a_list_to_paste(sample_dir: Path) -> None:
    """Issue 15, feedback: one form with an edited item text (error), one with a too-short text (warning
    only), one department missing, 19 clean. Copies only for the two with findings, named after their
    department; 反馈清单.txt has one paragraph each, asks only the erring one to resubmit, quotes the
    master's text in full, and names the missing department for the clerk."""
    from ledgerxl.write.feedback import FEEDBACK_NAME

    inbox = sample_dir / "submissions"
    keji = inbox / "市科技局-2025年三季度.xlsx"
    caizheng = inbox / "市财政局-2025年三季度.xlsx"
    wb = openpyxl.load_workbook(keji)
    original = str(wb["填报表"]["B5"].value)
    set_cells(keji, {"B5": original[:-2] + "（已改）。"})
    set_cells(caizheng, {"D6": "已完成。"})
    (inbox / "市统计局-2025年三季度.xlsx").unlink()
    shutil.copy(caizheng, inbox / "市财政局.xlsx")  # an older copy: W306, so no copy and no paragraph
    os.utime(inbox / "市财政局.xlsx", (0, 0))
    out = sample_dir / "意见"
    toml = sample_dir / "ledgerxl.toml"
    toml.write_text("deadline = 2025-10-15\n" + toml.read_text(encoding="utf-8"), encoding="utf-8")
    r = invoke(["validate", "--annotate", str(out)], cwd=sample_dir)
    assert r.exit_code == 1, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "反馈清单.txt",
        "市科技局-2025年三季度（校验意见）.xlsx",
        "市财政局-2025年三季度（校验意见）.xlsx",
    ], r.output
    assert "另有 19 份报送表没有需要单位处理的问题，未生成校验意见。" in r.output
    raw = (out / FEEDBACK_NAME).read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw  # opens as UTF-8 in any Notepad
    text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    paragraphs = text.split("\n\n")
    keji_p = next(p for p in paragraphs if p.startswith("【市科技局】"))
    cai_p = next(p for p in paragraphs if p.startswith("【市财政局】"))
    assert "有 1 处错误，请于 10 月 15 日前按以下意见修改后重新报送" in keji_p
    assert "附件“市科技局-2025年三季度（校验意见）.xlsx”" in keji_p
    assert f"请恢复原文“{original}”" in keji_p  # the whole text, to paste back
    assert "无须重新报送" in cai_p and "重新报送。" not in cai_p.replace("无须重新报送", "")
    assert "W306" not in text and "以较新的一份为准" not in text  # the clerk's business, not theirs
    assert text.count("【") == 2
    assert "尚未报送的单位（1 个，请催报）：市统计局。" in text
    assert "已通过校验、无须反馈的单位（19 个）：" in text
    # the warning-only copy says so, the erring one asks for a resubmission
    head = openpyxl.load_workbook(out / "市财政局-2025年三季度（校验意见）.xlsx")["问题清单"]["A1"].value
    assert "无须重新报送" in head and "修改原文件后重新报送" not in head
    head = openpyxl.load_workbook(out / "市科技局-2025年三季度（校验意见）.xlsx")["问题清单"]["A1"].value
    assert "修改原文件后重新报送" in head
    # a rerun gives the same bytes
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    invoke(["validate", "--annotate", str(out)], cwd=sample_dir)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
