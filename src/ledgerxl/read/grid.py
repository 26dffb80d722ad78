"""Raw cell grids from spreadsheet and CSV files, and the header matching both readers share.

Values are read with python-calamine (fast, no styles); coordinates stay absolute so that findings can
name the real cell (B7), whatever empty rows or columns the sheet starts with.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ledgerxl import codes
from ledgerxl.errors import ReadError
from ledgerxl.model import Grid
from ledgerxl.read.safety import check_file

Cell = object
# Limits on what a reader produces (enforced on calamine's sheet size and on CSV fields): a form is a few
# hundred cells; these leave room for a master list of 10,000 items and stay well inside the worker's
# memory limit (contained.MEMORY_MB).
MAX_ROWS = 100_000
MAX_CELLS = 500_000
MAX_FIELD_CHARS = 1_000_000  # one CSV field; Excel's own cell limit is 32,767 (E220 says so)
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
TABLE_SUFFIXES = SPREADSHEET_SUFFIXES + (".csv",)


def cell_text(v: Cell) -> str:
    """A cell's value as the text a person sees. Whole floats lose their `.0` (序号 7.0 -> "7")."""
    if v is None:
        return ""
    if isinstance(v, str):
        # Excel on Windows may store CR LF inside cells; a paragraph break is a paragraph break.
        return v.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    return str(v)


@dataclass
class Workbook:
    """A file's visible sheets as grids, and whether they may hold cell facts (see safety.Scanned)."""

    grids: list[Grid]
    cell_facts: bool


def read_grids(path: Path) -> list[Grid]:
    """Every visible sheet of a workbook (or the one table of a CSV) as text grids."""
    return read_workbook(path).grids


def read_workbook(path: Path) -> Workbook:
    checked = check_file(path)  # type, size, zip bomb and XML entity checks before any parser sees the bytes
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return Workbook([Grid(path.stem, _read_csv(path))], cell_facts=False)
    if suffix not in SPREADSHEET_SUFFIXES:
        raise ReadError(codes.E101, f"不支持的文件类型“{path.suffix}”。", "请报送 .xlsx、.xls、.ods 或 .csv 文件。")
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except PasswordError as e:
        raise ReadError(codes.E102, "文件设置了打开密码，无法读取。") from e
    except BaseException as e:  # calamine raises several kinds for damaged or mislabelled files, and panics
        if not _calamine_error(e):
            raise
        if is_encrypted(path):
            raise ReadError(codes.E102, "文件设置了打开密码（已加密），无法读取。") from e
        raise ReadError(codes.E101, "文件已损坏，或不是 Excel/WPS 保存的表格文件，无法读取。") from e
    grids: list[Grid] = []
    try:
        metas = [m for m in wb.sheets_metadata if str(m.visible) in ("SheetVisibleEnum.Visible", "Visible")]
        if not metas:
            hidden = "、".join(m.name for m in wb.sheets_metadata)
            msg = f"工作簿中没有可见的工作表（隐藏的有：{hidden}）。" if hidden else "工作簿中没有工作表。"
            raise ReadError(codes.E114, msg, "请在 Excel/WPS 中取消隐藏填报表（右键工作表标签 → 取消隐藏）后重新报送。")
        for meta in metas:
            grids.append(_read_sheet(wb, meta.name))
    finally:
        wb.close()
    return Workbook(grids, checked.cell_facts)


def _calamine_error(e: BaseException) -> bool:
    """An exception of calamine's own: its errors, and a Rust panic, which pyo3 raises as PanicException, a
    BaseException that `except Exception` misses (KeyboardInterrupt and SystemExit are not calamine's)."""
    return isinstance(e, Exception) or type(e).__name__ == "PanicException"


def _read_sheet(wb: object, name: str) -> Grid:
    """One sheet as text; its size is checked on what calamine built, before the cells become Python
    objects (the boundary, contained.Pool, stops what calamine itself cannot build within the limits)."""
    try:
        sheet = wb.get_sheet_by_name(name)  # type: ignore[attr-defined]
        end = sheet.end  # the last used cell, 0-based; to_python gives the rows from A1 to it
        height, width = (int(end[0]) + 1, int(end[1]) + 1) if end else (0, 0)
        if height > MAX_ROWS or height * width > MAX_CELLS:
            where = f"工作表“{name}”"
            raise ReadError(
                codes.E104,
                f"{where}的内容范围有 {height} 行 × {width} 列，超过上限（{MAX_ROWS} 行、{MAX_CELLS} 个单元格）。",
                "表格下方或右侧远处有内容（可能是误填的字符或整列复制的数据）。请删除填报区域以外的行和列，"
                "另存为新文件后重新报送。",
                sheet=name,
            )
        rows = sheet.to_python(skip_empty_area=False)
    except ReadError:
        raise
    except BaseException as e:  # a damaged sheet part; calamine names no cause a clerk could act on
        if not _calamine_error(e):
            raise
        raise ReadError(codes.E101, f"工作表“{name}”的内容已损坏，无法读取。", sheet=name) from e
    return Grid(name, _texts(rows), _merged(sheet))


def _texts(rows: Sequence[Sequence[Cell]]) -> list[list[str]]:
    # most cells are text without a carriage return (empty ones are ""): kept as they are, no call
    return [[v if type(v) is str and "\r" not in v else cell_text(v) for v in row] for row in rows]


def _merged(sheet: object) -> list[tuple[int, int, int, int]]:
    """Merged ranges as calamine reports them (.xlsx/.xls); .ods ranges come from sheetfacts."""
    try:
        ranges = getattr(sheet, "merged_cell_ranges", None) or []
        return [(int(a[0]), int(a[1]), int(b[0]), int(b[1])) for a, b in ranges]
    except (TypeError, ValueError, IndexError):
        return []


_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def is_encrypted(path: Path, limit: int = 64 << 20) -> bool:
    """True for a password-encrypted workbook that calamine could not name as such: an OOXML file
    wrapped in an OLE container (EncryptedPackage stream) or an .ods whose manifest declares encryption."""
    import zipfile

    try:
        with open(path, "rb") as f:
            head = f.read(8)
            if head == _OLE_MAGIC:
                f.seek(0)
                return _ENCRYPTED_STREAM in f.read(limit)
        if head[:2] != b"PK":
            return False
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("META-INF/manifest.xml")
            if info.file_size > 1 << 20:
                return False
            return b"encryption-data" in z.read(info)
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError):
        return False


def decode_text(raw: bytes) -> str | None:
    """Text saved on a Chinese Windows system: UTF-8 (with or without BOM), UTF-16 with a BOM (Notepad's
    and Word's "Unicode"), else GB18030 (GBK/GB2312 are its subsets). None when none fits."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-32",)
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def _read_csv(path: Path) -> list[list[str]]:
    text = decode_text(path.read_bytes())
    if text is None:
        raise ReadError(codes.E101, "CSV 文件编码无法识别。", "请另存为“CSV UTF-8”格式后重新报送。")
    csv.field_size_limit(MAX_FIELD_CHARS)  # the module's default (131,072) raised csv.Error past it
    rows: list[list[str]] = []
    cells = 0
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            rows.append([cell_text(v) for v in row])
            cells += len(row)
            if len(rows) > MAX_ROWS or cells > MAX_CELLS:
                raise ReadError(
                    codes.E104,
                    f"CSV 文件超过 {MAX_ROWS} 行或 {MAX_CELLS} 个单元格。",
                    "请只保留填报表内容后重新报送。",
                )
    except csv.Error as e:
        raise ReadError(
            codes.E104,
            f"CSV 文件第 {len(rows) + 1} 行有超过 {MAX_FIELD_CHARS} 个字符的单元格，或引号不成对。",
            "请用 Excel/WPS 打开核对后另存为 .xlsx 再报送。",
        ) from e
    return rows


_FULLWIDTH = str.maketrans("（）【】［］：", "()[][]:")


@functools.lru_cache(maxsize=4096)
def norm_header(text: str) -> str:
    """Header cell text reduced for matching: no spaces or line breaks, half-width brackets."""
    s = re.sub(r"\s+", "", text).translate(_FULLWIDTH)
    return re.sub(r"\(.*?\)|\[.*?\]|[*＊:]", "", s)


# field -> header names that mean it (already normalised)
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号", "事项序号", "事项编号", "序"),
    "text": ("事项内容", "挂牌事项", "事项", "工作任务", "任务内容", "目标任务", "事项名称"),
    "department": ("责任单位", "牵头单位", "责任部门", "承办单位"),
    "progress": ("进展情况", "全年完成情况", "完成情况", "工作进展", "进展", "推进情况", "落实情况"),
    "status": ("完成状态", "状态", "推进状态"),
    "note": ("备注",),
    "category": ("分类", "类别", "板块"),
    "target": ("目标", "目标值"),
    "value": ("完成值", "实际完成"),
}


# A heading such as "2025年三季度进展情况" names the field by its ending; these endings are long enough
# to be unambiguous. Headings about an earlier period ("上期进展情况") never count.
_SUFFIX_FIELDS = ("number", "text", "progress", "status")
_EARLIER = ("上期", "上季度", "上半年", "上年", "去年", "前期", "以前")


_SUFFIXES = {f: tuple(n for n in HEADER_ALIASES[f] if len(n) >= 3) for f in _SUFFIX_FIELDS}
_SUFFIXES["progress"] += ("进展",)  # 三季度进展, 本期进展
# ... and by its beginning: 进展情况及下步打算, 进展情况和存在问题 (the usual headings of progress forms)
_PREFIXES = {"progress": ("进展情况", "推进情况", "落实情况", "完成情况")}


def duplicate_columns(row: Iterable[str], fields: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    """Fields among `fields` that more than one header cell names exactly (the reader uses the first)."""
    seen: dict[str, list[int]] = {}
    for c, v in enumerate(row):
        h = norm_header(v) if v and len(v) <= 40 else ""
        for fieldname in fields:
            if h and h in HEADER_ALIASES[fieldname]:
                seen.setdefault(fieldname, []).append(c)
                break
    return {f: tuple(cs) for f, cs in seen.items() if len(cs) > 1}


def match_columns(row: Iterable[str]) -> dict[str, int]:
    """Map field names to column indexes for one candidate header row.

    Exact names (after norm_header) win; a heading ending in a known name of 3+ characters (or 进展), or
    starting with 进展情况 and the like, counts only where no exact name was found; a 上半年… heading is
    the progress only when no other heading is. The first matching column wins."""
    exact: dict[str, int] = {}
    loose: dict[str, int] = {}
    half_year: int | None = None
    for c, v in enumerate(row):
        if not v or len(v) > 40:
            continue  # a heading is short; long cells are texts
        h = norm_header(v)
        if not h:
            continue
        for fieldname, names in HEADER_ALIASES.items():
            if fieldname not in exact and h in names:
                exact[fieldname] = c
                break
        else:
            if len(h) > 16:
                continue
            if h.startswith(_EARLIER):
                # 上半年 is the period itself in an H1 form: its heading is taken when nothing else is
                if half_year is None and h.startswith("上半年") and _is_progress(h.removeprefix("上半年")):
                    half_year = c
                continue
            for fieldname, endings in _SUFFIXES.items():
                if fieldname not in loose and (h.endswith(endings) or h.startswith(_PREFIXES.get(fieldname, ()))):
                    loose[fieldname] = c
                    break
    used = set(exact.values())
    for fieldname, c in loose.items():
        if fieldname not in exact and c not in used:
            exact[fieldname] = c
            used.add(c)
    if "progress" not in exact and half_year is not None and half_year not in used:
        exact["progress"] = half_year
    return exact


def _is_progress(h: str) -> bool:
    return h in HEADER_ALIASES["progress"] or h.endswith(_SUFFIXES["progress"]) or h.startswith(_PREFIXES["progress"])


def find_header(grid: Grid, required: tuple[str, ...], scan_rows: int = 30) -> tuple[int, dict[str, int]] | None:
    """The first row within `scan_rows` whose cells name every required field."""
    for r, row in enumerate(grid.rows[:scan_rows]):
        cols = match_columns(row)
        if all(f in cols for f in required):
            return r, cols
    return None
