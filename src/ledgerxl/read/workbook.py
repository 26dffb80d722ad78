"""A department's workbook opened whole with openpyxl, for the marked-up copy `validate --annotate` sends
back: the workbook itself when it is an .xlsx/.xlsm openpyxl can open (the copy keeps its formatting),
else the file's cell texts (write.annotate copies them into a new workbook)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from ledgerxl.model import EPOCH, Markable
from ledgerxl.read.grid import read_grids


def open_markable(path: Path) -> Markable:
    """The workbook to mark up, or the file's texts when openpyxl cannot open it."""
    import openpyxl

    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "extension not supported" and the like
                book = openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
            return Markable(book, created=_created(path))
        except Exception:  # a file calamine read but openpyxl cannot: fall back to its texts
            pass
    return Markable(None, read_grids(path))


def _created(path: Path) -> bytes:
    """The input's own creation stamp (docProps/core.xml), or a fixed one."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("docProps/core.xml")
            if info.file_size < 1 << 20:
                m = re.search(rb"<dcterms:created[^>]*>([^<]{1,40})<", z.read(info))
                if m:
                    return m.group(1)
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError):
        pass
    return EPOCH
