"""Hostile and broken inputs (tests/corpus/): each gets its finding, nothing else is disturbed.

The corpus generator is tests/corpus/make_corpus.py; the table of cases is tests/corpus/README.md.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import click
import pytest
from batchkit import ledger_rows
from helpers import ROOT, SAMPLE, docx_lines, invoke

from ledgerxl import codes
from ledgerxl.periods import parse_period
from ledgerxl.read.master import load_master
from ledgerxl.write.form import build_form

sys.path.insert(0, str(ROOT / "tests" / "corpus"))
import make_corpus  # noqa: E402
from make_corpus import CASES, Case  # noqa: E402

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
CJK = re.compile(r"[\u4e00-\u9fff]")
PY_NAME = re.compile(r"（[A-Za-z]*(?:Error|error|Exception|Forbidden|Zip)[A-Za-z]*）")
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("corpus")
    make_corpus.build(dest)
    return dest


def finding_lines(output: str, name: str, code: str) -> list[str]:
    """Console lines `[错误 E110] 空文件.xlsx…` for one file and code."""
    label = "警告" if code.startswith("W") else "错误"
    prefix = f"[{label} {code}] {name}"
    return [ln.strip() for ln in output.splitlines() if ln.strip().startswith(prefix)]


def test_corpus_size_and_codes() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    names = [f for c in CASES for f in c.files]
    assert len(set(names)) == len(names), "file names must be unique across cases (merged into one folder)"
    for c in CASES:
        assert c.code in codes.CODES, c


def test_readme_table_is_current() -> None:
    readme = (ROOT / "tests" / "corpus" / "README.md").read_text(encoding="utf-8")
    assert make_corpus.table() in readme, "regenerate with: python tests/corpus/make_corpus.py --table"


def _merge_case(corpus: Path, case: Case, out: Path) -> click.testing.Result:
    return invoke(
        [
            "merge",
            "--master",
            str(corpus / "master.xlsx"),
            "--period",
            "2025Q3",
            "--out",
            str(out),
            str(corpus / case.id),
        ]
    )


def _marks(case: Case) -> list[pytest.MarkDecorator]:
    """A case that needs a non-root reader runs in a child process when the suite runs as root; a case that
    shows a known defect is expected to fail, and must (strict), until the defect is fixed."""
    marks = [pytest.mark.subprocess] if case.needs_non_root else []
    if case.defect:
        marks.append(pytest.mark.xfail(strict=True, reason=case.defect))
    return marks


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=_marks(c)) for c in CASES])
def test_case_reports_its_code(corpus: Path, tmp_path: Path, case: Case) -> None:
    if case.needs_non_root and IS_ROOT:
        output = _run_without_file_access_powers(case, tmp_path)
    else:
        r = _merge_case(corpus, case, tmp_path / "out")
        output = r.output
        assert r.exit_code == (1 if case.code.startswith("E") else 0), output
    assert "Traceback" not in output
    for name in case.files:
        lines = finding_lines(output, name, case.code)
        assert lines, f"{case.id}: no {case.code} for {name!r} in\n{output}"
        message = lines[0].split("：", 1)[1]
        assert CJK.search(message), lines[0]
        assert not PY_NAME.search(message), lines[0]  # （BadZipFile）, （error）: nothing a clerk can act on
        hint = output.split(lines[0], 1)[1].splitlines()[1]
        assert hint.strip().startswith("处理办法：") and CJK.search(hint), hint
        if case.reads:  # read normally: the form's department and all its items, and no file-level code
            assert f"  {name}  {make_corpus.DEPT}  {len(make_corpus.ITEMS)} 项\n" in output, output
            assert not re.search(rf"\[错误 E1\d\d\] {re.escape(name)}", output), output


def _drop_dac_capabilities() -> None:
    """In the child, before exec: root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH obeys file modes."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _run_without_file_access_powers(case: Case, tmp_path: Path) -> str:
    """Root reads any file, so the permission case runs in a child that has lost root's file-access powers."""
    make_corpus.write_master(tmp_path / "master.xlsx")
    (tmp_path / "in").mkdir()
    case.make(tmp_path / "in")
    cmd = [sys.executable, "-m", "ledgerxl", "merge", "--master", str(tmp_path / "master.xlsx")]
    cmd += ["--period", "2025Q3", "--out", str(tmp_path / "out"), str(tmp_path / "in")]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, env=ENV, preexec_fn=_drop_dac_capabilities, timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        pytest.skip(f"cannot drop root's file-access capabilities here: {e}")
    assert r.returncode == 1, r.stdout + r.stderr
    return r.stdout + r.stderr


def test_file_named_like_an_option_given_on_the_command_line(corpus: Path, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "name-dash")
    path = corpus / case.id / case.files[0]
    args = ["merge", "--master", str(corpus / "master.xlsx"), "--period", "2025Q3", "--out", str(tmp_path)]
    r = invoke([*args, "--", str(path)])
    assert r.exit_code == 1
    assert finding_lines(r.output, "-rf --help.xlsx", "E207")


def _inputs_hashes(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.iterdir()):
        if p.is_file() and not p.is_symlink() and os.access(p, os.R_OK):
            out[p.name] = _sha(p)
    return out


@pytest.mark.slow
def test_merge_everything(sample_dir: Path, tmp_path: Path) -> None:
    """Acceptance 2: all corpus files + the 22 good forms: every bad file reported, all good ones read,
    and with --allow-errors the same ledger as the clean run. Run with --debug: not one traceback."""
    clean = tmp_path / "clean"
    r = invoke(["merge", "--config", str(sample_dir / "ledgerxl.toml"), "--out", str(clean)])
    assert r.exit_code == 0, r.output
    inbox = sample_dir / "submissions"
    good = sorted(p.name for p in inbox.iterdir())
    assert len(good) == 22
    cases = make_corpus.build_flat(inbox)
    before = _inputs_hashes(inbox)
    dirty = tmp_path / "dirty"
    r = invoke(
        ["--debug", "merge", "--config", str(sample_dir / "ledgerxl.toml"), "--out", str(dirty), "--allow-errors"]
    )
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    n_files = 22 + sum(len(c.files) for c in cases)
    assert f"读取报送文件 {n_files} 个：" in r.output
    for case in cases:
        for name in case.files:
            reported = [
                ln for ln in r.output.splitlines() if re.match(rf"\s*\[(错误|警告) [EW]\d+\] {re.escape(name)}", ln)
            ]
            assert reported, f"{name!r} not reported"
            assert any("[错误" in ln for ln in reported), f"{name!r} has no error, it could reach the ledger"
    for name in good:
        dept = name.split("-")[0]
        assert f"  {name}  {dept}  " in r.output
        assert not [ln for ln in r.output.splitlines() if f"] {name}" in ln], f"good file {name} got a finding"
    excluded = r.output.split("以下报送表有文件层面的错误，整份未纳入台账：", 1)[1].splitlines()[0].split("、")
    assert not set(excluded) & set(good)
    # the corpus forms with an error in one row of a department's form never displace that department's good
    # form (a newer version with errors does not replace one without: W316)
    assert "22/22 个单位已报送" in r.output
    # the same ledger: byte-identical outputs (they are deterministic), and the same text
    for name in ("台账.xlsx", "附件.docx"):
        assert _sha(dirty / name) == _sha(clean / name), name
    assert docx_lines(dirty / "附件.docx") == docx_lines(clean / "附件.docx")
    # inputs untouched
    assert _inputs_hashes(inbox) == before


@pytest.mark.slow
def test_failing_run_keeps_earlier_outputs(sample_dir: Path) -> None:
    """Blocked by findings (exit 1) and failing while rendering (exit 2): out/ is left exactly as it was."""
    assert invoke(["merge", "--config", str(sample_dir / "ledgerxl.toml")]).exit_code == 0
    out = sample_dir / "out"
    before = {p.name: _sha(p) for p in out.iterdir()}
    make_corpus.build_flat(sample_dir / "submissions")
    r = invoke(["merge", "--config", str(sample_dir / "ledgerxl.toml")])
    assert r.exit_code == 1 and "未生成台账" in r.output
    published = {p.name: _sha(p) for p in out.iterdir() if p.name != "校验报告.xlsx"}  # the report is rewritten
    assert published == {k: v for k, v in before.items() if k != "校验报告.xlsx"}

    # item 7 has two departments; 20,000 characters each fit a cell, together they do not
    shutil.rmtree(sample_dir / "submissions")
    (sample_dir / "submissions").mkdir()
    master = load_master(sample_dir / "挂牌事项清单.xlsx")
    for dept in master.items[6].departments:
        items = master.items_of(dept)
        text = {it.number: ("进" * 20000 if it.number == 7 else "已完成。") for it in items}
        (sample_dir / "submissions" / f"{dept}.xlsx").write_bytes(build_form(dept, items, parse_period("2025Q3"), text))
    # validate says so, and the ledger is published: 附件.docx whole, 台账.xlsx pointing there (W324)
    v = invoke(["validate", "--config", str(sample_dir / "ledgerxl.toml")])
    assert "[警告 W324]" in v.output and "第 7 项" in v.output and "40001 个字符" in v.output, v.output
    r = invoke(["merge", "--config", str(sample_dir / "ledgerxl.toml"), "--allow-errors"])
    assert r.exit_code == 0, r.output
    rows = {row[0]: row for row in ledger_rows(out / "台账.xlsx")}
    assert rows["7"][3] == "（各单位进展合计超过 Excel 单元格上限，全文见附件.docx。）"
    assert sum(line == "进" * 20000 for line in docx_lines(out / "附件.docx")) == 2


PAYLOADS = {
    "=SUM(1,2)": "=SUM(1,2)",
    "+SUM(1,2)": "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0": "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0": "@SUM(1+1)*cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.com","点我")': '=HYPERLINK("http://example.com","点我")',
    "已完成\x07年度\x1b目标\x0b的 75%。": "已完成年度目标的 75%。",  # control characters dropped, nothing else
    "𠀀𪚥 生僻字与表情 😀👍🏻\n第二段": "𠀀𪚥 生僻字与表情 😀👍🏻\n第二段",
}


@pytest.mark.parametrize("payload", list(PAYLOADS), ids=range(len(PAYLOADS)))
def test_published_text_is_text(sample_dir: Path, payload: str) -> None:
    """Formula and DDE payloads reach 台账.xlsx only as strings: proved on the sheet XML itself."""
    form = sample_dir / "submissions" / "市残联-2025年三季度.xlsx"
    master = load_master(sample_dir / "挂牌事项清单.xlsx")
    form.write_bytes(build_form("市残联", master.items_of("市残联"), parse_period("2025Q3"), {43: payload}))
    r = invoke(["merge", "--config", str(sample_dir / "ledgerxl.toml")])
    assert r.exit_code == 0, r.output
    want = PAYLOADS[payload]
    xlsx = sample_dir / "out" / "台账.xlsx"
    with zipfile.ZipFile(xlsx) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula anywhere
    row = 2 + 43  # title, header, then item 1 at row 3
    cell = re.search(rf'<c r="D{row}"[^>]*>(.*?)</c>', sheet, re.S)
    assert cell and 't="inlineStr"' in cell.group(0)  # a string (spliced in: xlsx_rows), not a formula or number
    from xml.sax.saxutils import escape

    assert cell.group(1) in (f"<is><t>{escape(want)}</t></is>", f'<is><t xml:space="preserve">{escape(want)}</t></is>')
    from python_calamine import CalamineWorkbook

    got = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name("台账").to_python()[row - 1][3]
    assert got == want
    lines = docx_lines(sample_dir / "out" / "附件.docx")
    assert all(ln in lines for ln in want.split("\n"))
    if want != payload:
        assert (
            "[警告 W320] 市残联-2025年三季度.xlsx / 填报表 / D5：第 43 项的进展情况含 3 个不可见的控制字符" in r.output
        )
    elif payload[0] in "=+-@":
        assert "[警告 W321] 市残联-2025年三季度.xlsx / 填报表 / D5：第 43 项的进展情况“" in r.output


BOMBS = ["sharedstrings-bomb", "ratio-bomb", "row-1048576", "far-corner", "wide-sheet"]
BOMBS += ["ods-repeat-rows", "ods-repeat-cells", "xxe", "billion-laughs", "sst-entity", "text-40000"]


def run_sampled(cmd: list[str], timeout: float = 300, cwd: Path | None = None) -> tuple[int, str, float]:
    """Exit code, output and the peak RSS (MB) of the process tree of `cmd` (benchmarks.run.TreeSampler)."""
    from benchmarks.run import TreeSampler

    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ENV, cwd=cwd) as p:
        sampler = TreeSampler(p.pid)
        sampler.start()
        out, _ = p.communicate(timeout=timeout)
        sampler.done.set()
        sampler.join()
    return p.returncode, out.decode("utf-8", "replace"), sampler.peak


@pytest.mark.subprocess
def test_bombs_finish_in_bounded_memory(corpus: Path, tmp_path: Path) -> None:
    """Acceptance 3: the bomb and entity cases, merged in a child process: the peak RSS of its whole
    process tree (the merge and its reading workers, sampled every 10 ms) stays under 300 MB."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    for cid in BOMBS:
        for name in next(c for c in CASES if c.id == cid).files:
            shutil.copy(corpus / cid / name, inbox / name)
    cmd = [sys.executable, "-m", "ledgerxl", "merge", "--master", str(corpus / "master.xlsx"), "--period", "2025Q3"]
    cmd += ["--out", str(tmp_path / "out"), str(inbox)]
    rc, output, peak_mb = run_sampled(cmd)
    assert rc == 1, output
    for cid in BOMBS:
        case = next(c for c in CASES if c.id == cid)
        assert finding_lines(output, case.files[0], case.code), (cid, output)
    print(f"peak RSS of the merge's process tree over {len(BOMBS)} bomb/entity files: {peak_mb:.0f} MB")
    assert peak_mb < 300


# The cases at the boundary's edges (cell references, part names, stated counts, repeat counts, .xls
# structures, big and odd CSV): each must end as a finding within the limits the boundary promises.
EDGES = ["far-corner-lowercase", "far-corner-spaces", "far-corner-tabs", "far-corner-gt-in-attribute"]
EDGES += ["row-11-digits", "row-8-digits", "cells-without-refs", "cells-without-refs-reaching-calamine"]
EDGES += [
    "sheet-name-case",
    "sheet-name-case-formula",
    "sheet-target-dot",
    "sheet-target-dotdot",
    "sheet-listed-200-times",
]
EDGES += ["sst-count-2-31", "sst-count-2-64", "bzip2-members", "lzma-members"]
EDGES += ["ods-rows-single-quotes", "ods-rows-spaces", "ods-rows-plus", "ods-cols-single-quotes"]
EDGES += ["ods-cols-spaces", "ods-cols-plus", "ods-text-s-billion"]
EDGES += ["xls-rebuilt", "xls-dimensions-2-32", "xls-fat-loop", "xls-fat-loop-directory", "xls-stream-size-4g"]
EDGES += ["xls-sheet-offset", "xls-far-corner"]
EDGES += ["csv-19mb-newlines", "csv-field-140000", "csv-utf16", "csv-utf32", "name-245-bytes"]
SECONDS, PEAK_MB = 10.0, 300.0


@pytest.mark.subprocess
@pytest.mark.parametrize("cid", EDGES)
def test_edge_case_finishes_in_bounded_time_and_memory(corpus: Path, tmp_path: Path, cid: str) -> None:
    """Each edge case merged alone in a child process: exit 0 or 1 (never 70 nor a signal), no traceback,
    under 10 s, and the peak RSS of the whole process tree (sampled every 10 ms) under 300 MB."""
    import time

    cmd = [sys.executable, "-m", "ledgerxl", "merge", "--master", str(corpus / "master.xlsx"), "--period", "2025Q3"]
    cmd += ["--out", str(tmp_path / "out"), str(corpus / cid)]
    start = time.perf_counter()
    rc, output, peak_mb = run_sampled(cmd, timeout=120)
    seconds = time.perf_counter() - start
    print(f"{cid}: exit {rc}, {seconds:.2f} s, peak RSS {peak_mb:.0f} MB")
    assert rc in (0, 1), output
    assert "Traceback" not in output and "程序内部错误" not in output, output
    assert seconds < SECONDS and peak_mb < PEAK_MB, (seconds, peak_mb)


def test_edges_are_cases() -> None:
    assert set(EDGES) <= {c.id for c in CASES}
    assert len(set(EDGES)) == len(EDGES)


def test_unsafe_input_never_reaches_a_parser(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the byte scan states exactly is refused before calamine/openpyxl open them (no expansion, no
    allocation). Files it cannot judge from their bytes (a far-corner cell) reach the parser in a worker
    under limits instead: E115 (test_case_reports_its_code)."""
    import python_calamine

    from ledgerxl.errors import ReadError
    from ledgerxl.read.grid import read_grids

    def never(*a: object, **k: object) -> None:
        raise AssertionError("parser reached")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", never)
    for cid in ["xxe", "billion-laughs", "sst-entity", "utf16-doctype", "sharedstrings-bomb", "ratio-bomb"]:
        case = next(c for c in CASES if c.id == cid)
        with pytest.raises(ReadError) as e:
            read_grids(corpus / cid / case.files[0])
        assert e.value.code == case.code


@pytest.mark.parametrize(
    "text,flagged",
    [
        ("=SUM(1,2)", True),
        ("@SUM(1)", True),
        ("+cmd(1)", True),
        ("完成cmd|' /C calc'!A0", True),
        ('=DDE("cmd";"/C calc";"A0")', True),
        ("-5%的降幅，同比收窄。", False),  # ordinary text starting with a minus sign
        ("- 完成一期工程", False),
        ("+ 新增 3 个项目", False),
        ("邮箱 a@b.cn 已开通", False),
    ],
)
def test_formula_like_text(text: str, flagged: bool) -> None:
    from ledgerxl.rules.content import looks_like_formula

    assert looks_like_formula(text) is flagged


def test_excel_length_counts_utf16_units_and_the_writer_refuses_to_cut() -> None:
    from ledgerxl.errors import OutputError
    from ledgerxl.text import excel_length
    from ledgerxl.write.ledger_xlsx import cell_safe

    assert excel_length("进展𠀀😀") == 6
    assert cell_safe("a\x07b\ufffec") == "abc"
    assert cell_safe("𠀀" * 16383) == "𠀀" * 16383  # 32,766 units
    with pytest.raises(OutputError) as e:
        cell_safe("𠀀" * 16384, "第 9 项的进展情况")  # 16,384 characters but 32,768 units
    assert (
        e.value.message == "第 9 项的进展情况合计 32768 个字符，超过 Excel 单元格上限 32767，台账.xlsx 无法完整写入。"
    )


def test_master_list_is_checked_too(corpus: Path, tmp_path: Path) -> None:
    """The master list goes through the same reader, so the same checks refuse a hostile one."""
    bad = tmp_path / "挂牌事项清单.xlsx"
    shutil.copy(corpus / "billion-laughs" / "实体炸弹.xlsx", bad)
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(SAMPLE / "submissions" / "市残联-2025年三季度.xlsx", inbox)
    r = invoke(["merge", "--master", str(bad), "--period", "2025Q3", "--out", str(tmp_path / "out"), str(inbox)])
    assert r.exit_code == 2
    want = "文件内部的 xl/worksheets/sheet1.xml 含有 DOCTYPE/ENTITY 声明，出于安全原因拒绝读取。"
    assert f"错误：挂牌事项清单 {bad}：{want}" in r.output
    assert not (tmp_path / "out").exists()
