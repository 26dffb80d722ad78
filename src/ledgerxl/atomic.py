"""Writing outputs safely: whole files or nothing, and byte-identical zips on rerun."""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ledgerxl.errors import OutputError, os_reason

_EPOCH = (1980, 1, 1, 0, 0, 0)
# Windows: an antivirus or search indexer reading the file just written (or a reader of the old one)
# refuses a rename for a moment; retry briefly. A file kept open in Excel/WPS still fails, with a hint.
RENAME_RETRIES = (0.05, 0.1, 0.2, 0.4, 0.8) if sys.platform == "win32" else ()


def normalize_zip(data: bytes, replace: Mapping[str, Callable[[bytes], Iterable[bytes]]] | None = None) -> bytes:
    """Rewrite a zip (xlsx/docx) with fixed timestamps and attributes, keeping member order.

    `replace` maps a member name to a function of its content that returns the new content in pieces;
    they are compressed as they come, so a very large part (a 40,000-row table) is never held whole."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=_EPOCH)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zi.create_system = 0
            rewrite = (replace or {}).get(info.filename)
            if rewrite is None:
                dst.writestr(zi, src.read(info.filename), compresslevel=6)
                continue
            with dst.open(zi, "w") as w:  # zlib's default level, 6, as above
                # Pieces go to zlib in 1 MB batches: a call per small piece costs ten times the compression.
                batch: list[bytes] = []
                size = 0
                for piece in rewrite(src.read(info.filename)):
                    batch.append(piece)
                    size += len(piece)
                    if size >= 1 << 20:
                        w.write(b"".join(batch))
                        batch, size = [], 0
                w.write(b"".join(batch))
    return out.getvalue()


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


def publish(outputs: Mapping[Path, bytes], before_replace: Callable[[], None] | None = None) -> list[Path]:
    """Write several outputs that were all rendered beforehand: every temp file first, then the renames,
    so a failure (or a kill) while writing leaves every earlier output as it was."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in outputs.items():
            staged.append((_write_temp(Path(path), data), Path(path)))
        if before_replace is not None:
            before_replace()
        written = []
        while staged:
            tmp, path = staged.pop(0)
            _replace(tmp, path)
            written.append(path)
        return written
    finally:
        for tmp, _ in staged:
            _discard(tmp)
