"""The outputs as printed: LibreOffice renders them to PDF, poppler reads the pages back.

Acceptance 2 and 4 of issue 4 (and the rendered notice of 3). Skipped only where soffice or poppler is
missing; CI installs them (.ci/run).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from helpers import DATA, SAMPLE
from pdf_helpers import (
    CJK_FONT,
    Page,
    column_text,
    fonts,
    lines,
    needs_tools,
    page_texts,
    pages_words,
    render_pdf,
    squeeze,
)

from ledgerxl.config import load_config
from ledgerxl.jobs.merge import MergeOptions, run_merge
from ledgerxl.write.attachment import column_widths

pytestmark = [pytest.mark.render, pytest.mark.slow, pytest.mark.subprocess, needs_tools]

PT_PER_TWIP = 1 / 20
MM = 72 / 25.4  # points per millimetre
TITLE = "2025年市政府工作报告公开挂牌事项三季度进展情况台账"
DOCX_HEADER = re.compile(r"序号\s+事项内容\s+进展情况")
XLSX_HEADER = re.compile(r"序号\s+事项内容\s+责任单位\s+进展情况\s+完成状态")


def _master() -> list[dict[str, str]]:
    with open(DATA / "master.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _progress_paragraphs() -> list[str]:
    with open(DATA / "progress.csv", encoding="utf-8") as f:
        return [p for row in csv.DictReader(f) for p in row["进展情况"].split("\n") if p.strip()]


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("render-out")
    r = run_merge(MergeOptions(out=out / "out", config=load_config(SAMPLE / "ledgerxl.toml").with_outputs(notice=True)))
    assert not r.errors
    pdf_dir = out / "pdf"
    return {p.name: render_pdf(p, pdf_dir) for p in r.written}


# --- 附件.docx -------------------------------------------------------------------------------------------


def test_attachment_every_page_starts_with_the_table_header(pdfs: dict[str, Path]) -> None:
    pages = page_texts(pdfs["附件.docx"])
    assert len(pages) >= 5
    first = lines(pages[0])
    head = next(i for i, ln in enumerate(first) if DOCX_HEADER.fullmatch(ln))
    assert first[0] == "附件"
    assert squeeze("".join(first[1:head])) == TITLE  # the title, however many lines it takes
    for n, page in enumerate(pages[1:], start=2):
        assert DOCX_HEADER.fullmatch(lines(page)[0]), f"page {n} starts with {lines(page)[0]!r}"


def test_attachment_page_numbers_in_order_odd_right_even_left(pdfs: dict[str, Path]) -> None:
    pages = page_texts(pdfs["附件.docx"])
    assert [squeeze(lines(p)[-1]) for p in pages] == [f"—{n}—" for n in range(1, len(pages) + 1)]
    for n, page in enumerate(pages_words(pdfs["附件.docx"]), start=1):
        footer = [w for w in page.words if w.y0 > page.height - 35 * MM]  # under the text area
        assert squeeze("".join(w.text for w in footer)) == f"—{n}—"
        if n % 2:
            assert max(w.x1 for w in footer) > page.width - 26 * MM - 20, n  # odd: right, one character in
        else:
            assert min(w.x0 for w in footer) < 28 * MM + 20, n  # even: left


def test_attachment_holds_every_item_exactly_once(pdfs: dict[str, Path]) -> None:
    words = pages_words(pdfs["附件.docx"])
    number_col, text_col, _ = (w * PT_PER_TWIP for w in column_widths(False))
    left = 28 * MM
    bottom = words[0].height - 35 * MM  # the text area ends here; page numbers are below
    # the table only: under each page's header row, above the page number
    top = [min(w.y0 for w in page.words if w.text == "序号") for page in words]
    numbers = [
        w.text
        for page, y in zip(words, top)
        for w in sorted(page.words, key=lambda w: w.y0)
        if left <= w.x0 < left + number_col and y < w.y0 and w.y1 < bottom and w.text.isdigit()
    ]
    assert numbers == [str(i) for i in range(1, 45)]  # each item once, in order
    # under each page's header row: a tall row split across pages goes on under the repeated header
    table = [Page(page.width, page.height, [w for w in page.words if w.y0 > y + 5]) for page, y in zip(words, top)]
    items = column_text(table, left + number_col, left + number_col + text_col, bottom)
    for m in _master():
        assert items.count(squeeze(m["事项内容"])) == 1, m["序号"]
    progress = column_text(table, left + number_col + text_col, words[0].width, bottom)
    for p in _progress_paragraphs():
        assert squeeze(p) in progress


def test_attachment_uses_a_cjk_font(pdfs: dict[str, Path]) -> None:
    names = fonts(pdfs["附件.docx"])
    assert any(CJK_FONT.search(n) for n in names), names


# --- 台账.xlsx ---------------------------------------------------------------------------------------------


def _ledger_pages(pdf: Path) -> tuple[list[str], list[Page]]:
    texts, words = page_texts(pdf), pages_words(pdf)
    summary = next(i for i, t in enumerate(texts) if "按责任单位统计" in t)
    assert summary >= 2
    return texts[:summary], words[:summary]


def test_workbook_pages_are_a4_landscape(pdfs: dict[str, Path]) -> None:
    for page in pages_words(pdfs["台账.xlsx"]):
        assert (round(page.width / MM), round(page.height / MM)) == (297, 210)


def test_ledger_prints_the_header_on_every_page(pdfs: dict[str, Path]) -> None:
    texts, _ = _ledger_pages(pdfs["台账.xlsx"])
    first = lines(texts[0])
    assert squeeze(first[0]) == TITLE and XLSX_HEADER.fullmatch(first[1])
    for n, page in enumerate(texts[1:], start=2):
        assert XLSX_HEADER.fullmatch(lines(page)[0]), f"page {n} starts with {lines(page)[0]!r}"
    for n, page in enumerate(texts, start=1):
        assert squeeze(lines(page)[-1]) == f"第{n}页，共{len(page_texts(pdfs['台账.xlsx']))}页"


def test_ledger_fits_one_page_wide_and_shows_whole_texts(pdfs: dict[str, Path]) -> None:
    _, words = _ledger_pages(pdfs["台账.xlsx"])
    for page in words:
        assert max(w.x1 for w in page.words) <= page.width - 0.5 * 72 + 1  # inside the right margin
    heads = {w.text: w for w in words[0].words if w.text in ("序号", "事项内容", "责任单位", "进展情况")}
    assert len(heads) == 4
    numbers = [
        w.text
        for page in words
        for w in sorted(page.words, key=lambda w: w.y0)
        if w.x0 < heads["序号"].x1 and w.text.isdigit()
    ]
    assert numbers == [str(i) for i in range(1, 45)]
    # LibreOffice prints only what fits a row's height, so every text found whole means no row is too short
    progress = column_text(words, heads["责任单位"].x1 + 5, words[0].width)
    for p in _progress_paragraphs():
        assert squeeze(p) in progress


def test_workbook_uses_a_cjk_font(pdfs: dict[str, Path]) -> None:
    names = fonts(pdfs["台账.xlsx"])
    assert any(CJK_FONT.search(n) for n in names), names


# --- 通知.docx ---------------------------------------------------------------------------------------------


def test_notice_renders_counts_and_attachment_line(pdfs: dict[str, Path]) -> None:
    pages = page_texts(pdfs["通知.docx"])
    text = squeeze("".join(pages))
    assert squeeze("附件：2025年市政府工作报告公开挂牌事项三季度进展情况台账") in text
    assert "44项公开挂牌事项中，44项报送了进展情况；22个责任单位中，22个已按要求报送" in text
    assert text.endswith("市政府办公室2025年9月30日—1—")  # office and date on the one page, then its number
    assert any(CJK_FONT.search(n) for n in fonts(pdfs["通知.docx"]))
