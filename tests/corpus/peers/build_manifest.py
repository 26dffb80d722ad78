"""Copy the peers' corpus from other projects' test suites and record how ledgerxl and calamine fare.

    python tests/corpus/peers/build_manifest.py --mirrors DIR   # copy the files anew, then measure
    python tests/corpus/peers/build_manifest.py                 # measure the files already in files/

DIR holds bare git snapshots named owner+name/repo (as the session's `fetch` leaves them); each file is
read from that snapshot's HEAD. Measuring runs `python -m ledgerxl validate` and a python-calamine probe on
every file, each in its own process under a 60 s timeout and a 4,000,000,000-byte address-space cap, and
writes manifest.csv. Run it from anywhere: paths are taken from this file's place in the repository.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
FILES = HERE / "files"
LICENCES = HERE / "licences"
MANIFEST = HERE / "manifest.csv"
MASTER = Path("sample_inputs/2025-q3/挂牌事项清单.xlsx")
PERIOD = "2025Q3"
TIMEOUT = 60.0
MEMORY_CAP = 4_000_000_000  # bytes of address space, as `prlimit --as=4000000000`
MAX_BYTES = 200 * 1024


def file_level(code: str) -> bool:
    """E1xx codes judge the file itself (E101 unreadable ... E114 no visible sheet, E115 unsafe to read);
    E103 (no header) is about the content of a file that was read."""
    return code.startswith("E1") and code != "E103"


@dataclass(frozen=True)
class Project:
    mirror: str  # owner+name under the mirrors folder
    url: str
    spdx: str
    licence_file: str  # path of the licence file in that repository


PROJECTS = {
    "calamine": Project("tafia+calamine", "https://github.com/tafia/calamine", "MIT", "LICENSE-MIT.md"),
    "python-calamine": Project(
        "dimastbk+python-calamine", "https://github.com/dimastbk/python-calamine", "MIT", "LICENSE"
    ),
    "roo": Project("roo-rb+roo", "https://github.com/roo-rb/roo", "MIT", "LICENSE"),
    "frictionless-py": Project(
        "frictionlessdata+frictionless-py", "https://github.com/frictionlessdata/frictionless-py", "MIT", "LICENSE.md"
    ),
    "PhpSpreadsheet": Project(
        "PHPOffice+PhpSpreadsheet", "https://github.com/PHPOffice/PhpSpreadsheet", "MIT", "LICENSE"
    ),
    "XlsxWriter": Project(
        "jmcnamara+XlsxWriter", "https://github.com/jmcnamara/XlsxWriter", "BSD-2-Clause", "LICENSE.txt"
    ),
}


@dataclass(frozen=True)
class Entry:
    project: str
    source_path: str
    kind: str
    suffix: str = ""  # appended to the copy's name (only for PhpSpreadsheet's .dontuse workbooks)

    @property
    def name(self) -> str:
        return f"{self.project}--{Path(self.source_path).name}{self.suffix}"


C = "calamine"
PC = "python-calamine"
R = "roo"
F = "frictionless-py"
P = "PhpSpreadsheet"
X = "XlsxWriter"
PX = "tests/data/Reader/"
XW = "xlsxwriter/test/comparison/xlsx_files/"

SELECTION = [
    # calamine (Rust): regression files for its xls/xlsx/xlsb/ods readers
    Entry(C, "tests/capitalized_wbook_stream.xls", "BIFF8 .xls whose workbook stream is named BOOK (upper case)"),
    Entry(C, "tests/biff5-rich-text-string.xls", "BIFF5 .xls with RSTRING rich text; Book and WorkBook streams"),
    Entry(C, "tests/issue_271.xls", "BIFF8 .xls with an ETExtData stream (written by WPS/Kingsoft ET)"),
    Entry(C, "tests/OOM_alloc3.xls", "hostile .xls that made calamine over-allocate (OOM regression)"),
    Entry(C, "tests/too_small.xls", "68-byte text file named .xls (an e-mail 'attachment not found' stub)"),
    Entry(C, "tests/any_sheets.xlsx", "visible, hidden and very hidden worksheets and a chart sheet"),
    Entry(C, "tests/issue_666_panic.xlsb", ".xlsb with an unmatched workbook record that made calamine panic"),
    Entry(C, "tests/strict_iso_paths.xlsx", "Strict OOXML (purl.oclc.org namespaces, ISO relationship paths)"),
    Entry(C, "tests/minimal_package.xlsx", "parts at the zip root (no xl/ folder), non-standard part names"),
    Entry(C, "tests/inlineStr_cdata.xlsx", "inline strings (t=inlineStr) holding CDATA sections"),
    Entry(C, "tests/issue_261.xlsx", "cells and rows without r= references"),
    Entry(C, "tests/issue_174.xlsx", "written by Gnumeric; styled empty cells out to XFD1048576 (sparse, huge)"),
    Entry(C, "tests/covered.ods", "LibreOffice .ods with covered cells behind merged ranges"),
    Entry(C, "tests/issue_594_dos.ods", "hostile .ods: repeat attributes claim 999,999,999 rows and columns"),
    Entry(C, "tests/pass_protected.xlsx", "password-encrypted OOXML (OLE container with EncryptedPackage)"),
    Entry(C, "tests/pass_protected.ods", "password-encrypted .ods (manifest encryption-data)"),
    # python-calamine: the binding ledgerxl reads with
    Entry(PC, "tests/data/empty_file.xlsx", "0-byte file named .xlsx"),
    Entry(PC, "tests/data/password.xls", "BIFF8 .xls, RC4-encrypted with a user password"),
    Entry(PC, "tests/data/password.xlsb", "password-encrypted .xlsb (OLE EncryptedPackage)"),
    # roo (Ruby): files from many producers
    Entry(R, "test/files/strict.xlsx", "Strict OOXML written by Excel for Mac 16"),
    Entry(R, "test/files/numbers-export.xlsx", "exported by Apple Numbers"),
    Entry(R, "test/files/boolean-from-google-sheets.xlsx", "exported by Google Sheets (no docProps/app.xml)"),
    Entry(R, "test/files/comments-google.xlsx", "Google Sheets export with comments (VML drawing)"),
    Entry(R, "test/files/Pfand_from_windows_phone.xlsx", "written by Excel on Windows Phone"),
    Entry(R, "test/files/hidden_sheets.xlsx", "workbook with hidden sheets"),
    Entry(R, "test/files/type_openoffice.xlsx", "an OpenOffice .ods file named .xlsx"),
    Entry(R, "test/files/type_excelx.ods", "an .xlsx file named .ods"),
    Entry(R, "test/files/encrypted-letmein.ods", "password-encrypted .ods (password letmein)"),
    # frictionless-py: CSV dialects and encodings, small LibreOffice workbooks
    Entry(F, "data/bom.csv", "CSV in UTF-8 with BOM, CJK text"),
    Entry(F, "data/table-infer-iso-8859-7.csv", "CSV in ISO-8859-7 (Greek)"),
    Entry(F, "data/delimiter.csv", "semicolon-delimited CSV, UTF-8 with CJK text"),
    Entry(F, "data/table.tsv", "tab-delimited .tsv, UTF-8 with CJK text"),
    Entry(F, "data/table-output.ods", ".ods written by ezodf (Python), not an office suite"),
    Entry(F, "data/multiline-headers.xlsx", "LibreOffice .xlsx with a header spread over several rows"),
    Entry(F, "data/issue-313.xlsx", "LibreOffice .xlsx 1,024 columns wide"),
    Entry(F, "data/merged-cells.xls", "BIFF8 .xls with merged cells"),
    # PhpSpreadsheet (PHP): security and regression files
    Entry(P, PX + "XLSX/Zip-Windows-Directory-Separator.xlsx", "zip members named with backslashes (xl\\workbook.xml)"),
    Entry(P, PX + "XLSX/rootZipFiles.xlsx", "workbook.xml and stylesheet.xml at the zip root, .DS_Store member"),
    Entry(P, PX + "XLSX/2x6m.dontuse", "huge dimension claimed: an empty row r=999999999", ".xlsx"),
    Entry(P, PX + "XLSX/utf8entity.dontuse", "XXE: DOCTYPE/ENTITY in sharedStrings.xml (UTF-8)", ".xlsx"),
    Entry(P, PX + "XLSX/utf7white.dontuse", "XXE hidden by a UTF-7 encoding declaration", ".xlsx"),
    Entry(P, PX + "XLSX/ebcdic.dontuse", "XXE hidden in workbook.xml encoded as EBCDIC", ".xlsx"),
    Entry(P, PX + "XLSX/utf16be.bom.xlsx", "XML parts in UTF-16BE with a BOM"),
    Entry(P, PX + "XLSX/issue.3613.xlsx", "written by WPS Office"),
    Entry(P, PX + "XLS/RichTextFontSize.xls", "BIFF8 .xls with rich text, ETExtData stream (WPS/Kingsoft ET)"),
    Entry(P, PX + "XLS/maccentraleurope.biff5.xls", "BIFF5 .xls in the Mac Central European code page"),
    Entry(P, PX + "XLS/oleloop.xls", "hostile 1 KB OLE file whose FAT chain loops"),
    Entry(P, PX + "XLS/pr.4687.excel.badendian.xls", "OLE header with a wrong byte-order mark"),
    Entry(P, PX + "XLS/pwtest.xls", "BIFF8, RC4 with the default password VelvetSweatshop (Excel asks none)"),
    Entry(P, PX + "XLS/pwtest3.xls", "BIFF8 encrypted with RC4 CryptoAPI"),
    Entry(P, PX + "Ods/corruptMeta.ods", "LibreOffice .ods whose meta.xml is corrupt"),
    Entry(P, PX + "CSV/premiere.utf16lebom.csv", "CSV in UTF-16LE with BOM"),
    Entry(P, PX + "CSV/encoding.utf16le.csv", "CSV in UTF-16LE without BOM"),
    Entry(P, PX + "CSV/sep.csv", "CSV starting with Excel's sep=; line, semicolon-delimited"),
    # XlsxWriter: reference files saved by Excel itself
    Entry(X, XW + "rich_string01.xlsx", "Excel-saved: rich text (several runs) in a shared string"),
    Entry(X, XW + "merge_range01.xlsx", "Excel-saved: merged range"),
    Entry(X, XW + "defined_name01.xlsx", "Excel-saved: global and sheet-local defined names, print area"),
    Entry(X, XW + "formula_results01.xlsx", "Excel-saved: formulas with cached results"),
    Entry(X, XW + "macro01.xlsm", "Excel-saved .xlsm with a VBA project"),
    Entry(X, XW + "unicode_shift_jis.xlsx", "Excel-saved: Japanese text (from a Shift-JIS source)"),
]

CALAMINE_PROBE = """
import sys
from python_calamine import CalamineWorkbook
try:
    wb = CalamineWorkbook.from_path(sys.argv[1])
    for i in range(len(wb.sheet_names)):
        wb.get_sheet_by_index(i).to_python()
except BaseException as e:
    print(type(e).__name__)
    print(str(e)[:300].replace("\\n", " "), file=sys.stderr)
else:
    print("ok")
"""


def git_show(mirrors: Path, project: str, path: str) -> bytes:
    repo = mirrors / PROJECTS[project].mirror / "repo"
    return subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True, capture_output=True).stdout


def copy_files(mirrors: Path) -> None:
    """Each selected file, and each project's licence file (as licences/<project>--<licence file>)."""
    FILES.mkdir(exist_ok=True)
    LICENCES.mkdir(exist_ok=True)
    for e in SELECTION:
        data = git_show(mirrors, e.project, e.source_path)
        if len(data) > MAX_BYTES:
            raise SystemExit(f"{e.name}: {len(data)} bytes, over {MAX_BYTES}")
        (FILES / e.name).write_bytes(data)
    for name, project in PROJECTS.items():
        (LICENCES / f"{name}--{project.licence_file}").write_bytes(git_show(mirrors, name, project.licence_file))


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


@dataclass
class Run:
    returncode: int | None  # None: timed out and killed
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float


def run_capped(cmd: list[str]) -> Run:
    """Run cmd from the repository root under the caps; wait4 gives this child's own peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err, preexec_fn=_cap, start_new_session=True)
        status, usage, timed_out = 0, None, False
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > TIMEOUT:
                os.killpg(p.pid, signal.SIGKILL)
                _, status, usage = os.wait4(p.pid, 0)
                timed_out = True
                break
            time.sleep(0.01)
        seconds = time.monotonic() - start
        p.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        return Run(
            None if timed_out else p.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            usage.ru_maxrss / 1024 if usage else 0.0,
        )


def calamine_outcome(path: Path, python: str) -> str:
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        return "n/a"
    r = run_capped([python, "-c", CALAMINE_PROBE, str(path)])
    if r.returncode is None:
        return "timeout"
    if r.returncode < 0:
        return f"crash ({signal.Signals(-r.returncode).name})"
    return r.stdout.strip().splitlines()[-1] if r.stdout.strip() else f"exit {r.returncode}"


def measure(python: str) -> list[dict[str, str]]:
    rows = []
    for e in sorted(SELECTION, key=lambda e: e.name.lower()):
        path = FILES / e.name
        rel = path.relative_to(ROOT)
        r = run_capped(
            [python, "-m", "ledgerxl", "validate", "--master", str(MASTER), "--period", PERIOD]
            + ["--format", "json", str(rel)]
        )
        try:
            found = json.loads(r.stdout)
            codes = sorted({f["code"] for f in found})
        except (ValueError, TypeError, KeyError):
            codes = []
        traceback = "Traceback (most recent call last)" in r.stderr
        cal = calamine_outcome(path, python)
        if r.returncode is None:
            outcome = "timeout"
        elif traceback or r.returncode not in (0, 1):
            outcome = f"failed (exit {r.returncode})"
        elif any(file_level(c) for c in codes):
            outcome = "refused"
        else:
            outcome = "read"
        project = PROJECTS[e.project]
        rows.append(
            {
                "file": e.name,
                "project": e.project,
                "source_path": e.source_path,
                "licence": project.spdx,
                "licence_file": project.licence_file,
                "kind": e.kind,
                "calamine": cal,
                "ledgerxl_exit": "timeout" if r.returncode is None else str(r.returncode),
                "ledgerxl_codes": " ".join(codes),
                "traceback": "yes" if traceback else "no",
                "seconds": f"{r.seconds:.2f}",
                "outcome": outcome,
                "false_refusal": "yes" if outcome == "refused" and cal == "ok" else "no",
                "max_rss_mb": f"{r.max_rss_mb:.0f}",
                "bytes": str(path.stat().st_size),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
        )
        print(f"{e.name}: exit {rows[-1]['ledgerxl_exit']} {' '.join(codes)} | calamine {cal}", file=sys.stderr)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirrors", type=Path, help="folder of owner+name/repo bare snapshots; copy files anew")
    ap.add_argument("--python", default=sys.executable, help="interpreter with ledgerxl and python-calamine")
    args = ap.parse_args()
    if args.mirrors:
        copy_files(args.mirrors)
    rows = measure(args.python)
    with open(MANIFEST, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
