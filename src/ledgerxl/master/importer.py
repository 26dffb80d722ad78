"""`ledgerxl master import`: a master list from a published ledger, in any of its real forms.

Sources: the Word attachment (.docx table; with or without the 附件 label; header repeated or not;
one table or several), the consolidated 台账.xlsx (or .xls/.ods/.csv), or a plain-text copy (one cell
per line with blank lines between rows, like tests/data/…/expected_ledger.txt, or tab-separated rows).
Only 序号, 事项内容 and 责任单位 (where present) are taken; progress text is ignored.
With a previous master list, departments (and category) are carried over by matching the item text.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ledgerxl import contained
from ledgerxl.errors import MasterError, ReadError, UsageError
from ledgerxl.model import Item
from ledgerxl.read.grid import TABLE_SUFFIXES, decode_text, find_header, match_columns, read_grids
from ledgerxl.read.master import split_departments
from ledgerxl.targets import parse_item_text
from ledgerxl.text import item_number

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FUZZY_THRESHOLD = 0.65  # unrelated 2025 items score at most 0.58 against each other; rewordings 0.69+
MAX_XML_BYTES = 64 * 1024 * 1024  # a ledger's document.xml is a few MB; refuse zip bombs before parsing
TEXT_SUFFIXES = (".txt", ".text", ".tsv")


@dataclass(frozen=True)
class SourceRow:
    number: int
    text: str
    departments: tuple[str, ...] = ()
    category: str = ""


# How an item of the new list was matched to one of the previous list, and how the clerk is told.
MatchHow = Literal["same", "punctuation", "similar"]
MATCH_LABELS: dict[MatchHow, str] = {"same": "原文相同", "punctuation": "标点空格不同", "similar": "相近"}


@dataclass(frozen=True)
class Match:
    number: int
    previous: int
    how: MatchHow
    ratio: float = 1.0

    @property
    def label(self) -> str:
        return MATCH_LABELS[self.how]


@dataclass
class ImportResult:
    source: Path
    kind: str  # Word 附件 / 表格 / 文本
    items: list[Item]
    matches: list[Match] = field(default_factory=list)
    unmatched: list[int] = field(default_factory=list)  # items the previous list did not give departments to
    unused_previous: list[int] = field(default_factory=list)  # previous items no new item matched
    unparsed_targets: list[tuple[int, str]] = field(default_factory=list)  # (number, reason)
    duplicates: list[int] = field(default_factory=list)
    written: Path | None = None

    @property
    def without_department(self) -> list[int]:
        return [it.number for it in self.items if not it.departments]


# ---- reading the source ----


def read_source(path: Path) -> tuple[str, list[SourceRow]]:
    """(kind, rows) of a published ledger. Raises MasterError when no item table is found."""
    path = Path(path)
    if not path.is_file():
        raise MasterError(f"找不到要导入的文件 {path}。", "请检查路径；文件名含空格时请加引号。")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        kind, rows = "Word 附件", read_docx(path)
    elif suffix in TABLE_SUFFIXES:
        kind, rows = "表格", read_table(path)
    elif suffix in TEXT_SUFFIXES:
        kind, rows = "文本", read_text(_decode(path.read_bytes(), path))
    elif suffix in (".doc", ".wps", ".pdf"):
        raise MasterError(
            f"{path.name}：不能直接读取 {suffix} 文件。",
            "请用 Word/WPS 另存为 .docx（PDF 可复制表格文字，存为 .txt）后再导入。",
        )
    else:
        raise MasterError(f"{path.name}：不支持的文件类型“{path.suffix or '无'}”。", "请提供 .docx、.xlsx 或 .txt。")
    if not rows:
        raise MasterError(
            f"{path.name}：找不到挂牌事项表格（需要“序号”和“事项内容”两列的表头）。",
            "请确认这是台账或其附件，表头行未被删除。",
        )
    return kind, rows


def _docx_xml(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("word/document.xml")
            if info.file_size > MAX_XML_BYTES:
                raise MasterError(f"{path.name}：文档正文异常庞大（{info.file_size // 1_000_000} MB），未读取。")
            return z.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error) as e:  # damaged, truncated
        raise MasterError(f"{path.name}：不是有效的 Word（.docx）文件。", "请用 Word/WPS 打开后另存为 .docx。") from e
    except NotImplementedError as e:  # Deflate64 and other methods some zip tools use
        raise MasterError(
            f"{path.name}：文件使用了不支持的压缩方式，无法读取。", "请用 Word/WPS 打开后另存为 .docx。"
        ) from e


MAX_SPAN = 64


def _int(value: str | None) -> int:
    try:
        return int(value or 1)
    except ValueError:
        return 1


def _text_of(el: object) -> str:
    """A paragraph's text: w:t runs, tabs and line breaks (deleted text in w:delText is not w:t)."""
    out = []
    for node in el.iter():  # type: ignore[attr-defined]
        if node.tag == W + "t":
            out.append(node.text or "")
        elif node.tag == W + "tab":
            out.append("\t")
        elif node.tag in (W + "br", W + "cr"):
            out.append("\n")
    return "".join(out)


def _tables(el: object) -> Iterable[object]:
    """Top-level tables in document order (not tables nested in cells)."""
    for child in el:  # type: ignore[attr-defined]
        if child.tag == W + "tbl":
            yield child
        elif child.tag != W + "tc":
            yield from _tables(child)


def read_docx(path: Path) -> list[SourceRow]:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    data = _docx_xml(path)
    resave = "请用 Word/WPS 打开后另存为新的 .docx 再导入。"
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as e:
        # a DTD or entity in document.xml is never legitimate: refuse rather than expand it
        raise MasterError(
            f"{path.name}：文档中含有 DTD/实体声明（正常的 Word 文档没有），出于安全原因未读取。", resave
        ) from e
    except ParseError as e:
        raise MasterError(f"{path.name}：文档内容已损坏（XML 格式错误），无法读取。", resave) from e
    grid_rows: list[list[str]] = []
    for tbl in _tables(root):
        above: dict[int, str] = {}  # vertically merged cells continue the text above
        for tr in tbl.iter(W + "tr"):  # type: ignore[attr-defined]
            cells: list[str] = []
            for tc in tr.findall(W + "tc"):
                pr = tc.find(W + "tcPr")
                span, cont = 1, False
                if pr is not None:
                    gs = pr.find(W + "gridSpan")
                    if gs is not None and (gs.get(W + "val") or "1").isdigit():
                        # a table has at most 63 columns in Word; gridSpan="300000000" made 300 million cells
                        span = min(MAX_SPAN, max(1, _int(gs.get(W + "val"))))
                    vm = pr.find(W + "vMerge")
                    cont = vm is not None and vm.get(W + "val", "continue") == "continue"
                col = len(cells)
                text = "\n".join(_text_of(p) for p in tc.findall(W + "p"))
                if cont:
                    text = above.get(col, "")
                above[col] = text
                cells.extend([text] + [""] * (span - 1))
            grid_rows.append(cells)
        grid_rows.append([])  # tables end: a header must be found again only if columns differ
    return _rows_from_grid(grid_rows)


def _field(cells: Sequence[str], cols: dict[str, int], name: str) -> str:
    c = cols.get(name)
    return cells[c] if c is not None and c < len(cells) else ""


def _rows_from_grid(grid: Sequence[Sequence[str]]) -> list[SourceRow]:
    """Item rows under any header row (序号 + 事项内容); repeated headers are skipped; a row made of
    one merged cell between items is a category heading (一、全方位扩大内需)."""
    cols: dict[str, int] | None = None
    category = ""
    rows: list[SourceRow] = []
    for cells in grid:
        found = match_columns(cells)
        if "number" in found and "text" in found:
            cols = found
            continue
        if cols is None:
            continue
        number = item_number(_field(cells, cols, "number").strip())
        text = _field(cells, cols, "text").strip()
        if number is not None and text:
            depts = split_departments(_field(cells, cols, "department"))
            cat = _field(cells, cols, "category").strip() if "category" in cols else category
            rows.append(SourceRow(number, text, depts, cat))
            continue
        filled = [c.strip() for c in cells if c.strip()]
        if len(cells) > 1 and len(filled) == 1 and number is None:  # one merged cell across the row
            category = filled[0]
    return rows


def read_table(path: Path) -> list[SourceRow]:
    try:
        grids = read_grids(path)
    except ReadError as e:
        raise MasterError(f"{path.name}：{e.message}", e.hint) from e
    for g in grids:
        if find_header(g, ("number", "text")):
            rows = _rows_from_grid(g.rows)
            if rows:
                return rows
    return []


def _decode(raw: bytes, path: Path) -> str:
    text = decode_text(raw)
    if text is None:
        raise MasterError(f"{path.name}：文字编码无法识别。", "请另存为 UTF-8 编码的文本文件。")
    return text


def read_text(text: str) -> list[SourceRow]:
    """A plain-text copy of a ledger table.

    Tab-separated rows (copied from Excel) are read as a table. Otherwise each cell is one line, rows
    are separated by blank lines (as Word's "save as text" and expected_ledger.txt do); without blank
    lines a row starts at a line holding only the next number."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    for ln in lines[:40]:
        cells = ln.split("\t")
        found = match_columns(cells)
        if len([c for c in cells if c.strip()]) > 1 and "number" in found and "text" in found:
            return _rows_from_grid(list(csv.reader(io.StringIO(text), delimiter="\t")))
    stripped = [ln.strip() for ln in lines]
    start = next((i for i, ln in enumerate(stripped) if match_columns([ln]).get("number") == 0), None)
    if start is None:
        return []
    header: list[str] = []
    i = start
    while i < len(stripped) and stripped[i] and (match_columns([stripped[i]]) or not header):
        header.append(stripped[i])
        i += 1
    cols = match_columns(header)
    if "text" not in cols:
        return []
    body = stripped[i:]
    if "" in body[:2] or not body:
        blocks = _blocks(body)
    else:
        blocks = _blocks_by_number(body)
    grid = [header] + [b for b in blocks if b != header]
    return _rows_from_grid(grid)


def _blocks(lines: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    cur: list[str] = []
    for ln in lines + [""]:
        if ln:
            cur.append(ln)
        elif cur:
            out.append(cur)
            cur = []
    return out


def _blocks_by_number(lines: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    last = 0
    for ln in lines:
        if not ln:
            continue
        number = item_number(ln)
        if number is not None and last < number <= last + 10:
            last = number
            out.append([ln])
        elif out:
            out[-1].append(ln)
    return out


# ---- carrying departments over from the previous list ----


def norm_text(text: str) -> str:
    """Item text for matching: full-width folded, no spaces, punctuation, symbols or invisible format
    characters (zero-width space, BOM)."""
    s = unicodedata.normalize("NFKC", text)
    return "".join(c for c in s if not c.isspace() and not unicodedata.category(c).startswith(("P", "S", "Cf")))


def match_previous(rows: Sequence[SourceRow], previous: Sequence[Item]) -> tuple[dict[int, int], list[Match]]:
    """New row index -> previous item index: exact text first, then normalised, then the most similar
    pairs above FUZZY_THRESHOLD (each previous item used once)."""
    pairs: dict[int, int] = {}
    matches: list[Match] = []
    used: set[int] = set()
    passes: tuple[tuple[MatchHow, Callable[[str], str]], ...] = (("same", str.strip), ("punctuation", norm_text))
    for how, key in passes:
        index: dict[str, list[int]] = {}
        for j, p in enumerate(previous):
            if j not in used:
                index.setdefault(key(p.text), []).append(j)
        for i, r in enumerate(rows):
            if i in pairs:
                continue
            cands = [j for j in index.get(key(r.text), []) if j not in used]
            if cands:
                pairs[i] = cands[0]
                used.add(cands[0])
                matches.append(Match(r.number, previous[cands[0]].number, how))
    scored = []
    for i, j, ratio in _similar_pairs(
        {i: norm_text(r.text) for i, r in enumerate(rows) if i not in pairs},
        {j: norm_text(p.text) for j, p in enumerate(previous) if j not in used},
    ):
        scored.append((-ratio, i, j))
    for neg, i, j in sorted(scored):
        if i in pairs or j in used:
            continue
        pairs[i] = j
        used.add(j)
        matches.append(Match(rows[i].number, previous[j].number, "similar", round(-neg, 3)))
    matches.sort(key=lambda m: m.number)
    return pairs, matches


def _bigrams(s: str) -> set[str]:
    return {s[k : k + 2] for k in range(len(s) - 1)} or {s}


def _similar_pairs(new: dict[int, str], old: dict[int, str], candidates: int = 5) -> list[tuple[int, int, float]]:
    """(new, old, ratio) for pairs at or above FUZZY_THRESHOLD. Only the few old texts sharing the most
    character pairs with a new text are compared in full, so that thousands of items stay fast."""
    index: dict[str, list[int]] = {}
    grams = {j: _bigrams(t) for j, t in old.items()}
    for j, g in grams.items():
        for bg in g:
            index.setdefault(bg, []).append(j)
    out = []
    sm = difflib.SequenceMatcher(None, autojunk=False)
    for i, a in new.items():
        ga = _bigrams(a)
        shared: dict[int, int] = {}
        for bg in ga:
            for j in index.get(bg, ()):
                shared[j] = shared.get(j, 0) + 1
        best = sorted(shared, key=lambda j: (-2 * shared[j] / (len(ga) + len(grams[j])), j))[:candidates]
        sm.set_seq2(a)
        for j in best:
            sm.set_seq1(old[j])
            if sm.real_quick_ratio() >= FUZZY_THRESHOLD and sm.quick_ratio() >= FUZZY_THRESHOLD:
                ratio = sm.ratio()
                if ratio >= FUZZY_THRESHOLD:
                    out.append((i, j, ratio))
    return out


# ---- the whole import ----


def import_master(
    source: Path,
    out: Path,
    previous: Path | None = None,
    force: bool = False,
    known_departments: Sequence[str] = (),
) -> ImportResult:
    """Read `source`, carry departments over from `previous`, parse targets and write `out`."""
    from ledgerxl.read.master_rows import read_master_rows
    from ledgerxl.write.master_xlsx import build_master_xlsx
    from ledgerxl.write.publish import write_atomic

    source, out = Path(source), Path(out)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"--out {out} 应是 .xlsx 文件。", "例如 --out 挂牌事项清单.xlsx。")
    for given in (source, previous):
        if given is not None and given.exists() and out.exists() and out.resolve() == given.resolve():
            raise UsageError(f"--out {out} 与输入文件相同；ledgerxl 从不改动输入文件。", "请换一个输出文件名。")
    if out.exists() and not force:
        try:
            has_items = any(r.text for r in contained.run(read_master_rows, out, what=str(out)).rows)
        except (MasterError, contained.UnsafeInput):
            has_items = True  # not a master list we can read: do not overwrite it silently either
        if has_items:
            raise UsageError(f"{out} 已存在且已有内容，未覆盖。", "确认要替换时加 --force，或换一个 --out 文件名。")
    kind, rows = contained.run(read_source, source, what=f"来源文件 {source}")  # Word and HTML parsed there too
    result = ImportResult(source=source, kind=kind, items=[])
    seen: set[int] = set()
    for r in rows:
        if r.number in seen:
            result.duplicates.append(r.number)
        seen.add(r.number)
    prev_items: list[Item] = []
    if previous is not None:
        table = contained.run(read_master_rows, previous, what=f"上一年的挂牌事项清单 {previous}")
        prev_items = [r.item() for r in table.rows if r.text]
        pairs, result.matches = match_previous(rows, prev_items)
        result.unused_previous = [p.number for j, p in enumerate(prev_items) if j not in set(pairs.values())]
    else:
        pairs = {}
    exact = {m.number for m in result.matches if m.how != "similar"}
    for i, r in enumerate(rows):
        depts, category, target = r.departments, r.category, ""
        if i in pairs:
            old = prev_items[pairs[i]]
            depts = depts or old.departments
            category = category or old.category
            if r.number in exact:
                target = old.target  # a clerk's correction of the same wording is kept
        elif previous is not None:
            result.unmatched.append(r.number)
        if not target:
            parsed = parse_item_text(r.text)
            target = parsed.text
            if not parsed.target:
                result.unparsed_targets.append((r.number, parsed.reason))
        result.items.append(Item(r.number, r.text, depts, category, target))
    names = list(dict.fromkeys([d for it in result.items for d in it.departments] + list(known_departments)))
    write_atomic(out, build_master_xlsx(result.items, names, dt.datetime(2000, 1, 1, 9)))
    result.written = out
    return result
