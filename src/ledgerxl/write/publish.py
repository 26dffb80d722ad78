"""Writing outputs safely: whole files or nothing, and byte-identical zips on rerun."""

from __future__ import annotations

import io
import os
import struct
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ledgerxl.errors import OutputError, os_reason

# Windows: an antivirus or search indexer reading the file just written (or a reader of the old one)
# refuses a rename for a moment; retry briefly. A file kept open in Excel/WPS still fails, with a hint.
RENAME_RETRIES = (0.05, 0.1, 0.2, 0.4, 0.8) if sys.platform == "win32" else ()
# The zip records of PKWARE's APPNOTE (the same layout zipfile writes, without zip64 or extras).
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s4B4H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_DOS_1980 = (0, (0 << 9) | (1 << 5) | 1)  # time, date: 1980-01-01 00:00:00
_VERSION = 20  # 2.0: deflate
_ATTR = 0o600 << 16  # a plain file, rw for the owner
_BATCH = 1 << 20  # compress pieces in 1 MB batches: a zlib call per small piece costs ten times more


def normalize_zip(data: bytes, replace: Mapping[str, Callable[[bytes], Iterable[bytes]]] | None = None) -> bytes:
    """Rewrite a zip (xlsx/docx) with fixed timestamps and attributes, keeping member order.

    Members already deflated are copied as they are (xlsxwriter and python-docx deflate at zlib's default
    level, 6, the level used here), so a large workbook is not decompressed and compressed a second time.
    `replace` maps a member name to a function of its content that returns the new content in pieces;
    they are compressed as they come, so a very large part (a 40,000-row table) is never held whole."""
    out = io.BytesIO()
    central: list[bytes] = []
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        missing = set(replace or {}) - set(src.namelist())
        if missing:  # content meant for a part that is not there would be lost without a word
            raise ValueError(f"no member {sorted(missing)} to replace")
        for info in src.infolist():
            rewrite = (replace or {}).get(info.filename)
            if rewrite is None and info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 0x1:
                crc, size, raw = info.CRC, info.file_size, _raw_member(data, info)
            else:
                content = src.read(info.filename)
                crc, size, raw = _deflate(rewrite(content) if rewrite else [content])
            name = info.filename.encode("utf-8")
            flags = 0 if info.filename.isascii() else 0x800  # 0x800: the name is UTF-8
            time, date = _DOS_1980
            offset = out.tell()
            out.write(
                _LOCAL.pack(
                    b"PK\x03\x04", _VERSION, flags, zipfile.ZIP_DEFLATED, time, date, crc, len(raw), size, len(name), 0
                )
            )
            out.write(name)
            out.write(raw)
            central.append(
                _CENTRAL.pack(
                    b"PK\x01\x02",
                    _VERSION,
                    0,
                    _VERSION,
                    0,
                    flags,
                    zipfile.ZIP_DEFLATED,
                    time,
                    date,
                    crc,
                    len(raw),
                    size,
                    len(name),
                    0,
                    0,
                    0,
                    0,
                    _ATTR,
                    offset,
                )
                + name
            )
    directory = b"".join(central)
    start = out.tell()
    out.write(directory)
    out.write(_END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), start, 0))
    return out.getvalue()


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """A member's compressed bytes, found through its local header."""
    sig, *_, name_len, extra_len = _LOCAL.unpack_from(data, info.header_offset)
    if sig != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    begin = info.header_offset + _LOCAL.size + name_len + extra_len
    return data[begin : begin + info.compress_size]


def _deflate(pieces: Iterable[bytes]) -> tuple[int, int, bytes]:
    """(CRC-32, size, raw deflate stream at level 6) of the concatenated pieces."""
    z = zlib.compressobj(6, zlib.DEFLATED, -15)
    crc = size = 0
    out: list[bytes] = []
    batch: list[bytes] = []
    pending = 0

    def flush_batch() -> None:
        nonlocal crc, size, pending
        chunk = b"".join(batch)
        batch.clear()
        pending = 0
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        out.append(z.compress(chunk))

    for piece in pieces:
        batch.append(piece)
        pending += len(piece)
        if pending >= _BATCH:
            flush_batch()
    flush_batch()
    out.append(z.flush())
    return crc, size, b"".join(out)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_temp(path: Path, data: bytes) -> Path:
    """`data` in a flushed temp file next to `path`, ready to be renamed over it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise OutputError(
            f"无法在 {path.parent} 中写文件：{os_reason(e)}。", "请检查输出目录是否存在、是否有写权限。"
        ) from e
    try:
        # mkstemp creates 0600 files; outputs in a shared folder must be readable like any saved file.
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        _discard(Path(tmp))
        raise OutputError(f"无法写入 {path}：{os_reason(e)}。") from e
    return Path(tmp)


def _replace(tmp: Path, path: Path) -> None:
    try:
        for pause in RENAME_RETRIES:
            try:
                os.replace(tmp, path)
                return
            except PermissionError:
                time.sleep(pause)
        os.replace(tmp, path)
    except OSError as e:
        _discard(tmp)
        hint = "如果文件正在 Excel/WPS/Word 中打开，请先关闭。" if isinstance(e, PermissionError) else ""
        raise OutputError(f"无法写入 {path}：{os_reason(e)}。", hint) from e


def _discard(tmp: Path) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, flush to disk, then rename over `path`."""
    path = Path(path)
    _replace(_write_temp(path, data), path)


class Staged:
    """Outputs written to temp files beside their targets, not yet in place: `commit()` renames them all
    over the old files; leaving the `with` block removes whatever was not committed. Two phases, so that
    a failure (or a kill) while writing leaves every earlier output as it was."""

    def __init__(self, outputs: Mapping[Path, bytes]) -> None:
        self._staged: list[tuple[Path, Path]] = []
        try:
            for path, data in outputs.items():
                self._staged.append((_write_temp(Path(path), data), Path(path)))
        except BaseException:
            self.discard()
            raise

    def commit(self) -> list[Path]:
        written = []
        while self._staged:
            tmp, path = self._staged.pop(0)
            _replace(tmp, path)
            written.append(path)
        return written

    def discard(self) -> None:
        while self._staged:
            _discard(self._staged.pop()[0])

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


def publish(outputs: Mapping[Path, bytes]) -> list[Path]:
    """Write several outputs that were all rendered beforehand: every temp file first, then the renames
    (see Staged)."""
    with Staged(outputs) as staged:
        return staged.commit()
