"""A multipart upload streamed to disk: the file part written as it arrives (never whole in memory), its
SHA-256 taken on the way, and the request refused once it passes the size limit (413) or its time
(408: a client that sends a byte a minute holds nothing for long)."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header

from ledgerxl.read.safety import MAX_FILE_BYTES

MAX_UPLOAD_BYTES = MAX_FILE_BYTES  # what the byte scan would refuse anyway is not even stored
OVERHEAD = 64 * 1024  # headers of the parts and the other fields
UPLOAD_SECONDS = 120.0
FIELD_BYTES = 4096  # a form field other than the file (none is expected)


class UploadRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Uploaded:
    path: Path
    name: str
    size: int
    sha256: str
    fields: dict[str, str]


async def receive_file(request: Any, folder: Path, field: str = "file", limit: int = MAX_UPLOAD_BYTES) -> Uploaded:
    """The one file of a multipart/form-data POST, written into `folder` (mode 0600). UploadRefused says
    what was wrong; nothing is left on disk then."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise UploadRefused(400, "请用页面上的上传表单选择文件后提交。")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + OVERHEAD:
        raise UploadRefused(413, _too_large(limit))
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    path = Path(tmp)
    state = _Parts(os.fdopen(fd, "wb"), field, limit)
    parser = MultipartParser(boundary, state.callbacks(), max_size=limit + OVERHEAD)
    started = time.monotonic()
    try:
        async for chunk in request.stream():
            if time.monotonic() - started > UPLOAD_SECONDS:
                raise UploadRefused(408, "上传时间过长，已中断：请检查网络后重新上传。")
            parser.write(chunk)
            if state.refused:
                raise state.refused
        parser.finalize()
        state.out.close()
        if state.refused:
            raise state.refused
        if not state.ended:  # the body stopped before its closing boundary: a dropped connection
            raise UploadRefused(400, "上传的内容不完整：请重新上传。")
        if state.name is None:
            raise UploadRefused(400, "没有收到文件：请先选择要上传的报送表。")
        if state.size == 0:
            raise UploadRefused(400, "收到的文件是空的（0 字节）：请重新选择文件后上传。")
    except UploadRefused:
        state.out.close()
        path.unlink(missing_ok=True)
        raise
    except Exception as e:  # a malformed body (python-multipart's own errors), a dropped connection
        state.out.close()
        path.unlink(missing_ok=True)
        raise UploadRefused(400, "上传的内容不完整或格式有误：请重新上传。") from e
    return Uploaded(path, state.name, state.size, state.sha.hexdigest(), state.fields)


def _too_large(limit: int) -> str:
    return f"文件超过 {limit // (1024 * 1024)} MB 的上限：报送表只需保留填报内容，请另存为新文件后再上传。"


class _Parts:
    def __init__(self, out: Any, field: str, limit: int) -> None:
        self.out, self.field, self.limit = out, field, limit
        self.sha = hashlib.sha256()
        self.size = 0
        self.name: str | None = None
        self.fields: dict[str, str] = {}
        self.refused: UploadRefused | None = None
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._part: str = ""  # "file", "field" or "" (ignored)
        self._field_name = ""
        self._value = b""
        self.ended = False

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._hfield,
            "on_header_value": self._hvalue,
            "on_header_end": self._hend,
            "on_headers_finished": self._headers_done,
            "on_part_data": self._data,
            "on_part_end": self._end,
            "on_end": self._finished,
        }

    def _finished(self) -> None:
        self.ended = True

    def _begin(self) -> None:
        self._headers, self._part = {}, ""

    def _hfield(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _hvalue(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _hend(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _headers_done(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in params and name == self.field:
            if self.name is not None:
                self.refused = UploadRefused(400, "一次只能上传一个文件。")
                return
            self.name = params[b"filename"].decode("utf-8", "replace")
            self._part = "file"
        elif b"filename" not in params:
            self._part, self._field_name, self._value = "field", name, b""

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._part == "file":
            self.size += end - start
            if self.size > self.limit:
                self.refused = UploadRefused(413, _too_large(self.limit))
                self._part = ""
                return
            chunk = data[start:end]
            self.sha.update(chunk)
            self.out.write(chunk)
        elif self._part == "field":
            self._value += data[start:end]
            if len(self._value) > FIELD_BYTES:
                self.refused = UploadRefused(400, "表单内容过长。")
                self._part = ""

    def _end(self) -> None:
        if self._part == "field":
            self.fields[self._field_name] = self._value.decode("utf-8", "replace")
        self._part = ""
