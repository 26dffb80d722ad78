"""Test helpers: run the CLI, read outputs back by content (never by eye)."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from click.testing import CliRunner, Result
from lxml import etree

from ledgerxl.cli import main

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "qingdao-2025-q3"
SAMPLE = ROOT / "sample_inputs" / "2025-q3"


def invoke(args: list[str], cwd: Path | None = None) -> Result:
    """`ledgerxl ARGS` in-process (exceptions propagate), run from `cwd` when given."""
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        return CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(old)


def docx_xml(path: Path, part: str = "word/document.xml") -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(part))


def _ptext(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(W + "t"))


def docx_lines(path: Path) -> list[str]:
    """Body text in reading order: each paragraph, and each table cell's paragraphs, one per line."""
    body = docx_xml(path).find(W + "body")
    lines: list[str] = []
    for el in body:
        if el.tag == W + "p":
            lines.append(_ptext(el))
        elif el.tag == W + "tbl":
            for tr in el.iter(W + "tr"):
                for tc in tr.iter(W + "tc"):
                    lines.extend(_ptext(p) for p in tc.iter(W + "p"))
    return [ln for ln in lines if ln.strip()]


def expected_lines() -> list[str]:
    """expected_ledger.txt without its layout: leading tabs and blank lines dropped."""
    text = (DATA / "expected_ledger.txt").read_text(encoding="utf-8")
    return [ln.lstrip("\t") for ln in text.split("\n") if ln.strip()]


def mask_zip(path: Path) -> dict[str, bytes]:
    """Every part of a zip with volatile parts masked (dates in docProps/core.xml)."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            data = z.read(name)
            if name == "docProps/core.xml":
                data = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*<", rb"<dcterms:\1>*<", data)
            out[name] = data
    return out
