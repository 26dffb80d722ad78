"""Writing outputs safely: whole files or nothing, and byte-identical zips on rerun."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

from ledgerxl.errors import OutputError

_EPOCH = (1980, 1, 1, 0, 0, 0)


def normalize_zip(data: bytes) -> bytes:
    """Rewrite a zip (xlsx/docx) with fixed timestamps and attributes, keeping member order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=_EPOCH)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zi.create_system = 0
            dst.writestr(zi, src.read(info.filename), compresslevel=6)
    return out.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, flush to disk, then rename over `path`."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise OutputError(
            f"无法在 {path.parent} 中写文件：{e.strerror}。", "请检查输出目录是否存在、是否有写权限。"
        ) from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        hint = "如果文件正在 Excel/WPS/Word 中打开，请先关闭。" if isinstance(e, PermissionError) else ""
        raise OutputError(f"无法写入 {path}：{e.strerror}。", hint) from e


def publish(outputs: Mapping[Path, bytes]) -> list[Path]:
    """Write several outputs that were all rendered beforehand, so a rendering failure writes none."""
    written = []
    for path, data in outputs.items():
        write_atomic(path, data)
        written.append(path)
    return written
