"""The plain pipeline: the fastest merge a developer who skips every check would write.

python-calamine reads the first sheet of the master list and of every form in the inbox (values only, one
call per file); the header row is the one holding 序号 and 进展情况 (全年完成情况 in an annual form), the
department is the cell right of 填报单位; progress goes into a dict keyed by item number and is joined in
the master's department order; xlsxwriter writes 台账.xlsx with plain write_string / write_number and one
wrap format; 附件.docx is one XML string for word/document.xml (a table, a row per item) zipped with the
two other parts a .docx needs. One process, no workers, no safety scan, no validation, no messages: a
file that is not what it should be crashes it or is silently misread.

It is the floor `ledgerxl merge` is held to (README "Performance", targets 5a/5b): whatever merge spends
beyond it is the price of its checks, its layout and its workers. Unlike the naive baseline it does not
pretend to do merge's job; it only moves the same data from the same files into the same two outputs.

Run by the runner in a fresh subprocess:  python -m benchmarks.plain CONFIG OUTDIR [wall|cpu]
Prints one JSON object with the seconds of each stage, as benchmarks/naive.py does, and of the imports.
"""

from __future__ import annotations

import json
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PLACEHOLDER = "（未报送）"  # ledgerxl's default when no department reported an item

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
# The package relationship to the main part: without it neither Word nor python-docx finds the document.
# word/_rels/document.xml.rels is left out: the document refers to no style, image or footer.
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/>'
    "</Relationships>"
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# The schema requires w:tblPr and w:tblGrid in a w:tbl (and a w:p in each w:tc), and Word rejects a file
# that breaks it; the borders are what makes it look like a table at all.
_BORDER = 'w:val="single" w:sz="4" w:space="0" w:color="000000"'
_TABLE_START = (
    '<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/><w:tblBorders>'
    + "".join(f"<w:{side} {_BORDER}/>" for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    + '</w:tblBorders></w:tblPr><w:tblGrid><w:gridCol w:w="800"/><w:gridCol w:w="4000"/>'
    '<w:gridCol w:w="9000"/></w:tblGrid>'
)
# A4 portrait, as merge's attachment (without it Word takes Letter); a constant, no cost.
_SECTION = '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr>'


def _esc(text: str) -> str:
    # The three replaces html.escape(quote=False) does, inline (0.28 µs for a 240-character text against
    # its 0.31 µs, timeit); a line break inside a run is a w:br, as Word shows "\n" in w:t as a space.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\n", '</w:t><w:br/><w:t xml:space="preserve">') if "\n" in text else text


def _para(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{_esc(text)}</w:t></w:r></w:p>'


def _cells(cells: tuple[str, ...]) -> str:
    return "<w:tr>" + "".join(f"<w:tc>{_para(c)}</w:tc>" for c in cells) + "</w:tr>"


def document_xml(title: str, rows: list[tuple[int, str, str, str]]) -> str:
    """word/document.xml: 附件, the title, a table 序号 / 事项内容 / 进展情况 with a row per item.

    A list of strings joined once, no element tree: at 10k this is 11 MB of XML built in 0.02 s, and
    deflating it (zlib's default level 6, as merge's writer) takes the docx stage's other 0.13 s."""
    parts = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W}"><w:body>',
        _para("附件"),
        _para(title),
        _TABLE_START,
        _cells(("序号", "事项内容", "进展情况")),
    ]
    parts += [_cells((str(n), text, progress)) for n, text, _, progress in rows]
    parts += ["</w:tbl>", _para(""), _SECTION, "</w:body></w:document>"]
    return "".join(parts)


def _rows(path: Path) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    rows: list[list[Any]] = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    return rows


def _header(rows: list[list[Any]]) -> tuple[int, str]:
    """The header row's index (-1: none) and the department, the cell right of 填报单位 above it."""
    department = ""
    for h, row in enumerate(rows):
        if "填报单位" in row:
            department = row[row.index("填报单位") + 1]
        if "序号" in row and ("进展情况" in row or "全年完成情况" in row):
            return h, department
    return -1, department


def run(config: Path, out: Path, clock: Callable[[], float] = time.perf_counter) -> dict[str, float]:
    # The cyclic GC stays on (merge pauses it): at 10k, gc.disable() changed no stage by more than the
    # run-to-run noise (medians of 5: read 0.163 s against 0.168 s, xlsx 0.375 s against 0.400 s).
    # The two libraries are imported first and timed apart (the end-to-end time includes them): the
    # stages then measure work, as ledgerxl's do (benchmarks/stages.py), and the stage table's
    # ledgerxl/plain row compares like with like. xlsxwriter alone takes 0.03 s, a 22-form sample's xlsx.
    ti = clock()
    import python_calamine  # noqa: F401
    import xlsxwriter

    t0 = clock()
    cfg = tomllib.loads(config.read_text(encoding="utf-8"))
    base = config.parent
    master = _rows(base / cfg["master"])
    head = master[0]
    i_num, i_text, i_dept = head.index("序号"), head.index("事项内容"), head.index("责任单位")
    items = [(int(r[i_num]), r[i_text], r[i_dept]) for r in master[1:] if r[i_num] != ""]

    progress: dict[int, dict[str, str]] = {}
    for f in sorted((base / cfg["inbox"]).glob("*.xlsx")):
        rows = _rows(f)
        h, department = _header(rows)
        if h < 0:
            continue  # not a form: skipped without a word
        cols = rows[h]
        i_n = cols.index("序号")
        i_p = cols.index("进展情况") if "进展情况" in cols else cols.index("全年完成情况")
        for r in rows[h + 1 :]:
            if r[i_n] != "":
                progress.setdefault(int(r[i_n]), {})[department] = r[i_p]
    t1 = clock()

    placeholder = cfg.get("placeholder", PLACEHOLDER)
    ledger: list[tuple[int, str, str, str]] = []
    for n, text, departments in items:
        got = progress.get(n, {})
        texts = [got[d] for d in departments.split("、") if d in got]
        ledger.append((n, text, departments, "\n".join(texts) if texts else placeholder))
    title = f"{cfg['period']} {cfg.get('org', '')}政府工作报告公开挂牌事项进展情况台账"
    t2 = clock()

    out.mkdir(parents=True, exist_ok=True)
    # xlsxwriter's default mode, not constant_memory: measured at 10k (2 cores, 5 runs each, medians),
    # constant_memory took 0.39 s for this sheet against 0.31 s (0.78 s against 0.72 s for the whole
    # process) for 5 MB less peak memory. Its inline strings go through a regex escape and a text-file
    # write per cell; the default keeps one shared-string table and writes each string once.
    wb = xlsxwriter.Workbook(str(out / "台账.xlsx"))
    ws = wb.add_worksheet("台账")
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws.set_column(0, 0, 6)  # widths only: each cell carries the wrap format itself
    ws.set_column(1, 2, 30)
    ws.set_column(3, 3, 80)
    ws.write_string(0, 0, title)
    for c, name in enumerate(("序号", "事项内容", "责任单位", "进展情况")):
        ws.write_string(1, c, name)
    for i, (n, text, departments, joined) in enumerate(ledger, start=2):
        ws.write_number(i, 0, n)
        ws.write_string(i, 1, text, wrap)
        ws.write_string(i, 2, departments, wrap)
        ws.write_string(i, 3, joined, wrap)
    wb.close()
    t3 = clock()

    # zlib's default level, as merge's: level 1 saves 0.08 s at 10k but writes 1.9 MB instead of 1.2 MB
    with zipfile.ZipFile(out / "附件.docx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", document_xml(title, ledger))
    t4 = clock()
    return {
        "read": t1 - t0,
        "validate": 0.0,  # none: the stage is kept so that the runner reads every pipeline alike
        "merge": t2 - t1,
        "xlsx": t3 - t2,
        "docx": t4 - t3,
        "imports": t0 - ti,
        "rows": float(len(ledger)),
        "entries": float(sum(len(v) for v in progress.values())),
    }


def main(argv: list[str]) -> int:
    clock = time.process_time if len(argv) > 2 and argv[2] == "cpu" else time.perf_counter
    print(json.dumps(run(Path(argv[0]), Path(argv[1]), clock)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
