"""Issue 14 in the batch and the tools: one killing file never stops the job, the history is never a
silent fresh start, links out of the inbox are not followed, templates cannot run code, long names and
odd file times do not fail a run, archived copies are private."""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from batchkit import batch, drop, form, ledger_rows, output_hashes, query, sample_progress
from helpers import ROOT, invoke

sys.path.insert(0, str(ROOT / "tests" / "corpus"))
import make_corpus  # noqa: E402

KEJI = "市科技局"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def killing_form() -> bytes:
    """A form calamine cannot build inside the worker's memory limit (cells A1 and XFD1048576)."""
    far = make_corpus._istr("XFD1048576", "x")
    return make_corpus.raw_xlsx(
        make_corpus._sheet(f'<row r="1">{make_corpus._istr("A1", "序号")}</row><row r="1048576">{far}</row>')
    )


def corrected(work: Path, department: str, text: str) -> tuple[int, bytes]:
    progress = sample_progress(work, department)
    number = sorted(progress)[0]
    progress[number] = text
    return number, form(work, department, "2025Q3", progress)


def test_a_killing_file_never_stops_the_batch(sample_dir: Path) -> None:
    """A file that kills its reader is recorded with E115 once; the other departments' files are recorded
    and published in the same run and in the next."""
    drop(sample_dir, "杀手.xlsx", killing_form())
    r = batch(sample_dir)
    assert r.exit_code == 1, r.output  # an open error (the file is nobody's form), not a dead job
    assert "新文件 23 个" in r.output and "已报送 22/22 个单位" in r.output
    assert query(
        sample_dir, "SELECT code FROM findings f JOIN files ON files.id = f.file_id WHERE name = '杀手.xlsx'"
    ) == [("E115",)]
    number, text = corrected(sample_dir, KEJI, "更正：截至9月底已完成全年任务。")
    drop(sample_dir, f"{KEJI}-更正.xlsx", text)
    r = batch(sample_dir)
    assert r.exit_code == 1 and "新文件 1 个，已处理过 23 个" in r.output, r.output  # the killer is not read again
    rows = {row[0]: row for row in ledger_rows(sample_dir / "out" / "台账.xlsx")}
    assert rows[str(number)][3] == "更正：截至9月底已完成全年任务。"


def test_merge_and_validate_go_on_past_a_killing_file(sample_dir: Path) -> None:
    drop(sample_dir, "杀手.xlsx", killing_form())
    v = invoke(["validate", "--config", str(sample_dir / "ledgerxl.toml")])
    assert v.exit_code == 1 and "[错误 E115] 杀手.xlsx" in v.output, v.output
    m = invoke(["merge", "--config", str(sample_dir / "ledgerxl.toml"), "--allow-errors"])
    assert m.exit_code == 0 and "22/22 个单位已报送" in m.output, m.output


def _damage(db: Path, how: str) -> None:
    if how == "missing":
        db.unlink()
        for extra in (Path(f"{db}-wal"), Path(f"{db}-shm")):
            extra.unlink(missing_ok=True)
    elif how == "emptied":
        db.write_bytes(b"")
    elif how == "truncated":
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 2])
    elif how == "corrupt page":
        pages = bytearray(db.read_bytes())
        size = 4096
        pages[2 * size : 3 * size] = b"\xa5" * size  # a b-tree page of the history overwritten
        db.write_bytes(bytes(pages))
    elif how == "no rows":  # a valid database that lost its history (a fresh one put in its place)
        db.unlink()
        sqlite3.connect(db).close()


@pytest.mark.parametrize("how", ["missing", "emptied", "truncated", "corrupt page", "no rows"])
def test_a_damaged_history_is_never_a_fresh_start(sample_dir: Path, how: str) -> None:
    assert batch(sample_dir).exit_code == 0
    before = output_hashes(sample_dir)
    # checkpoint the WAL so the damage hits the main file
    conn = sqlite3.connect(sample_dir / "ledgerxl.db")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    _damage(sample_dir / "ledgerxl.db", how)
    r = batch(sample_dir)
    assert r.exit_code == 2, (how, r.output)
    assert "ledgerxl batch --rebuild" in r.output and "Traceback" not in r.output
    assert output_hashes(sample_dir) == before  # nothing republished with every item （未报送）
    # the way back: rebuild from the archive; the same ledger comes out
    r = batch(sample_dir, "--rebuild")
    assert r.exit_code == 0, r.output
    assert output_hashes(sample_dir) == before
    assert list(sample_dir.glob("ledgerxl.db.*.bak")) or how == "missing"
    assert batch(sample_dir).exit_code == 0  # and runs go on as usual


def test_a_new_working_folder_still_starts_fresh(sample_dir: Path) -> None:
    assert not (sample_dir / "ledgerxl.db").exists() and not (sample_dir / "archive").exists()
    assert batch(sample_dir).exit_code == 0


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")
def test_a_link_out_of_the_inbox_is_refused_unread(sample_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.xlsx"
    shutil.copy(next((sample_dir / "submissions").glob("*.xlsx")), secret)
    (sample_dir / "submissions" / "链接.xlsx").symlink_to(secret)
    r = batch(sample_dir)
    assert r.exit_code == 1, r.output
    found = query(
        sample_dir, "SELECT code, f.message FROM findings f JOIN files ON files.id = f.file_id WHERE name = '链接.xlsx'"
    )
    assert [c for c, _ in found] == ["E112"] and "符号链接" in found[0][1]
    archived = [p.name for p in (sample_dir / "archive").rglob("*") if p.is_file()]
    assert "链接.xlsx" not in archived and len(archived) == 22
    v = invoke(["validate", "--config", str(sample_dir / "ledgerxl.toml")])
    assert "[错误 E112] 链接.xlsx" in v.output, v.output


def test_archived_copies_have_the_databases_permissions(sample_dir: Path) -> None:
    assert batch(sample_dir).exit_code == 0
    os.chmod(sample_dir / "ledgerxl.db", 0o600)
    _, data = corrected(sample_dir, KEJI, "更正后的进展情况，截至9月底完成。")
    drop(sample_dir, "新.xlsx", data)
    assert batch(sample_dir).exit_code == 0
    copy = next(p for p in (sample_dir / "archive").rglob("新.xlsx"))
    assert copy.stat().st_mode & 0o777 == 0o600


def test_a_long_file_name_and_an_odd_file_time_do_not_fail_a_run(sample_dir: Path) -> None:
    name = "市科技局" + "关于挂牌事项进展情况的报告" * 15  # 244 bytes of UTF-8 before .xlsx
    assert len(name.encode()) >= 240
    _, data = corrected(sample_dir, KEJI, "更正后的进展情况，截至9月底完成。")
    target = drop(sample_dir, f"{name[:80]}.xlsx", data)
    long = target.with_name(name.encode()[:245].decode("utf-8", "ignore") + ".xlsx")
    target.rename(long)
    os.utime(long, (3e11, 3e11))  # year 11476
    r = batch(sample_dir)
    assert r.exit_code == 0, r.output
    assert invoke(["merge", "--config", str(sample_dir / "ledgerxl.toml")]).exit_code == 0


PAYLOADS = {
    "code": ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "不允许"),
    "include": ("{% include '/etc/passwd' %}", "{% include %}"),
    "import": ("{% import 'x' as y %}", "{% import %}"),
    "loop": ("{% for i in range(10**7) %}{% endfor %}", "range()"),
}


@pytest.mark.parametrize("case", sorted(PAYLOADS))
def test_a_reminder_template_cannot_run_code(sample_dir: Path, case: str) -> None:
    source, said = PAYLOADS[case]
    (sample_dir / "催报.j2").write_text(source, encoding="utf-8")
    cfg = sample_dir / "ledgerxl.toml"  # a top-level key: before the [aliases] table
    cfg.write_text('reminder_template = "催报.j2"\n' + cfg.read_text(encoding="utf-8"), encoding="utf-8")
    (sample_dir / "submissions" / "市残联-2025年三季度.xlsx").unlink()  # someone to remind
    r = batch(sample_dir)
    assert r.exit_code == 2, r.output
    assert said in r.output and "uid=" not in r.output, r.output


def _notice_template(path: Path, text: str) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph(text)
    d.save(str(path))


@pytest.mark.parametrize("case", sorted(PAYLOADS))
def test_a_notice_template_cannot_run_code(sample_dir: Path, tmp_path: Path, case: str) -> None:
    source, said = PAYLOADS[case]
    template = tmp_path / "通知模板.docx"
    _notice_template(template, source)
    out = tmp_path / "out"
    r = invoke(
        ["merge", "--config", str(sample_dir / "ledgerxl.toml"), "--out", str(out), "--notice-template", str(template)]
    )
    assert r.exit_code == 2, r.output
    assert said in r.output and "uid=" not in r.output, r.output
    assert not out.exists() or not any(out.iterdir())  # nothing written
