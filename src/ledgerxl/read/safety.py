"""The byte scan: what can be said of a submission file exactly and cheaply before a parser sees it.

What it really is (magic bytes, not the extension), whether it is encrypted, how many zip members it has,
how big they say they will get and how much they compress (only stored and deflated members), and whether
an XML part declares a DTD or entities. Anything refused becomes a ReadError with a stable code, which the
run reports as a finding for that file alone.

It does not try to predict what a parser will do with what it finds (a far-corner cell, a billion repeated
.ods cells, an .xls that claims 2^32 rows): regular expressions and the parsers disagree too often, and a
wrong prediction either refuses a valid file or lets a killing one through. The guarantee is the boundary
instead: the scan and the parse run in a worker process under hard limits (ledgerxl.contained), and the
readers bound what they produce (read.grid's MAX_ROWS and MAX_CELLS).
"""

from __future__ import annotations

import errno
import io
import os
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

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
# An XML part must never declare a DTD or entities; matched in UTF-8 and both UTF-16 byte orders.
_DECLS = [s.encode(enc) for s in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be")]
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\s[^>]*>")
_BOOK_STREAM = re.compile(b"\x00".join(c.encode() for c in "book") + b"\x00", re.IGNORECASE)  # UTF-16-LE
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
    ".xlsb": {"xlsx"},
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


def check_stat(path: Path) -> os.stat_result:
    """What the file system says, without opening the file: a regular file, not empty, not too large
    (returned: its stat). Safe where nothing else of the file may be read (batch's own process, before
    the file is read)."""
    if path.is_symlink() and not _links_inside(path):
        raise ReadError(
            codes.E112,
            "文件是指向收件目录以外的符号链接（快捷方式），出于安全原因不读取。",
            "请把真正的文件（而不是快捷方式）放进收件目录。",
        )
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
    return st


def _links_inside(path: Path) -> bool:
    """A symbolic link whose target lies in the link's own folder (or below): a link to /etc/shadow in an
    inbox must never be read or archived. A broken or looping link is reported by the stat below."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return True
    try:
        return target.is_relative_to(path.parent.resolve())
    except (OSError, RuntimeError):  # pragma: no cover
        return False


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
    if sample.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        return "text"  # UTF-16 or UTF-32 with its byte-order mark (Notepad's and Excel's "Unicode text")
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
    if _BOOK_STREAM.search(data):  # OLE names are case-insensitive: some writers say WORKBOOK
        return "xls"
    return "ole2"


def _check_zip(path: Path, suffix: str) -> Scanned:
    try:
        with open(path, "rb") as f:  # the parts are inflated from memory (see _inflate)
            raw = f.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:  # grew since it was measured
            raise ReadError(codes.E104, f"文件超过上限 {_mb(MAX_FILE_BYTES)}。", "请删除填报表以外的内容后重新报送。")
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as e:  # a version it lacks
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
    return Scanned(kind, cell_facts)


def _zip_kind(zf: zipfile.ZipFile, names: set[str]) -> str:
    # some exporters write "\" between folders (a Chinese HR system, PhpSpreadsheet's test file) or put the
    # parts at the root; calamine finds them through [Content_Types].xml and the relationships
    names = {n.replace("\\", "/").lower() for n in names}
    if any(n.endswith(("workbook.xml", "workbook.bin")) for n in names):
        return "xlsx"
    if "[content_types].xml" in names and _content_types_say(zf, b"spreadsheetml"):
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


def _content_types_say(zf: zipfile.ZipFile, word: bytes) -> bool:
    info = next((i for i in zf.infolist() if i.filename.lower() == "[content_types].xml"), None)
    if info is None or info.file_size > 1 << 20:
        return False
    try:
        return word in zf.read(info).lower()
    except Exception:  # noqa: BLE001 - a damaged member; the scan and the parser report it
        return False


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
        # the parts calamine reads as sheets: those workbook.xml names (stored anywhere, matched whatever the
        # case: calamine finds Sheet1.xml for a target of sheet1.xml), and xl/worksheets/
        sheets = {n.lower() for n in _sheet_parts(zf, members)} | {
            i.filename.lower()
            for i in infos
            if i.filename.lower().startswith("xl/worksheets/") and i.filename.lower().endswith(".xml")
        }
    for info in infos:
        name = info.filename
        if info.is_dir():
            continue
        # every member is checked for a DTD, whatever it is called: a parser goes by the relationships and
        # content types, not by names (a sheet stored as Sheet1.dat once passed unchecked)
        is_sheet = name.lower() in sheets
        whole = name in _WHOLE or is_sheet
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
        if is_sheet:
            cell_facts = cell_facts or has_facts(data)
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
