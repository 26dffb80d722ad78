"""Checks on a submission file before any spreadsheet parser sees it.

python-calamine and openpyxl trust what a file says about itself: a 200 KB zip can unpack to gigabytes, a
sheet holding only A1 and XFD1048576 makes calamine allocate a 512 GB grid and abort the whole process, a
four-cell .ods can ask for a billion repeated cells, and an XML part may declare entities. So every file is
first looked at as bytes: what it really is (magic bytes, not the extension), how big it says it will get
(zip central directory), and what its XML parts declare. Anything refused becomes a ReadError with a
stable code, which the pipeline reports as a finding for that file alone.
"""

from __future__ import annotations

import errno
import io
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from ledgerxl import codes
from ledgerxl.errors import ReadError, os_reason
from ledgerxl.read.cellfacts import has_facts
from ledgerxl.zips import member_body

# Limits. A department's form is a few hundred KB; these leave room for a large master list or a form with
# pasted pictures, and keep one file's peak memory well under 300 MB (measured: tests/test_corpus.py).
MAX_FILE_BYTES = 20 * 1024 * 1024  # on disk
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # sum of the zip members' declared uncompressed sizes
MAX_RATIO = 100  # uncompressed/compressed, checked for members larger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 5000
MAX_ROWS = 100_000  # last used row of a sheet
MAX_CELLS = 1_000_000  # rows x columns from A1 to the last used cell: what the reader materialises

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
# An XML part must never declare a DTD or entities; matched in UTF-8 and both UTF-16 byte orders.
_DECLS = [s.encode(enc) for s in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be")]
# A cell's r="D7", in a tag that is not self-closing (<c r="X9" s="1"/> is formatting, no value). Only
# cells carry an attribute named r holding a cell reference (a row's r is digits only). The pattern starts
# with a literal, which re finds by a fast search: anchoring it on "<c" made it three times slower.
_XLSX_CELL = re.compile(rb'r=["\']([A-Z]{1,3})([0-9]{1,7})["\'][^>]*(?<!/)>')
# the same, only inside a <c> tag: run before refusing a sheet, as the fast pattern also finds r="D9" in text
_XLSX_CELL_TAG = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br=["\']([A-Z]{1,3})([0-9]{1,7})["\'][^>]*(?<!/)>')
_ODS_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>")
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="(\d+)"')
_ODS_COLS = re.compile(rb'table:number-columns-repeated="(\d+)"')
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\s[^>]*>")
_SHEET_NAME = re.compile(rb'\bname="([^"]*)"')


@dataclass(frozen=True)
class Kind:
    """What a file really is, judged by its bytes."""

    name: str  # xlsx, xls, ods, encrypted-ooxml, docx, pptx, zip, ole2, png, jpeg, gif, pdf, html, xml, text, binary
    label: str  # Chinese name for messages


@dataclass(frozen=True)
class Scanned:
    """A file check_file let through: its kind, and whether its sheets may hold cell facts (formulas,
    hyperlinks, hidden rows, .ods merged cells) that sheetfacts must parse. The scan inflates every
    worksheet part anyway, so it looks for them there: most forms have none and are never reopened."""

    kind: Kind
    cell_facts: bool


_LABELS = {
    "xlsx": "Excel 工作簿（.xlsx）",
    "xls": "旧版 Excel 工作簿（.xls）",
    "ods": "OpenDocument 表格（.ods）",
    "encrypted-ooxml": "加密的 Office 文件",
    "docx": "Word 文档（.docx）",
    "pptx": "PowerPoint 演示文稿（.pptx）",
    "odt": "OpenDocument 文档",
    "zip": "ZIP 压缩包",
    "ole2": "旧版 Office 文件（如 .doc）",
    "png": "PNG 图片",
    "jpeg": "JPEG 图片",
    "gif": "GIF 图片",
    "pdf": "PDF 文件",
    "html": "网页（HTML）文件",
    "xml": "XML 文件",
    "text": "纯文本（如 CSV）文件",
    "binary": "无法识别的二进制文件",
}
# extension -> the kinds it may hold
_EXPECTED = {
    ".xlsx": {"xlsx"},
    ".xlsm": {"xlsx"},
    ".xls": {"xls"},
    ".ods": {"ods"},
    ".csv": {"text"},
}
_FIX = {
    "xlsx": "请把扩展名改为 .xlsx，或用 Excel/WPS 打开后另存为 .xlsx 再报送。",
    "xls": "请用 Excel/WPS 打开后另存为 .xlsx（Excel 工作簿）再报送。",
    "ods": "请用 Excel/WPS 打开后另存为 .xlsx 再报送。",
    "text": "请用 Excel/WPS 打开后另存为 .xlsx 再报送。",
}


def _kind(name: str) -> Kind:
    return Kind(name, _LABELS[name])


def _denied(path: Path, e: OSError) -> ReadError:
    if e.errno == errno.ELOOP:
        return ReadError(codes.E112, "文件是一个循环的符号链接（快捷方式），无法打开。", "请把真正的文件放进收件目录。")
    if e.errno == errno.ENOENT:
        return ReadError(
            codes.E112, "文件是一个失效的符号链接（快捷方式），指向的文件不存在。", "请把真正的文件放进收件目录。"
        )
    if isinstance(e, PermissionError):
        return ReadError(codes.E112, "没有读取该文件的权限。", "请检查文件权限，或由有权限的账号运行。")
    return ReadError(codes.E112, f"无法打开文件：{os_reason(e)}。", "请检查文件是否可以正常打开。")


def check_file(path: Path) -> Scanned:
    """Refuse, with a ReadError carrying a finding code, any file a parser should not be given.

    Returns the file's real kind when it may be parsed."""
    path = Path(path)
    check_stat(path)
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as e:
        raise _denied(path, e) from e
    suffix = path.suffix.lower()
    if head.startswith(_ZIP):
        return _check_zip(path, suffix)
    kind = _kind(_sniff(path, head))
    if kind.name == "encrypted-ooxml":
        raise ReadError(codes.E102, "文件设置了打开密码，无法读取。")
    _expect(kind, suffix)
    return Scanned(kind, cell_facts=False)  # .xls and CSV: calamine shows no such facts, CSV has none


def check_stat(path: Path) -> None:
    """What the file system says, without opening the file: a regular file, not empty, not too large.
    Safe where nothing else of the file may be read (batch's own process, before the file is read)."""
    try:
        st = path.stat()
    except OSError as e:
        raise _denied(path, e) from e
    if stat.S_ISDIR(st.st_mode):
        raise ReadError(codes.E101, "这是一个文件夹，不是表格文件。")
    if not stat.S_ISREG(st.st_mode):
        # a FIFO or device would block or never end
        raise ReadError(codes.E112, "这不是普通文件（可能是管道或设备），无法读取。", "请把真正的文件放进收件目录。")
    if st.st_size == 0:
        raise ReadError(codes.E110, "文件是空的（0 字节）。", "文件可能在下载或复制时出错，请重新导出并报送。")
    if st.st_size > MAX_FILE_BYTES:
        raise ReadError(
            codes.E104,
            f"文件有 {_mb(st.st_size)}，超过上限 {_mb(MAX_FILE_BYTES)}。",
            "请删除填报表以外的工作表和图片，另存为新文件后重新报送。",
        )


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def _expect(kind: Kind, suffix: str) -> None:
    allowed = _EXPECTED.get(suffix)
    if allowed is None or kind.name in allowed:
        return
    raise ReadError(
        codes.E111,
        f"文件扩展名是“{suffix}”，但内容实际是{kind.label}。",
        _FIX.get(kind.name, "请报送 Excel 填报表（.xlsx）；如发错了文件，请重新报送正确的文件。"),
    )


def _sniff(path: Path, head: bytes) -> str:
    if head.startswith(_OLE2):
        return _ole2_kind(path)
    if head.startswith(b"\x89PNG"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"GIF8"):
        return "gif"
    if head.startswith(b"%PDF"):
        return "pdf"
    with open(path, "rb") as f:
        sample = f.read(4096)
    low = sample.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith((b"<!doctype html", b"<html")) or b"<html" in low[:512]:
        return "html"
    if low.startswith(b"<?xml"):
        return "xml"
    if b"\x00" in sample:
        return "binary"
    for enc in ("utf-8", "gb18030"):
        try:
            sample.decode(enc)
            return "text"
        except UnicodeDecodeError as e:
            if e.start >= len(sample) - 4:  # a character cut by the 4 KB sample
                return "text"
    return "binary"


def _ole2_kind(path: Path) -> str:
    """Encrypted OOXML (a password-protected .xlsx) is an OLE2 file with an EncryptionInfo stream; an old
    .xls has a Workbook (or Book) stream. Directory entry names are UTF-16-LE, so a byte search finds them."""
    with open(path, "rb") as f:
        data = f.read()
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        return "encrypted-ooxml"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    return "ole2"


def _check_zip(path: Path, suffix: str) -> Scanned:
    try:
        with open(path, "rb") as f:  # the parts are inflated from memory (see _inflate)
            raw = f.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:  # grew since it was measured
            raise ReadError(codes.E104, f"文件超过上限 {_mb(MAX_FILE_BYTES)}。", "请删除填报表以外的内容后重新报送。")
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ReadError(
            codes.E101, "文件不完整或已损坏（压缩结构无法识别）。", "文件可能在传输中被截断，请重新导出并报送。"
        ) from e
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        kind = _kind(_zip_kind(zf, names))
        _expect(kind, suffix)
        if any(i.flag_bits & 0x1 for i in infos):
            raise ReadError(codes.E102, "文件设置了密码（压缩包加密），无法读取。")
        _check_sizes(infos)
        members = _Members(zf, raw)
        cell_facts = _scan_parts(zf, infos, kind, members)
        if kind.name == "xlsx":
            _check_visible_sheets(zf, names, members)
    return Scanned(kind, cell_facts)


def _zip_kind(zf: zipfile.ZipFile, names: set[str]) -> str:
    if "xl/workbook.xml" in names or any(n.startswith("xl/") and n.endswith("workbook.xml") for n in names):
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if any(n.startswith("ppt/") for n in names):
        return "pptx"
    if "mimetype" in names:
        try:
            mime = zf.read("mimetype")[:100]
        except Exception:  # noqa: BLE001 - a damaged member; judged by the scan below
            mime = b""
        if mime.startswith(_ODS_MIME):
            return "ods"
        if mime.startswith(b"application/vnd.oasis.opendocument"):
            return "odt"
    if "content.xml" in names:
        return "ods"
    return "zip"


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    hint = "文件展开后异常庞大，可能已损坏或含有大量空白格式。请只保留填报表内容，另存为新文件后重新报送。"
    if len(infos) > MAX_MEMBERS:
        raise ReadError(codes.E104, f"文件内部包含 {len(infos)} 个部件，超过上限 {MAX_MEMBERS}。", hint)
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED_BYTES:
        raise ReadError(codes.E104, f"文件展开后有 {_mb(total)}，超过上限 {_mb(MAX_UNPACKED_BYTES)}。", hint)
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            raise ReadError(
                codes.E104,
                f"文件内部的 {i.filename} 压缩比为 {ratio}:1，超过上限 {MAX_RATIO}:1（疑似压缩炸弹）。",
                hint,
            )


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, raw: bytes | None = None) -> bytes:
    try:
        if raw is not None and info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
            return _inflate(raw, info)
        with zf.open(info) as f:
            return f.read()  # zipfile stops at the declared size, which _check_sizes has bounded
    except NotImplementedError as e:  # Deflate64 and the like, from some zip tools
        raise ReadError(
            codes.E101,
            f"文件内部的 {info.filename} 使用了不支持的压缩方式，无法解压。",
            "请用 Excel/WPS 打开后另存为 .xlsx 再报送。",
        ) from e
    except Exception as e:  # BadZipFile (CRC), zlib.error, EOFError
        raise ReadError(
            codes.E101,
            f"文件已损坏：内部部件 {info.filename} 的数据不完整或已被改动，无法解压。",
            "文件可能在传输中被截断，请重新导出并报送。",
        ) from e


def _inflate(raw: bytes, info: zipfile.ZipInfo) -> bytes:
    """A stored or deflated member straight from the zip's bytes, as zipfile reads it (never more than the
    declared size, CRC checked) without its per-member objects and seeks, which cost more than the
    inflating itself on a department's form (14 small parts)."""
    body = member_body(raw, info)
    if info.file_size == 0:
        data = b""  # (zlib's max_length 0 would mean "no limit")
    elif info.compress_type == zipfile.ZIP_STORED:
        data = bytes(body[: info.file_size])
    else:
        data = zlib.decompressobj(-15).decompress(body, info.file_size)
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
    return data


class _Members:
    """Reads a zip's parts from its bytes; keeps workbook.xml and its relationships, read more than once."""

    _KEEP = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")

    def __init__(self, zf: zipfile.ZipFile, raw: bytes) -> None:
        self.zf, self.raw = zf, raw
        self._kept: dict[str, bytes] = {}

    def read(self, info: zipfile.ZipInfo) -> bytes:
        if info.filename in self._kept:
            return self._kept[info.filename]
        data = _read_member(self.zf, info, self.raw)
        if info.filename in self._KEEP:
            self._kept[info.filename] = data
        return data

    def prolog(self, info: zipfile.ZipInfo) -> bytes | None:
        """The part inflated up to its root element's start tag, or None when its prolog holds a
        declaration other than comments and processing instructions (then the whole part is checked).

        XML allows a DTD, and so entities, only in the prolog: a part whose root element has begun
        without one can declare none. Inflating only that far (a few hundred bytes) spares inflating the
        shared strings, styles and theme of every form a second time: calamine inflates what it reads."""
        if info.compress_type != zipfile.ZIP_DEFLATED or info.file_size == 0:
            return self.read(info)
        try:
            body = member_body(self.raw, info)
            z = zlib.decompressobj(-15)
            out = b""
            at, step = 0, _PROLOG_STEP
            while at < len(body):
                # a step inflates to at most ~1,000 times its size (deflate's bound); never past the declared size
                out += z.decompress(body[at : at + step])
                at, step = at + step, step * 4
                if len(out) >= info.file_size:
                    return out[: info.file_size]
                state = _prolog_state(out)
                if state is not _MORE:
                    return out if state is _ROOT else None
                if len(out) > _PROLOG_MAX:
                    return None  # a prolog this long is no program's: the whole part is checked, in one pass
            return out
        except (zlib.error, zipfile.BadZipFile, struct.error) as e:
            raise ReadError(
                codes.E101,
                f"文件已损坏：内部部件 {info.filename} 的数据不完整或已被改动，无法解压。",
                "文件可能在传输中被截断，请重新导出并报送。",
            ) from e


# compressed bytes inflated by the first step while looking for the root element (the prolog of a part
# Excel or WPS wrote is its first hundred bytes or so), each step four times the last; past _PROLOG_MAX
# inflated bytes the part is checked whole (each step rescans what it has: this keeps that linear)
_PROLOG_STEP, _PROLOG_MAX = 256, 64 * 1024
_ROOT, _DECLARATION, _MORE = object(), object(), object()


def _prolog_state(data: bytes) -> object:
    """_ROOT: the root element has started with no declaration before it; _DECLARATION: a <!…> that is not
    a comment (a DOCTYPE) comes first, or the part does not start as XML writers start one; _MORE: the
    prolog goes on past `data`."""
    # Only a part that starts the way XML writers start one is scanned here; anything else (leading
    # whitespace, UTF-16 without its mark after it, another encoding) is checked whole, as before.
    if data.startswith((b"\xff\xfe<\x00", b"<\x00")):  # UTF-16 first: its "<" is a "<" byte and a zero
        text = data.decode("utf-16-le", errors="ignore").lstrip("\ufeff")
    elif data.startswith((b"\xfe\xff\x00<", b"\x00<")):
        text = data.decode("utf-16-be", errors="ignore").lstrip("\ufeff")
    elif data.startswith((b"<", b"\xef\xbb\xbf<")):
        text = data.decode("latin-1")  # UTF-8: the markup is ASCII bytes
    elif len(data) < 4:
        return _MORE
    else:
        return _DECLARATION
    i = 0
    while True:
        j = text.find("<", i)
        if j < 0 or j + 4 > len(text):
            return _MORE
        if text.startswith("<?", j):
            k = text.find("?>", j + 2)
            end = k + 2
        elif text.startswith("<!--", j):
            k = text.find("-->", j + 4)
            end = k + 3
        elif text.startswith("<!", j):
            return _DECLARATION
        else:
            return _ROOT
        if k < 0:
            return _MORE
        i = end


# parts inflated whole by the scan: worksheets and content.xml (their extent is measured), and the parts
# that name the sheets; of the others only the prolog is read (see _Members.prolog)
_WHOLE = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "content.xml"}


def _scan_parts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], kind: Kind, members: _Members) -> bool:
    """Look at every XML part: refuse declarations and oversized sheets. True when a worksheet may hold
    cell facts (always for .ods, whose merged cells also come from sheetfacts)."""
    cell_facts = kind.name == "ods"
    sheets: set[str] = set()
    if kind.name == "xlsx":
        # the parts calamine reads as sheets: those workbook.xml names (stored anywhere), and xl/worksheets/
        sheets = set(_sheet_parts(zf, members)) | {
            i.filename for i in infos if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")
        }
    for info in infos:
        name = info.filename
        if info.is_dir() or (name not in sheets and not name.lower().endswith((".xml", ".rels", ".vml"))):
            continue
        whole = name in _WHOLE or name in sheets
        data = None if whole else members.prolog(info)
        if data is None:
            data = members.read(info)
        # "!" is the same byte in all three encodings and absent from most parts: one memchr rules them out
        if b"!" in data and any(d in data for d in _DECLS):
            raise ReadError(
                codes.E113,
                f"文件内部的 {name} 含有 DOCTYPE/ENTITY 声明，出于安全原因拒绝读取。",
                "正常的 Excel/WPS 文件不含这种声明。请用 Excel/WPS 打开后另存为新的 .xlsx 再报送。",
            )
        if name in sheets:
            rows, cols = _xlsx_extent(data)
            if _too_big(rows, cols):
                rows, cols = _xlsx_extent(data, _XLSX_CELL_TAG)
            if _too_big(rows, cols):  # the sheet's name is looked up only for the message
                _bound_sheet(_sheet_parts(zf, members).get(name, ""), rows, cols)
            cell_facts = cell_facts or has_facts(data)
        elif kind.name == "ods" and name == "content.xml":
            _ods_extent(data)
    return cell_facts


def _sheet_parts(zf: zipfile.ZipFile, members: _Members) -> dict[str, str]:
    """Worksheet part -> sheet name, from workbook.xml and its relationships (already scanned: no DTD)."""
    try:
        wb = members.read(zf.getinfo("xl/workbook.xml"))
        rels = members.read(zf.getinfo("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return {}
    targets: dict[bytes, str] = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\s[^>]*>", rels):
        rid = re.search(rb'\bId="([^"]*)"', tag)
        target = re.search(rb'\bTarget="([^"]*)"', tag)
        if rid and target:
            t = target.group(1).decode("utf-8", "replace")
            targets[rid.group(1)] = t.lstrip("/") if t.startswith("/") else posixpath.normpath("xl/" + t)
    out: dict[str, str] = {}
    for tag in _SHEET_TAG.findall(wb):
        name = _SHEET_NAME.search(tag)
        rid = re.search(rb'\br:id="([^"]*)"', tag) or re.search(rb'\b\w+:id="([^"]*)"', tag)
        if name and rid and rid.group(1) in targets:
            out[targets[rid.group(1)]] = _unescape(name.group(1))
    return out


def _unescape(raw: bytes) -> str:
    import html

    return html.unescape(raw.decode("utf-8", "replace"))


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _xlsx_extent(data: bytes, pattern: re.Pattern[bytes] = _XLSX_CELL) -> tuple[int, int]:
    """Last row and column (1-based) holding a value, from the cell references."""
    # distinct rows and columns are few: max() runs over sets
    cells = pattern.findall(data)
    if not cells:
        return 0, 0
    cols = {col for col, _ in cells}
    widest = max(map(len, cols))
    return max(map(int, {row for _, row in cells})), _col_number(max(c for c in cols if len(c) == widest))


def _ods_extent(data: bytes) -> None:
    """Walk content.xml's tables counting repeated rows and cells; calamine expands the repeats."""
    sheet = ""
    row = col = max_row = max_col = 0
    rows_rep = 1
    for m in _ODS_TAG.finditer(data):
        closing, tag, attrs, selfclose = m.groups()
        if tag == b"table":
            if closing:
                _bound_sheet(sheet, max_row, max_col)
            else:
                nm = re.search(rb'table:name="([^"]*)"', attrs)
                sheet = _unescape(nm.group(1)) if nm else ""
                row = max_row = max_col = 0
        elif tag == b"table-row":
            if closing:
                row += rows_rep
            else:
                rm = _ODS_ROWS.search(attrs)
                rows_rep = int(rm.group(1)) if rm else 1
                col = 0
                if selfclose:
                    row += rows_rep
        else:  # a cell
            if closing:
                continue
            cm = _ODS_COLS.search(attrs)
            cols_rep = int(cm.group(1)) if cm else 1
            if not selfclose or b"value-type" in attrs:
                max_row = max(max_row, row + rows_rep)
                max_col = max(max_col, col + cols_rep)
                _bound_sheet(sheet, max_row, max_col)
            col += cols_rep


def _too_big(rows: int, cols: int) -> bool:
    return rows > MAX_ROWS or rows * cols > MAX_CELLS


def _bound_sheet(sheet: str, rows: int, cols: int) -> None:
    where = f"工作表“{sheet}”" if sheet else "工作表"
    hint = (
        "表格下方或右侧远处有内容（可能是误填的字符或整列复制的数据）。请删除填报区域以外的行和列，"
        "另存为新文件后重新报送。"
    )
    if rows > MAX_ROWS:
        raise ReadError(codes.E104, f"{where}的内容延伸到第 {rows} 行，超过上限 {MAX_ROWS} 行。", hint, sheet=sheet)
    if rows * cols > MAX_CELLS:
        raise ReadError(
            codes.E104,
            f"{where}的内容范围有 {rows} 行 × {cols} 列，超过上限 {MAX_CELLS} 个单元格。",
            hint,
            sheet=sheet,
        )


def _check_visible_sheets(zf: zipfile.ZipFile, names: set[str], members: _Members) -> None:
    wb_name = "xl/workbook.xml" if "xl/workbook.xml" in names else ""
    if not wb_name:
        return
    data = members.read(zf.getinfo(wb_name))
    tags = _SHEET_TAG.findall(data)
    visible = [t for t in tags if b'state="hidden"' not in t and b'state="veryHidden"' not in t]
    if not visible:
        hidden = "、".join(_unescape(m.group(1)) for t in tags if (m := _SHEET_NAME.search(t)) is not None)
        msg = f"工作簿中没有可见的工作表（隐藏的有：{hidden}）。" if hidden else "工作簿中没有工作表。"
        raise ReadError(codes.E114, msg, "请在 Excel/WPS 中取消隐藏填报表（右键工作表标签 → 取消隐藏）后重新报送。")
