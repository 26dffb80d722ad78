"""The zip records of PKWARE's APPNOTE that ledgerxl reads itself: a member's compressed bytes, found
through its local header. The byte scan (read.safety) and the deterministic writer (write.zip) share it."""

from __future__ import annotations

import struct
import zipfile

LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature, version, flags, method, time, date, crc, sizes, name/extra


def member_body(raw: bytes, info: zipfile.ZipInfo) -> memoryview:
    """A member's compressed bytes, found through its local header (its name and extra field may differ in
    length from the central directory's, so the offsets are read from the local header itself)."""
    sig, *_, name_len, extra_len = LOCAL_HEADER.unpack_from(raw, info.header_offset)
    if sig != b"PK\x03\x04":
        raise zipfile.BadZipFile("Bad magic number for file header")
    begin = info.header_offset + LOCAL_HEADER.size + name_len + extra_len
    return memoryview(raw)[begin : begin + info.compress_size]
