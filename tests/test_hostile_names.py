"""Hostile file names and cell texts on the terminal, in the batch log and in the annotated copy: terminal
escape sequences (ESC [2J clears the screen, OSC 0 retitles the window), U+202E (shows the rest of a line
backwards), a newline that would forge a log line, and a file name that is a spreadsheet formula."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from batchkit import batch_argv, master_of, subprocess_env

from ledgerxl.periods import parse_period
from ledgerxl.write.form import build_form

KEJI = "市科技局"
# the name of a readable form: clear the screen, set the window title, then turn the line around
ESCAPES = "\x1b[2J\x1b]0;title\x07\u202e报送表.xlsx"
# the name of an empty file (refused unread, so the batch logs its name): the same, and a forged log line
FORGED = "\x1b[31m空\u202e文件\n2025-10-01 00:00:00,000 ERROR [1] 伪造的日志行.xlsx"
# the name of a readable form (市财政局's): a newline and a forged line
FORGED_FORM = "市财政局-更正\n2025-10-01 00:00:00,000 INFO [1] 伪造的第二行.xlsx"
FORGED_LINE = "2025-10-01 00:00:00,000"
CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")  # what may not reach a terminal
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) \[\d+\] ")


def hostile_inbox(work: Path) -> None:
    """The sample's inbox with 市科技局's form under ESCAPES, its 填报单位 cell holding ESC [31m (red)
    before the name, an empty file under FORGED, and 市财政局's form renamed to FORGED_FORM."""
    items = master_of(work).items_of(KEJI)
    progress = {it.number: "已完成年度目标的百分之八十，第二阶段工程正在推进。" for it in items}
    data = build_form(f"\x1b[31m{KEJI}", items, parse_period("2025Q3"), progress)
    inbox = work / "submissions"
    (inbox / ESCAPES).write_bytes(data)
    (inbox / FORGED).write_bytes(b"")
    (inbox / "市财政局-2025年三季度.xlsx").rename(inbox / FORGED_FORM)


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, env=subprocess_env(), timeout=120)


def assert_clean(what: str, raw: bytes) -> str:
    text = raw.decode("utf-8")
    found = sorted({f"U+{ord(c):04X}" for c in CONTROLS.findall(text)})
    assert not found, f"{what} carries raw control characters {found}:\n{text}"
    return text


@pytest.mark.slow
@pytest.mark.subprocess
def test_escape_sequences_never_reach_the_terminal(sample_dir: Path) -> None:
    """validate (text and JSON, with --annotate) prints the names and the cell written out: \\x1b, \\u202e."""
    hostile_inbox(sample_dir)
    py = [sys.executable, "-m", "ledgerxl"]
    r = run([*py, "validate", "--annotate", str(sample_dir / "批注"), "submissions"], sample_dir)
    out = assert_clean("validate's stdout", r.stdout)
    assert_clean("validate's stderr", r.stderr)
    assert r.returncode in (0, 1) and "Traceback" not in out + r.stderr.decode(), out
    assert "\\x1b[2J\\x1b]0;title\\x07\\u202e报送表.xlsx" in out, out  # named, written out
    assert "\\x1b[31m空\\u202e文件\\n2025-10-01" in out, out
    j = run([*py, "validate", "--format", "json", "--annotate", str(sample_dir / "批注2"), "submissions"], sample_dir)
    assert_clean("validate --format json's stdout", j.stdout)
    assert_clean("validate --format json's stderr", j.stderr)
    assert j.returncode in (0, 1), j.stdout.decode() + j.stderr.decode()


@pytest.mark.slow
@pytest.mark.subprocess
def test_a_newline_in_a_file_name_never_starts_a_console_line(sample_dir: Path) -> None:
    """Every line validate (text and JSON) and status print is their own: a name's newline is written out
    (\\n), as the findings and merge's list of files already do."""
    hostile_inbox(sample_dir)
    py = [sys.executable, "-m", "ledgerxl"]
    runs = {
        fmt: run([*py, "validate", "--format", fmt, "--annotate", str(sample_dir / fmt), "submissions"], sample_dir)
        for fmt in ("text", "json")
    }
    assert run(batch_argv(sample_dir), sample_dir).returncode in (0, 1)
    runs["status"] = run([*py, "status"], sample_dir)
    forged = {}
    for what, r in runs.items():
        text = r.stdout.decode() + r.stderr.decode()
        assert r.returncode in (0, 1) and "Traceback" not in text, text
        forged[what] = [ln for ln in text.splitlines() if ln.startswith(FORGED_LINE)]
    assert not any(forged.values()), forged


@pytest.mark.subprocess
def test_escape_sequences_never_reach_the_batch_console_or_log(sample_dir: Path) -> None:
    """batch's console and ledgerxl.log: no raw ESC, BEL or U+202E, and every log line is a record of its
    own, starting with its time (the newline in FORGED is written out, not a new line)."""
    hostile_inbox(sample_dir)
    r = run(batch_argv(sample_dir), sample_dir)
    out = assert_clean("batch's stdout", r.stdout)
    err = assert_clean("batch's stderr", r.stderr)
    assert r.returncode in (0, 1) and "Traceback" not in out + err, out + err
    log = assert_clean("ledgerxl.log", (sample_dir / "ledgerxl.log").read_bytes())
    lines = log.splitlines()
    assert lines and all(LOG_LINE.match(ln) for ln in lines), log
    assert not [ln for ln in lines if ln.startswith(FORGED_LINE)], log
    assert "拒绝读取 \\x1b[31m空\\u202e文件\\n2025-10-01 00:00:00,000 ERROR [1] 伪造的日志行.xlsx：" in log, log
    assert "市科技局 的当前版本：\\x1b[2J\\x1b]0;title\\x07\\u202e报送表.xlsx\n" in log, log
    assert "市财政局 的当前版本：市财政局-更正\\n2025-10-01 00:00:00,000 INFO [1] 伪造的第二行.xlsx\n" in log, log


def test_annotated_copy_of_a_file_named_like_a_formula(
    sample_dir: Path, unchanged_h1_ledger: Path, tmp_path: Path
) -> None:
    """问题清单!A1 starts with the file's name: for `=1+1+cmd|' -C calc'!A0.xlsx` it must be a string
    (openpyxl reads it back as data_type "s"), and no sheet of the copy holds a formula."""
    import openpyxl
    from helpers import invoke

    name = "=1+1+cmd|' -C calc'!A0.xlsx"
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / name).write_bytes((sample_dir / "submissions" / f"{KEJI}-2025年三季度.xlsx").read_bytes())
    out = tmp_path / "批注"
    previous = str(unchanged_h1_ledger)  # W301: the form has findings, so it gets a copy
    cfg = str(sample_dir / "ledgerxl.toml")
    r = invoke(["validate", "--config", cfg, "--previous", previous, "--annotate", str(out), str(inbox)])
    assert r.exit_code in (0, 1), r.output
    copy = out / f"{KEJI}-=1+1+cmd|' -C calc'!A0（校验意见）.xlsx"
    assert copy.is_file(), r.output
    wb = openpyxl.load_workbook(copy)
    a1 = wb["问题清单"]["A1"]
    assert a1.data_type == "s", (a1.data_type, a1.value)
    assert str(a1.value).startswith(name), a1.value
    with zipfile.ZipFile(copy) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        assert sheets
        for part in sheets:
            xml = z.read(part)
            assert b"<f>" not in xml and b"<f " not in xml, part
