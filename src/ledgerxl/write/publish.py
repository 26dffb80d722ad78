"""Writing outputs safely: whole files or nothing (temp file, flush, rename), several at once in two
phases (Staged), so a failure or a kill leaves every earlier output as it was."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from ledgerxl.errors import OutputError, os_reason

# Windows: an antivirus or search indexer reading the file just written (or a reader of the old one)
# refuses a rename for a moment; retry briefly. A file kept open in Excel/WPS still fails, with a hint.
RENAME_RETRIES = (0.05, 0.1, 0.2, 0.4, 0.8) if sys.platform == "win32" else ()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _short(name: str) -> str:
    """A name short enough to carry a temp file's prefix and suffix (most file systems allow 255 bytes):
    a 245-byte department file name made every batch run fail."""
    if len(name.encode("utf-8")) <= 180:
        return name
    import hashlib

    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return name.encode("utf-8")[:120].decode("utf-8", "ignore") + "~" + digest


def _write_temp(path: Path, data: bytes) -> Path:
    """`data` in a flushed temp file next to `path`, ready to be renamed over it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{_short(path.name)}.", suffix=".tmp", dir=path.parent)
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
