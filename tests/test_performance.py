"""What keeps a merge fast, checked by behaviour (never by timing): the shortcuts give exactly the results of
the plain way, nothing heavy is imported that a run does not need, and the progress bar stays off logs."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, SAMPLE, W, docx_lines, docx_xml
from lxml import etree

from ledgerxl.cli import main
from ledgerxl.cli.progress import FileProgress
from ledgerxl.model import Item, Ledger, LedgerRow, MasterList
from ledgerxl.write import textwidth
from ledgerxl.write.attachment import DocxOptions, build_docx, table_xml
from ledgerxl.write.zip import normalize_zip


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("", 0),
        ("abc 12.5%", 9),  # ASCII: half width
        ("推进城市更新", 12),  # 汉字: full width
        ("，。、；：？！（）【】", 22),  # full-width punctuation
        ("“引号”‘单’", 14),  # Unicode-ambiguous, but full width in 仿宋_GB2312
        ("—…·°±×", 12),
        ("１２ＡＢ", 8),  # full-width forms
        ("é", 2),  # in GB2312 (pinyin), drawn full width
        ("𠀀", 4),  # outside GBK: counted 4, never too narrow
        ("完成😀", 8),
    ],
)
def test_display_width_is_gb18030_length(text: str, width: int) -> None:
    assert textwidth.display_width(text) == width
    assert textwidth.display_width(text) == len(text.encode("gb18030"))


def test_display_width_of_a_lone_surrogate() -> None:
    assert textwidth.display_width("进\ud800展") == 5  # no encoding holds it: counted 1, never an error


def test_wrapped_lines_counts_each_paragraph() -> None:
    assert textwidth.wrapped_lines("", 10) == 1
    assert textwidth.wrapped_lines("甲乙丙丁戊", 10) == 1  # 10 wide: fits exactly
    assert textwidth.wrapped_lines("甲乙丙丁戊己", 10) == 2
    assert textwidth.wrapped_lines("“甲乙丙丁”", 10) == 2  # the quotation marks take full width too
    assert textwidth.wrapped_lines("甲\n乙\n", 10) == 3  # a trailing line break is an empty line
    assert textwidth.wrapped_lines("a" * 25, 10) == 3


def test_master_index_matches_a_scan() -> None:
    items = [
        Item(1, "甲", ("市发改委", "市财政局")),
        Item(2, "乙", ("市财政局",)),
        Item(3, "丙", ("市统计局", "市发改委", "市统计局")),  # a repeated name counts once
    ]
    m = MasterList(items)
    assert m.departments == ["市发改委", "市财政局", "市统计局"]
    for d in [*m.departments, "市无此局"]:
        assert m.items_of(d) == [it for it in items if d in it.departments]
    m.items_of("市财政局").clear()  # callers get a copy
    assert [it.number for it in m.items_of("市财政局")] == [1, 2]


def test_master_messages_name_the_cells(tmp_path: Path) -> None:
    from ledgerxl.errors import MasterError
    from ledgerxl.read.master import load_master

    p = tmp_path / "m.csv"  # cell names are only built when a message needs them
    p.write_text("说明\n序号,事项内容,责任单位\n1,x,市科技局\n二,y,市财政局\n", encoding="utf-8")
    with pytest.raises(MasterError, match=r"^挂牌事项清单 m.csv / m / A4：序号“二”不是数字。"):
        load_master(p)
    p.write_text("说明\n序号,事项内容,责任单位\n1,x,市科技局\n2,y,市财政局\n1,z,市财政局\n", encoding="utf-8")
    with pytest.raises(MasterError, match=r"^挂牌事项清单 m.csv / m / A5：序号 1 与 A3 重复。"):
        load_master(p)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_normalize_zip_fixes_every_header_and_keeps_every_byte() -> None:
    def build(when: tuple[int, int, int, int, int, int], level: int) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, data, kind in (
                ("[Content_Types].xml", b"<Types/>" * 100, zipfile.ZIP_DEFLATED),
                ("xl/图片.bin", bytes(range(256)) * 50, zipfile.ZIP_STORED),
                ("empty.xml", b"", zipfile.ZIP_DEFLATED),
            ):
                zi = zipfile.ZipInfo(name, date_time=when)
                zi.compress_type = kind
                zi.external_attr = 0o644 << 16
                z.writestr(zi, data, compresslevel=level if kind == zipfile.ZIP_DEFLATED else None)
        return buf.getvalue()

    a = normalize_zip(build((2024, 5, 6, 7, 8, 10), 6))
    assert a == normalize_zip(build((2025, 1, 2, 3, 4, 6), 6))  # timestamps and attributes do not leak
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert z.testzip() is None
        assert z.namelist() == ["[Content_Types].xml", "xl/图片.bin", "empty.xml"]
        assert z.read("xl/图片.bin") == bytes(range(256)) * 50 and z.read("empty.xml") == b""
        for i in z.infolist():
            assert (i.date_time, i.external_attr, i.create_system) == ((1980, 1, 1, 0, 0, 0), 0o600 << 16, 0)
            assert i.compress_type == zipfile.ZIP_DEFLATED
    # a member deflated at another level is copied as it is, still readable and still deterministic
    b = normalize_zip(build((2024, 5, 6, 7, 8, 10), 1))
    with zipfile.ZipFile(io.BytesIO(b)) as z:
        assert z.read("[Content_Types].xml") == b"<Types/>" * 100
    assert normalize_zip(b) == b


def test_normalize_zip_streams_a_replaced_member() -> None:
    big = [b"<row>%d</row>" % i for i in range(200_000)]  # several 1 MB batches
    src = _zip({"a.xml": b"<a/>", "doc.xml": b"<doc>SLOT</doc>", "z.xml": b"<z/>"})

    def fill(doc: bytes) -> list[bytes]:
        head, _, tail = doc.partition(b"SLOT")
        return [head, *big, tail]

    out = normalize_zip(src, {"doc.xml": fill})
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        assert z.namelist() == ["a.xml", "doc.xml", "z.xml"]
        assert z.read("doc.xml") == b"<doc>" + b"".join(big) + b"</doc>"
        assert z.read("a.xml") == b"<a/>"
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert normalize_zip(src, {"doc.xml": fill}) == out


def _ledger(texts: list[str]) -> Ledger:
    dept = ("市统计局",)
    rows = [LedgerRow(Item(i + 1, f"事项{i + 1} <&>", dept), [(dept[0], t)], []) for i, t in enumerate(texts)]
    return Ledger("标题 & <测试>", "进展情况", rows)


def test_docx_table_is_spliced_whole(tmp_path: Path) -> None:
    texts = ["完成 5% & <达标>\n第二段 “引号” 'x' 𠀀😀", "", "a\tb", "1-9月，增长5.4％"]
    ledger = _ledger(texts)
    path = tmp_path / "附件.docx"
    path.write_bytes(build_docx(ledger, DocxOptions()))
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml")
    assert b"ledgerxl-table" not in xml and xml.count(b"<w:tbl>") == 1  # no slot left, no extra xmlns
    tbl = docx_xml(path).find(f"{W}body").find(f"{W}tbl")
    assert len(tbl.findall(f"{W}tr")) == len(texts) + 1
    assert etree.tostring(tbl, encoding="unicode").count("w:tblHeader") == 1
    lines = docx_lines(path)
    assert lines[:2] == ["附件", "标题 & <测试>"]
    assert "完成 5% & <达标>" in lines and "第二段 “引号” 'x' 𠀀😀" in lines and "a\tb" in lines
    # the same table text as the standalone XML the writer offers
    standalone = etree.fromstring(table_xml(ledger, DocxOptions()).encode())
    assert etree.tostring(standalone, method="c14n", exclusive=True) == etree.tostring(
        tbl, method="c14n", exclusive=True
    )


def test_read_all_reports_progress(tmp_path: Path) -> None:
    from ledgerxl.departments import Departments
    from ledgerxl.jobs.check import read_all
    from ledgerxl.jobs.inputs import collect_inputs

    files = collect_inputs([SAMPLE / "submissions"])
    (tmp_path / "坏文件.txt").write_text("x", encoding="utf-8")
    files.append(tmp_path / "坏文件.txt")  # an unreadable file counts too
    calls: list[tuple[int, int]] = []
    subs, findings = read_all(files, Departments([]), lambda done, total: calls.append((done, total)))
    n = len(files)
    assert calls == [(i, n) for i in range(1, n + 1)]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_with_many_files() -> None:
    tty = _Tty()
    with FileProgress(stream=tty, min_files=3) as p:
        for i in range(1, 6):
            p(i, 5)
    assert "读取报送文件" in tty.getvalue() and "5/5" in tty.getvalue() and tty.getvalue().endswith("\n")

    few = _Tty()
    with FileProgress(stream=few, min_files=30) as p:
        for i in range(1, 6):
            p(i, 5)
    assert few.getvalue() == ""

    log = io.StringIO()  # a batch job's log file
    with FileProgress(stream=log, min_files=1) as p:
        for i in range(1, 6):
            p(i, 5)
    assert log.getvalue() == ""


def test_progress_bar_line_is_ended_when_reading_fails() -> None:
    tty = _Tty()
    with pytest.raises(RuntimeError), FileProgress(stream=tty, min_files=1) as p:
        p(1, 5)
        raise RuntimeError("boom")
    assert tty.getvalue().endswith("\n")


def test_merge_output_has_no_progress_bar_when_not_a_terminal(sample_dir: Path) -> None:
    old = os.getcwd()
    try:
        os.chdir(sample_dir)
        r = CliRunner().invoke(main, ["merge"], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert r.exit_code == 0, r.output
    assert "读取报送文件 22 个：" in r.output
    assert "读取报送文件 " not in r.output.replace("读取报送文件 22 个：", "")
    assert "[#" not in r.output and "\r" not in r.output


def _imported_after(code: str) -> list[str]:
    probe = (
        f"import sys\n{code}\n"
        "print([m for m in ('pandas', 'numpy', 'openpyxl', 'docx', 'xlsxwriter', 'python_calamine') "
        "if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        check=True,
        cwd=ROOT,
    )
    return eval(out.stdout.strip().splitlines()[-1])  # a printed list of names


@pytest.mark.subprocess
def test_command_help_imports_nothing_heavy() -> None:
    code = (
        "from click.testing import CliRunner; from ledgerxl.cli import main\n"
        "r = CliRunner().invoke(main, ['merge', '--help']); assert r.exit_code == 0, r.output"
    )
    assert _imported_after(code) == []


@pytest.mark.subprocess
def test_merge_never_imports_pandas(tmp_path: Path) -> None:
    code = (
        "from click.testing import CliRunner; from ledgerxl.cli import main\n"
        f"r = CliRunner().invoke(main, ['merge', '--config', {str(SAMPLE / 'ledgerxl.toml')!r}, "
        f"'--out', {str(tmp_path)!r}]); assert r.exit_code == 0, r.output"
    )
    heavy = _imported_after(code)
    assert "pandas" not in heavy and "numpy" not in heavy
    # the probe does see imports (the writers run here; calamine only in the reading workers)
    assert {"xlsxwriter", "docx"} <= set(heavy) and "python_calamine" not in heavy


def test_fast_nfkc_is_unicodedata_nfkc() -> None:
    from ledgerxl.rules.periodrefs import nfkc

    for cp in range(0x10000):
        assert nfkc(chr(cp)) == unicodedata.normalize("NFKC", chr(cp)), hex(cp)
    rng = random.Random(7)
    pool = [chr(c) for c in (*range(0x20, 0x7F), *range(0x3000, 0x3100), *range(0xFF00, 0xFFF0))]
    pool += ["\u0301", "\u0308", "\u3099", "\u309a", "\u2f49", "\u32c0", "\uac00", "\u1100", "\u1161", "\u11a8"]
    pool += ["月", "年", "\ufb01", "\u2163", "\u00bd", "\u212b", "𠀀", "\U0001d400"]
    for _ in range(20_000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 12)))
        assert nfkc(text) == unicodedata.normalize("NFKC", text), repr(text)


def test_period_patterns_find_what_they_found_without_the_lookahead() -> None:
    import re

    from ledgerxl.rules import periodrefs

    rng = random.Random(8)
    pool = list("0123456789202512年度月份底末截至止到-~季前第三一二四上下半全旬中目当本期以来，。、 ") + [
        "1-9月",
        "2025年",
    ]
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    for p in (periodrefs._RANGE, periodrefs._MONTH, periodrefs._WORD):
        assert p.pattern.startswith("(?=")
        plain = re.compile(p.pattern[p.pattern.index(")") + 1 :])  # the same pattern without the lookahead
        for t in texts:
            assert [m.span() for m in p.finditer(t)] == [m.span() for m in plain.finditer(t)], (p.pattern, t)


def test_letters_stops_counting_when_it_has_enough() -> None:
    from ledgerxl.rules.form import letters

    text = "已完成，。 " + "进展" * 200
    assert letters(text) == 403 and letters(text, 15) == 15
    assert letters("已完成。", 15) == letters("已完成。") == 3


def test_safety_inflates_parts_as_zipfile_does(tmp_path: Path) -> None:
    from ledgerxl.errors import ReadError
    from ledgerxl.read import safety

    members = {"a.xml": b"<a>" + "进展".encode() * 5000 + b"</a>", "empty.xml": b"", "s.xml": b"<s/>" * 50}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            kind = zipfile.ZIP_STORED if name == "s.xml" else zipfile.ZIP_DEFLATED
            z.writestr(name, data, compress_type=kind)
    raw = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        for info in z.infolist():
            assert safety._read_member(z, info, raw) == z.read(info) == members[info.filename]
    bad = bytearray(raw)
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        info = z.getinfo("s.xml")
        start = info.header_offset + 30 + len(info.filename)
        bad[start + 5] ^= 0xFF  # one byte of the stored part changed: the CRC no longer matches
        with pytest.raises(ReadError) as e:
            safety._read_member(z, info, bytes(bad))
        assert e.value.code == "E101" and "s.xml" in e.value.message
        info = z.getinfo("a.xml")
        short = raw[: info.header_offset + 30 + len(info.filename) + info.compress_size // 2]
        with pytest.raises(ReadError):  # cut short: less than the declared size comes out
            safety._read_member(z, info, short + bytes(len(raw) - len(short)))


def test_docx_drops_lone_surrogates(tmp_path: Path) -> None:
    path = tmp_path / "附件.docx"
    path.write_bytes(build_docx(_ledger(["前\ud800后"]), DocxOptions()))
    assert "前后" in docx_lines(path)


def test_validate_reports_progress_and_stays_quiet_off_a_terminal(sample_dir: Path) -> None:
    from ledgerxl.config import load_config
    from ledgerxl.jobs.validate import ValidateOptions, run_validate

    calls: list[tuple[int, int]] = []
    cfg = load_config(sample_dir / "ledgerxl.toml")
    run_validate(ValidateOptions(config=cfg, progress=lambda done, total: calls.append((done, total))))
    assert calls == [(i, 22) for i in range(1, 23)]
    old = os.getcwd()
    try:
        os.chdir(sample_dir)
        r = CliRunner().invoke(main, ["validate"], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert r.exit_code == 0, r.output
    assert "[#" not in r.output and "\r" not in r.output


def test_only_earlier_stops_early_with_the_same_answer() -> None:
    from ledgerxl.periods import Period, parse_period
    from ledgerxl.rules.periodrefs import Mention, _previous_end, mentions, only_earlier

    def by_definition(text: str, period: Period) -> list[Mention]:
        found = mentions(text)  # every mention, in text order
        for m in found:
            year = m.year or period.year
            if (m.month == 0 and m.year is None) or not (
                year < period.year or (year == period.year and m.month <= _previous_end(period))
            ):
                return []
        return list(found)

    rng = random.Random(9)
    pool = list("0123456789年度月份底末截至止到-~—季前第三一二四上下半全旬中目当本期以来现已，。 ")
    pool += ["1-9月", "2025年", "2024年", "上半年", "目前", "1-6月", "一季度", "1至3月"]
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 40))) for _ in range(5000)]
    for period in map(parse_period, ("2025Q1", "2025H1", "2025Q3", "2025FY")):
        for t in texts:
            assert only_earlier(t, period) == by_definition(t, period), (t, period)
