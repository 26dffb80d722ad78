"""The hostile-input corpus: bad submissions, each with the finding code it must produce.

Every case writes its file(s) into a folder; `tests/test_corpus.py` merges each case alone (against the
small corpus master list written by `write_master`) and all of them together with the 22 good sample
submissions. Readable cases are forms of 语料测试单位, a department only the corpus master knows, so in a
merge against the real master list they are also unknown (E207) and can never reach the ledger.

    python tests/corpus/make_corpus.py OUTDIR      # writes OUTDIR/master.xlsx and OUTDIR/<case>/...
    python tests/corpus/make_corpus.py --table     # the Markdown table kept in tests/corpus/README.md

Only `fixtures/form.xls` is committed: an old-format workbook that only LibreOffice can make
(`soffice --convert-to xls` of a corpus form). The password-protected workbook is encrypted here with
msoffcrypto-tool (in the [test] extra).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
DEPT = "语料测试单位"
PERIOD = "2025Q3"
PERIOD_TEXT = "2025年三季度"
ITEMS = [
    (1, "推进城市更新和城市建设三年攻坚行动"),
    (2, "新增城镇就业 12 万人以上"),
    (3, "完成 100 个老旧小区改造"),
]
GOOD = {
    1: "已完成年度目标的 75%，正在推进第二阶段。",
    2: "前三季度新增城镇就业 9.6 万人。",
    3: "已开工 86 个，完工 41 个。",
}
HEADERS = ["序号", "事项内容", "责任单位", "进展情况", "完成状态", "备注"]
FIXED_TIME = 1_759_000_000  # a fixed file time, so "which file is newer" cannot decide a duplicate

Rows = list[list[object]]


@dataclass(frozen=True)
class Case:
    id: str
    files: tuple[str, ...]  # names written into the case folder; each must be reported
    code: str  # the finding code every file of the case must get
    what: str  # one line for the README table
    make: Callable[[Path], None]
    needs_non_root: bool = False  # root reads any file: the test runs this case as another user
    reads: bool = False  # a valid form that must be read normally: listed with 语料测试单位 and its 3 items
    defect: str = ""  # a known defect: what happens instead (the test is xfail(strict=True) with this reason)


def write_master(path: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    ws = wb.add_worksheet("清单")
    for c, h in enumerate(("序号", "事项内容", "责任单位")):
        ws.write_string(0, c, h)
    for r, (n, text) in enumerate(ITEMS, start=1):
        ws.write_number(r, 0, n)
        ws.write_string(r, 1, text)
        ws.write_string(r, 2, DEPT)
    wb.close()


def _rows(progress: Mapping[int, object] | None = None) -> Rows:
    p = {**GOOD, **(progress or {})}
    return [[n, text, DEPT, p[n], "序时推进", ""] for n, text in ITEMS]


def form_bytes(
    rows: Rows | None = None,
    dept: str | None = DEPT,
    period: str = PERIOD_TEXT,
    headers: list[str] | None = None,
    extra: Callable[[Any, Any], None] | None = None,
) -> bytes:
    """A submission form like the ones `ledgerxl forms` writes: title, meta cells, header, rows.
    `extra(wb, ws)` gets the xlsxwriter Workbook and Worksheet (xlsxwriter has no type hints)."""
    import datetime as dt

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": dt.datetime(2025, 10, 1, 9)})
    ws = wb.add_worksheet("填报表")
    ws.write_string(0, 0, "2025年市政府工作报告公开挂牌事项三季度进展情况填报表")
    if dept is not None:
        ws.write_string(1, 0, "填报单位")
        ws.write_string(1, 1, dept)
    ws.write_string(1, 2, "报告期")
    ws.write_string(1, 3, period)
    for c, h in enumerate(headers if headers is not None else HEADERS):
        ws.write_string(3, c, h)
    for r, row in enumerate(rows if rows is not None else _rows(), start=4):
        for c, v in enumerate(row):
            if isinstance(v, str):
                ws.write_string(r, c, v)
            elif isinstance(v, dt.datetime):
                ws.write_datetime(r, c, v, wb.add_format({"num_format": "yyyy-mm-dd"}))
            elif isinstance(v, float):
                ws.write_number(r, c, v, wb.add_format({"num_format": "0%"}))
            elif isinstance(v, int):
                ws.write_number(r, c, v)
    if extra:
        extra(wb, ws)
    wb.close()
    return buf.getvalue()


def _put(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], None]:
    def make(d: Path) -> None:
        (d / name).write_bytes(data() if callable(data) else data)

    return make


def _form(
    name: str,
    *,
    rows: Rows | None = None,
    dept: str | None = DEPT,
    period: str = PERIOD_TEXT,
    headers: list[str] | None = None,
) -> Callable[[Path], None]:
    return _put(name, lambda: form_bytes(rows=rows, dept=dept, period=period, headers=headers))


def rewrite(data: bytes, member: str, fn: Callable[[bytes], bytes]) -> bytes:
    """A copy of a zip with one member's bytes changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info.filename, fn(body) if info.filename == member else body)
    return out.getvalue()


_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="填报表" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _sheet(cells: str, prolog: str = "") -> bytes:
    xml = f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet {_NS}><sheetData>{cells}</sheetData></worksheet>'
    return xml.encode()


def _istr(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


_HEADER_ROW = "".join(_istr(f"{col}4", h) for col, h in zip("ABCDEF", HEADERS))


def raw_xlsx(sheet: bytes, sst: bytes | None = None, big_sst: tuple[bytes, int] | None = None) -> bytes:
    """A minimal workbook written by hand, for what no spreadsheet program would write.

    `big_sst` = (chunk, times): a sharedStrings part streamed from a repeated chunk (small zip, huge XML)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        if big_sst is not None:
            chunk, times = big_sst
            zi = zipfile.ZipInfo("xl/sharedStrings.xml", (2025, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            with z.open(zi, "w", force_zip64=True) as f:
                f.write(f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS}><si><t>'.encode())
                for _ in range(times):
                    f.write(chunk)
                f.write(b"</t></si></sst>")
        elif sst is not None:
            z.writestr("xl/sharedStrings.xml", sst)
    return buf.getvalue()


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    )


def _docx() -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph("语料测试单位三季度进展情况：已完成年度目标的 75%。")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _encrypted() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(form_bytes())).encrypt("密码123", out)
    return out.getvalue()


_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
    'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def _ods(rows: int, cols: int) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="填报表">'
        f'<table:table-row table:number-rows-repeated="{rows}">'
        f'<table:table-cell table:number-columns-repeated="{cols}" office:value-type="string"><text:p>x</text:p>'
        "</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _corrupt_member() -> bytes:
    """Central directory intact, the sheet's compressed bytes overwritten: fails while unpacking."""
    data = bytearray(form_bytes(rows=_rows({1: "内容" * 2000})))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/sharedStrings.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 10, start + min(info.compress_size, 200)):
        data[i] = 0xFF
    return bytes(data)


def _no_cached_value() -> bytes:
    def extra(wb: Any, ws: Any) -> None:
        ws.write_formula(5, 3, '="已完成"&"全年目标"')

    data = form_bytes(extra=extra)
    # xlsxwriter stores a cached value of 0; a file saved by some tools has no <v> at all
    return rewrite(data, "xl/worksheets/sheet1.xml", lambda b: b.replace(b"<v>0</v>", b""))


def _cached_value() -> bytes:
    def extra(wb: Any, ws: Any) -> None:
        ws.write_formula(5, 3, '="已完成"&"全年目标"', None, "已完成全年目标")

    return form_bytes(extra=extra)


def _hidden_sheets() -> bytes:
    return rewrite(form_bytes(), "xl/workbook.xml", lambda b: b.replace(b"<sheet ", b'<sheet state="hidden" '))


def _merged() -> bytes:
    def extra(wb: Any, ws: Any) -> None:
        ws.merge_range(4, 3, 6, 3, "三个事项合写在一个合并单元格里：均按计划推进。")

    return form_bytes(extra=extra)


def _truncated() -> bytes:
    data = form_bytes()
    return data[: len(data) // 2]


def _xls() -> bytes:
    return (FIXTURES / "form.xls").read_bytes()


def _special(kind: str, name: str) -> Callable[[Path], None]:
    def make(d: Path) -> None:
        p = d / name
        if kind == "dir":
            p.mkdir()
            (p / "说明.txt").write_text("这是一个名字像表格的文件夹。", encoding="utf-8")
        elif kind == "loop":
            os.symlink(name, p)  # points at itself
        elif kind == "dangling":
            os.symlink("不存在的文件.xlsx", p)
        elif kind == "fifo":
            os.mkfifo(p)
        elif kind == "denied":
            p.write_bytes(form_bytes())
            p.chmod(0)
        elif kind == "huge":
            with open(p, "wb") as f:
                f.write(b"PK\x03\x04")
                f.truncate(21 * 1024 * 1024)  # sparse: costs no disk
        else:  # pragma: no cover
            raise ValueError(kind)

    return make


def _pair(d: Path) -> None:
    for name in ("同单位报送-甲.xlsx", "同单位报送-乙.xlsx"):
        p = d / name
        p.write_bytes(form_bytes())
        os.utime(p, (FIXED_TIME, FIXED_TIME))


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(2, 10))
    + "]>"
)
XXE = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
DDE = "=cmd|' /C calc'!A0"
LONG_TEXT = "推进城市更新行动，" * 4445  # 40,005 characters


def _long_text() -> bytes:
    # xlsxwriter (like Excel) cuts text at 32,767 characters: put a marker in, then the long text over it
    data = form_bytes(rows=_rows({1: "LONG-TEXT-MARKER"}))
    return rewrite(data, "xl/sharedStrings.xml", lambda b: b.replace(b"LONG-TEXT-MARKER", LONG_TEXT.encode()))


def _csv(progress: dict[int, str]) -> bytes:
    import csv

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["填报单位", DEPT, "报告期", PERIOD_TEXT])
    w.writerow(HEADERS)
    for row in _rows(progress):
        w.writerow(row)
    return buf.getvalue().encode("utf-8-sig")


_FAR_CORNER = f'<row r="1">{_istr("A1", "序号")}</row><row r="1048576">{_istr("XFD1048576", "x")}</row>'


def _moved_sheet() -> bytes:
    """The far-corner sheet stored at xl/data/grid.bin: calamine follows workbook.xml.rels, not the folder."""
    data = raw_xlsx(_sheet(_FAR_CORNER))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            name = info.filename
            if name == "xl/worksheets/sheet1.xml":
                name = "xl/data/grid.bin"
            body = body.replace(b"worksheets/sheet1.xml", b"data/grid.bin")
            dst.writestr(name, body)
    return out.getvalue()


def _utf16le_unmarked_doctype() -> bytes:
    """Shared strings in UTF-16LE with no byte-order mark, a space first, then a comment holding U+3C00
    (read as big-endian it would be a "<") and entities: expat reads it and expands them."""
    xml = f" <!--\u3c00x-->{BILLION_LAUGHS}<sst {_NS}><si><t>&lol9;</t></si></sst>"
    return raw_xlsx(_sheet(_HEADER_ROW), sst=xml.encode("utf-16-le"))


def _late_doctype_sst(encoding: str) -> bytes:
    """sharedStrings whose DOCTYPE comes after a comment holding markup-like text and 8 KB of text that
    does not compress (the scan reads only a part's prolog, step by step: it must not stop early)."""
    import random

    rng = random.Random(7)
    noise = "".join(chr(0x4E00 + rng.randrange(20000)) for _ in range(6000))  # about 10 KB compressed
    xml = (
        f'<?xml version="1.0" encoding="{encoding}"?><!-- <si><t>not the root</t></si> {noise} -->'
        f"<?pi <sst> ?>{BILLION_LAUGHS}<sst {_NS}><si><t>&lol9;</t></si></sst>"
    )
    return raw_xlsx(_sheet(_HEADER_ROW), sst=xml.encode(encoding))


def _utf16_doctype() -> bytes:
    xml = (
        f'<?xml version="1.0" encoding="UTF-16"?>{XXE}<worksheet {_NS}><sheetData>{_HEADER_ROW}</sheetData></worksheet>'
    )
    return raw_xlsx(xml.encode("utf-16"))


# ---- the boundary's edges: what only the parser can judge, spelled in every way XML and the formats allow


_FC = '<c{} t="inlineStr"><is><t>x</t></is></c>'  # a text cell; {} holds its attributes


def _far_corner(cell: str, row: str = 'r="1048576"') -> Callable[[], bytes]:
    """A sheet with A1 and one more cell, written as `cell` (its reference spelled some other way) in a
    row whose start tag carries `row`."""
    return lambda: raw_xlsx(_sheet(f'<row r="1">{_istr("A1", "序号")}</row><row {row}>{cell}</row>'))


def _relocated(member: str, target: str, prolog: str = "", form: Callable[[], bytes] | None = None) -> bytes:
    """A good form (or `form()`) whose sheet part is stored as `member` and named in workbook.xml.rels as
    `target`, with `prolog` (a DTD) after its XML declaration. The scan must take for the sheet the part
    calamine reads."""

    def move(info: zipfile.ZipInfo, body: bytes) -> tuple[str, bytes]:
        if info.filename == "xl/worksheets/sheet1.xml":
            return member, body.replace(b"?>\n", f"?>\n{prolog}".encode(), 1)
        if info.filename == "xl/_rels/workbook.xml.rels":
            return info.filename, body.replace(b'Target="worksheets/sheet1.xml"', f'Target="{target}"'.encode())
        if info.filename == "[Content_Types].xml":
            return info.filename, body.replace(b'"/xl/worksheets/sheet1.xml"', f'"/{member}"'.encode())
        return info.filename, body

    out = io.BytesIO()
    data = (form or form_bytes)()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(*move(info, src.read(info)))
    return out.getvalue()


def _sst_count(unique: str) -> bytes:
    """A good form whose sharedStrings part claims `unique` distinct strings (it has about 20)."""
    return rewrite(
        form_bytes(),
        "xl/sharedStrings.xml",
        lambda b: re.sub(rb'uniqueCount="\d+"', f'uniqueCount="{unique}"'.encode(), b),
    )


def _sheet_listed(times: int) -> bytes:
    """A good form whose workbook.xml lists its one sheet part `times` times (names 填报表, 填报表2, …)."""

    def many(b: bytes) -> bytes:
        tags = "".join(
            f'<sheet name="填报表{n if n > 1 else ""}" sheetId="{n}" r:id="rId1"/>' for n in range(1, times + 1)
        )
        return re.sub(rb"<sheets>.*</sheets>", f"<sheets>{tags}</sheets>".encode(), b)

    return rewrite(form_bytes(), "xl/workbook.xml", many)


def _compressed_with(method: int) -> bytes:
    """A good form with every part but [Content_Types].xml compressed with `method` (bzip2, LZMA)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(form_bytes())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            kind = zipfile.ZIP_DEFLATED if info.filename == "[Content_Types].xml" else method
            dst.writestr(info.filename, src.read(info), compress_type=kind)
    return out.getvalue()


def _cells_without_refs(rows: int, cols: int, noise: int = 0) -> bytes:
    """A header row, then rows x cols numeric cells, neither <row> nor <c> saying where (calamine counts
    them into place). `noise`: that many random bytes (base64, in a comment) that do not compress, so that
    the part stays under the scan's 100:1 ratio and reaches calamine."""
    import base64
    import random

    row = "<row>" + "<c><v>1</v></c>" * cols + "</row>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>'.encode())
            if noise:
                f.write(b"<!-- " + base64.b64encode(random.Random(7).randbytes(noise)) + b" -->")
            f.write(f'<row r="4">{_HEADER_ROW}</row>'.encode())
            chunk = row.encode() * 100
            for _ in range(rows // 100):
                f.write(chunk)
            f.write(b"</sheetData></worksheet>")
    return buf.getvalue()


_ODS_CONTENT_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="填报表">'
)
_ODS_CONTENT_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"


def _ods_table(rows: str) -> bytes:
    """An .ods whose one table holds `rows` (table:table-row elements written by hand)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", _ODS_CONTENT_HEAD + rows + _ODS_CONTENT_TAIL, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _ods_cell(text: str, attrs: str = "") -> str:
    return f'<table:table-cell{attrs} office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


_ODS_HEADER_ROW = "<table:table-row>" + "".join(_ods_cell(h) for h in HEADERS) + "</table:table-row>"


def _ods_repeat_rows(attr: str) -> Callable[[], bytes]:
    """A header row, then one row repeated as `attr` says (1,000,000 times, spelled oddly)."""
    return lambda: _ods_table(
        f"{_ODS_HEADER_ROW}<table:table-row {attr}>{_ods_cell('x')}{_ods_cell('y')}</table:table-row>"
    )


def _ods_repeat_cols(attr: str) -> Callable[[], bytes]:
    """A header row, then 1,000 rows of one cell repeated as `attr` says (1,000 times, spelled oddly):
    calamine builds the million cells, the reader's MAX_CELLS refuses them (calamine stops a row at
    column 16,384, so columns alone never get far)."""
    return lambda: _ods_table(
        f'{_ODS_HEADER_ROW}<table:table-row table:number-rows-repeated="1000">{_ods_cell("x", " " + attr)}'
        "</table:table-row>"
    )


def _ods_spaces(count: str) -> bytes:
    """A form-like .ods whose progress cell holds <text:s text:c="count"/> (that many spaces)."""
    cells = "".join(_ods_cell(v) for v in ("1", ITEMS[0][1], DEPT))
    cells += f'<table:table-cell office:value-type="string"><text:p>已完成<text:s text:c="{count}"/>。</text:p>'
    cells += "</table:table-cell>"
    return _ods_table(f"{_ODS_HEADER_ROW}<table:table-row>{cells}</table:table-row>")


def _csv_text(progress: dict[int, str], encoding: str) -> bytes:
    """The CSV form of `_csv` in another encoding (Python's utf-16 and utf-32 codecs write the BOM)."""
    return _csv(progress).decode("utf-8-sig").encode(encoding)


def _newlines(d: Path) -> None:
    with open(d / "换行.csv", "wb") as f:
        for _ in range(19):
            f.write(b"\n" * (1 << 20))  # 19 MB: under the 20 MB file limit, so it reaches the CSV reader


LONG_NAME = ("语料测试单位" + "二〇二五年三季度挂牌事项进展情况填报表终稿" * 4)[:80] + ".xlsx"  # 245 bytes in UTF-8


# ---- old-format workbooks (.xls) built by hand: BIFF8 records in an OLE2 compound file

_ENDOFCHAIN, _FREESECT, _FATSECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def _ole_stream(data: bytes, name: str) -> bytes:
    """One stream of an OLE2 compound file: a reader just good enough for fixtures/form.xls (version 3,
    512-byte sectors, at most 109 FAT sectors, the small streams in the mini stream)."""
    ssz = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    msz = 1 << struct.unpack_from("<H", data, 0x20)[0]
    nfat, first_dir = struct.unpack_from("<II", data, 0x2C)
    cutoff, first_minifat = struct.unpack_from("<II", data, 0x38)

    def sector(i: int) -> bytes:
        return data[ssz * (i + 1) : ssz * (i + 2)]

    fat = [x for s in struct.unpack_from(f"<{nfat}I", data, 0x4C) for x in struct.unpack(f"<{ssz // 4}I", sector(s))]

    def chain(start: int, table: list[int]) -> list[int]:
        out: list[int] = []
        while start != _ENDOFCHAIN and len(out) <= len(table):
            out.append(start)
            start = table[start]
        return out

    def read(start: int) -> bytes:
        return b"".join(sector(i) for i in chain(start, fat))

    entries = read(first_dir)
    mini = read(struct.unpack_from("<I", entries, 116)[0])  # the root entry's stream is the mini stream
    minifat_bytes = read(first_minifat) if first_minifat != _ENDOFCHAIN else b""
    minifat = list(struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes))
    for at in range(0, len(entries), 128):
        e = entries[at : at + 128]
        n = struct.unpack_from("<H", e, 64)[0]
        if n and e[: n - 2].decode("utf-16-le") == name:
            start, size = struct.unpack_from("<II", e, 116)
            if size < cutoff:
                return b"".join(mini[i * msz : (i + 1) * msz] for i in chain(start, minifat))[:size]
            return read(start)[:size]
    raise KeyError(name)


def _ole2(stream: bytes, *, loop: str = "", size: int | None = None) -> bytes:
    """A minimal OLE2 compound file written by hand: version 3, 512-byte sectors, the FAT in sector 0, the
    directory (root and `Workbook`) in sector 1, the stream from sector 2 on, padded to the 4,096-byte
    mini-stream cutoff so that it lives in ordinary sectors. `loop`: "stream", the stream's last FAT entry
    points back at its first sector instead of ending the chain; "directory", the directory's sector points
    at itself. `size`: the size the stream's directory entry states."""
    stream = stream.ljust(4096, b"\0")
    stream = stream.ljust(-(-len(stream) // 512) * 512, b"\0")
    n = len(stream) // 512
    if n + 2 > 128:  # pragma: no cover - one FAT sector maps 128
        raise ValueError("stream too long for one FAT sector")
    fat = [_FATSECT, 1 if loop == "directory" else _ENDOFCHAIN, *range(3, n + 2)]
    fat += [2 if loop == "stream" else _ENDOFCHAIN]
    fat += [_FREESECT] * (128 - len(fat))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<9I", 0, 1, 1, 0, 4096, _ENDOFCHAIN, 0, _ENDOFCHAIN, 0)
    header += struct.pack("<109I", 0, *[_FREESECT] * 108)

    def entry(name: str, kind: int, child: int, start: int, length: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0" if name else b""
        fields = struct.pack("<HBB3I", len(raw), kind, 1 if name else 0, _NOSTREAM, _NOSTREAM, child)
        return raw.ljust(64, b"\0") + fields + bytes(36) + struct.pack("<IQ", start, length)

    directory = entry("Root Entry", 5, 1, _ENDOFCHAIN, 0)
    directory += entry("Workbook", 2, _NOSTREAM, 2, len(stream) if size is None else size)
    directory += entry("", 0, _NOSTREAM, 0, 0) * 2
    return header + struct.pack("<128I", *fat) + directory + stream


def _biff(stream: bytes) -> list[tuple[int, bytes]]:
    """The BIFF records of a Workbook stream: (type, body), in order."""
    out, at = [], 0
    while at + 4 <= len(stream):
        kind, n = struct.unpack_from("<HH", stream, at)
        out.append((kind, stream[at + 4 : at + 4 + n]))
        at += 4 + n
    return out


def _unbiff(records: list[tuple[int, bytes]]) -> bytes:
    return b"".join(struct.pack("<HH", k, len(b)) + b for k, b in records)


_BOUNDSHEET, _DIMENSIONS, _LABELSST, _RK = 0x0085, 0x0200, 0x00FD, 0x027E  # BIFF8 record types


def _xls_records() -> list[tuple[int, bytes]]:
    """The corpus form of fixtures/form.xls, as records (one sheet, its BOUNDSHEET pointing at its BOF)."""
    return _biff(_ole_stream(_xls(), "Workbook"))


def _xls_with(edit: Callable[[list[tuple[int, bytes]]], list[tuple[int, bytes]]], **ole: Any) -> Callable[[], bytes]:
    """fixtures/form.xls's Workbook stream with its records changed by `edit`, in a compound file of `_ole2`
    (`ole`: its loop and size)."""

    def make() -> bytes:
        records = edit(_xls_records())
        return _ole2(_unbiff(records), **ole)

    return make


def _set_boundsheet(records: list[tuple[int, bytes]], offset: int) -> list[tuple[int, bytes]]:
    return [(k, struct.pack("<I", offset) + b[4:]) if k == _BOUNDSHEET else (k, b) for k, b in records]


def _xls_dimensions(rows: int, cols: int) -> Callable[[list[tuple[int, bytes]]], list[tuple[int, bytes]]]:
    """The sheet's DIMENSIONS record says rows 0 to `rows` (exclusive, a 32-bit field) and `cols` columns."""

    def edit(records: list[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
        return [(k, struct.pack("<IIHHH", 0, rows, 0, cols, 0)) if k == _DIMENSIONS else (k, b) for k, b in records]

    return edit


def _xls_far_corner(records: list[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
    """A text cell (the first shared string) at IV65536, BIFF8's last cell, after the form's cells, and
    DIMENSIONS saying so, as Excel would write it (same lengths: BOUNDSHEET's offset still holds)."""
    records = _xls_dimensions(65536, 256)(records)
    last = max(i for i, (k, _) in enumerate(records) if k in (_LABELSST, _RK))
    return [*records[: last + 1], (_LABELSST, struct.pack("<HHHI", 65535, 255, 15, 0)), *records[last + 1 :]]


def _xls_sheet_offset(records: list[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
    return _set_boundsheet(records, 0x7FFFFF00)  # 2 GB into a 4 KB stream


CASES: list[Case] = [
    # --- what the file is
    Case("empty", ("空文件.xlsx",), "E110", "0-byte file", _put("空文件.xlsx", b"")),
    Case(
        "truncated-zip",
        ("截断.xlsx",),
        "E101",
        "first half of a good workbook (transfer cut off)",
        _put("截断.xlsx", _truncated),
    ),
    Case(
        "corrupt-member",
        ("损坏部件.xlsx",),
        "E101",
        "zip directory intact, sharedStrings data overwritten",
        _put("损坏部件.xlsx", _corrupt_member),
    ),
    Case("docx-renamed", ("其实是Word.xlsx",), "E111", "a .docx renamed to .xlsx", _put("其实是Word.xlsx", _docx)),
    Case(
        "csv-renamed",
        ("其实是CSV.xlsx",),
        "E111",
        "a .csv renamed to .xlsx",
        _put("其实是CSV.xlsx", "序号,进展情况\n1,已完成\n".encode()),
    ),
    Case("png-renamed", ("其实是图片.xlsx",), "E111", "a .png renamed to .xlsx", _put("其实是图片.xlsx", _png)),
    Case(
        "xls-renamed",
        ("其实是旧版.xlsx",),
        "E111",
        "a real .xls (made by LibreOffice) renamed to .xlsx",
        _put("其实是旧版.xlsx", _xls),
    ),
    Case(
        "html-as-xls",
        ("网页导出.xls",),
        "E111",
        "an HTML table saved as .xls (what web systems export)",
        _put("网页导出.xls", "<html><body><table><tr><td>序号</td></tr></table></body></html>".encode()),
    ),
    Case("xlsx-as-csv", ("表格.csv",), "E111", "a workbook renamed to .csv", _put("表格.csv", form_bytes)),
    Case("binary-garbage", ("乱码.xlsx",), "E111", "random binary bytes", _put("乱码.xlsx", bytes(range(256)) * 8)),
    Case(
        "plain-zip",
        ("压缩包.xlsx",),
        "E111",
        "a zip archive that is not a workbook",
        _put("压缩包.xlsx", lambda: _zip_of({"说明.txt": b"hello"})),
    ),
    Case(
        "password",
        ("有密码.xlsx",),
        "E102",
        "password-protected workbook (encrypted with msoffcrypto-tool)",
        _put("有密码.xlsx", _encrypted),
    ),
    Case("directory", ("文件夹.xlsx",), "E101", "a directory named like a workbook", _special("dir", "文件夹.xlsx")),
    Case(
        "permission-denied",
        ("无权限.xlsx",),
        "E112",
        "file mode 000 (run as a non-root user)",
        _special("denied", "无权限.xlsx"),
        needs_non_root=True,
    ),
    Case("symlink-loop", ("循环链接.xlsx",), "E112", "a symlink pointing at itself", _special("loop", "循环链接.xlsx")),
    Case(
        "dangling-symlink",
        ("失效链接.xlsx",),
        "E112",
        "a symlink to a missing file",
        _special("dangling", "失效链接.xlsx"),
    ),
    Case(
        "fifo", ("管道.xlsx",), "E112", "a named pipe (reading it would block forever)", _special("fifo", "管道.xlsx")
    ),
    # --- size and bombs
    Case("too-big", ("超大文件.xlsx",), "E104", "21 MB on disk (limit 20 MB)", _special("huge", "超大文件.xlsx")),
    Case(
        "sharedstrings-bomb",
        ("共享字符串炸弹.xlsx",),
        "E104",
        "sharedStrings.xml 200 MB unpacked from a 200 KB zip",
        _put("共享字符串炸弹.xlsx", lambda: raw_xlsx(_sheet(_HEADER_ROW), big_sst=(b"A" * 1024 * 1024, 200))),
    ),
    Case(
        "ratio-bomb",
        ("压缩比炸弹.xlsx",),
        "E104",
        "10 MB part at about 1000:1 (under the size limit, over the ratio limit)",
        _put("压缩比炸弹.xlsx", lambda: raw_xlsx(_sheet(_HEADER_ROW), big_sst=(b"A" * 1024 * 1024, 10))),
    ),
    Case(
        "row-1048576",
        ("末行有数据.xlsx",),
        "E115",
        "header at row 4 and one cell at D1048576, too large for the worker",
        _put(
            "末行有数据.xlsx",
            lambda: raw_xlsx(_sheet(f'<row r="4">{_HEADER_ROW}</row><row r="1048576">{_istr("D1048576", "x")}</row>')),
        ),
    ),
    Case(
        "far-corner",
        ("右下角.xlsx",),
        "E115",
        "cells A1 and XFD1048576 (calamine cannot allocate 512 GB under the worker's limit)",
        _put(
            "右下角.xlsx",
            lambda: raw_xlsx(
                _sheet(f'<row r="1">{_istr("A1", "序号")}</row><row r="1048576">{_istr("XFD1048576", "x")}</row>')
            ),
        ),
    ),
    Case(
        "far-corner-single-quotes",
        ("右下角单引号.xlsx",),
        "E115",
        "the far-corner cell with its reference in single quotes (r='XFD1048576'), too large for the worker",
        _put(
            "右下角单引号.xlsx",
            lambda: raw_xlsx(
                _sheet(
                    f'<row r="1">{_istr("A1", "序号")}</row>'
                    "<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>"
                )
            ),
        ),
    ),
    Case(
        "far-corner-moved",
        ("右下角移位.xlsx",),
        "E115",
        "the far-corner sheet stored outside xl/worksheets/,, too large for the worker",
        _put("右下角移位.xlsx", _moved_sheet),
    ),
    Case(
        "wide-sheet",
        ("超宽.xlsx",),
        "E104",
        "100 rows reaching column XFD (1.6 million cells)",
        _put(
            "超宽.xlsx",
            lambda: raw_xlsx(_sheet(f'<row r="4">{_HEADER_ROW}</row><row r="100">{_istr("XFD100", "x")}</row>')),
        ),
    ),
    Case(
        "ods-repeat-rows",
        ("重复行.ods",),
        "E115",
        "a 1 KB .ods repeating a row 1,000,000 times, too large for the worker",
        _put("重复行.ods", lambda: _ods(1_000_000, 4)),
    ),
    Case(
        "ods-repeat-cells",
        ("重复格.ods",),
        "E115",
        "a 1 KB .ods asking for 50,000 x 1,000 cells, too large for the worker",
        _put("重复格.ods", lambda: _ods(50_000, 1000)),
    ),
    # --- XML declarations
    Case(
        "xxe",
        ("外部实体.xlsx",),
        "E113",
        "external entity (file:///etc/passwd) in sheet XML",
        _put(
            "外部实体.xlsx",
            lambda: raw_xlsx(_sheet(f'<row r="4">{_HEADER_ROW}</row><row r="5">{_istr("D5", "&xxe;")}</row>', XXE)),
        ),
    ),
    Case(
        "billion-laughs",
        ("实体炸弹.xlsx",),
        "E113",
        "billion-laughs entities in sheet XML",
        _put(
            "实体炸弹.xlsx",
            lambda: raw_xlsx(
                _sheet(f'<row r="4">{_HEADER_ROW}</row><row r="5">{_istr("D5", "&lol9;")}</row>', BILLION_LAUGHS)
            ),
        ),
    ),
    Case(
        "sst-entity",
        ("共享字符串实体.xlsx",),
        "E113",
        "entity declared in sharedStrings.xml",
        _put(
            "共享字符串实体.xlsx",
            lambda: raw_xlsx(
                _sheet(_HEADER_ROW),
                sst=f'<?xml version="1.0"?>{BILLION_LAUGHS}<sst {_NS}><si><t>&lol9;</t></si></sst>'.encode(),
            ),
        ),
    ),
    Case(
        "utf16-doctype",
        ("UTF16声明.xlsx",),
        "E113",
        "DOCTYPE in a UTF-16 encoded sheet part",
        _put("UTF16声明.xlsx", _utf16_doctype),
    ),
    Case(
        "utf16le-unmarked-doctype",
        ("UTF16无标记声明.xlsx",),
        "E113",
        "entities in UTF-16LE shared strings with no byte-order mark, a space and a comment first",
        _put("UTF16无标记声明.xlsx", _utf16le_unmarked_doctype),
    ),
    Case(
        "late-doctype",
        ("注释后声明.xlsx",),
        "E113",
        "entities declared after a long comment with tags in it, in sharedStrings.xml",
        _put("注释后声明.xlsx", lambda: _late_doctype_sst("UTF-8")),
    ),
    Case(
        "late-doctype-utf16",
        ("注释后声明UTF16.xlsx",),
        "E113",
        "the same in UTF-16",
        _put("注释后声明UTF16.xlsx", lambda: _late_doctype_sst("UTF-16")),
    ),
    # --- the sheet's structure
    Case(
        "no-visible-sheet",
        ("全部隐藏.xlsx",),
        "E114",
        "the only sheet is hidden",
        _put("全部隐藏.xlsx", _hidden_sheets),
    ),
    Case("empty-sheet", ("空表.xlsx",), "E103", "one sheet, no cells", _put("空表.xlsx", lambda: raw_xlsx(_sheet("")))),
    Case("no-header", ("无表头.xlsx",), "E103", "rows of data without a header row", _form("无表头.xlsx", headers=[])),
    Case("header-only", ("只有表头.xlsx",), "W323", "meta cells and header, no rows", _form("只有表头.xlsx", rows=[])),
    Case(
        "duplicate-columns",
        ("重复列.xlsx",),
        "E221",
        "two 进展情况 columns (the second would be ignored)",
        _form("重复列.xlsx", headers=[*HEADERS[:5], "进展情况"]),
    ),
    Case(
        "merged-cells",
        ("合并单元格.xlsx",),
        "E209",
        "D5:D7 merged across three items' progress",
        _put("合并单元格.xlsx", _merged),
    ),
    # --- what the cells hold
    Case(
        "control-chars",
        ("控制字符.xlsx",),
        "W320",
        "progress with U+0007, U+001B, U+000B",
        _form("控制字符.xlsx", rows=_rows({1: "已完成\x07年度\x1b目标\x0b的 75%。"})),
    ),
    Case(
        "text-40000",
        ("超长文字.xlsx",),
        "E220",
        "40,005-character progress (Excel cells hold 32,767; written into the XML by hand)",
        _put("超长文字.xlsx", _long_text),
    ),
    Case(
        "text-40000-csv",
        ("超长文字.csv",),
        "E220",
        "the same 40,005 characters in a CSV form",
        _put("超长文字.csv", lambda: _csv({1: LONG_TEXT})),
    ),
    Case(
        "rare-cjk-emoji",
        ("生僻字.xlsx",),
        "E207",
        "填报单位 𠀀𪚥测试单位😀 (unknown) and progress with 𠀀 𪚥 😀 (message must quote them)",
        _form("生僻字.xlsx", dept="𠀀𪚥测试单位😀", rows=_rows({1: "𠀀𪚥 项目进展顺利 😀👍🏻"})),
    ),
    Case(
        "starts-equals",
        ("等号开头.xlsx",),
        "W321",
        "progress =SUM(1,2)",
        _form("等号开头.xlsx", rows=_rows({1: "=SUM(1,2)"})),
    ),
    Case(
        "starts-plus",
        ("加号开头.xlsx",),
        "W321",
        "progress +SUM(1,2)",
        _form("加号开头.xlsx", rows=_rows({1: "+SUM(1,2)"})),
    ),
    Case(
        "starts-minus",
        ("减号开头.xlsx",),
        "W321",
        "progress -2+3+cmd|' /C calc'!A0",
        _form("减号开头.xlsx", rows=_rows({1: "-2+3+cmd|' /C calc'!A0"})),
    ),
    Case(
        "starts-at",
        ("at开头.xlsx",),
        "W321",
        "progress @SUM(1+1)*cmd|' /C calc'!A0",
        _form("at开头.xlsx", rows=_rows({1: "@SUM(1+1)*cmd|' /C calc'!A0"})),
    ),
    Case("dde", ("DDE.xlsx",), "W321", "progress " + DDE.replace("|", "\\|"), _form("DDE.xlsx", rows=_rows({1: DDE}))),
    Case(
        "formula-cached",
        ("公式有缓存.xlsx",),
        "W304",
        "progress cell is a formula with a cached value",
        _put("公式有缓存.xlsx", _cached_value),
    ),
    Case(
        "formula-uncached",
        ("公式无缓存.xlsx",),
        "E205",
        "progress cell is a formula without a cached value (reads empty; W304 too)",
        _put("公式无缓存.xlsx", _no_cached_value),
    ),
    Case(
        "date-as-progress",
        ("日期.xlsx",),
        "W322",
        "progress cell holds a date",
        _form("日期.xlsx", rows=_rows({1: __import__("datetime").datetime(2025, 9, 30)})),
    ),
    Case(
        "number-as-progress",
        ("百分比.xlsx",),
        "W322",
        "progress cell holds 0.85 shown as 85%",
        _form("百分比.xlsx", rows=_rows({1: 0.85})),
    ),
    # --- file names (no 填报单位 cell, so the name is all there is to go on)
    Case(
        "name-spaces",
        ("  报送 表 （终稿） .xlsx",),
        "E207",
        "spaces, full-width brackets, no department in the name",
        _form("  报送 表 （终稿） .xlsx", dept=None),
    ),
    Case("name-dots", ("进展..终稿..xlsx",), "E207", "`..` inside the name", _form("进展..终稿..xlsx", dept=None)),
    Case(
        "name-dash",
        ("-rf --help.xlsx",),
        "E207",
        "leading dashes (an option if typed on a command line)",
        _form("-rf --help.xlsx", dept=None),
    ),
    # --- who and when
    Case(
        "same-department",
        ("同单位报送-甲.xlsx", "同单位报送-乙.xlsx"),
        "E208",
        "two forms of one department, same file time, no 填报日期 (undecidable)",
        _pair,
    ),
    Case(
        "wrong-period",
        ("上半年.xlsx",),
        "E206",
        "报告期 2025年上半年 in a Q3 merge",
        _form("上半年.xlsx", period="2025年上半年"),
    ),
    Case(
        "unknown-department",
        ("未知单位.xlsx",),
        "E207",
        "填报单位 市宇宙开发局",
        _form("未知单位.xlsx", dept="市宇宙开发局"),
    ),
    # --- the boundary's edges: a cell reference spelled as XML allows (calamine reads them all)
    Case(
        "far-corner-lowercase",
        ("右下角小写.xlsx",),
        "E115",
        'the far-corner cell written r="xfd1048576", too large for the worker',
        _put("右下角小写.xlsx", _far_corner(_FC.format(' r="xfd1048576"'))),
    ),
    Case(
        "far-corner-spaces",
        ("右下角空格.xlsx",),
        "E115",
        'the far-corner cell written r = "XFD1048576", too large for the worker',
        _put("右下角空格.xlsx", _far_corner(_FC.format(' r = "XFD1048576"'))),
    ),
    Case(
        "far-corner-tabs",
        ("右下角制表符.xlsx",),
        "E115",
        "the far-corner cell with a tab either side of its `=`, too large for the worker",
        _put("右下角制表符.xlsx", _far_corner(_FC.format(' r\t=\t"XFD1048576"'))),
    ),
    Case(
        "far-corner-gt-in-attribute",
        ("右下角属性含大于号.xlsx",),
        "E115",
        'the far-corner cell after an attribute holding ">" (note="a>b" r="XFD1048576"), too large for the worker',
        _put(
            "右下角属性含大于号.xlsx", _far_corner(_FC.format(' note="a>b" r="XFD1048576"'), 'note="1>0" r="1048576"')
        ),
    ),
    Case(
        "row-11-digits",
        ("十一位行号.xlsx",),
        "E115",
        "a cell at A12345678901 (an 11-digit row number, past 2^32)",
        _put("十一位行号.xlsx", _far_corner(_FC.format(' r="A12345678901"'), 'r="12345678901"')),
    ),
    Case(
        "row-8-digits",
        ("八位行号.xlsx",),
        "E115",
        "a cell at A12345678 (an 8-digit row number, 12 times Excel's last row)",
        _put("八位行号.xlsx", _far_corner(_FC.format(' r="A12345678"'), 'r="12345678"')),
    ),
    Case(
        "cells-without-refs",
        ("无坐标单元格.xlsx",),
        "E104",
        "1,000,000 cells in 1,000 rows, none with an r attribute (15 MB in 32 KB: the scan's ratio limit)",
        _put("无坐标单元格.xlsx", lambda: _cells_without_refs(1000, 1000)),
    ),
    Case(
        "cells-without-refs-reaching-calamine",
        ("无坐标单元格未超压缩比.xlsx",),
        "E104",
        "the same million cells after 200 KB that do not compress (ratio under 100:1): the reader's cell limit",
        _put("无坐标单元格未超压缩比.xlsx", lambda: _cells_without_refs(1000, 1000, noise=200_000)),
    ),
    # --- where the sheet part is (its relationship names it; the scan must find the same part calamine reads)
    Case(
        "sheet-name-case",
        ("部件名大小写.xlsx",),
        "E113",
        "a form's sheet with a DTD stored as xl/worksheets/Sheet1.dat, its relationship saying worksheets/sheet1.dat "
        "(calamine finds parts whatever their case)",
        _put("部件名大小写.xlsx", lambda: _relocated("xl/worksheets/Sheet1.dat", "worksheets/sheet1.dat", XXE)),
    ),
    Case(
        "sheet-name-case-formula",
        ("部件名大小写公式.xlsx",),
        "W304",
        "the same place for a form whose progress cell D6 is a formula (its cell facts come from the scan)",
        _put(
            "部件名大小写公式.xlsx",
            lambda: _relocated("xl/worksheets/Sheet1.dat", "worksheets/sheet1.dat", form=_cached_value),
        ),
        reads=True,
    ),
    Case(
        "sheet-target-dot",
        ("部件路径点.xlsx",),
        "E101",
        "a form whose relationship names its sheet /xl/./worksheets/sheet1.xml: calamine cannot resolve it",
        _put("部件路径点.xlsx", lambda: _relocated("xl/worksheets/sheet1.xml", "/xl/./worksheets/sheet1.xml")),
    ),
    Case(
        "sheet-target-dotdot",
        ("部件路径上级.xlsx",),
        "E101",
        "the same with ../xl/worksheets/sheet1.xml (calamine cannot resolve it: E101, resave)",
        _put("部件路径上级.xlsx", lambda: _relocated("xl/worksheets/sheet1.xml", "../xl/worksheets/sheet1.xml")),
    ),
    Case(
        "sheet-listed-200-times",
        ("同一工作表200次.xlsx",),
        "W303",
        "a good form whose workbook.xml names its one sheet part 200 times (read normally)",
        _put("同一工作表200次.xlsx", lambda: _sheet_listed(200)),
        reads=True,
    ),
    # --- counts a file states about itself
    Case(
        "sst-count-2-31",
        ("共享字符串计数2的31次方.xlsx",),
        "E115",
        'a form whose sharedStrings says uniqueCount="2147483648" (calamine reserves that many strings)',
        _put("共享字符串计数2的31次方.xlsx", lambda: _sst_count("2147483648")),
    ),
    Case(
        "sst-count-2-64",
        ("共享字符串计数2的64次方.xlsx",),
        "W303",
        'the same with uniqueCount="18446744073709551616" (2^64: not a number calamine takes; read normally)',
        _put("共享字符串计数2的64次方.xlsx", lambda: _sst_count("18446744073709551616")),
        reads=True,
    ),
    # --- zip compression methods
    Case(
        "bzip2-members",
        ("BZIP2压缩.xlsx",),
        "E101",
        "a good form whose parts are bzip2-compressed (zipfile.ZIP_BZIP2)",
        _put("BZIP2压缩.xlsx", lambda: _compressed_with(zipfile.ZIP_BZIP2)),
    ),
    Case(
        "lzma-members",
        ("LZMA压缩.xlsx",),
        "E101",
        "a good form whose parts are LZMA-compressed (zipfile.ZIP_LZMA)",
        _put("LZMA压缩.xlsx", lambda: _compressed_with(zipfile.ZIP_LZMA)),
    ),
    # --- .ods repeat counts spelled as XML and XML Schema integers allow
    Case(
        "ods-rows-single-quotes",
        ("重复行单引号.ods",),
        "E115",
        "table:number-rows-repeated='1000000' (single quotes)",
        _put("重复行单引号.ods", _ods_repeat_rows("table:number-rows-repeated='1000000'")),
    ),
    Case(
        "ods-rows-spaces",
        ("重复行空格.ods",),
        "E115",
        'table:number-rows-repeated = "1000000" (spaces around =)',
        _put("重复行空格.ods", _ods_repeat_rows('table:number-rows-repeated = "1000000"')),
    ),
    Case(
        "ods-rows-plus",
        ("重复行加号.ods",),
        "E115",
        'table:number-rows-repeated="+1000000"',
        _put("重复行加号.ods", _ods_repeat_rows('table:number-rows-repeated="+1000000"')),
    ),
    Case(
        "ods-cols-single-quotes",
        ("重复列单引号.ods",),
        "E104",
        "table:number-columns-repeated='1000' (single quotes) in 1,000 rows: a million cells",
        _put("重复列单引号.ods", _ods_repeat_cols("table:number-columns-repeated='1000'")),
    ),
    Case(
        "ods-cols-spaces",
        ("重复列空格.ods",),
        "E104",
        'table:number-columns-repeated = "1000" (spaces around =) in 1,000 rows',
        _put("重复列空格.ods", _ods_repeat_cols('table:number-columns-repeated = "1000"')),
    ),
    Case(
        "ods-cols-plus",
        ("重复列加号.ods",),
        "E104",
        'table:number-columns-repeated="+1000" in 1,000 rows',
        _put("重复列加号.ods", _ods_repeat_cols('table:number-columns-repeated="+1000"')),
    ),
    Case(
        "ods-text-s-billion",
        ("十亿空格.ods",),
        "E115",
        '`<text:s text:c="1000000000"/>` (a billion spaces) in a progress cell',
        _put("十亿空格.ods", lambda: _ods_spaces("1000000000")),
    ),
    # --- old-format workbooks: fixtures/form.xls's records in an OLE2 file built by hand
    Case(
        "xls-rebuilt",
        ("重建旧版.xls",),
        "W303",
        "fixtures/form.xls's Workbook stream in a compound file written here (read normally: the builder works)",
        _put("重建旧版.xls", _xls_with(lambda r: r)),
        reads=True,
    ),
    Case(
        "xls-dimensions-2-32",
        ("旧版维度2的32次方.xls",),
        "E115",
        "an .xls whose DIMENSIONS record says rows 0 to 0xFFFFFFFF (2^32 - 1 rows; calamine reserves them)",
        _put("旧版维度2的32次方.xls", _xls_with(_xls_dimensions(0xFFFFFFFF, 256))),
    ),
    Case(
        "xls-fat-loop",
        ("旧版FAT循环.xls",),
        "W303",
        "an .xls whose FAT chain for the Workbook stream loops back to its first sector (its stated size ends "
        "the read: read normally)",
        _put("旧版FAT循环.xls", _xls_with(lambda r: r, loop="stream")),
        reads=True,
    ),
    Case(
        "xls-fat-loop-directory",
        ("旧版目录FAT循环.xls",),
        "E115",
        "an .xls whose directory sector's FAT entry points at itself (a chain with no stated size)",
        _put("旧版目录FAT循环.xls", _xls_with(lambda r: r, loop="directory")),
    ),
    Case(
        "xls-stream-size-4g",
        ("旧版流长度4G.xls",),
        "W303",
        "an .xls whose directory says its 4 KB Workbook stream is 4 GB (0xFFFFFFFF bytes; read normally)",
        _put("旧版流长度4G.xls", _xls_with(lambda r: r, size=0xFFFFFFFF)),
        reads=True,
    ),
    Case(
        "xls-sheet-offset",
        ("旧版工作表偏移越界.xls",),
        "E101",
        "an .xls whose BOUNDSHEET record puts the sheet 2 GB into a 4 KB stream",
        _put("旧版工作表偏移越界.xls", _xls_with(_xls_sheet_offset)),
    ),
    Case(
        "xls-far-corner",
        ("旧版右下角.xls",),
        "E115",
        "an .xls with a text cell at IV65536 (BIFF8's last cell: 16.7 million cells from A1)",
        _put("旧版右下角.xls", _xls_with(_xls_far_corner)),
    ),
    # --- CSV: big, odd, and valid in other encodings
    Case(
        "csv-19mb-newlines",
        ("换行.csv",),
        "E104",
        "19 MB of newlines (under the 20 MB file limit: the CSV reader's row limit stops it)",
        _newlines,
    ),
    Case(
        "csv-field-140000",
        ("超长字段.csv",),
        "E220",
        "a progress field of 140,000 characters (past the csv module's default 131,072)",
        _put("超长字段.csv", lambda: _csv({1: "进" * 140_000})),
    ),
    Case(
        "csv-utf16",
        ("UTF16表格.csv",),
        "W303",
        "a good CSV form in UTF-16 with its BOM (read normally)",
        _put("UTF16表格.csv", lambda: _csv_text({}, "utf-16")),
        reads=True,
    ),
    Case(
        "csv-utf32",
        ("UTF32表格.csv",),
        "W303",
        "a good CSV form in UTF-32 with its BOM (read normally)",
        _put("UTF32表格.csv", lambda: _csv_text({}, "utf-32")),
        reads=True,
    ),
    Case(
        "name-245-bytes",
        (LONG_NAME,),
        "W303",
        "a good form whose name is 245 bytes of UTF-8 (80 Chinese characters and .xlsx; read normally)",
        _form(LONG_NAME),
        reads=True,
    ),
]


def _zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in members.items():
            z.writestr(k, v)
    return buf.getvalue()


def build(dest: Path, cases: list[Case] | None = None) -> list[Case]:
    """Write every case into its own folder dest/<id>/ and the corpus master list as dest/master.xlsx."""
    dest.mkdir(parents=True, exist_ok=True)
    write_master(dest / "master.xlsx")
    chosen = CASES if cases is None else cases
    for case in chosen:
        d = dest / case.id
        d.mkdir(exist_ok=True)
        case.make(d)
    return chosen


def build_flat(dest: Path, skip_non_root: bool = False) -> list[Case]:
    """Every case's files side by side in one folder (the inbox of the merge-everything test)."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for case in CASES:
        if skip_non_root and case.needs_non_root:
            continue
        case.make(dest)
        out.append(case)
    return out


def table() -> str:
    lines = ["| case | file(s) | expected | input |", "|---|---|---|---|"]
    for c in CASES:
        files = ", ".join(f"`{f.strip() if f.strip() == f else repr(f)}`" for f in c.files)
        expected = c.code + (", read" if c.reads else "") + (" (xfail: known defect)" if c.defect else "")
        lines.append(f"| {c.id} | {files} | {expected} | {c.what} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[1:] == ["--table"]:
        print(table())
        return 0
    if len(argv) != 2:
        print(__doc__)
        return 2
    dest = Path(argv[1])
    if dest.exists():
        shutil.rmtree(dest)
    build(dest)
    print(f"{len(CASES)} cases written to {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
