"""Issue 15, one truth about versions: batch, merge, validate, status and `versions` agree on which of a
department's forms counts (the later 填报日期, then the later receipt; a newer one with errors does not
replace a good one); the clerk's use/withdraw change it for every command, and are recorded."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from batchkit import batch, cli, drop, ledger_rows, master_of, query, sample_progress, status
from helpers import invoke

from ledgerxl.periods import parse_period
from ledgerxl.write.form import build_form

DEPT = "市发展改革委"


def dated_form(work: Path, text: str, filled: dt.date, empty_first: bool = False) -> bytes:
    progress = sample_progress(work, DEPT)
    first = sorted(progress)[0]
    progress[first] = "" if empty_first else text
    items = master_of(work).items_of(DEPT)
    return build_form(DEPT, items, parse_period("2025Q3"), progress, filled_date=filled)


def first_item(work: Path) -> str:
    return str(sorted(sample_progress(work, DEPT))[0])


def published(out: Path, item: str) -> str:
    rows = {r[0]: r for r in ledger_rows(out / "台账.xlsx")}
    return rows[item][3]


def merged(work: Path, tmp: Path, name: str, item: str) -> str:
    out = tmp / name
    r = invoke(["merge", "--config", str(work / "ledgerxl.toml"), "--out", str(out), "--allow-errors"])
    assert r.exit_code == 0, r.output
    return published(out, item)


def test_out_of_order_versions_every_command_agrees(sample_dir: Path, tmp_path: Path) -> None:
    """The correction (填报日期 10-10) arrives first, the draft (10-08) later: the correction counts."""
    correction = dated_form(sample_dir, "1900亿元（更正）", dt.date(2025, 10, 10))
    draft = dated_form(sample_dir, "1900亿元（初稿）", dt.date(2025, 10, 8))
    item = first_item(sample_dir)
    (sample_dir / "submissions" / f"{DEPT}-2025年三季度.xlsx").unlink()
    drop(sample_dir, "发改委-更正.xlsx", correction)
    assert batch(sample_dir).exit_code == 0
    drop(sample_dir, "发改委-初稿.xlsx", draft)
    os.utime(sample_dir / "submissions" / "发改委-初稿.xlsx")  # the newer file, by time and by arrival
    assert batch(sample_dir).exit_code == 0
    assert published(sample_dir / "out", item) == "1900亿元（更正）"
    assert merged(sample_dir, tmp_path, "m1", item) == "1900亿元（更正）"
    v = invoke(["validate", "--config", str(sample_dir / "ledgerxl.toml")])
    assert "[警告 W306] 发改委-初稿.xlsx" in v.output and "填报日期 2025-10-10 晚于 2025-10-08" in v.output, v.output
    st = status(sample_dir).output
    assert "★ 发改委-更正.xlsx" in st and "  发改委-初稿.xlsx" in st, st
    versions = cli("versions", "--config", str(sample_dir / "ledgerxl.toml"), DEPT).output
    assert "★ 1. 发改委-更正.xlsx" in versions and "  2. 发改委-初稿.xlsx" in versions, versions

    # the clerk decides otherwise: every command follows, and the decision is recorded
    r = cli("use", "--config", str(sample_dir / "ledgerxl.toml"), DEPT, "2", "--reason", "单位要求以初稿为准")
    assert r.exit_code == 0 and "现在采用：第 2 版 发改委-初稿.xlsx" in r.output, r.output
    assert merged(sample_dir, tmp_path, "m2", item) == "1900亿元（初稿）"
    assert batch(sample_dir).exit_code == 0
    assert published(sample_dir / "out", item) == "1900亿元（初稿）"
    assert "★ 发改委-初稿.xlsx" in status(sample_dir).output
    r = cli("withdraw", "--config", str(sample_dir / "ledgerxl.toml"), DEPT, "发改委-初稿.xlsx", "--reason", "是草稿")
    assert r.exit_code == 0 and "现在采用：第 1 版 发改委-更正.xlsx" in r.output, r.output
    assert batch(sample_dir).exit_code == 0
    assert published(sample_dir / "out", item) == "1900亿元（更正）"
    v = invoke(["validate", "--config", str(sample_dir / "ledgerxl.toml")])
    assert "[警告 W317] 发改委-初稿.xlsx" in v.output, v.output
    decisions = query(sample_dir, "SELECT action, reason, who FROM decisions ORDER BY id")
    assert [(a, r) for a, r, _ in decisions] == [("use", "单位要求以初稿为准"), ("withdraw", "是草稿")]
    assert all(who for _, _, who in decisions)


def test_a_newer_version_with_errors_does_not_replace_a_good_one(sample_dir: Path, tmp_path: Path) -> None:
    good = dated_form(sample_dir, "原来的进展情况，截至9月底完成。", dt.date(2025, 10, 8))
    bad = dated_form(sample_dir, "", dt.date(2025, 10, 12), empty_first=True)
    item = first_item(sample_dir)
    (sample_dir / "submissions" / f"{DEPT}-2025年三季度.xlsx").unlink()
    drop(sample_dir, "发改委.xlsx", good)
    assert batch(sample_dir).exit_code == 0
    drop(sample_dir, "发改委-新.xlsx", bad)
    r = batch(sample_dir)
    assert r.exit_code == 1, r.output  # its error is open: the department has to send it again
    assert published(sample_dir / "out", item) == "原来的进展情况，截至9月底完成。"
    assert merged(sample_dir, tmp_path, "m", item) == "原来的进展情况，截至9月底完成。"
    v = invoke(["validate", "--config", str(sample_dir / "ledgerxl.toml")])
    assert "[警告 W316] 发改委-新.xlsx" in v.output and "仍以“发改委.xlsx”为准" in v.output, v.output


def test_one_bad_item_of_six_the_five_good_ones_are_published(sample_dir: Path, tmp_path: Path) -> None:
    """市科技局 edits one item's text out of six: five are published, the sixth shows the placeholder."""
    import openpyxl

    form = sample_dir / "submissions" / "市科技局-2025年三季度.xlsx"
    wb = openpyxl.load_workbook(form)
    ws = wb["填报表"]
    bad_number = ws["A5"].value
    ws["B5"] = str(ws["B5"].value) + "（改）"
    wb.save(form)
    out = tmp_path / "out"
    r = invoke(["merge", "--config", str(sample_dir / "ledgerxl.toml"), "--out", str(out), "--allow-errors"])
    assert r.exit_code == 0, r.output
    assert f"  市科技局  第 {bad_number} 项" in r.output
    rows = {row[0]: row for row in ledger_rows(out / "台账.xlsx")}
    keji = [it.number for it in master_of(sample_dir).items_of("市科技局")]
    assert rows[str(bad_number)][3] == "（报送有误，待更正）"
    good = [n for n in keji if n != bad_number]
    assert good and all(rows[str(n)][3] not in ("（报送有误，待更正）", "（未报送）") for n in good)


def test_a_foreign_workbook_named_like_a_department_never_displaces_its_good_form(
    sample_dir: Path, tmp_path: Path
) -> None:
    """Another office's project ledger (序号 and 项目进展情况 columns) saved as 市科技局-附表.xlsx, in the same
    second as the good form, or an hour newer: the good form stays current, nothing is left out."""
    import xlsxwriter

    inbox = sample_dir / "submissions"
    good = inbox / "市科技局-2025年三季度.xlsx"
    foreign = inbox / "市科技局-附表.xlsx"
    wb = xlsxwriter.Workbook(str(foreign))
    ws = wb.add_worksheet("项目台账")
    ws.write_row(0, 0, ["填报单位", "市科技局"])
    ws.write_row(1, 0, ["序号", "项目名称", "项目进展情况"])
    for n in range(1, 6):
        ws.write_row(1 + n, 0, [n, f"某某产业园项目{n}", f"项目{n}已完成主体工程建设，正在进行设备安装调试。"])
    wb.close()
    clean = tmp_path / "clean"
    for when, name in ((good.stat().st_mtime, "same-second"), (good.stat().st_mtime + 3600, "hour-newer")):
        os.utime(foreign, (when, when))
        out = tmp_path / name
        r = invoke(["merge", "--config", str(sample_dir / "ledgerxl.toml"), "--out", str(out), "--allow-errors"])
        assert r.exit_code == 0 and "22/22 个单位已报送" in r.output and "44 项有进展" in r.output, r.output
        assert "E208" not in r.output, r.output
        if not clean.exists():
            (sample_dir / "submissions" / foreign.name).rename(tmp_path / foreign.name)
            assert invoke(["merge", "--config", str(sample_dir / "ledgerxl.toml"), "--out", str(clean)]).exit_code == 0
            (tmp_path / foreign.name).rename(foreign)
        assert ledger_rows(out / "台账.xlsx") == ledger_rows(clean / "台账.xlsx"), name
