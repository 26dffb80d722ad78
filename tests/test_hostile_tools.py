"""Hostile inputs to the tools around the merge: `validate --annotate` (a copy made with openpyxl, which
makes a cell for every address of a merged or hyperlinked range) and `master import` (a .docx read with
ElementTree). Each runs in a child process whose whole process tree is timed and sampled: under 10 s and
300 MB, an exit code the command documents, a Chinese message, never a traceback or exit 70."""

from __future__ import annotations

import io
import re
import struct
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import ROOT
from test_corpus import CJK, run_sampled

sys.path.insert(0, str(ROOT / "tests" / "corpus"))
import make_corpus  # noqa: E402

SECONDS, PEAK_MB = 10.0, 300.0
FAR = "XFD1048576"


def timed(cmd: list[str], cwd: Path) -> tuple[int, str, float, float]:
    """Exit code, output, wall seconds and peak RSS (MB) of `cmd`'s process tree, run in `cwd`."""
    start = time.perf_counter()
    rc, output, peak = run_sampled(cmd, timeout=120, cwd=cwd)
    return rc, output, time.perf_counter() - start, peak


def _ledgerxl(*args: str) -> list[str]:
    return [sys.executable, "-m", "ledgerxl", *args]


# ---- validate --annotate


def with_merged_range(data: bytes, ref: str) -> bytes:
    """A form (as build_form writes it: one merged title A1:F1) with one more merged range, `ref`."""

    def edit(xml: bytes) -> bytes:
        m = re.search(rb'<mergeCells count="(\d+)">', xml)
        assert m, "the form has its title merged"
        more = f'<mergeCells count="{int(m.group(1)) + 1}"><mergeCell ref="{ref}"/>'.encode()
        return xml[: m.start()] + more + xml[m.end() :]

    return make_corpus.rewrite(data, "xl/worksheets/sheet1.xml", edit)


def with_hyperlink_range(data: bytes, ref: str) -> bytes:
    """A form with one hyperlink (to its own A1, so no relationship part is needed) over `ref`."""

    def edit(xml: bytes) -> bytes:
        link = f'<hyperlinks><hyperlink ref="{ref}" location="\'填报表\'!A1" display="回到顶部"/></hyperlinks>'
        at = min(
            i for i in (xml.find(b"<printOptions"), xml.find(b"<pageMargins"), xml.find(b"</worksheet>")) if i >= 0
        )
        return xml[:at] + link.encode() + xml[at:]

    return make_corpus.rewrite(data, "xl/worksheets/sheet1.xml", edit)


@pytest.mark.slow
@pytest.mark.subprocess
def test_annotate_survives_ranges_reaching_the_far_corner(sample_dir: Path, unchanged_h1_ledger: Path) -> None:
    """One form with a merged range G1:XFD1048576 and one with a hyperlink over A1:XFD1048576 (openpyxl
    would make 17 billion cells for either): validate finishes within the limits, writes the other 20
    copies and lists these two as not annotated, with why. (--previous repeats every form's text, so
    every form has W301 findings and so a copy.)"""
    inbox = sample_dir / "submissions"
    merged = inbox / "市科技局-2025年三季度.xlsx"
    linked = inbox / "市财政局-2025年三季度.xlsx"
    merged.write_bytes(with_merged_range(merged.read_bytes(), f"G1:{FAR}"))
    linked.write_bytes(with_hyperlink_range(linked.read_bytes(), f"A1:{FAR}"))
    out = sample_dir / "批注"
    previous = str(unchanged_h1_ledger)
    cmd = _ledgerxl(
        "validate", "--config", str(sample_dir / "ledgerxl.toml"), "--previous", previous, "--annotate", str(out)
    )
    rc, output, seconds, peak = timed(cmd, sample_dir)
    print(f"validate --annotate: exit {rc}, {seconds:.2f} s, peak RSS {peak:.0f} MB")
    assert rc in (0, 1), output
    assert "Traceback" not in output and "程序内部错误" not in output, output
    assert seconds < SECONDS and peak < PEAK_MB, (seconds, peak)
    for hostile in (merged, linked):
        lines = [ln for ln in output.splitlines() if ln.startswith(f"未生成校验意见：{hostile.name}（")]
        assert len(lines) == 1 and CJK.search(lines[0].split("（", 1)[1]), output
        assert not (out / f"{hostile.stem}（校验意见）.xlsx").exists()
    written = sorted(p.name for p in out.iterdir() if p.name != "反馈清单.txt")
    others = sorted(f"{p.stem}（校验意见）.xlsx" for p in inbox.iterdir() if p not in (merged, linked))
    # 市统计局's only item is shared, so its own text never equals the joined one: no W301, no copy
    assert sorted(set(others) - set(written)) == ["市统计局-2025年三季度（校验意见）.xlsx"]
    assert set(written) <= set(others) and len(written) == 19
    # the reader itself took both forms: they were read and checked, only their copies are missing
    assert f"  {merged.name}  市科技局  工作表“填报表”" in output
    assert f"  {linked.name}  市财政局  工作表“填报表”" in output


def long_name(prefix: str, size: int = 245, suffix: str = ".xlsx") -> str:
    """`prefix`, Chinese characters and ASCII digits: a file name of exactly `size` bytes of UTF-8."""
    name = prefix
    filler = "二〇二五年三季度挂牌事项进展情况填报表终稿"
    while len((name + filler[0] + suffix).encode()) <= size:
        name += filler[(len(name) - len(prefix)) % len(filler)]
    name += "0" * (size - len((name + suffix).encode()))
    assert len((name + suffix).encode()) == size
    return name + suffix


def test_annotate_a_form_with_a_245_byte_name(sample_dir: Path, unchanged_h1_ledger: Path) -> None:
    """A form whose name is 245 bytes (valid on every file system; merge and batch read it): validate
    --annotate lists its findings, writes the other 21 copies, and makes this one's copy under a name the
    file system takes, or says why not."""
    from helpers import invoke

    inbox = sample_dir / "submissions"
    src = inbox / "市科技局-2025年三季度.xlsx"
    name = long_name("市科技局-")
    src.rename(inbox / name)
    out = sample_dir / "批注"
    previous = str(unchanged_h1_ledger)  # W301 on every form: every form gets a copy
    r = invoke(
        ["validate", "--config", str(sample_dir / "ledgerxl.toml"), "--previous", previous, "--annotate", str(out)]
    )
    assert r.exit_code in (0, 1), r.output
    assert f"  {name}  市科技局  工作表“填报表”" in r.output and "校验完成：" in r.output, r.output
    written = {p.name for p in out.iterdir()} - {"反馈清单.txt"}
    others = {f"{p.stem}（校验意见）.xlsx" for p in inbox.iterdir() if p.name != name}
    assert others - written == {"市统计局-2025年三季度（校验意见）.xlsx"} and len(others) == 21
    own = written - others
    said = [ln for ln in r.output.splitlines() if ln.startswith(f"未生成校验意见：{name}（")]
    assert (len(own) == 1 and next(iter(own)).startswith("市科技局-")) or said, r.output


# ---- master import


def attachment_docx() -> bytes:
    """A small published attachment: a 序号/事项内容/责任单位 table with a category row merged across it."""
    from docx import Document

    doc = Document()
    doc.add_paragraph("附件")
    table = doc.add_table(rows=1, cols=3)
    for c, h in zip(table.rows[0].cells, ("序号", "事项内容", "责任单位")):
        c.text = h
    cells = table.add_row().cells
    cells[0].merge(cells[2]).text = "一、主要预期目标"
    for number, text, dept in [
        (1, "全市生产总值增长5.5%左右。", "市统计局"),
        (2, "新增城镇就业12万人以上。", "市人力资源社会保障局"),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = str(number), text, dept
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _document(data: bytes, edit: Callable[[bytes], bytes]) -> bytes:
    return make_corpus.rewrite(data, "word/document.xml", edit)


def huge_gridspan(data: bytes) -> bytes:
    """The category row's cell spans 300,000,000 grid columns (Word allows 63)."""

    def edit(xml: bytes) -> bytes:
        assert xml.count(b'<w:gridSpan w:val="3"/>') == 1
        return xml.replace(b'<w:gridSpan w:val="3"/>', b'<w:gridSpan w:val="300000000"/>')

    return _document(data, edit)


def inflated(data: bytes, megabytes: int = 60) -> bytes:
    """About 60 MB of paragraphs before the table (4 million elements; the zip stays small): under the
    importer's 64 MB size limit, so ElementTree must parse it, in the worker."""
    para = "<w:p><w:r><w:t>填充段落，把文档正文撑大。</w:t></w:r></w:p>".encode()

    def edit(xml: bytes) -> bytes:
        at = xml.index(b"<w:body>") + len(b"<w:body>")
        return xml[:at] + para * (megabytes * 1_000_000 // len(para)) + xml[at:]

    return _document(data, edit)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def deflate64(data: bytes, member: str = "word/document.xml") -> bytes:
    """The member's compression method set to 9 (Deflate64, which some zip tools write) in its local and
    its central directory header; its bytes stay deflated."""
    buf = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(member)
    assert buf[info.header_offset : info.header_offset + 4] == b"PK\x03\x04"
    struct.pack_into("<H", buf, info.header_offset + 8, 9)
    name = member.encode()
    at = bytes(buf).index(b"PK\x01\x02")
    while True:
        n = struct.unpack_from("<H", buf, at + 28)[0]
        if bytes(buf[at + 46 : at + 46 + n]) == name:
            struct.pack_into("<H", buf, at + 10, 9)
            break
        at = bytes(buf).index(b"PK\x01\x02", at + 4)
    with zipfile.ZipFile(io.BytesIO(bytes(buf))) as z:
        assert z.getinfo(member).compress_type == 9
    return bytes(buf)


# (builder, exit code, what the message must say); a gridSpan past Word's limit is bounded (64), so the
# attachment is read: its 2 items are imported
IMPORTS: dict[str, tuple[Callable[[bytes], bytes], int, str]] = {
    "gridspan-300000000": (huge_gridspan, 0, "读取 来源.docx（Word 附件）：2 项事项。"),
    "document-60mb": (inflated, 2, "无法安全读取"),  # over a second: marked slow below
    "truncated-zip": (truncated, 2, "错误：来源.docx：不是有效的 Word（.docx）文件。"),
    "deflate64": (deflate64, 2, "错误：来源.docx：文件使用了不支持的压缩方式，无法读取。"),
}


@pytest.mark.subprocess
@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=[pytest.mark.slow] if c == "document-60mb" else []) for c in IMPORTS]
)
def test_master_import_of_a_hostile_docx(tmp_path: Path, case: str) -> None:
    build, want_rc, want = IMPORTS[case]
    src = tmp_path / "来源.docx"
    src.write_bytes(build(attachment_docx()))
    out = tmp_path / "挂牌事项清单.xlsx"
    rc, output, seconds, peak = timed(_ledgerxl("master", "import", src.name, "--out", out.name), tmp_path)
    print(f"master import {case}: exit {rc}, {seconds:.2f} s, peak RSS {peak:.0f} MB")
    assert "Traceback" not in output and "程序内部错误" not in output, output
    assert rc == want_rc, output
    assert want in output, output
    assert seconds < SECONDS and peak < PEAK_MB, (seconds, peak)
    if want_rc == 2:
        first = output.splitlines()[0]
        assert first.startswith("错误：") and CJK.search(first), output
        assert "处理办法：" in output, output
        assert not out.exists()
    else:
        from ledgerxl.read.master_rows import read_master_rows

        rows = read_master_rows(out).rows
        assert [(r.number, r.text) for r in rows] == [
            (1, "全市生产总值增长5.5%左右。"),
            (2, "新增城镇就业12万人以上。"),
        ]
        assert all(r.category == "一、主要预期目标" for r in rows)
