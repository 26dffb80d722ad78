"""Byte-identical zips (xlsx, docx): every member rewritten with fixed timestamps and attributes, in
the order the writer made them; members already deflated are copied, not recompressed."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ledgerxl.zips import LOCAL_HEADER, member_body

# The zip records of PKWARE's APPNOTE (the same layout zipfile writes, without zip64 or extras).
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
                crc, size, raw = info.CRC, info.file_size, bytes(member_body(data, info))
            else:
                content = src.read(info.filename)
                crc, size, raw = _deflate(rewrite(content) if rewrite else [content])
            name = info.filename.encode("utf-8")
            flags = 0 if info.filename.isascii() else 0x800  # 0x800: the name is UTF-8
            time, date = _DOS_1980
            offset = out.tell()
            out.write(
                LOCAL_HEADER.pack(
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


def _deflate(pieces: Iterable[bytes]) -> tuple[int, int, bytes]:
    """(CRC-32, size, raw deflate stream) of the concatenated pieces: level 6 for a part that fits one
    batch (every part of a city's outputs), level 1 for a larger one. At 10,000 rows level 6 spent 0.13 s
    compressing 台账.xlsx's rows and as much on 附件.docx's table, on the merge's critical path; level 1
    takes a third of that for files about 40 % larger. The level follows from the content alone, so the
    same inputs still give the same bytes."""
    z: Any = None
    crc = size = 0
    out: list[bytes] = []
    batch: list[bytes] = []
    pending = 0

    def flush_batch(last: bool) -> None:
        nonlocal crc, size, pending, z
        chunk = b"".join(batch)
        batch.clear()
        pending = 0
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        if z is None:  # the first batch: a part that ends in it is a small one
            z = zlib.compressobj(6 if last else 1, zlib.DEFLATED, -15)
        out.append(z.compress(chunk))

    for piece in pieces:
        batch.append(piece)
        pending += len(piece)
        if pending >= _BATCH:
            flush_batch(last=False)
    flush_batch(last=True)
    out.append(z.flush())
    return crc, size, b"".join(out)
