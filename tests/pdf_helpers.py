"""Rendering checks: LibreOffice (through scripts/render) turns outputs into PDF; poppler reads them back."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import ROOT
from lxml import etree

RENDER = ROOT / "scripts" / "render"
TOOLS = ("soffice", "pdftotext", "pdffonts")
# font names poppler reports for Chinese faces (Noto/Source Han, Windows, WenQuanYi, AR PL, Founder)
CJK_FONT = re.compile(r"CJK|SourceHan|SimSun|SimHei|FangSong|KaiTi|Song|Hei|WenQuanYi|AR ?PL|FZ", re.I)

needs_tools = pytest.mark.skipif(
    any(shutil.which(t) is None for t in TOOLS), reason="needs LibreOffice (soffice) and poppler-utils"
)


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: list[Word]


def render_pdf(path: Path, out: Path) -> Path:
    """Convert one file to PDF with the repository's own scripts/render (private LibreOffice profile)."""
    r = subprocess.run(
        ["bash", str(RENDER), "--pdf-only", "--out", str(out), str(path)], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    pdf = Path(r.stdout.split()[0])
    assert pdf.is_file()
    return pdf


def page_texts(pdf: Path) -> list[str]:
    """`pdftotext -layout`, one string per page."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def lines(page: str) -> list[str]:
    return [ln.strip() for ln in page.splitlines() if ln.strip()]


def pages_words(pdf: Path) -> list[Page]:
    """Every word with its box (`pdftotext -bbox`), page by page; y grows downwards, in points."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout
    root = etree.fromstring(out, etree.XMLParser(recover=True))
    pages = []
    for p in root.iter("{*}page"):
        words = [
            Word(float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")), float(w.get("yMax")), w.text or "")
            for w in p.iter("{*}word")
        ]
        pages.append(Page(float(p.get("width")), float(p.get("height")), words))
    return pages


def column_text(pages: list[Page], x_from: float, x_to: float, y_to: float | None = None) -> str:
    """The text of one column (words starting between x_from and x_to), in reading order, no spaces."""
    parts: list[str] = []
    for page in pages:
        limit = page.height if y_to is None else y_to
        words = [w for w in page.words if x_from <= w.x0 < x_to and w.y1 <= limit]
        parts.extend(w.text for w in sorted(words, key=lambda w: (round(w.y0), w.x0)))
    return "".join(parts)


def fonts(pdf: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [ln.split()[0] for ln in out.splitlines()[2:] if ln.strip()]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)
