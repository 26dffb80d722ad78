"""The mutation fuzzer's engine (tests/test_fuzz.py): seeds and deterministic mutants of them.

Every mutant is a pure function of (format, index, seed files): `random.Random(seed_of(fmt, index))` picks
what to change, and the kind of change is `kinds[index % len(kinds)]`, so each kind gets its share and a
failing mutant is rebuilt exactly by its format and index. The .xls and .ods seeds are LibreOffice's
conversions of a sample form and may differ a little between LibreOffice versions and profiles: the copy
of a failing mutant that the test keeps is what reproduces it everywhere.

    python tests/fuzzkit.py OUTDIR [FORMAT [INDEX|START:STOP]]   # write mutants (the test's, or those) to OUTDIR

Zip-based formats (.xlsx, .ods, .docx) are changed at the member level (bytes flipped, inserted or
deleted inside one member's XML, then re-zipped so that the zip stays valid and the parser gets the bad
XML; members duplicated or removed; counting attributes set to huge, negative or garbage numbers; an
element repeated) and at the zip level (truncated, central directory corrupted, raw bytes flipped).
.xls and .csv are changed at the byte level, with their length fields (OLE header, directory and FAT,
BIFF records; CSV fields, rows and columns past the reader's limits) as targets.
"""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_inputs" / "2025-q3"
SUBMISSIONS = SAMPLE / "submissions"
MASTER = SAMPLE / "挂牌事项清单.xlsx"
PERIOD = "2025Q3"
SOFFICE_SEED = "市发展改革委-2025年三季度.xlsx"  # converted to .xls and .ods (6 items, the largest form)
CSV_SEEDS = {"utf-8": "市科技局-2025年三季度.xlsx", "gb18030": "市农业农村局-2025年三季度.xlsx"}
FORMATS = ("xlsx", "xls", "ods", "csv", "docx")
# seed_of(fmt, i) = BLOCK[fmt] + i: one integer per mutant, distinct across formats
BLOCK = {"xlsx": 10_000, "xls": 20_000, "ods": 30_000, "csv": 40_000, "docx": 50_000}
FIXED_DATE = (2025, 10, 8, 9, 30, 0)  # every re-zipped member's time: seeds and mutants are byte-stable
# Mutants per format, indexes 0 .. COUNTS-1 (about 400 in all: the whole fuzz test takes well under a minute
# on 2 cores), and the mutants beyond them that longer runs of this fuzzer found breaking the promise
# (`python tests/fuzzkit.py OUTDIR xlsx 0:3000`, then one validate over OUTDIR): kept in every run.
COUNTS = {"xlsx": 154, "xls": 70, "ods": 70, "csv": 60, "docx": 42}
FOUND: dict[str, tuple[int, ...]] = {
    # zipfile.ZipFile raises NotImplementedError ("zip file version 25.5") when a central directory entry's
    # "version needed to extract" is above 6.3: by field (1018, ods 850) and by random bytes (the others)
    "xlsx": (946, 1018, 1174, 1510, 1738),
    "ods": (850, 1102),
    # FAT[20] -> 20 or FAT[21] -> 21 (the Workbook stream's sector chain looping on itself): each takes its
    # reading worker to its memory limit (about 180 MB for the tree of a one-file run); read side by side by
    # the two workers of a 64-file folder on 2 CPUs, the process tree passes 300 MB (in most runs: it is when
    # the two peaks meet)
    "xls": (593, 649, 719, 1818, 2147, 2154, 2868, 2938),
}
FIXED_MTIME = 1_759_900_000  # file times (+ index): which of a department's forms is newer is stable too

# Numbers a length or count field should never hold. Strings for XML attributes, ints for binary fields.
HUGE_TEXT = (
    "-1",
    "0",
    "-2147483648",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "1048576",
    "1048577",
    "16384",
    "16385",
    "1e308",
    "NaN",
    "-0",
    "0x7fffffff",
    "１２",
    "",
    " ",
    "abc",
    "1:16384",
    "1:1048576",
    "-5:3",
    "A0",
    "A1048577",
    "XFD1048576",
    "XFE1",
    "ZZZZZZZZ99999999",
    "A1:XFD1048576",
    "A1:A1048576",
    "B2:A1",
    "$A$1",
    "A-1",
)
HUGE_INT32 = (0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFA, 0x10000, 0xFFFF, 0x1000000)
HUGE_INT16 = (0, 1, 0x7FFF, 0x8000, 0xFFFF, 0xFFFE, 0x0100, 0x00FF, 9, 12, 16, 31)
# Tokens to splice into XML: markup that breaks the parser's assumptions, not only its syntax.
XML_TOKENS = (
    b"<",
    b">",
    b"&",
    b"&#0;",
    b"&#xFFFF;",
    b"&#1114112;",
    b"&amp",
    b"]]>",
    b"<![CDATA[",
    b"<!--",
    b"\x00",
    b"\xff\xfe",
    b"\xed\xa0\x80",
    b'"',
    b"</x>",
    b"<x>" * 64,
    b'<c r="XFD1048576" t="s"><v>999999</v></c>',
    b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>',
    b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
    b'<?xml version="1.0" encoding="UTF-16"?>',
    b'<table:table-row table:number-rows-repeated="1048575"><table:table-cell/></table:table-row>',
    b'<table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p>'
    b"</table:table-cell>",
    b'<w:gridSpan w:val="99999999"/>',
)
# Counting and addressing attributes (the brief's list and their Word and ODF relatives).
ATTRS = (
    "r",
    "ref",
    "sqref",
    "uniqueCount",
    "count",
    "spans",
    "min",
    "max",
    "s",
    "t",
    "sheetId",
    "r:id",
    "Id",
    "table:number-columns-repeated",
    "table:number-rows-repeated",
    "table:number-columns-spanned",
    "table:number-rows-spanned",
    "office:value",
    "office:value-type",
    "w:val",
    "w:w",
    "w:gridSpan",
)
_ATTR_RE = re.compile(rb"(?<![\w:.-])(" + b"|".join(re.escape(a.encode()) for a in ATTRS) + rb')="([^"<>]{0,200})"')


def seed_of(fmt: str, index: int) -> int:
    return BLOCK[fmt] + index


@dataclass(frozen=True)
class Mutant:
    fmt: str
    index: int  # within its format: random.Random(seed_of(fmt, index)), kind = kinds[index % len]
    base: str  # the seed file's name
    kind: str
    detail: str  # what exactly was changed: member, offset, value
    data: bytes

    @property
    def seed(self) -> int:
        return seed_of(self.fmt, self.index)

    @property
    def name(self) -> str:
        """The department's name first (as a clerk's file is named), then format, index and kind."""
        dept = self.base.split("-")[0]
        return f"{dept}-2025年三季度-fuzz-{self.fmt}{self.index:03d}-{self.kind}.{self.fmt}"

    def describe(self) -> str:
        return (
            f"{self.name}: format={self.fmt} index={self.index} seed={self.seed} (random.Random({self.seed})) "
            f"base={self.base} mutation={self.kind} [{self.detail}]; rebuild: "
            f"python tests/fuzzkit.py OUTDIR {self.fmt} {self.index}"
        )


# ---- seeds ----


def grid_of(path: Path) -> list[list[str]]:
    """The first visible sheet of a workbook as text (for the hand-written CSV seeds)."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False)
    out = []
    for row in rows:
        out.append([str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in row])
    return out


def csv_seed(encoding: str) -> tuple[str, bytes]:
    """(file name, bytes): a form's cells written as CSV by hand, in UTF-8 or GB18030."""
    base = CSV_SEEDS[encoding]
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(grid_of(SUBMISSIONS / base))
    return base.replace(".xlsx", ".csv"), buf.getvalue().encode(encoding)


def master_items(numbers: Sequence[int]) -> list[tuple[int, str, str]]:
    """(序号, 事项内容, 责任单位) of master-list items, as the master list holds them."""
    rows = grid_of(MASTER)
    header = next(i for i, r in enumerate(rows) if r[:2] == ["序号", "事项内容"])
    by_number = {r[0]: r for r in rows[header + 1 :] if r and r[0]}
    return [(n, by_number[str(n)][1], by_number[str(n)][2]) for n in numbers]


def docx_seed() -> bytes:
    """A small Word table as a published ledger's attachment holds it: 序号 | 事项内容 | 责任单位 | 进展情况,
    a category row merged across the table (gridSpan) and two items of the master list whose 责任单位
    cells are merged vertically (vMerge), so that Word's span attributes are there to be mutated."""
    import docx

    items = master_items([3, 15])
    doc = docx.Document()
    doc.add_paragraph("附件")
    table = doc.add_table(rows=4, cols=4)
    for c, text in enumerate(["序号", "事项内容", "责任单位", "进展情况"]):
        table.cell(0, c).text = text
    heading = table.cell(1, 0).merge(table.cell(1, 3))
    heading.text = "一、全方位扩大内需"
    progress = ["1-9月，重点项目累计完成投资2059.8亿元，完成率84.9%。", "新增10家市级“两业融合”试点单位。"]
    for r, ((number, text, _dept), prog) in enumerate(zip(items, progress), start=2):
        table.cell(r, 0).text = str(number)
        table.cell(r, 1).text = text
        table.cell(r, 3).text = prog
    dept = table.cell(2, 2).merge(table.cell(3, 2))
    dept.text = items[0][2]
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_zip(buf.getvalue())


def normalize_zip(data: bytes) -> bytes:
    """The same members re-zipped with fixed times (a LibreOffice or python-docx file differs by its dates)."""
    return build_zip(read_zip(data))


def soffice_seeds(cache: Path) -> dict[str, tuple[str, bytes]] | str:
    """{'xls': (name, bytes), 'ods': …} converted by LibreOffice once into `cache`, or why not (a skip reason)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return "LibreOffice (soffice) is not installed: the .xls and .ods seeds cannot be made; skipped"
    out: dict[str, tuple[str, bytes]] = {}
    for fmt in ("xls", "ods"):
        target = cache / fmt / SOFFICE_SEED.replace(".xlsx", f".{fmt}")
        if not target.exists():
            (cache / fmt).mkdir(parents=True, exist_ok=True)
            shutil.copy(SUBMISSIONS / SOFFICE_SEED, cache / SOFFICE_SEED)
            cmd = [soffice, f"-env:UserInstallation=file://{cache}/profile", "--headless", "--convert-to", fmt]
            cmd += ["--outdir", str(cache / fmt), str(cache / SOFFICE_SEED)]
            r = subprocess.run(cmd, capture_output=True, timeout=180)
            if r.returncode != 0 or not target.exists():
                return f"soffice --convert-to {fmt} failed (exit {r.returncode}): {r.stderr.decode(errors='replace')}"
        data = target.read_bytes()
        out[fmt] = (target.name, normalize_zip(data) if fmt == "ods" else data)
    return out


def all_seeds(cache: Path) -> tuple[dict[str, list[tuple[str, bytes]]], str]:
    """Seeds per format, and the reason .xls/.ods have none ("" when they have)."""
    seeds: dict[str, list[tuple[str, bytes]]] = {
        "xlsx": [(p.name, p.read_bytes()) for p in sorted(SUBMISSIONS.glob("*.xlsx"))],
        "csv": [csv_seed("utf-8"), csv_seed("gb18030")],
        "docx": [("市发展改革委-附件.docx", docx_seed())],
    }
    converted = soffice_seeds(cache)
    if isinstance(converted, str):
        return seeds, converted
    for fmt, seed in converted.items():
        seeds[fmt] = [seed]
    return seeds, ""


# ---- zips ----

Members = list[tuple[zipfile.ZipInfo, bytes]]


def read_zip(data: bytes) -> Members:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(info, z.read(info)) for info in z.infolist()]


def build_zip(members: Members) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": on purpose
        with zipfile.ZipFile(buf, "w") as z:
            for info, data in members:
                new = zipfile.ZipInfo(info.filename, FIXED_DATE)
                new.compress_type = info.compress_type
                new.external_attr = info.external_attr
                z.writestr(new, data)
    return buf.getvalue()


# The parts the readers parse; a mutation picks among them more often than among the other XML members.
MAIN_MEMBERS = ("sheet1.xml", "sharedStrings.xml", "workbook.xml", "workbook.xml.rels", "content.xml", "document.xml")


def _xml_member(rng: random.Random, members: Members) -> int:
    """Index of an XML member: one the reader parses (sheet, strings, workbook, content) two times in three."""
    xml = [i for i, (info, _) in enumerate(members) if info.filename.endswith((".xml", ".rels"))]
    main = [i for i in xml if members[i][0].filename.endswith(MAIN_MEMBERS)]
    return rng.choice(main if main and rng.random() < 2 / 3 else xml)


def _in_member(rng: random.Random, data: bytes, change: Callable[[random.Random, bytes], tuple[bytes, str]]) -> bytes:
    members = read_zip(data)
    i = _xml_member(rng, members)
    info, body = members[i]
    new, what = change(rng, body)
    members[i] = (info, new)
    _LAST_DETAIL.append(f"{info.filename}: {what}")
    return build_zip(members)


_LAST_DETAIL: list[str] = []  # the detail of the change being made (set by the helpers, read by mutate)


def _say(what: str) -> None:
    _LAST_DETAIL.append(what)


def flip_bytes(rng: random.Random, body: bytes, most: int = 8) -> tuple[bytes, str]:
    if not body:
        return b"\x00", "empty member -> one NUL"
    b = bytearray(body)
    offs = sorted(rng.randrange(len(b)) for _ in range(rng.randint(1, most)))
    for o in offs:
        b[o] = rng.choice((b[o] ^ (1 << rng.randrange(8)), rng.randrange(256)))
    return bytes(b), f"flipped bytes at {offs}"


def insert_bytes(rng: random.Random, body: bytes) -> tuple[bytes, str]:
    at = rng.randrange(len(body) + 1)
    if rng.random() < 0.6:
        token = rng.choice(XML_TOKENS)
        what = f"inserted {token[:40]!r}{'…' if len(token) > 40 else ''} at {at}"
    else:
        token = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
        what = f"inserted {len(token)} random bytes at {at}"
    return body[:at] + token + body[at:], what


def delete_bytes(rng: random.Random, body: bytes) -> tuple[bytes, str]:
    if not body:
        return body, "empty member left empty"
    at = rng.randrange(len(body))
    n = rng.choice((1, rng.randint(1, 16), rng.randint(1, 512)))
    return body[:at] + body[at + n :], f"deleted {n} bytes at {at}"


def set_attr(rng: random.Random, body: bytes) -> tuple[bytes, str]:
    hits = list(_ATTR_RE.finditer(body))
    if not hits:
        return insert_bytes(rng, body)
    m = rng.choice(hits)
    value = rng.choice(HUGE_TEXT).encode()
    new = body[: m.start(2)] + value + body[m.end(2) :]
    return new, f'{m.group(1).decode()}="{m.group(2).decode(errors="replace")}" -> "{value.decode()}" at {m.start()}'


def set_attrs_all(rng: random.Random, body: bytes) -> tuple[bytes, str]:
    """Every occurrence of one attribute set to the same bad value (one cell's r= is often forgiven)."""
    names = sorted({m.group(1) for m in _ATTR_RE.finditer(body)})
    if not names:
        return insert_bytes(rng, body)
    name = rng.choice(names)
    value = rng.choice(HUGE_TEXT).encode()
    pattern = re.compile(rb"(?<![\w:.-])" + re.escape(name) + rb'="[^"<>]{0,200}"')
    new, n = pattern.subn(name + b'="' + value + b'"', body)
    return new, f'all {n} {name.decode()}= -> "{value.decode()}"'


_ELEMENT_RE = re.compile(
    rb"<((?:\w+:)?(?:row|c|si|table-row|table-cell|tr|tc|p|r|sheet|col|mergeCell))[ >].*?</\1>", re.S
)


def repeat_element(rng: random.Random, body: bytes) -> tuple[bytes, str]:
    hits = list(_ELEMENT_RE.finditer(body))
    if not hits:
        return insert_bytes(rng, body)
    m = rng.choice(hits)
    times = rng.choice((2, 10, 1000, 20_000))
    piece = m.group(0)
    if len(piece) * times > 4_000_000:
        times = max(2, 4_000_000 // len(piece))
    return body[: m.end()] + piece * times + body[
        m.end() :
    ], f"<{m.group(1).decode()}> at {m.start()} repeated {times}×"


def zip_member_dup(rng: random.Random, data: bytes) -> bytes:
    members = read_zip(data)
    i = _xml_member(rng, members)
    info, body = members[i]
    twin = rng.choice((body, b"", flip_bytes(rng, body)[0]))
    at = rng.choice((i, i + 1, len(members)))
    members.insert(at, (info, twin))
    _say(f"duplicated {info.filename} (copy of {len(twin)} bytes at position {at})")
    return build_zip(members)


def zip_member_remove(rng: random.Random, data: bytes) -> bytes:
    members = read_zip(data)
    i = rng.randrange(len(members))
    if rng.random() < 0.7:  # mostly the parts a reader needs
        i = _xml_member(rng, members)
    _say(f"removed {members[i][0].filename}")
    del members[i]
    return build_zip(members)


def zip_member_rename(rng: random.Random, data: bytes) -> bytes:
    members = read_zip(data)
    i = _xml_member(rng, members)
    info, body = members[i]
    old = info.filename
    new = rng.choice((old.upper(), old.replace("/", "\\"), "/" + old, old + "\x00", "../" + old, old[:-1]))
    info.filename = new
    _say(f"renamed {old!r} -> {new!r}")
    return build_zip(members)


def zip_truncate(rng: random.Random, data: bytes) -> bytes:
    n = rng.choice((rng.randrange(len(data)), len(data) - rng.randint(1, 64), rng.randint(0, 64)))
    _say(f"truncated to {n} of {len(data)} bytes")
    return data[:n]


# (offset, struct format, name) of the fields of a central directory entry (PK\1\2) and of a local header
CD_FIELDS = (
    (4, "<H", "version made by"),
    (6, "<H", "version needed"),
    (8, "<H", "flags"),
    (10, "<H", "method"),
    (12, "<H", "time"),
    (14, "<H", "date"),
    (16, "<I", "crc"),
    (20, "<I", "compressed size"),
    (24, "<I", "uncompressed size"),
    (28, "<H", "name length"),
    (30, "<H", "extra length"),
    (32, "<H", "comment length"),
    (34, "<H", "disk number"),
    (38, "<I", "external attributes"),
    (42, "<I", "local header offset"),
)
LOCAL_FIELDS = (
    (4, "<H", "version needed"),
    (6, "<H", "flags"),
    (8, "<H", "method"),
    (14, "<I", "crc"),
    (18, "<I", "compressed size"),
    (22, "<I", "uncompressed size"),
    (26, "<H", "name length"),
    (28, "<H", "extra length"),
)


def zip_central_directory(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    eocd = data.rfind(b"PK\x05\x06")
    cd_size, cd_off = struct.unpack_from("<II", data, eocd + 12)
    choice = rng.randrange(4)
    if choice == 0:  # the end record's counts, size, offset
        field = rng.choice(((8, "<H", "entries on disk"), (10, "<H", "entries"), (12, "<I", "cd size")))
        field = rng.choice((field, (16, "<I", "cd offset")))
        off, fmt, label = field
        value = rng.choice(HUGE_INT16 if fmt == "<H" else HUGE_INT32)
        struct.pack_into(fmt, b, eocd + off, value)
        _say(f"end of central directory: {label} -> {value}")
        return bytes(b)
    headers = [m.start() for m in re.finditer(b"PK\x01\x02", data[cd_off : cd_off + cd_size])]
    if not headers:
        return flip_range(rng, data, cd_off, len(data), "central directory")
    h = cd_off + rng.choice(headers)
    if choice == 1:  # one field of an entry: versions, flags (bit 0: encrypted), method, sizes, lengths, offset
        off, fmt, label = rng.choice(CD_FIELDS)
        value = rng.choice(HUGE_INT16 if fmt == "<H" else HUGE_INT32)
        struct.pack_into(fmt, b, h + off, value)
        name_len = struct.unpack_from("<H", data, h + 28)[0]
        name = data[h + 46 : h + 46 + name_len].decode(errors="replace")
        _say(f"central directory entry {name}: {label} (+{off}) -> {value}")
        return bytes(b)
    if choice == 2:  # the same field in the local header the entry points to
        local = struct.unpack_from("<I", data, h + 42)[0]
        off, fmt, label = rng.choice(LOCAL_FIELDS)
        value = rng.choice(HUGE_INT16 if fmt == "<H" else HUGE_INT32)
        struct.pack_into(fmt, b, local + off, value)
        _say(f"local header at {local}: {label} (+{off}) -> {value}")
        return bytes(b)
    return flip_range(rng, data, cd_off, len(data), "central directory")


def flip_range(rng: random.Random, data: bytes, start: int, end: int, where: str) -> bytes:
    b = bytearray(data)
    offs = sorted(rng.randrange(start, end) for _ in range(rng.randint(1, 8)))
    for o in offs:
        b[o] = rng.randrange(256)
    _say(f"{where}: random bytes at {offs}")
    return bytes(b)


def raw_flip(rng: random.Random, data: bytes) -> bytes:
    return flip_range(rng, data, 0, len(data), "whole file")


ZIP_KINDS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "xml-flip": lambda rng, d: _in_member(rng, d, flip_bytes),
    "xml-insert": lambda rng, d: _in_member(rng, d, insert_bytes),
    "xml-delete": lambda rng, d: _in_member(rng, d, delete_bytes),
    "xml-attr": lambda rng, d: _in_member(rng, d, set_attr),
    "xml-attr-all": lambda rng, d: _in_member(rng, d, set_attrs_all),
    "xml-repeat": lambda rng, d: _in_member(rng, d, repeat_element),
    "member-dup": zip_member_dup,
    "member-remove": zip_member_remove,
    "member-rename": zip_member_rename,
    "zip-truncate": zip_truncate,
    "zip-cd": zip_central_directory,
    "zip-bytes": raw_flip,
}

# ---- .xls (OLE2 compound file holding a BIFF8 Workbook stream) ----

_OLE_FIELDS = (
    (0x1A, "<H", "major version"),
    (0x1C, "<H", "byte order"),
    (0x1E, "<H", "sector shift"),
    (0x20, "<H", "mini sector shift"),
    (0x28, "<I", "directory sectors"),
    (0x2C, "<I", "FAT sectors"),
    (0x30, "<I", "first directory sector"),
    (0x38, "<I", "mini stream cutoff"),
    (0x3C, "<I", "first mini FAT sector"),
    (0x40, "<I", "mini FAT sectors"),
    (0x44, "<I", "first DIFAT sector"),
    (0x48, "<I", "DIFAT sectors"),
    (0x4C, "<I", "DIFAT[0]"),
    (0x50, "<I", "DIFAT[1]"),
)


def xls_header(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    off, fmt, label = rng.choice(_OLE_FIELDS)
    value = rng.choice(HUGE_INT16 if fmt == "<H" else HUGE_INT32)
    struct.pack_into(fmt, b, off, value)
    _say(f"OLE header {label} (0x{off:x}) -> {value}")
    return bytes(b)


def _sector_size(data: bytes) -> int:
    return 1 << struct.unpack_from("<H", data, 0x1E)[0]


def xls_directory(rng: random.Random, data: bytes) -> bytes:
    """A directory entry's start sector, stream size or tree links set to a bad value."""
    size = _sector_size(data)
    first = struct.unpack_from("<I", data, 0x30)[0]
    base = (first + 1) * size
    entries = [base + 128 * k for k in range(size // 128) if data[base + 128 * k : base + 128 * k + 2] != b"\0\0"]
    e = rng.choice(entries)
    name = data[e : e + 64].decode("utf-16-le", errors="replace").split("\0")[0]
    off, fmt, label = rng.choice(
        (
            (0x74, "<I", "start sector"),
            (0x78, "<I", "stream size"),
            (0x7C, "<I", "stream size (high)"),
            (0x44, "<I", "left sibling"),
            (0x48, "<I", "right sibling"),
            (0x4C, "<I", "child"),
            (0x40, "<H", "name length"),
            (0x42, "B", "type"),
        )
    )
    value = rng.choice((0, 1, 2, 5, 0xFF) if fmt == "B" else HUGE_INT16 if fmt == "<H" else HUGE_INT32)
    b = bytearray(data)
    struct.pack_into(fmt, b, e + off, value)
    _say(f"directory entry {name!r}: {label} (+0x{off:x}) -> {value}")
    return bytes(b)


def xls_fat(rng: random.Random, data: bytes) -> bytes:
    """A FAT entry of the first FAT sector set to a loop (itself), a far sector or a reserved value."""
    size = _sector_size(data)
    fat_sector = struct.unpack_from("<I", data, 0x4C)[0]
    entries = size // 4
    k = rng.randrange(min(entries, max(1, (len(data) - size) // size)))
    value = rng.choice((k, k - 1 if k else 0, 0xFFFFFFFD, 0xFFFFFFFC, 0x7FFFFFFF, 0xFFFFFFFF, 0xFFFFFFFE))
    b = bytearray(data)
    struct.pack_into("<I", b, (fat_sector + 1) * size + 4 * k, value)
    _say(f"FAT[{k}] -> {value:#x}")
    return bytes(b)


_BIFF_BOF = b"\x09\x08\x10\x00\x00\x06"


def biff_records(data: bytes) -> list[tuple[int, int, int]]:
    """(offset, type, length) of the BIFF records walked from the first BOF (good enough to aim at one)."""
    at = data.find(_BIFF_BOF)
    out: list[tuple[int, int, int]] = []
    while 0 <= at <= len(data) - 4 and len(out) < 5000:
        typ, length = struct.unpack_from("<HH", data, at)
        if typ == 0 and length == 0:
            break
        out.append((at, typ, length))
        at += 4 + length
    return out


def xls_biff(rng: random.Random, data: bytes) -> bytes:
    """One BIFF record's length, or a count or string length in its body (SST, LABELSST, ROW, DIMENSIONS)."""
    recs = biff_records(data)
    if not recs:
        return raw_flip(rng, data)
    interesting = [r for r in recs if r[1] in (0x00FC, 0x00FD, 0x0208, 0x0200, 0x0085, 0x00E5, 0x003C, 0x0204)]
    at, typ, length = rng.choice(recs + interesting * 3)
    b = bytearray(data)
    if rng.random() < 0.5 or length < 4:
        value = rng.choice(HUGE_INT16)
        struct.pack_into("<H", b, at + 2, value)
        _say(f"BIFF record 0x{typ:04x} at {at}: length {length} -> {value}")
    else:
        off = rng.randrange(0, max(1, min(length, 16) - 3))
        value = rng.choice(HUGE_INT32)
        struct.pack_into("<I", b, at + 4 + off, value)
        _say(f"BIFF record 0x{typ:04x} at {at}: body +{off} -> {value:#x}")
    return bytes(b)


def splice(rng: random.Random, data: bytes) -> bytes:
    """A chunk of the file copied over (or into) another place of it."""
    n = rng.randint(1, min(len(data), 2048))
    src = rng.randrange(len(data) - n + 1)
    dst = rng.randrange(len(data))
    chunk = data[src : src + n]
    if rng.random() < 0.5:
        _say(f"{n} bytes from {src} inserted at {dst}")
        return data[:dst] + chunk + data[dst:]
    _say(f"{n} bytes from {src} copied over {dst}")
    return data[:dst] + chunk + data[dst + n :]


def truncate(rng: random.Random, data: bytes) -> bytes:
    n = rng.choice((rng.randrange(len(data)), rng.randint(0, 600), len(data) - rng.randint(1, 600)))
    n = max(0, n)
    _say(f"truncated to {n} of {len(data)} bytes")
    return data[:n]


XLS_KINDS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "bytes-flip": raw_flip,
    "splice": splice,
    "truncate": truncate,
    "ole-header": xls_header,
    "ole-dirent": xls_directory,
    "ole-fat": xls_fat,
    "biff-length": xls_biff,
}

# ---- .csv ----


def csv_huge_field(rng: random.Random, data: bytes) -> bytes:
    n = rng.choice((131_073, 1_000_001, 1_500_000))
    quoted = rng.random() < 0.5
    field = (b'"' + b"x" * n + b'"') if quoted else b"y" * n
    at = data.find(b"\n", rng.randrange(len(data))) + 1
    _say(f"a {'quoted ' if quoted else ''}field of {n} characters as a new line at {at}")
    return data[:at] + b"1," + field + b"\r\n" + data[at:]


def csv_shape(rng: random.Random, data: bytes) -> bytes:
    """Past the reader's limits: 100,001 rows, 500,001 cells in one row, or a long run of quotes."""
    kind = rng.randrange(4)
    if kind == 0:
        _say("100,001 empty lines appended")
        return data + b"\r\n" * 100_001
    if kind == 1:
        _say("a row of 500,001 empty cells appended")
        return data + b"," * 500_001 + b"\r\n"
    if kind == 2:
        _say("60,000 rows of 9 cells appended")
        return data + b"1,2,3,4,5,6,7,8,9\r\n" * 60_000
    _say("40,000 quote characters appended")
    return data + b'"' * 40_000


def csv_token(rng: random.Random, data: bytes) -> bytes:
    """A byte that means something to CSV or to the decoder: quote, NUL, CR, a BOM, a broken sequence."""
    tokens = (
        b'"',
        b'"\r\n"',
        b"\x00",
        b"\r",
        b"\n\n\n",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\xfe\xff",
        b"\xff\xfe\x00\x00",
        b"\xed\xa0\x80",
        b"\x80",
        b"\xc3",
        b"\x81\x30",
        b"=cmd|'/C calc'!A0",
        b"\x1b[2J",
        b"\xe2\x80\xae",
        b",,,,,,,,,,,,,,,,",
    )
    token = rng.choice(tokens)
    at = 0 if rng.random() < 0.3 else rng.randrange(len(data) + 1)
    _say(f"inserted {token!r} at {at}")
    return data[:at] + token + data[at:]


CSV_KINDS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "bytes-flip": raw_flip,
    "splice": splice,
    "truncate": truncate,
    "huge-field": csv_huge_field,
    "shape": csv_shape,
    "token": csv_token,
}

KINDS: dict[str, dict[str, Callable[[random.Random, bytes], bytes]]] = {
    "xlsx": ZIP_KINDS,
    "ods": ZIP_KINDS,
    "docx": ZIP_KINDS,
    "xls": XLS_KINDS,
    "csv": CSV_KINDS,
}


def mutate(fmt: str, index: int, seeds: Sequence[tuple[str, bytes]]) -> Mutant:
    """Mutant `index` of format `fmt`: kind kinds[index % len(kinds)], seed file and change drawn from
    random.Random(seed_of(fmt, index))."""
    rng = random.Random(seed_of(fmt, index))
    base, data = seeds[rng.randrange(len(seeds))]
    names = list(KINDS[fmt])
    kind = names[index % len(names)]
    _LAST_DETAIL.clear()
    new = KINDS[fmt][kind](rng, data)
    return Mutant(fmt, index, base, kind, "; ".join(_LAST_DETAIL), new)


def mutants(fmt: str, count: int, seeds: Sequence[tuple[str, bytes]], extra: Sequence[int] = ()) -> list[Mutant]:
    """Mutants 0 .. count-1 of a format, then those of `extra` (indexes at or past count)."""
    return [mutate(fmt, i, seeds) for i in [*range(count), *(i for i in extra if i >= count)]]


def indexes(spec: str) -> list[int]:
    """ "7" -> [7], "0:300" -> 0..299."""
    start, _, stop = spec.partition(":")
    return list(range(int(start), int(stop))) if stop else [int(start)]


def write(mutant: Mutant, folder: Path) -> Path:
    import os

    path = folder / mutant.name
    path.write_bytes(mutant.data)
    t = FIXED_MTIME + mutant.seed
    os.utime(path, (t, t))
    return path


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 3:
        print(__doc__)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        seeds, why = all_seeds(Path(tmp))
    if why:
        print(why, file=sys.stderr)
    formats = [argv[1]] if len(argv) > 1 else [f for f in FORMATS if f in seeds]
    for fmt in formats:
        if fmt not in seeds:
            print(f"no seeds for .{fmt}", file=sys.stderr)
            return 2
        chosen = indexes(argv[2]) if len(argv) > 2 else [*range(COUNTS[fmt]), *FOUND.get(fmt, ())]
        for i in chosen:
            m = mutate(fmt, i, seeds[fmt])
            print(f"{write(m, out)}  {m.describe()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
