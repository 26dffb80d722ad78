"""`ledgerxl merge --pdf` (issue 17): a PDF of each published Word document, through LibreOffice; a
warning (W350) when LibreOffice is not installed, W351 when a conversion fails; the Word documents are
published either way."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest
from helpers import invoke
from pdf_helpers import needs_tools, page_texts, squeeze

from ledgerxl.write import pdf
from ledgerxl.write.pdf import NoLibreOffice, PdfError, find_soffice, fix_stamps, to_pdf


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.render
@pytest.mark.slow
@pytest.mark.subprocess
@needs_tools
def test_merge_pdf_writes_a_pdf_beside_each_word_document(sample_dir: Path) -> None:
    r = invoke(["merge", "--notice", "--pdf"], sample_dir)
    assert r.exit_code == 0, r.output
    out = sample_dir / "out"
    names = ["台账.xlsx", "附件.docx", "附件.pdf", "通知.docx", "通知.pdf", "校验报告.xlsx"]
    assert "已写出：\n" + "".join(f"  {out / n}\n" for n in names) in r.output
    assert "W35" not in r.output
    attachment = page_texts(out / "附件.pdf")
    assert len(attachment) >= 5 and squeeze(attachment[0]).startswith("附件2025年市政府工作报告公开挂牌事项")
    assert "关于2025年市政府工作报告" in squeeze(page_texts(out / "通知.pdf")[0])
    info = subprocess.run(["pdfinfo", str(out / "附件.pdf")], capture_output=True, text=True, check=True).stdout
    assert "Sep 30 09:00:00 2025" in info  # the documents' date, not the time of the run
    before = _digests(out)
    assert invoke(["merge", "--notice", "--pdf"], sample_dir).exit_code == 0
    assert _digests(out) == before  # the same inputs, the same bytes: PDFs included
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp file left


def test_without_libreoffice_the_documents_are_published_with_a_warning(
    sample_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert find_soffice() is None
    r = invoke(["merge", "--notice", "--pdf"], sample_dir)
    assert r.exit_code == 0, r.output  # a warning: the Word documents are what the clerk must have
    assert "[警告 W350] 未生成 附件.docx、通知.docx 的 PDF：本机没有找到 LibreOffice（soffice）。" in r.output
    assert "处理办法：Word 文档已照常写出。要自动生成 PDF，请安装 LibreOffice" in r.output
    assert "警告 1 条" in r.output
    out = sample_dir / "out"
    assert sorted(p.name for p in out.iterdir()) == ["台账.xlsx", "校验报告.xlsx", "通知.docx", "附件.docx"]
    with pytest.raises(NoLibreOffice):
        to_pdf({"a.docx": b""}, dt.date(2025, 9, 30))


def _fake_soffice(folder: Path, body: str) -> None:
    folder.mkdir(exist_ok=True)
    script = folder / "soffice"
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


@pytest.mark.subprocess
@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for soffice")
def test_a_failed_conversion_is_a_warning(sample_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_soffice(tmp_path / "bin", 'echo "Error: source file could not be loaded" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    r = invoke(["merge", "--pdf"], sample_dir)
    assert r.exit_code == 0, r.output
    failed = "LibreOffice 转换失败（退出码 1：Error: source file could not be loaded）"
    assert f"[警告 W351] 未生成 附件.docx 的 PDF：{failed}。" in r.output
    assert not list((sample_dir / "out").glob("*.pdf"))
    _fake_soffice(tmp_path / "bin", "exit 0\n")  # says it worked, wrote nothing
    with pytest.raises(PdfError, match="LibreOffice 没有转换出 附件.docx"):
        to_pdf({"附件.docx": b"x"}, dt.date(2025, 9, 30))


@pytest.mark.subprocess
@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for soffice")
def test_a_conversion_that_hangs_is_ended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """soffice starts soffice.bin: at the timeout both end (its own session is killed), nothing is left."""
    child = tmp_path / "child.pid"
    _fake_soffice(tmp_path / "bin", f"sleep 60 &\necho $! > {child}\nwait\n")
    monkeypatch.setenv("PATH", str(tmp_path / "bin") + os.pathsep + os.environ["PATH"])
    started = time.monotonic()
    with pytest.raises(PdfError, match="LibreOffice 在 1 秒内没有转换完"):
        to_pdf({"附件.docx": b"x"}, dt.date(2025, 9, 30), timeout=1)
    assert time.monotonic() - started < 10
    pid = int(child.read_text())
    for _ in range(50):  # the child is reaped by init a moment later
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"soffice's child {pid} is still running")


def test_stamps_are_fixed_in_place() -> None:
    """LibreOffice's time of conversion, random file ID and checksum: replaced by the same number of bytes."""
    raw = (
        b"%PDF-1.4\n1 0 obj\n<</Creator<FEFF>/CreationDate(D:20261202035204Z')>>\nendobj\n"
        b"trailer\n<</Size 3/ID [ <5B9E70CB38CD4942B8FE478F061AC80E>\n<5B9E70CB38CD4942B8FE478F061AC80E> ]\n"
        b"/DocChecksum /A033AB784F19875239669FFDD5A26C12\n>>\nstartxref\n49759\n%%EOF\n"
    )
    a = fix_stamps(raw, dt.date(2025, 10, 15), b"docx one")
    assert len(a) == len(raw) and b"(D:20251015090000Z')" in a
    assert b"5B9E70CB" not in a and b"A033AB78" not in a
    assert a == fix_stamps(raw.replace(b"20261202035204", b"20270101000000"), dt.date(2025, 10, 15), b"docx one")
    assert fix_stamps(raw, dt.date(2025, 10, 15), b"docx two") != a
    assert pdf.TIMEOUT >= 60  # a first start with a fresh profile takes seconds on a slow office PC
