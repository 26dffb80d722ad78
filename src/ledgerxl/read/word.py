"""A department's reply written in Word (.docx) instead of the Excel form, as cell grids.

Each top-level table of the document becomes one Grid (表1, 表2, …), laid out as a spreadsheet of the same
table would be, so that read.submission reads it by the same rules:

- a cell's text is its paragraphs joined with "\\n" (a paragraph break is a line break, as Alt+Enter in
  Excel), its runs' w:t with w:tab as "\\t" and w:br/w:cr as "\\n"; tracked changes read as accepted
  (w:ins and w:moveTo kept, w:del, w:moveFrom and w:delText dropped, a deleted paragraph mark joins
  two paragraphs, a deleted row is no row);
- a cell spanning columns (w:gridSpan, at most MAX_SPAN) fills its first column, the others are empty,
  and a merged range (r1, c1, r2, c2) says so; a vertically merged cell (w:vMerge) keeps its text in the
  first row and leaves the rows under it empty within a merged range, exactly as calamine shows a merged
  Excel cell: a 序号 merged over several rows continues one item, a 进展情况 merged over several items is
  E209, as for a spreadsheet;
- the row and column numbers are the table's own (row 1 is the table's first row, w:gridBefore keeps
  the columns in place), so that "第 5 行" in a finding is the fifth row of the Word table.

The labelled lines around the table (填报单位：市科技局, 报告期：2025年三季度, 联系人：…, 填报日期：…),
which a Word reply writes as paragraphs above or below the table, are added to every grid as rows under
the table's own rows, one "label：value" cell each: read.submission's meta-cell logic reads them as it
reads a 填报日期 line under a spreadsheet's table (which label means what stays its decision).

document.xml is parsed with defusedxml (no DTD, no entities) after read.safety.check_file has passed the
whole file; every failure is a ReadError.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ledgerxl import codes
from ledgerxl.errors import ReadError, os_reason
from ledgerxl.model import Grid
from ledgerxl.read.grid import MAX_CELLS, MAX_ROWS, Workbook, find_header, norm_header
from ledgerxl.read.safety import MAX_UNPACKED_BYTES, check_file

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

WORD_SUFFIXES = (".docx",)
REQUIRED = ("number", "progress")  # what read.submission needs of a header (its REQUIRED)
MAX_SPAN = 64  # a Word table has at most 63 columns; gridSpan="300000000" would make 300 million cells
MAX_DEPTH = 32  # content controls and nested tables deeper than this are not read
MAX_LABEL = 8  # characters of a label, brackets aside (META_LABELS' longest is 4)
MAX_META_ROWS = 50  # labelled lines taken from outside the tables (a reply has four or five)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_DOCUMENT = "word/document.xml"
_RESAVE = "请用 Word/WPS 打开后另存为新的 .docx 再报送，或改用下发的 Excel 填报表。"

# block-level wrappers whose content is part of the document: content controls and custom XML
_WRAPPERS = frozenset({W + "sdt", W + "sdtContent", W + "customXml"})
# inside a paragraph: what is not text a reader sees (deleted or moved-away runs, properties with their
# tab stops, drawings, text boxes and the fallback copies of them)
_SKIP = frozenset(
    {
        W + "del",
        W + "moveFrom",
        W + "pPr",
        W + "rPr",
        W + "drawing",
        W + "pict",
        W + "object",
        _MC + "AlternateContent",
    }
)
_TEXT = {W + "t": None, W + "tab": "\t", W + "ptab": "\t", W + "br": "\n", W + "cr": "\n", W + "noBreakHyphen": "-"}

# a labelled line: a short label (填报单位, 填报单位（盖章）, 联系电话) and a colon, at the start of the line or
# after a space, so that "填报单位：市科技局    填报日期：2025年10月8日" is two labelled cells
_LABEL_AT = re.compile(r"(?<!\S)[\u3400-\u9fff（）()]{2,16}[ \t\u3000]*[:：]")


# ---- the public API ----


def word_grids(path: Path) -> list[Grid]:
    """Every top-level table of a .docx as a Grid (表1, 表2, …), the labelled lines outside the tables added
    under each table's rows. Raises ReadError (only) for a file that cannot be read."""
    path = Path(path)
    scanned = check_file(path)  # size, zip bomb, encryption and DTD checks before any parser sees the bytes
    if scanned.kind.name != "docx":
        raise ReadError(
            codes.E111,
            f"文件扩展名是“{path.suffix}”，但内容实际是{scanned.kind.label}，不是 Word 文档（.docx）。",
            "请报送 Excel 填报表（.xlsx），或用 Word/WPS 打开后另存为 .docx 再报送。",
        )
    return document_grids(_document_xml(path))


def read_word_workbook(path: Path) -> Workbook:
    """word_grids as read.grid.read_workbook returns a spreadsheet's sheets (a Word table has no cell facts:
    no formulas, hidden rows or hyperlinks that read.cellfacts would look for)."""
    return Workbook(word_grids(path), cell_facts=False)


def is_submission(path: Path) -> bool:
    """True when some table of the .docx has a header naming 序号 and 进展情况 (as read.submission requires:
    a file this says True of does not fail for want of a header, E103). A Word note, notice or cover
    letter without such a table is False. Raises ReadError when the file cannot be read at all (damaged,
    encrypted, a DTD): then nobody can tell what it is."""
    return has_submission_table(word_grids(path))


def has_submission_table(grids: list[Grid]) -> bool:
    """is_submission for grids already read."""
    return any(find_header(g, REQUIRED) is not None for g in grids)


# ---- reading document.xml ----


def _document_xml(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as z:
            info = next((i for i in z.infolist() if i.filename.replace("\\", "/").lower() == _DOCUMENT), None)
            if info is None:
                raise ReadError(codes.E101, "Word 文档缺少正文部分（word/document.xml），无法读取。", _RESAVE)
            if info.file_size > MAX_UNPACKED_BYTES:
                mb = info.file_size / 1024 / 1024
                raise ReadError(
                    codes.E104,
                    f"Word 文档正文展开后有 {mb:.1f} MB，超过上限 {MAX_UNPACKED_BYTES // 1024 // 1024} MB。",
                    "请只保留进展情况表格，另存为新文件后重新报送。",
                )
            if info.flag_bits & 0x1:
                raise ReadError(codes.E102, "文件设置了密码（压缩包加密），无法读取。")
            with z.open(info) as f:
                data = f.read(MAX_UNPACKED_BYTES + 1)  # zipfile stops at the declared size, bounded above
    except ReadError:
        raise
    except NotImplementedError as e:  # Deflate64 and the like, from some zip tools
        raise ReadError(codes.E101, f"文件内部的 {_DOCUMENT} 使用了不支持的压缩方式，无法解压。", _RESAVE) from e
    except PermissionError as e:
        raise ReadError(codes.E112, f"无法打开文件：{os_reason(e)}。", "请检查文件权限，或由有权限的账号运行。") from e
    except Exception as e:  # BadZipFile (truncated, CRC), zlib.error, EOFError, OSError
        raise ReadError(
            codes.E101,
            "文件不完整或已损坏：Word 文档正文无法解压。",
            "文件可能在传输中被截断，请重新导出并报送。",
        ) from e
    if len(data) > MAX_UNPACKED_BYTES:  # pragma: no cover - zipfile never reads past the declared size
        raise ReadError(codes.E104, "Word 文档正文异常庞大，未读取。", "请只保留进展情况表格后重新报送。")
    return data


def document_grids(data: bytes) -> list[Grid]:
    """The grids of a document.xml's bytes (see word_grids)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as e:
        raise ReadError(
            codes.E113,
            f"文件内部的 {_DOCUMENT} 含有 DOCTYPE/ENTITY 声明，出于安全原因拒绝读取。",
            "正常的 Word/WPS 文档不含这种声明。请用 Word/WPS 打开后另存为新的 .docx 再报送。",
        ) from e
    except (ParseError, ValueError, LookupError) as e:  # malformed XML, bytes expat cannot take, an unknown encoding
        raise ReadError(codes.E101, "Word 文档正文已损坏（XML 格式错误），无法读取。", _RESAVE) from e
    body = root.find(W + "body")
    if body is None:
        return []
    tables: list[tuple[list[list[str]], list[tuple[int, int, int, int]]]] = []
    meta: list[str] = []
    budget = _Budget()
    for el in _blocks(body):
        if el.tag == W + "tbl":
            tables.append(_table(el, budget))
        elif el.tag == W + "p" and len(meta) < MAX_META_ROWS:
            meta.extend(labelled_lines(_paragraph_text(el)))
    meta = meta[:MAX_META_ROWS]
    budget.take(len(meta) * len(tables), len(meta) * len(tables))
    return [Grid(f"表{i}", rows + [[m] for m in meta], merged) for i, (rows, merged) in enumerate(tables, 1)]


def labelled_lines(text: str) -> list[str]:
    """The "label：value" parts of a paragraph outside the tables, each stripped: "填报单位：市科技局  报告期：
    2025年三季度" gives two. Text before the first label (a title, a sentence) is not taken."""
    out: list[str] = []
    for line in text.split("\n"):
        starts = [m.start() for m in _LABEL_AT.finditer(line)]
        for a, b in zip(starts, starts[1:] + [len(line)]):
            part = line[a:b].strip()
            label = re.split(r"[:：]", part, maxsplit=1)[0]
            # 填报单位（盖章） is 填报单位; （盖章） alone is no label, 现将有关情况报告如下 a sentence
            if 2 <= len(norm_header(label)) <= MAX_LABEL:
                out.append(part)
    return out


class _Budget:
    """Bounds what the tables produce, as read.grid bounds a sheet (MAX_ROWS, MAX_CELLS)."""

    def __init__(self) -> None:
        self.rows = 0
        self.cells = 0

    def take(self, rows: int, cells: int) -> None:
        self.rows += rows
        self.cells += cells
        if self.rows > MAX_ROWS or self.cells > MAX_CELLS:
            raise ReadError(
                codes.E104,
                f"Word 文档的表格超过上限（{MAX_ROWS} 行或 {MAX_CELLS} 个单元格）。",
                "请只保留进展情况表格，另存为新文件后重新报送。",
            )


def _blocks(el: Element, depth: int = 0) -> Iterator[Element]:
    """The children of `el`, those inside content controls and custom XML included, in document order."""
    for child in el:
        if child.tag in _WRAPPERS:
            if depth < MAX_DEPTH:
                yield from _blocks(child, depth + 1)
        else:
            yield child


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _table(tbl: Element, budget: _Budget) -> tuple[list[list[str]], list[tuple[int, int, int, int]]]:
    """One table's rows of cell texts and its merged ranges (0-based, inclusive), rows padded to the
    table's width."""
    rows: list[list[str]] = []
    merged: list[tuple[int, int, int, int]] = []
    # vertical merges still open: first column -> [first row, last column, last row]
    open_v: dict[int, list[int]] = {}

    def close(c: int) -> None:
        r1, c2, r2 = open_v.pop(c)
        if r2 > r1 or c2 > c:
            merged.append((r1, c, r2, c2))

    for tr in _blocks(tbl):
        if tr.tag != W + "tr":
            continue
        tr_pr = tr.find(W + "trPr")
        if tr_pr is not None and tr_pr.find(W + "del") is not None:
            continue  # a row deleted with track changes on
        r = len(rows)
        before = tr_pr.find(W + "gridBefore") if tr_pr is not None else None
        cells = [""] * min(MAX_SPAN, max(0, _int(before.get(W + "val") if before is not None else None, 0)))
        continued: set[int] = set()
        for tc in _blocks(tr):
            if tc.tag != W + "tc":
                continue
            pr = tc.find(W + "tcPr")
            span, vmerge = 1, None
            if pr is not None:
                gs = pr.find(W + "gridSpan")
                if gs is not None:
                    span = min(MAX_SPAN, max(1, _int(gs.get(W + "val"), 1)))
                vm = pr.find(W + "vMerge")
                if vm is not None:
                    vmerge = vm.get(W + "val", "continue")
            c = len(cells)
            c2 = c + span - 1
            budget.take(0, span)
            if vmerge == "continue" and c in open_v and open_v[c][1] == c2:
                open_v[c][2] = r  # the cell under a merged one: empty, as a spreadsheet shows it
                continued.add(c)
                cells.extend([""] * span)
                continue
            if c in open_v:
                close(c)
            if vmerge is not None:  # restart (or a continue with nothing above: a merge starts here)
                open_v[c] = [r, c2, r]
                continued.add(c)
            elif span > 1:
                merged.append((r, c, r, c2))
            cells.append(_cell_text(tc))
            cells.extend([""] * (span - 1))
        for c in [c for c in open_v if c not in continued]:
            close(c)
        budget.take(1, 0)
        rows.append(cells)
    for c in list(open_v):
        close(c)
    width = max((len(row) for row in rows), default=0)
    for row in rows:
        budget.take(0, width - len(row))
        row.extend([""] * (width - len(row)))
    return rows, sorted(merged)


def _cell_text(tc: Element, depth: int = 0) -> str:
    """A cell's paragraphs joined with "\\n"; a nested table's rows are lines of tab-separated cells."""
    lines: list[str] = []
    joined = False  # the previous paragraph's mark was deleted: this paragraph continues it
    for el in _blocks(tc):
        if el.tag == W + "p":
            text = _paragraph_text(el)
            if joined and lines:
                lines[-1] += text
            else:
                lines.append(text)
            joined = _mark_deleted(el)
        elif el.tag == W + "tbl" and depth < MAX_DEPTH:
            joined = False
            for tr in _blocks(el):
                if tr.tag == W + "tr":
                    lines.append("\t".join(_cell_text(c, depth + 1) for c in _blocks(tr) if c.tag == W + "tc"))
    return "\n".join(lines)


def _mark_deleted(p: Element) -> bool:
    ppr = p.find(W + "pPr")
    rpr = ppr.find(W + "rPr") if ppr is not None else None
    return rpr is not None and rpr.find(W + "del") is not None


def _paragraph_text(p: Element) -> str:
    """The text of a paragraph as Word shows it with changes accepted (see the module doc)."""
    out: list[str] = []
    stack = [iter(p)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        tag = node.tag
        if tag in _TEXT:
            out.append(_TEXT[tag] or node.text or "")
        elif tag not in _SKIP and len(node) and len(stack) < MAX_DEPTH:
            stack.append(iter(node))
    return "".join(out)
