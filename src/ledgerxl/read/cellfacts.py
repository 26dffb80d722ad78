"""Cell facts that python-calamine's values do not show: hidden rows, formulas, hyperlinks and (for
.ods) merged ranges.

Read straight from the sheet XML with lxml (entities never expanded, no network), only for the one
sheet a submission is read from; a quick byte scan skips the parse when the sheet has none of them.
.xls and .csv have no such facts here (calamine does not expose them; CSV has none). Any trouble in
this optional pass gives empty facts: the values were already read and checked by calamine.
"""

from __future__ import annotations

import bisect
import functools
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

Range = tuple[int, int, int, int]  # first row, first col, last row, last col (0-based, inclusive)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_XLINK = "http://www.w3.org/1999/xlink"
_MAX_PART = 256 << 20  # never inflate a sheet part beyond this (the read stage refuses bigger ones first)
_TALL_LINK = 64  # a link over this many rows is checked by range, not indexed row by row
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


@dataclass
class SheetFacts:
    hidden_rows: list[tuple[int, int]] = field(default_factory=list)  # 0-based inclusive row ranges
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    links: list[tuple[Range, str]] = field(default_factory=list)
    merged: list[Range] = field(default_factory=list)

    # Lookups go through indexes built on first use (after parsing), not a scan of every range: a sheet
    # with a hidden row or a link on each of its 20,000 rows took minutes to read with per-row scans.

    def is_hidden(self, r: int) -> bool:
        starts, ends = self._hidden_index
        i = bisect.bisect_right(starts, r) - 1
        return i >= 0 and r <= ends[i]

    def link_at(self, r: int, c: int) -> str | None:
        """The first link (in sheet order) whose range holds the cell."""
        by_row, tall = self._link_index
        hits = [(n, t) for n, c1, c2, t in by_row.get(r, ()) if c1 <= c <= c2]
        hits += [(n, t) for n, (r1, c1, r2, c2), t in tall if r1 <= r <= r2 and c1 <= c <= c2]
        return min(hits)[1] if hits else None

    @functools.cached_property
    def _hidden_index(self) -> tuple[list[int], list[int]]:
        """Hidden ranges merged into disjoint sorted runs: their starts and ends."""
        starts: list[int] = []
        ends: list[int] = []
        for a, b in sorted(self.hidden_rows):
            if ends and a <= ends[-1] + 1:
                ends[-1] = max(ends[-1], b)
            else:
                starts.append(a)
                ends.append(b)
        return starts, ends

    @functools.cached_property
    def _link_index(self) -> tuple[dict[int, list[tuple[int, int, int, str]]], list[tuple[int, Range, str]]]:
        """Links by row (n = their order in the sheet); the few covering many rows are kept aside."""
        by_row: dict[int, list[tuple[int, int, int, str]]] = {}
        tall: list[tuple[int, Range, str]] = []
        for n, (rng, target) in enumerate(self.links):
            r1, c1, r2, c2 = rng
            if r2 - r1 >= _TALL_LINK:
                tall.append((n, rng, target))
                continue
            for r in range(r1, r2 + 1):
                by_row.setdefault(r, []).append((n, c1, c2, target))
        return by_row, tall


def parse_ref(ref: str) -> tuple[int, int] | None:
    """ "D7" -> (6, 3), 0-based; None if it is not a cell reference."""
    m = _CELL_REF.match(ref.strip())
    if not m:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def parse_range(ref: str) -> Range | None:
    first, _, last = ref.partition(":")
    a = parse_ref(first)
    b = parse_ref(last) if last else a
    if a is None or b is None:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


def sheet_facts(path: Path, sheet: str) -> SheetFacts:
    import zlib

    from lxml import etree

    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _xlsx_facts(path, sheet)
        if suffix == ".ods":
            return _ods_facts(path, sheet)
    except (
        OSError,
        KeyError,
        ValueError,
        zipfile.BadZipFile,
        zlib.error,
        NotImplementedError,  # a zip member compressed with a method zipfile lacks
        RuntimeError,
        EOFError,
        etree.LxmlError,
        _XmlError,
    ):
        pass
    return SheetFacts()


class _XmlError(Exception):
    pass


def _iterparse(source: IO[bytes], tags: tuple[str, ...]) -> object:
    from lxml import etree

    return etree.iterparse(
        source,
        events=("start", "end"),
        tag=tags,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
    )


def _read_small(z: zipfile.ZipFile, name: str, limit: int = 8 << 20) -> bytes:
    info = z.getinfo(name)
    if info.file_size > limit:
        raise ValueError(f"{name} too large")
    return z.read(info)


def _xml(data: bytes) -> object:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    return etree.fromstring(data, parser)


def _xlsx_sheet_part(z: zipfile.ZipFile, sheet: str) -> tuple[str, str]:
    """The zip member holding `sheet`, and its relationships part."""
    wb: object = _xml(_read_small(z, "xl/workbook.xml"))
    rid = None
    for el in wb.iter(f"{{{_MAIN}}}sheet"):  # type: ignore[attr-defined]
        if el.get("name") == sheet:
            rid = el.get(f"{{{_REL}}}id")
            break
    if rid is None:
        raise KeyError(sheet)
    rels: object = _xml(_read_small(z, "xl/_rels/workbook.xml.rels"))
    for el in rels.iter(f"{{{_PKG_REL}}}Relationship"):  # type: ignore[attr-defined]
        if el.get("Id") == rid:
            target = el.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            # the member as stored: calamine matches names whatever their case, and so does the scan
            by_lower = {n.lower(): n for n in z.namelist()}
            part = by_lower.get(part.lower(), part)
            folder, name = posixpath.split(part)
            rels_part = posixpath.join(folder, "_rels", name + ".rels")
            return part, by_lower.get(rels_part.lower(), rels_part)
    raise KeyError(rid)


_XLSX_HINTS = re.compile(rb"<(?:\w+:)?f[ >/]|hidden=\"(?:1|true)\"|<(?:\w+:)?hyperlink[ >]")


def has_facts(data: bytes) -> bool:
    """Whether a worksheet part may hold a formula, a hyperlink or a hidden row (safety's scan asks too).
    Substring searches first, with needles that end in a rare byte (bytes.find skips ahead by the last
    one: "<f>" or 'hidden="1"' end in bytes XML is full of, and cost five times more); the regex, which
    starts at every "<", runs only when one of them hits."""
    hint = _tag(data, b"<f") or _tag(data, b":f") or b"hidden" in data or b"hyperlink" in data
    return hint and _XLSX_HINTS.search(data) is not None


def _tag(data: bytes, start: bytes) -> bool:
    """`start` (<f or :f) followed by the end of a tag name: <f>, <f t="shared" …/>, not <formula1>."""
    i = data.find(start)
    while i >= 0:
        if data[i + 2 : i + 3] in (b">", b" ", b"/"):
            return True
        i = data.find(start, i + 2)
    return False


def _xlsx_facts(path: Path, sheet: str) -> SheetFacts:
    facts = SheetFacts()
    with zipfile.ZipFile(path) as z:
        # most forms have none of these facts anywhere: look before resolving which part is the sheet
        sheets = [i for i in z.infolist() if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
        if sheets and all(i.file_size <= _MAX_PART and not has_facts(z.read(i)) for i in sheets):
            return facts
        part, rels_part = _xlsx_sheet_part(z, sheet)
        info = z.getinfo(part)
        if info.file_size > _MAX_PART:
            return facts
        data = z.read(info)
        if not has_facts(data):
            return facts
        import io

        from lxml import etree

        link_ids: list[tuple[Range, str]] = []
        row = -1
        col = -1
        try:
            for event, el in _iterparse(  # type: ignore[attr-defined]
                io.BytesIO(data), (f"{{{_MAIN}}}row", f"{{{_MAIN}}}c", f"{{{_MAIN}}}f", f"{{{_MAIN}}}hyperlink")
            ):
                tag = el.tag.rpartition("}")[2]
                if event == "start":
                    if tag == "row":
                        r = el.get("r")
                        row = int(r) - 1 if r and r.isdigit() else row + 1
                        col = -1
                        if el.get("hidden") in ("1", "true"):
                            facts.hidden_rows.append((row, row))
                    elif tag == "c":
                        ref = parse_ref(el.get("r") or "")
                        row, col = ref if ref else (row, col + 1)
                    continue
                if tag == "f":
                    facts.formulas[(row, col)] = "=" + (el.text or "").strip() if el.text else "（共享公式）"
                elif tag == "hyperlink":
                    rng = parse_range(el.get("ref") or "")
                    if rng:
                        rid = el.get(f"{{{_REL}}}id")
                        if rid:
                            link_ids.append((rng, rid))
                        else:
                            facts.links.append((rng, "#" + (el.get("location") or "")))
                elif tag == "row":
                    el.clear()
        except etree.Error as e:
            raise _XmlError(str(e)) from e
        if link_ids:
            targets: dict[str, str] = {}
            try:
                rels: object = _xml(_read_small(z, rels_part))
                for el in rels.iter(f"{{{_PKG_REL}}}Relationship"):  # type: ignore[attr-defined]
                    targets[el.get("Id", "")] = el.get("Target", "")
            except (KeyError, ValueError, etree.Error):
                pass
            facts.links.extend((rng, targets.get(rid, "")) for rng, rid in link_ids)
    return facts


def _ods_facts(path: Path, sheet: str) -> SheetFacts:
    """Walk content.xml's rows and cells, honouring the repeat counts ODF uses to compress runs."""
    from lxml import etree

    facts = SheetFacts()
    t = f"{{{_TABLE}}}"
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("content.xml")
        if info.file_size > _MAX_PART:
            return facts
        in_sheet = False
        row = 0
        col = 0
        row_repeat = 1
        cell_start = (0, 0)
        tags = (t + "table", t + "table-row", t + "table-cell", t + "covered-table-cell", f"{{{_TEXT}}}a")
        with z.open(info) as src:
            try:
                for event, el in _iterparse(src, tags):  # type: ignore[attr-defined]
                    tag = el.tag.rpartition("}")[2]
                    if tag == "table":
                        if event == "start":
                            in_sheet = el.get(t + "name") == sheet
                        elif in_sheet:
                            break  # the sheet is done; later sheets do not matter
                        else:
                            el.clear()
                        continue
                    if not in_sheet:
                        if event == "end" and tag == "table-row":
                            el.clear()
                        continue
                    if tag == "table-row":
                        if event == "start":
                            col = 0
                            row_repeat = _count(el.get(t + "number-rows-repeated"))
                            if el.get(t + "visibility") in ("collapse", "filter"):
                                facts.hidden_rows.append((row, row + row_repeat - 1))
                        else:
                            row += row_repeat
                            el.clear()
                    elif tag in ("table-cell", "covered-table-cell"):
                        if event == "start":
                            cell_start = (row, col)
                            if tag == "table-cell":
                                formula = el.get(t + "formula")
                                if formula:
                                    facts.formulas[cell_start] = formula
                                rs = _count(el.get(t + "number-rows-spanned"))
                                cs = _count(el.get(t + "number-columns-spanned"))
                                if rs > 1 or cs > 1:
                                    facts.merged.append((row, col, row + rs - 1, col + cs - 1))
                        else:
                            col += _count(el.get(t + "number-columns-repeated"))
                    elif tag == "a" and event == "end":
                        href = el.get(f"{{{_XLINK}}}href") or ""
                        r, c = cell_start
                        facts.links.append(((r, c, r, c), href))
            except etree.Error as e:
                raise _XmlError(str(e)) from e
    return facts


def _count(v: str | None) -> int:
    return int(v) if v and v.isdigit() and 0 < int(v) < 1 << 21 else 1
