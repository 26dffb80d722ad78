"""Issue 15, a tolerant inbox: what is not a submission is set aside with W313 and never blocks; a Word
reply (a .docx whose table holds 序号 / 事项内容 / 进展情况) is a submission and merges like its Excel form."""

from __future__ import annotations

import hashlib
from pathlib import Path

import docx
from batchkit import batch, ledger_rows
from helpers import docx_lines, invoke

from ledgerxl.departments import Departments
from ledgerxl.read.master import load_master
from ledgerxl.read.submission import read_submission

KEJI = "市科技局"


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _strays(inbox: Path) -> list[str]:
    (inbox / "Thumbs.db").write_bytes(b"\x00" * 64)
    (inbox / "desktop.ini").write_text("[.ShellClassInfo]\n", encoding="utf-8")
    (inbox / "盖章扫描件.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    (inbox / "现场照片.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 32)
    (inbox / "资料.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    note = docx.Document()
    note.add_paragraph("关于报送三季度进展情况的说明：我单位已按要求填报，请查收。")
    note.save(str(inbox / "报送说明.docx"))
    return ["Thumbs.db", "desktop.ini", "盖章扫描件.pdf", "现场照片.jpg", "资料.zip", "报送说明.docx"]


def test_stray_files_never_block_publishing(sample_dir: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    assert invoke(["merge", "--config", str(sample_dir / "ledgerxl.toml"), "--out", str(clean)]).exit_code == 0
    strays = _strays(sample_dir / "submissions")
    out = tmp_path / "out"
    r = invoke(["merge", "--config", str(sample_dir / "ledgerxl.toml"), "--out", str(out)])
    assert r.exit_code == 0, r.output  # no --allow-errors needed: warnings only
    for name in strays:
        assert f"[警告 W313] {name}" in r.output, name
    assert "错误 0 条" in r.output and "22/22 个单位已报送" in r.output
    for name in ("台账.xlsx", "附件.docx"):
        assert _sha(out / name) == _sha(clean / name), name
    # and batch publishes too, with nothing left open
    b = batch(sample_dir)
    assert b.exit_code == 0 and "未解决的错误 0 条" in b.output, b.output


def _word_reply(form: Path, master_path: Path, target: Path) -> None:
    """The department's Excel form retyped as a Word reply: 填报单位 and 报告期 above a table."""
    master = load_master(master_path)
    sub = read_submission(form, Departments(master.departments))
    d = docx.Document()
    d.add_paragraph(f"填报单位：{sub.department}")
    d.add_paragraph("报告期：2025年三季度")
    table = d.add_table(rows=1, cols=4)
    for cell, text in zip(table.rows[0].cells, ("序号", "事项内容", "责任单位", "进展情况")):
        cell.text = text
    for e in sub.entries:
        assert e.number is not None
        item = master.by_number[e.number]
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = str(e.number), item.text, "、".join(item.departments)
        first, *more = e.progress.split("\n")
        cells[3].text = first
        for line in more:  # a line break in the Excel cell is a paragraph in Word
            cells[3].add_paragraph(line)
    d.save(str(target))


def test_a_word_reply_merges_like_its_excel_form(sample_dir: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    assert invoke(["merge", "--config", str(sample_dir / "ledgerxl.toml"), "--out", str(clean)]).exit_code == 0
    form = sample_dir / "submissions" / f"{KEJI}-2025年三季度.xlsx"
    _word_reply(form, sample_dir / "挂牌事项清单.xlsx", sample_dir / "submissions" / f"{KEJI}的回复.docx")
    form.unlink()
    out = tmp_path / "out"
    r = invoke(["merge", "--config", str(sample_dir / "ledgerxl.toml"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert f"  {KEJI}的回复.docx  {KEJI}  " in r.output and "22/22 个单位已报送" in r.output
    assert ledger_rows(out / "台账.xlsx") == ledger_rows(clean / "台账.xlsx")
    assert docx_lines(out / "附件.docx") == docx_lines(clean / "附件.docx")


def test_a_wrong_configured_period_is_named_once_for_the_clerk(sample_dir: Path) -> None:
    r = invoke(["validate", "--config", str(sample_dir / "ledgerxl.toml"), "--period", "2025H1"])
    assert r.exit_code == 1
    w315 = [ln for ln in r.output.splitlines() if "[警告 W315]" in ln]
    assert len(w315) == 1 and "22 份报送表中有 22 份的报告期是“2025年三季度”" in w315[0], r.output
    assert "与配置的报告期“2025年上半年”不同" in w315[0]
    assert r.output.count("[错误 E206]") == 22  # each form's own finding stays, for the record


def test_a_few_forms_of_another_period_blame_only_them(sample_dir: Path) -> None:
    from batchkit import form, sample_progress

    progress = sample_progress(sample_dir, KEJI)
    (sample_dir / "submissions" / f"{KEJI}-2025年三季度.xlsx").write_bytes(form(sample_dir, KEJI, "2025H1", progress))
    r = invoke(["validate", "--config", str(sample_dir / "ledgerxl.toml")])
    assert r.output.count("[错误 E206]") == 1 and "W315" not in r.output, r.output
