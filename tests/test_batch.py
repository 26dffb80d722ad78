"""`ledgerxl batch` and `ledgerxl status` on copies of the sample: idempotence, resubmission, history
rules, the 催报 list, the inbox left alone, the run record, the database schema and the log."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from batchkit import (
    OUTPUTS,
    batch,
    batch_argv,
    cli,
    count,
    drop,
    form,
    ledger_rows,
    master_of,
    output_hashes,
    query,
    sample_progress,
    set_period,
    sha,
    status,
    subprocess_env,
)

from ledgerxl.errors import ConfigError, LockHeld
from ledgerxl.jobs.batch import logfile
from ledgerxl.jobs.lock import RunLock
from ledgerxl.jobs.store import SCHEMA_VERSION, Store
from ledgerxl.model import Entry, Submission
from ledgerxl.periods import parse_period
from ledgerxl.rules.previous_period import disappeared_progress, history_findings

KEJI = "市科技局"


def test_rerun_without_new_files_changes_nothing(sample_dir: Path) -> None:
    r1 = batch(sample_dir)
    assert r1.exit_code == 0, r1.output
    assert r1.output == (
        "批处理 #1，2025年三季度：新文件 22 个，已处理过 0 个；已报送 22/22 个单位；"
        "未解决的错误 0 条，警告 0 条；输出已更新 4 个。\n"
    )
    before = output_hashes(sample_dir)
    times = {n: (sample_dir / "out" / n).stat().st_mtime_ns for n in OUTPUTS}
    rows = {t: count(sample_dir, t) for t in ("files", "submissions", "entries", "findings", "current")}
    assert rows["submissions"] == 22 and rows["entries"] == 45  # one item has two departments

    r2 = batch(sample_dir)
    assert r2.exit_code == 0, r2.output
    assert r2.output == (
        "批处理 #2，2025年三季度：新文件 0 个，已处理过 22 个；已报送 22/22 个单位；"
        "未解决的错误 0 条，警告 0 条；输出无变化。\n"
    )
    assert output_hashes(sample_dir) == before
    assert {n: (sample_dir / "out" / n).stat().st_mtime_ns for n in OUTPUTS} == times  # not even rewritten
    assert {t: count(sample_dir, t) for t in rows} == rows
    assert query(sample_dir, "SELECT id, outcome FROM runs ORDER BY id") == [(1, "ok"), (2, "ok")]


@pytest.mark.slow
@pytest.mark.subprocess
def test_outputs_do_not_depend_on_the_process(sample_dir: Path, tmp_path: Path) -> None:
    """Two fresh processes with other hash seeds (so other set orders) publish the same bytes; only
    the 催报 list's 统计截至 line, the time the files were received, may differ."""
    for name in ("市残联", "市体育局"):  # a non-trivial 催报 list and notice
        (sample_dir / "submissions" / f"{name}-2025年三季度.xlsx").unlink()
    cfg = sample_dir / "ledgerxl.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + '\n[notice]\nnumber = "青政办字〔2025〕1号"\n', encoding="utf-8")
    other = shutil.copytree(sample_dir, tmp_path / "另一份")
    for work, seed in ((sample_dir, "1"), (other, "2")):
        r = subprocess.run(batch_argv(work), env=subprocess_env(PYTHONHASHSEED=seed), capture_output=True)
        assert r.returncode == 0, r.stderr.decode()
    for name in ("台账.xlsx", "附件.docx", "通知.docx"):
        assert sha(sample_dir / "out" / name) == sha(other / "out" / name), name

    def reminders(work: Path) -> list[list[str]]:
        return [row for row in ledger_rows(work / "out" / "催报名单.xlsx") if not row[0].startswith("统计截至")]

    assert reminders(sample_dir) == reminders(other) and len(reminders(sample_dir)) == 4  # title, header, 2 rows
    texts = [(w / "out" / "催报名单.txt").read_text(encoding="utf-8").splitlines() for w in (sample_dir, other)]
    a, b = ([ln for ln in t if not ln.startswith("统计截至：")] for t in texts)
    assert a == b and len(a) == len(texts[0]) - 1


def test_batch_outputs_match_merge(sample_dir: Path, sample_outputs: Path) -> None:
    assert batch(sample_dir).exit_code == 0
    for name in ("台账.xlsx", "附件.docx"):
        assert sha(sample_dir / "out" / name) == sha(sample_outputs / name)


def test_run_record(sample_dir: Path) -> None:
    batch(sample_dir)
    rec = json.loads((sample_dir / "out" / "run.json").read_text(encoding="utf-8"))
    assert rec["run"] == 1 and rec["period"] == "2025Q3" and rec["outcome"] == "ok" and rec["exit_code"] == 0
    assert len(rec["inputs"]["files"]) == 22 and len(rec["inputs"]["new"]) == 22
    assert rec["inputs"]["files"][0] == {
        "name": "市交通运输局-2025年三季度.xlsx",
        "sha256": sha(sample_dir / "submissions" / "市交通运输局-2025年三季度.xlsx"),
        "new": True,
    }
    first = rec["inputs"]["new"][0]
    assert first["sha256"] == sha(sample_dir / "submissions" / first["name"])
    assert first["accepted"] and first["current"] and first["department"]
    assert rec["counts"] == {
        "items": 44,
        "items_with_progress": 44,
        "departments": 22,
        "submitted": 22,
        "missing": 0,
    }
    assert rec["findings"] == {"error": 0, "warning": 0}
    assert [o["path"] for o in rec["outputs"]] == list(OUTPUTS)
    for o in rec["outputs"]:
        assert o["sha256"] == sha(sample_dir / "out" / o["path"]) and o["changed"]
    assert isinstance(rec["duration_seconds"], float) and rec["started"] and rec["finished"]
    stored = query(sample_dir, "SELECT record FROM runs WHERE id = 1")[0][0]
    assert json.loads(stored) == rec


def test_inbox_untouched_and_raw_files_archived(sample_dir: Path) -> None:
    inbox = sample_dir / "submissions"
    before = {p.name: (sha(p), p.stat().st_mtime_ns) for p in inbox.iterdir()}
    batch(sample_dir)
    batch(sample_dir)
    assert {p.name: (sha(p), p.stat().st_mtime_ns) for p in inbox.iterdir()} == before
    for name, (digest, _) in before.items():
        kept = sample_dir / "archive" / digest / name
        assert sha(kept) == digest
    assert query(sample_dir, "SELECT count(DISTINCT archive) FROM files") == [(22,)]


def test_move_processed(sample_dir: Path) -> None:
    inbox = sample_dir / "submissions"
    drop(sample_dir, "不知道是谁的.xlsx", b"not a workbook")
    r = batch(sample_dir, "--move-processed")
    assert r.exit_code == 1, r.output  # the unreadable file is an open error
    assert [p.name for p in inbox.iterdir() if p.is_file()] == ["不知道是谁的.xlsx"]  # left for a person
    assert len(list((inbox / "已处理").iterdir())) == 22
    r2 = batch(sample_dir, "--move-processed")
    assert "新文件 0 个" in r2.output and count(sample_dir, "files") == 23
    (inbox / "不知道是谁的.xlsx").unlink()  # a clerk deals with it
    r3 = batch(sample_dir)
    assert r3.exit_code == 0, r3.output


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_pipe_and_huge_file_in_the_inbox_are_refused_unread(sample_dir: Path) -> None:
    """A named pipe blocked the run forever (its read never ends) and a huge file was read whole into
    memory before any check: safety.check_file refuses both first, with the findings merge reports."""
    inbox = sample_dir / "submissions"
    os.mkfifo(inbox / "管道.xlsx")
    with open(inbox / "太大.xlsx", "wb") as f:
        f.truncate(25 * 1024 * 1024)  # sparse: takes no disk space, reads as 25 MB of zeros

    def run(*argv: str) -> subprocess.CompletedProcess[str]:  # a subprocess, so a hang fails the test
        return subprocess.run(argv, env=subprocess_env(), capture_output=True, text=True, timeout=300)

    r = run(*batch_argv(sample_dir))
    assert r.returncode == 1 and "新文件 24 个" in r.stdout, r.stdout + r.stderr
    recorded = query(
        sample_dir,
        "SELECT x.file, f.archive, x.code, x.message, x.hint FROM files f JOIN findings x ON x.file_id = f.id"
        " WHERE x.severity = 'error' ORDER BY x.file",
    )
    assert [row[:4] for row in recorded] == [
        ("太大.xlsx", "", "E104", "文件有 25.0 MB，超过上限 20.0 MB。"),  # not archived: never read
        ("管道.xlsx", "", "E112", "这不是普通文件（可能是管道或设备），无法读取。"),
    ]
    v = run(
        sys.executable, "-m", "ledgerxl", "validate", "--format", "json", "--config", str(sample_dir / "ledgerxl.toml")
    )
    merge_says = [(o["file"], o["code"], o["message"], o["hint"]) for o in json.loads(v.stdout) if o["code"] < "E2"]
    assert merge_says == [(name, code, msg, hint) for name, _, code, msg, hint in recorded]

    r = run(*batch_argv(sample_dir))  # recorded once; an open error while they stay in the inbox
    assert r.returncode == 1 and "新文件 0 个，已处理过 24 个" in r.stdout, r.stdout + r.stderr
    assert count(sample_dir, "files") == 24
    for name in ("管道.xlsx", "太大.xlsx"):
        (inbox / name).unlink()
    assert run(*batch_argv(sample_dir)).returncode == 0


def test_move_processed_leaves_a_file_in_use_for_the_next_run(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Windows a form open in Excel/WPS cannot be moved: the run still succeeds and says so."""
    inbox = sample_dir / "submissions"
    busy = f"{KEJI}-2025年三季度.xlsx"
    real_move = shutil.move

    def move(src: str, dst: Path) -> object:
        if Path(src).name == busy:
            raise PermissionError(13, "另一个程序正在使用此文件，进程无法访问。", src)
        return real_move(src, dst)

    monkeypatch.setattr(shutil, "move", move)
    r = batch(sample_dir, "--move-processed")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[1:] == [f"暂时无法移动（可能正被其他程序打开），下次再移入已处理：{busy}"]
    assert [p.name for p in inbox.iterdir() if p.is_file()] == [busy]
    rec = json.loads((sample_dir / "out" / "run.json").read_text(encoding="utf-8"))
    assert rec["outcome"] == "ok" and rec["inputs"]["not_moved"] == [busy] and len(rec["inputs"]["moved"]) == 21
    monkeypatch.undo()  # the clerk closes the file
    r = batch(sample_dir, "--move-processed")
    assert r.exit_code == 0 and len(r.output.splitlines()) == 1, r.output
    assert not [p for p in inbox.iterdir() if p.is_file()] and (inbox / "已处理" / busy).is_file()


def test_resubmission_becomes_current_and_changes_only_that_department(sample_dir: Path) -> None:
    assert batch(sample_dir).exit_code == 0
    old_rows = ledger_rows(sample_dir / "out" / "台账.xlsx")
    progress = sample_progress(sample_dir, KEJI)
    number = sorted(progress)[1]
    progress[number] = "更正后的进展：截至9月底，完成全年目标的80%。\n第二段照原样保留。"
    drop(sample_dir, f"{KEJI}-2025年三季度（更正）.xlsx", form(sample_dir, KEJI, "2025Q3", progress))

    r = batch(sample_dir)
    assert r.exit_code == 0, r.output
    assert "新文件 1 个，已处理过 22 个" in r.output
    new_rows = ledger_rows(sample_dir / "out" / "台账.xlsx")
    changed = [i for i, (a, b) in enumerate(zip(old_rows, new_rows)) if a != b]
    assert len(old_rows) == len(new_rows) and [new_rows[i][0] for i in changed] == [str(number)]
    assert new_rows[changed[0]][3] == progress[number]  # exactly as written, line break kept

    # both versions kept; the new one current, with a W306 note naming the one it replaced
    versions = query(
        sample_dir,
        "SELECT f.name, c.submission_id IS NOT NULL FROM submissions s JOIN files f ON f.id = s.file_id"
        " LEFT JOIN current c ON c.submission_id = s.id WHERE s.department = ? ORDER BY f.id",
        KEJI,
    )
    assert versions == [(f"{KEJI}-2025年三季度.xlsx", 0), (f"{KEJI}-2025年三季度（更正）.xlsx", 1)]
    # the rule, not the order of arrival, decides; `ledgerxl versions` shows it, numbered for use/withdraw
    v = cli("versions", "--config", str(sample_dir / "ledgerxl.toml"), KEJI)
    assert v.exit_code == 0, v.output
    lines = v.output.splitlines()
    assert lines[1] == f"{KEJI}："
    assert lines[2].startswith(f"    1. {KEJI}-2025年三季度.xlsx  ") and lines[2].endswith("未采用")
    assert lines[3].startswith(f"  ★ 2. {KEJI}-2025年三季度（更正）.xlsx  ") and lines[3].endswith("当前版本")

    s = status(sample_dir)
    assert s.exit_code == 0, s.output
    block = s.output.split(f"\n  {KEJI}\n", 1)[1].split("\n  市", 1)[0].splitlines()
    stamp = r"收到于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
    assert re.fullmatch(rf"    ★ {KEJI}-2025年三季度（更正）\.xlsx  {stamp}  当前版本", block[0]), block
    assert re.fullmatch(rf"      {KEJI}-2025年三季度\.xlsx  {stamp}  已被较新的版本取代", block[1]), block
    assert "已报送 22/22 个单位（★ 为当前版本）：" in s.output
    assert s.output.rstrip().endswith("全部单位均已报送。\n没有未解决的错误。")


def test_corrected_file_with_errors_keeps_the_old_version(sample_dir: Path) -> None:
    batch(sample_dir)
    before = output_hashes(sample_dir)
    progress = sample_progress(sample_dir, KEJI)
    first = sorted(progress)[0]
    progress[first] = ""  # E205
    drop(sample_dir, f"{KEJI}-更正.xlsx", form(sample_dir, KEJI, "2025Q3", progress))
    r = batch(sample_dir)
    assert r.exit_code == 1, r.output
    assert r.output.splitlines()[-1] == "有未解决的错误，运行 ledgerxl status 查看详情。"
    after = output_hashes(sample_dir)
    assert after["台账.xlsx"] == before["台账.xlsx"] and after["附件.docx"] == before["附件.docx"]
    s = status(sample_dir).output
    assert f"      {KEJI}-更正.xlsx  收到于 " in s and "有 1 条错误，未采用" in s
    assert "未解决的错误 1 条：" in s
    assert f"[错误 E205] {KEJI}-更正.xlsx / 填报表 / D5：第 {first} 项的进展情况为空。" in s
    # the department sends a good one: nothing open any more
    progress[first] = "补充后的进展。"
    drop(sample_dir, f"{KEJI}-再更正.xlsx", form(sample_dir, KEJI, "2025Q3", progress))
    r = batch(sample_dir)
    assert r.exit_code == 0, r.output
    assert "没有未解决的错误。" in status(sample_dir).output


def test_reminder_list_names_exactly_the_departments_without_current_submission(sample_dir: Path) -> None:
    inbox = sample_dir / "submissions"
    later = sample_dir / "q3-later"
    shutil.move(inbox, later)
    inbox.mkdir()
    # H1: 市体育局 sends a form naming its contact
    set_period(sample_dir, "2025H1")
    h1 = drop(sample_dir, "体育局上半年.xlsx", form(sample_dir, "市体育局", "2025H1", {1: "x"}, [], "张三", "0532-1"))
    assert batch(sample_dir).exit_code == 0
    # Q3: three departments send nothing, 市统计局 sends a form with errors (empty progress)
    h1.unlink()
    set_period(sample_dir, "2025Q3")
    for p in later.iterdir():
        if not p.name.startswith(("市体育局", "市残联", "青岛地铁集团")):
            shutil.copy2(p, inbox / p.name)
    drop(sample_dir, "市统计局-2025年三季度.xlsx", form(sample_dir, "市统计局", "2025Q3", {}, contact="李四"))
    r = batch(sample_dir)
    assert r.exit_code == 1, r.output
    assert "已报送 18/22 个单位" in r.output  # 市统计局 sent one form, all its rows with errors: still to remind

    order = master_of(sample_dir).departments
    expected = sorted(["市体育局", "市残联", "市统计局", "青岛地铁集团"], key=order.index)
    rows = ledger_rows(sample_dir / "out" / "催报名单.xlsx")
    header = rows.index(["序号", "责任单位", "联系人", "联系电话", "情况", "负责事项"])
    assert [row[1] for row in rows[header + 1 :]] == expected
    by_dept = {row[1]: row for row in rows[header + 1 :]}
    assert by_dept["市体育局"][2:5] == ["张三（取自2025年上半年报送表）", "0532-1", ""]
    assert by_dept["市统计局"][2:5] == ["李四", "", "本期已报送 1 份，均有错误，待更正后重新报送"]
    assert by_dept["市残联"][2:4] == ["", ""]
    items = master_of(sample_dir).items_of("市残联")
    assert by_dept["市残联"][5].splitlines() == [f"第 {it.number} 项  {it.text}" for it in items]  # short text
    assert items and all(len(it.text) <= 30 for it in items)

    text = (sample_dir / "out" / "催报名单.txt").read_text(encoding="utf-8")
    assert "以下 4 个单位尚未报送2025年三季度进展情况（共 22 个责任单位），请督促尽快报送：" in text
    assert re.findall(r"^\d+\. (\S+)$", text, re.M) == expected
    assert "   联系人：张三  电话：0532-1（取自2025年上半年报送表）" in text
    assert "   联系人：（无记录）" in text
    st = status(sample_dir).output
    assert "已报送 18/22 个单位" in st and "未报送 4 个单位：" in st
    assert "  市统计局（已报送的文件均有错误）" in st


def test_reminder_rows_are_tall_enough_for_wrapped_items() -> None:
    """Excel does not grow a row for wrapped text: a 30-character item takes two lines of the column."""
    import datetime as dt
    import io

    import openpyxl

    from ledgerxl.write.reminders import ItemRef, Reminder, reminders_xlsx

    long_text = "实施未来技术攻尖工程开展十项左右颠覆性技术研发储备工作"  # 27 characters: no … needed
    reminders = [
        Reminder("市科技局", items=[ItemRef(13, long_text), ItemRef(14, "新增实验室。")]),
        Reminder("市残联", items=[ItemRef(43, "实施残疾人家庭无障碍改造。")]),
    ]
    data = reminders_xlsx(reminders, title="催报名单", as_of="2025-10-01 09:00", date=dt.date(2025, 9, 30))
    ws = openpyxl.load_workbook(io.BytesIO(data))["催报名单"]
    assert ws["F4"].value == f"第 13 项  {long_text}\n第 14 项  新增实验室。"
    assert ws.row_dimensions[4].height == 15 * 3 + 6  # the long item wraps once
    assert ws.row_dimensions[5].height == 15 * 1 + 6


def test_history_rules_q3_after_h1(sample_dir: Path) -> None:
    """W301 for an item whose Q3 text equals H1's (whitespace aside); none for a real change;
    W330 for an item reported in H1 and gone in Q3."""
    inbox = sample_dir / "submissions"
    for p in inbox.iterdir():
        p.unlink()
    q3 = sample_progress_from_sample(KEJI)
    n1, n2, n3 = sorted(q3)[:3]
    h1 = {n: f"上半年：{t}" for n, t in q3.items()}
    h1 |= {n1: "上半年：完成立项。", n2: "上半年：完成招标。", n3: "上半年：开工建设。"}
    set_period(sample_dir, "2025H1")
    drop(sample_dir, f"{KEJI}-上半年.xlsx", form(sample_dir, KEJI, "2025H1", h1))
    r = batch(sample_dir)
    assert query(sample_dir, "SELECT count(*) FROM findings WHERE code IN ('W301', 'W330')") == [(0,)], r.output

    set_period(sample_dir, "2025Q3")
    same_again = {n1: "上半年：完成立项。 \n", n2: "三季度：招标完成，签订合同。"}
    keep = [n for n in sorted(q3) if n != n3]
    drop(sample_dir, f"{KEJI}-三季度.xlsx", form(sample_dir, KEJI, "2025Q3", {**q3, **same_again}, only=keep))
    r = batch(sample_dir)
    found = query(sample_dir, "SELECT code, message, cell FROM findings WHERE code IN ('W301', 'W330') ORDER BY code")
    assert found == [
        ("W301", f"第 {n1} 项的进展情况与2025年上半年报送的完全相同。", "D5"),
        ("W330", f"第 {n3} 项2025年上半年有进展情况（“上半年：开工建设。”），本次报送中没有这一项。", ""),
    ], r.output
    # warnings never block: the Q3 form is current and its texts are published
    rows = ledger_rows(sample_dir / "out" / "台账.xlsx")
    assert [row[3] for row in rows if row[0] == str(n2)] == ["三季度：招标完成，签订合同。"]


def sample_progress_from_sample(department: str) -> dict[int, str]:
    from helpers import SAMPLE

    return sample_progress(SAMPLE, department)


def _sub(entries: list[tuple[int, str]]) -> Submission:
    return Submission(
        path=Path("x.xlsx"),
        sheet="填报表",
        department="市科技局",
        department_raw="市科技局",
        department_cell="B2",
        header_row=4,
        columns={"number": 0, "progress": 3},
        entries=[
            Entry(row=5 + i, number=n, raw_number=str(n), item_text="", progress=p) for i, (n, p) in enumerate(entries)
        ],
    )


def test_history_rules_are_pure_functions() -> None:
    h1 = parse_period("2025H1")
    prev = {1: "完成立项。", 2: "完成招标。", 3: "开工。", 4: ""}
    sub = _sub([(1, "完成\n立项。"), (2, "完成招标，签订合同。"), (3, "")])
    assert [(f.code, f.cell, f.message) for f in history_findings(sub, prev, h1)] == [
        ("W301", "D5", "第 1 项的进展情况与2025年上半年报送的完全相同。"),  # a line break added is no change
        ("W330", "D7", "第 3 项2025年上半年有进展情况（“开工。”），本次报送中为空。"),
    ]
    assert history_findings(sub, {}, h1) == [] and disappeared_progress(sub, {}, h1) == []


def test_dry_run_writes_nothing(sample_dir: Path) -> None:
    r = batch(sample_dir, "--dry-run")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith("试运行（未写入任何文件），2025年三季度：新文件 22 个")
    assert lines[0].endswith("输出将更新 4 个。")
    assert f"  {KEJI}-2025年三季度.xlsx  {KEJI}  可采用（错误 0，警告 0）" in lines
    assert sorted(p.name for p in sample_dir.iterdir()) == ["ledgerxl.toml", "submissions", "挂牌事项清单.xlsx"]
    batch(sample_dir)
    db_before = sha(sample_dir / "ledgerxl.db")
    drop(sample_dir, "新.xlsx", b"junk")
    r = batch(sample_dir, "--dry-run")
    assert r.exit_code == 1 and "  新.xlsx  （单位未识别）  有错误（错误 1，警告 0）" in r.output
    assert count(sample_dir, "files") == 22 and sha(sample_dir / "ledgerxl.db") == db_before


def test_lock_held_exits_3(sample_dir: Path) -> None:
    with RunLock(sample_dir / "ledgerxl.db.lock"):
        r = batch(sample_dir)
    assert r.exit_code == 3
    assert re.fullmatch(
        r"错误：另一个 ledgerxl batch 正在运行（进程 \d+，开始于 [^）]+），本次没有执行。\n"
        r"  处理办法：等它结束后再运行即可；定时任务会在下次自动继续。锁文件：.*ledgerxl\.db\.lock\n",
        r.output,
    ), r.output
    assert not (sample_dir / "ledgerxl.db").exists() and not (sample_dir / "out").exists()
    assert batch(sample_dir).exit_code == 0  # released


def test_lock_is_exclusive_within_one_process(tmp_path: Path) -> None:
    a = RunLock(tmp_path / "x.lock")
    a.acquire()
    with pytest.raises(LockHeld) as e:
        RunLock(tmp_path / "x.lock").acquire()
    assert f"进程 {os.getpid()}" in e.value.message and e.value.exit_code == 3
    a.release()
    with RunLock(tmp_path / "x.lock"):
        pass


def test_lock_file_that_cannot_be_created_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "文件").write_text("x", encoding="utf-8")  # a file where the database's folder should be
    lock = tmp_path / "文件" / "ledgerxl.db.lock"
    with pytest.raises(ConfigError) as e:
        RunLock(lock).acquire()
    assert e.value.message.startswith(f"无法创建锁文件 {lock}：") and e.value.exit_code == 2


def test_store_schema_wal_and_migrations(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    store = Store.open(db)
    store.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {
        "runs",
        "files",
        "submissions",
        "entries",
        "findings",
        "current",
        "decisions",
        "masters",
        "published",
        "links",  # the web intake's (schema 4)
        "uploads",
        "settings",
        "audit",
    }
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ConfigError) as e:
        Store.open(db)
    assert "由更新版本的 ledgerxl 创建" in e.value.message and e.value.hint == "请升级 ledgerxl 后再运行。"


def test_failed_migration_leaves_database_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ledgerxl.jobs.store as store_mod

    db = tmp_path / "h.db"
    Store.open(db).close()
    broken = "CREATE TABLE extra (x INTEGER); INSERT INTO no_such_table VALUES (1);"
    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, broken])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", len(store_mod.MIGRATIONS))
    with pytest.raises(ConfigError, match="no such table: no_such_table"):
        Store.open(db)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert not conn.execute("SELECT name FROM sqlite_master WHERE name = 'extra'").fetchall()
    conn.close()


def test_not_a_database(sample_dir: Path) -> None:
    (sample_dir / "ledgerxl.db").write_bytes(b"this is not sqlite" * 100)
    r = batch(sample_dir)
    assert r.exit_code == 2
    db = sample_dir / "ledgerxl.db"
    assert r.output.startswith(f"错误：批处理数据库 {db} 已损坏（file is not a database），本次没有运行。")
    assert "ledgerxl batch --rebuild" in r.output


def test_status_before_any_run(sample_dir: Path) -> None:
    r = status(sample_dir)
    assert r.exit_code == 2
    assert r.output == (
        f"错误：还没有批处理记录（找不到数据库 {sample_dir / 'ledgerxl.db'}）。\n"
        "  处理办法：请先运行 ledgerxl batch。\n"
    )


def test_batch_needs_a_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from batchkit import cli

    monkeypatch.chdir(tmp_path)
    r = cli("batch")
    assert r.exit_code == 2
    assert r.output == (
        "错误：ledgerxl batch 需要配置文件。\n"
        "  处理办法：请用 --config 指定 ledgerxl.toml，或在含 ledgerxl.toml 的目录中运行。\n"
    )


def test_custom_reminder_template_and_strict_undefined(sample_dir: Path) -> None:
    (sample_dir / "submissions" / "市残联-2025年三季度.xlsx").unlink()
    cfg = sample_dir / "ledgerxl.toml"
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text('reminder_template = "我的催报.j2"\n' + text, encoding="utf-8")
    (sample_dir / "我的催报.j2").write_text(
        "{% for r in reminders %}{{ r.department }}:{{ r.items | map(attribute='number') | join(',') }}\n{% endfor %}",
        encoding="utf-8",
    )
    assert batch(sample_dir).exit_code == 0
    assert (sample_dir / "out" / "催报名单.txt").read_text(encoding="utf-8") == "市残联:43\n"
    (sample_dir / "我的催报.j2").write_text("{{ r.no_such_thing }}", encoding="utf-8")
    r = batch(sample_dir)
    assert r.exit_code == 2
    assert r.output.startswith(f"错误：催报模板 {sample_dir / '我的催报.j2'} 有误：'r' is undefined。")
    assert query(sample_dir, "SELECT outcome FROM runs ORDER BY id DESC LIMIT 1") == [("failed",)]


def test_internal_error_is_logged_with_its_traceback(sample_dir: Path) -> None:
    """The unattended run's log keeps what a maintainer needs (the console's one line is handle_errors')."""
    from ledgerxl.config import load_config
    from ledgerxl.jobs.batch import BatchOptions, run_batch

    def boom(stage: str) -> None:
        if stage == "write":
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run_batch(BatchOptions(config=load_config(sample_dir / "ledgerxl.toml"), on_stage=boom))
    assert not (sample_dir / "out" / "台账.xlsx").exists() and not list((sample_dir / "out").glob(".*.tmp"))
    log = (sample_dir / "ledgerxl.log").read_text(encoding="utf-8")
    assert "ERROR [" in log and "#1 失败（程序内部错误）：RuntimeError: boom\nTraceback (most recent call last):" in log
    assert 'raise RuntimeError("boom")' in log
    (outcome, record) = query(sample_dir, "SELECT outcome, record FROM runs")[0]
    assert outcome == "failed" and json.loads(record)["error"] == "RuntimeError: boom"


def test_database_refusing_a_write_is_an_operator_error(sample_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A locked database (another program), a full disk: exit 2 with what to do, not 程序内部错误."""
    assert batch(sample_dir).exit_code == 0
    progress = {n: t + "（更正）" for n, t in sample_progress(sample_dir, KEJI).items()}
    drop(sample_dir, "新.xlsx", form(sample_dir, KEJI, "2025Q3", progress))

    def full(*a: object, **k: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "add_file", full)
    r = batch(sample_dir)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert r.output == (
        f"错误：批处理数据库 {sample_dir / 'ledgerxl.db'} 出错：database or disk is full。"
        "本次运行没有完成，数据库保持上一次成功运行后的状态。\n"
        "  处理办法：请关闭正在打开该数据库的程序（如 DB Browser for SQLite），检查磁盘空间和写权限后重新运行。\n"
    )
    assert count(sample_dir, "files") == 22 and query(sample_dir, "SELECT outcome FROM runs WHERE id = 2") == [
        ("failed",)
    ]
    assert "#2 失败：database or disk is full" in (sample_dir / "ledgerxl.log").read_text(encoding="utf-8")

    def wrong_sql(self: Store, *a: object, **k: object) -> None:
        self.conn.execute("SELECT no_such_column FROM files")

    monkeypatch.setattr(Store, "add_file", wrong_sql)  # a bug in our SQL stays an internal error
    r = batch(sample_dir)
    assert r.exit_code == 70 and "程序内部错误（OperationalError: no such column: no_such_column）" in r.output


def test_log_file_rotates(sample_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logfile, "LOG_MAX_BYTES", 2000)
    for _ in range(3):
        batch(sample_dir)
    log = (sample_dir / "ledgerxl.log").read_text(encoding="utf-8")
    assert re.search(r"INFO \[\d+\] #3 结束：批处理 #3，2025年三季度：新文件 0 个", log)
    assert (sample_dir / "ledgerxl.log.1").is_file()


def test_log_that_cannot_rotate_or_be_written_never_fails_the_run(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to rename a log another program holds open; a full disk refuses writes. The run
    goes on, keeps its log where it can and prints no traceback."""
    monkeypatch.setattr(logfile, "LOG_MAX_BYTES", 2000)

    def refuse(self: object, source: str, dest: str) -> None:
        raise PermissionError(13, "另一个程序正在使用此文件，进程无法访问。", source)

    monkeypatch.setattr(logfile.LogFile, "rotate", refuse)
    for _ in range(2):
        r = batch(sample_dir)
        assert r.exit_code == 0 and "Traceback" not in r.output and "Logging error" not in r.output, r.output
    log = (sample_dir / "ledgerxl.log").read_text(encoding="utf-8")
    assert "#2 结束：" in log and not (sample_dir / "ledgerxl.log.1").exists()  # appended, not rotated

    def full(self: object, record: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(logging.FileHandler, "emit", full)
    r = batch(sample_dir)
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output
    assert r.stderr == (  # once, however many records were lost
        f"警告：无法写日志文件 {sample_dir / 'ledgerxl.log'}（[Errno 28] No space left on device），日志可能不完整。\n"
    )


@pytest.mark.subprocess
def test_readme_scheduled_runs_section(tmp_path: Path) -> None:
    """The set-ups in README use real options and config keys; the systemd units pass systemd-analyze."""
    from helpers import ROOT

    from ledgerxl.config import config_from_dict, tomllib

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Scheduled runs", 1)[1].split("\n## ", 1)[0]
    cron = next(ln for ln in section.splitlines() if ln.startswith("*/30 "))
    assert cron.split()[5:8] == ["/usr/local/bin/ledgerxl", "batch", "--config"]
    assert "ExecStart=/usr/local/bin/ledgerxl batch --config " in section
    assert re.search(r'schtasks /Create .*/TR ".*ledgerxl\.exe\\" batch --config ', section)
    toml = re.search(r"```toml\n(.*?)```", section, re.S)
    assert toml is not None
    cfg = config_from_dict(tomllib.loads(toml.group(1)), ROOT / "x" / "ledgerxl.toml")
    assert cfg.db == ROOT / "x" / "ledgerxl.db" and cfg.archive == ROOT / "x" / "archive"
    units = re.findall(r"```ini\n(.*?)```", section, re.S)
    assert len(units) == 2
    if shutil.which("systemd-analyze") is None:
        return
    service = tmp_path / "ledgerxl-batch.service"
    service.write_text(units[0].replace("/usr/local/bin/ledgerxl", "/bin/true"), encoding="utf-8")
    timer = tmp_path / "ledgerxl-batch.timer"
    timer.write_text(units[1], encoding="utf-8")
    r = subprocess.run(["systemd-analyze", "verify", str(service), str(timer)], capture_output=True, text=True)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr


def test_two_forms_from_one_department_in_one_run_newest_wins(sample_dir: Path) -> None:
    progress = sample_progress(sample_dir, KEJI)
    first = sorted(progress)[0]
    older = drop(sample_dir, "z-旧.xlsx", form(sample_dir, KEJI, "2025Q3", {**progress, first: "旧的文字。"}))
    newer = drop(sample_dir, "a-新.xlsx", form(sample_dir, KEJI, "2025Q3", {**progress, first: "新的文字。"}))
    (sample_dir / "submissions" / f"{KEJI}-2025年三季度.xlsx").unlink()
    os.utime(older, (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_700_000_100, 1_700_000_100))  # newer by file time, though first by name
    r = batch(sample_dir)
    assert r.exit_code == 0, r.output
    rows = ledger_rows(sample_dir / "out" / "台账.xlsx")
    assert [row[3] for row in rows if row[0] == str(first)] == ["新的文字。"]
    current = query(
        sample_dir,
        "SELECT f.name FROM current c JOIN submissions s ON s.id = c.submission_id JOIN files f ON f.id = s.file_id"
        " WHERE c.department = ?",
        KEJI,
    )
    assert current == [("a-新.xlsx",)]


def test_publish_writes_every_temp_before_renaming(tmp_path: Path) -> None:
    from ledgerxl.errors import OutputError
    from ledgerxl.write.publish import Staged, publish

    a, b = tmp_path / "a.txt", tmp_path / "sub"
    a.write_bytes(b"old a")
    b.mkdir()  # a folder where the second output should go: its rename fails
    with pytest.raises(OutputError), Staged({a: b"new a", b: b"new b"}) as staged:
        assert len([n for n in os.listdir(tmp_path) if n.endswith(".tmp")]) == 2  # both staged first
        assert a.read_bytes() == b"old a"
        staged.commit()
    assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")] == []  # and cleaned up on failure
    assert publish({a: b"new a"}) == [a] and a.read_bytes() == b"new a"


def test_rename_retries_a_moment_on_windows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scanner holding the new file refuses the rename briefly; a file kept open fails with a hint."""
    from ledgerxl.errors import OutputError
    from ledgerxl.write import publish as atomic

    real_replace, refusals = os.replace, [2]

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if refusals[0]:
            refusals[0] -= 1
            raise PermissionError(13, "拒绝访问。")
        real_replace(src, dst)

    monkeypatch.setattr(atomic, "RENAME_RETRIES", (0.0, 0.0, 0.0))
    monkeypatch.setattr(atomic.os, "replace", replace)
    target = tmp_path / "台账.xlsx"
    atomic.write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and refusals == [0]
    refusals[0] = 4  # more than the retries: Excel has it open
    with pytest.raises(OutputError) as e:
        atomic.write_atomic(target, b"newer")
    assert e.value.message == f"无法写入 {target}：拒绝访问。"  # Windows' own 。 not doubled
    assert e.value.hint == "如果文件正在 Excel/WPS/Word 中打开，请先关闭。"
    assert target.read_bytes() == b"new" and not list(tmp_path.glob(".*.tmp"))


def test_a_run_with_nothing_new_renders_nothing(sample_dir: Path) -> None:
    """Issue 15, performance: the state the outputs were made from is kept (table `published`); a rerun
    over it renders nothing and says the same, an output deleted or edited by hand is made again, and a
    change of the config (or anything else the key covers) renders anew."""
    import json

    from ledgerxl.jobs.batch import unchanged

    def said() -> tuple[object, ...]:
        record = json.loads((sample_dir / "out" / "run.json").read_text(encoding="utf-8"))
        return record["counts"], record["missing"], record["findings"], [o["sha256"] for o in record["outputs"]]

    (sample_dir / "submissions" / "市统计局-2025年三季度.xlsx").unlink()  # a W305, to be said again
    first = batch(sample_dir)
    assert first.exit_code == 0, first.output
    before, first_said = output_hashes(sample_dir), said()
    calls: list[str] = []
    original = unchanged.saved_state

    def spy(result: object) -> dict[str, object]:
        calls.append("rendered")
        return original(result)  # type: ignore[arg-type]

    unchanged.saved_state = spy  # type: ignore[assignment]
    try:
        again = batch(sample_dir)
        assert again.exit_code == 0 and calls == []
        assert said() == first_said and first_said[2] == {"error": 0, "warning": 1}
        assert (
            "已报送 21/22 个单位；未解决的错误 0 条，警告 1 条；输出无变化。" in again.output
            and output_hashes(sample_dir) == before
        )

        (sample_dir / "out" / "台账.xlsx").unlink()
        assert batch(sample_dir).exit_code == 0 and calls == ["rendered"]
        assert output_hashes(sample_dir) == before

        toml = sample_dir / "ledgerxl.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace("（未报送）", "（尚未报送）"), encoding="utf-8")
        assert batch(sample_dir).exit_code == 0 and calls == ["rendered", "rendered"]
    finally:
        unchanged.saved_state = original  # type: ignore[assignment]
    assert query(sample_dir, "SELECT count(*) FROM published") == [(1,)]
