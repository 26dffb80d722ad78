"""PDF copies of the published Word documents (`ledgerxl merge --pdf`), converted by LibreOffice.

soffice runs headless in a temporary folder with a user profile of its own (two conversions, or a
LibreOffice the clerk has open, would otherwise share one and the second would hand its work to the
first, or wait for it), under a timeout; the PDFs come back as bytes and are published with the other
outputs (write/publish.py), so a failed conversion leaves no half-written file. LibreOffice stamps each
PDF with the time of conversion and a random file ID: both are replaced (same length, so the xref offsets
stay valid) by the documents' date and a digest of the .docx, and the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

TIMEOUT = 120.0  # seconds for one conversion of every document (the sample's two: about 3 s)
# font stand-ins for Linux, where LibreOffice finds fonts through fontconfig (see the file)
FONTS_CONF = Path(__file__).resolve().parent.parent / "templates" / "pdf-fonts.conf"
_STAMP = re.compile(rb"(/(?:CreationDate|ModDate)\s*\(D:)(\d{14})")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")
_CHECKSUM = re.compile(rb"(/DocChecksum\s*/)([0-9A-Fa-f]+)")  # LibreOffice's, over the stamped file


class PdfError(Exception):
    """The PDFs could not be made; `reason` says why, in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoLibreOffice(PdfError):
    def __init__(self) -> None:
        super().__init__("本机没有找到 LibreOffice（soffice）")


def find_soffice() -> str | None:
    """LibreOffice's soffice: on PATH, else where its installer puts it on Windows and macOS (neither adds
    it to PATH)."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    places: list[Path] = []
    if sys.platform == "win32":
        roots = {os.environ.get(k) for k in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)")}
        places = [Path(r) / "LibreOffice" / "program" / "soffice.exe" for r in sorted(r for r in roots if r)]
    elif sys.platform == "darwin":
        places = [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")]
    return next((str(p) for p in places if p.is_file()), None)


def to_pdf(docs: Mapping[str, bytes], date: dt.date, timeout: float | None = None) -> dict[str, bytes]:
    """Each .docx of `docs` (file name -> bytes) as PDF bytes, by the same name with .pdf. Raises
    NoLibreOffice when soffice is not installed, PdfError when a conversion fails or takes longer than
    `timeout` seconds (default TIMEOUT)."""
    timeout = TIMEOUT if timeout is None else timeout
    soffice = find_soffice()
    if soffice is None:
        raise NoLibreOffice()
    with tempfile.TemporaryDirectory(prefix="ledgerxl-pdf-") as tmp:
        root = Path(tmp)
        src, out = root / "in", root / "out"
        src.mkdir()
        out.mkdir()
        # plain ASCII names in the temp folder: the documents' own names never reach a command line
        files = {f"doc{i}.docx": name for i, name in enumerate(docs)}
        for short, name in files.items():
            (src / short).write_bytes(docs[name])
        cmd = [
            soffice,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={(root / 'profile').as_uri()}",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(out),
            *(str(src / short) for short in files),
        ]
        _run(cmd, timeout, _environment())
        pdfs: dict[str, bytes] = {}
        for short, name in files.items():
            pdf = out / (short[: -len(".docx")] + ".pdf")
            if not pdf.is_file() or pdf.stat().st_size == 0:
                raise PdfError(f"LibreOffice 没有转换出 {name}")
            pdfs[str(Path(name).with_suffix(".pdf"))] = fix_stamps(pdf.read_bytes(), date, docs[name])
        return pdfs


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    if sys.platform not in ("win32", "darwin") and "FONTCONFIG_FILE" not in env and FONTS_CONF.is_file():
        env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    return env


def _run(cmd: list[str], timeout: float, env: dict[str, str]) -> None:
    try:
        # a session of its own, so that a timeout ends soffice.bin too, not only the soffice script
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=sys.platform != "win32",
        )
    except OSError as e:
        raise PdfError(f"无法启动 LibreOffice（{e.strerror or e}）") from e
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise PdfError(f"LibreOffice 在 {timeout:g} 秒内没有转换完") from None
    if proc.returncode != 0:
        last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise PdfError(f"LibreOffice 转换失败（退出码 {proc.returncode}{'：' + last[0][:200] if last[0] else ''}）")


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if sys.platform == "win32":  # soffice.exe starts soffice.bin: end the tree
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False)
    else:
        try:
            os.killpg(proc.pid, 9)
        except OSError:
            pass
    proc.kill()
    proc.communicate()


def fix_stamps(pdf: bytes, date: dt.date, source: bytes) -> bytes:
    """`pdf` with its creation time set to `date` 09:00 (as the .docx's) and its file ID and checksum
    derived from `source`: same lengths, so every byte offset in the file stays right."""
    when = f"{date:%Y%m%d}090000".encode()
    pdf = _STAMP.sub(lambda m: m.group(1) + when, pdf)
    digest = hashlib.sha256(source).hexdigest().upper().encode()

    def file_id(m: re.Match[bytes]) -> bytes:
        first, second = m.group(1), m.group(2)
        return m.group(0).replace(first, digest[: len(first)]).replace(second, digest[: len(second)])

    pdf = _CHECKSUM.sub(lambda m: m.group(1) + digest[-len(m.group(2)) :], pdf)
    return _ID.sub(file_id, pdf)
