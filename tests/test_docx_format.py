"""附件.docx in the GB/T 9704-2012 format, checked in its XML (acceptance 1 of issue 4)."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from helpers import W, docx_lines, docx_xml
from lxml import etree

from ledgerxl.model import Item, Ledger, LedgerRow
from ledgerxl.write.attachment import DocxOptions, build_docx, column_widths, may_split, row_height
from ledgerxl.write.gbt9704 import TEXT_HEIGHT, TEXT_WIDTH

R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
MM = 1440 / 25.4  # twips per millimetre


def small_ledger() -> Ledger:
    rows = [
        LedgerRow(
            Item(1, "全市生产总值增长5.5%左右。", ("市统计局",), "主要预期目标"), [("市统计局", "增长5.4%。")], []
        ),
        LedgerRow(
            Item(2, "新增企业技术中心20家。", ("市发展改革委", "市工业和信息化局"), "科技创新"),
            [("市发展改革委", "工程研究中心：25家。\n第二段。"), ("市工业和信息化局", "企业技术中心：12家。")],
            [],
        ),
        LedgerRow(Item(3, "建设口袋公园。", ("市园林和林业局",), "城市品质"), [], ["市园林和林业局"]),
    ]
    return Ledger("2025年市政府工作报告公开挂牌事项三季度进展情况台账", "进展情况", rows)


def write(tmp_path: Path, opts: DocxOptions, name: str = "附件.docx") -> Path:
    p = tmp_path / name
    p.write_bytes(build_docx(small_ledger(), opts))
    return p


def rfonts_of(el: etree._Element) -> etree._Element:
    fonts = el.find(f"{W}rPr/{W}rFonts")
    assert fonts is not None
    return fonts


def styles(path: Path) -> dict[str, etree._Element]:
    root = docx_xml(path, "word/styles.xml")
    return {s.get(f"{W}styleId"): s for s in root.iter(f"{W}style")}


def test_page_is_a4_with_gbt9704_margins(sample_outputs: Path) -> None:
    sect = docx_xml(sample_outputs / "附件.docx").find(f"{W}body/{W}sectPr")
    size, mar = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar")
    assert round(int(size.get(f"{W}w")) / MM) == 210 and round(int(size.get(f"{W}h")) / MM) == 297
    got = {k: round(int(mar.get(f"{W}{k}")) / MM, 1) for k in ("top", "bottom", "left", "right")}
    assert got == {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}


def test_east_asian_fonts_on_label_title_header_and_cells(sample_outputs: Path) -> None:
    path = sample_outputs / "附件.docx"
    body = docx_xml(path).find(f"{W}body")
    label, title = body.findall(f"{W}p")[:2]
    tbl = body.find(f"{W}tbl")
    head, first = tbl.findall(f"{W}tr")[:2]

    def run_fonts(el: etree._Element) -> set[tuple[str | None, str | None]]:
        return {(rfonts_of(r).get(f"{W}eastAsia"), r.find(f"{W}rPr/{W}sz").get(f"{W}val")) for r in el.iter(f"{W}r")}

    assert run_fonts(label) == {("黑体", "32")}  # 三号 = 16 pt
    assert run_fonts(title) == {("方正小标宋简体", "44")}  # 二号 = 22 pt
    assert run_fonts(head) == {("黑体", "28")}
    assert run_fonts(first) == {("仿宋_GB2312", "28")}  # 四号 = 14 pt by default
    st = styles(path)
    for sid, font in {
        "LedgerLabel": "黑体",
        "LedgerTitle": "方正小标宋简体",
        "LedgerHeader": "黑体",
        "LedgerCell": "仿宋_GB2312",
        "Normal": "仿宋_GB2312",
    }.items():
        assert rfonts_of(st[sid]).get(f"{W}eastAsia") == font, sid
    # title centred, label flush left
    assert title.find(f"{W}pPr/{W}jc").get(f"{W}val") == "center"
    assert label.find(f"{W}pPr/{W}jc").get(f"{W}val") == "left"


def test_every_font_slot_is_explicit_and_no_theme_or_japanese_font(sample_outputs: Path) -> None:
    path = sample_outputs / "附件.docx"
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    for name in ("word/document.xml", "word/footer1.xml", "word/footer2.xml"):
        for fonts in etree.fromstring(parts[name]).iter(f"{W}rFonts"):
            assert fonts.get(f"{W}eastAsia"), name
    for name, data in parts.items():
        if name.endswith(".xml") and not name.startswith("word/theme/"):
            assert "ＭＳ".encode() not in data and b"Mincho" not in data and b"ja-JP" not in data, name
    for fonts in etree.fromstring(parts["word/styles.xml"]).iter(f"{W}rFonts"):
        assert not [a for a in fonts.attrib if a.lower().endswith("theme")]
    table = etree.fromstring(parts["word/fontTable.xml"])
    charsets = {f.get(f"{W}name"): f.find(f"{W}charset").get(f"{W}val") for f in table.iter(f"{W}font")}
    assert {charsets[n] for n in ("仿宋_GB2312", "黑体", "宋体", "方正小标宋简体")} == {"86"}  # GB2312


def test_language_is_zh_cn(sample_outputs: Path) -> None:
    path = sample_outputs / "附件.docx"
    defaults = docx_xml(path, "word/styles.xml").find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    assert defaults.find(f"{W}lang").get(f"{W}eastAsia") == "zh-CN"
    assert rfonts_of(defaults.getparent()).get(f"{W}eastAsia") == "仿宋_GB2312"
    theme_lang = docx_xml(path, "word/settings.xml").find(f"{W}themeFontLang")
    assert theme_lang.get(f"{W}eastAsia") == "zh-CN"
    for r in docx_xml(path).iter(f"{W}r"):
        assert r.find(f"{W}rPr/{W}lang").get(f"{W}eastAsia") == "zh-CN"


def _cell_text(tc: etree._Element) -> str:
    return "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in tc.iter(f"{W}p"))


def test_header_row_repeats_and_only_tall_rows_split(sample_outputs: Path) -> None:
    """Issue 17: every row was kept whole, so a 17-line row went over to the next page whole and left pages
    73 % full. A row taller than a third of the text area may split now; shorter ones stay whole; the
    header row repeats and never splits; a row that may split has its texts at the top."""
    rows = docx_xml(sample_outputs / "附件.docx").find(f"{W}body/{W}tbl").findall(f"{W}tr")
    assert len(rows) == 45
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    assert rows[0].find(f"{W}trPr/{W}cantSplit") is not None
    assert all(r.find(f"{W}trPr/{W}tblHeader") is None for r in rows[1:])
    splits = [r.find(f"{W}tc/{W}p/{W}r/{W}t").text for r in rows[1:] if r.find(f"{W}trPr/{W}cantSplit") is None]
    assert splits == ["20", "25", "39", "40"]  # 12 to 17 lines of progress; the others have at most 10
    widths, opts = column_widths(False), DocxOptions()
    for r in rows[1:]:
        texts = [_cell_text(tc) for tc in r.findall(f"{W}tc")]
        tall = row_height(texts, widths, opts) > TEXT_HEIGHT / 3
        assert (r.find(f"{W}trPr/{W}cantSplit") is None) == tall, texts[0]
        aligns = {tc.find(f"{W}tcPr/{W}vAlign").get(f"{W}val") for tc in r.findall(f"{W}tc")}
        assert aligns == ({"top"} if tall else {"center"}), texts[0]


def test_row_height_estimate_and_split_threshold() -> None:
    widths, opts = column_widths(False), DocxOptions()
    line = 400  # twips: 14 pt type on a 20 pt line
    # the progress column holds 35 half widths of 14 pt (17 characters, and a digit)
    assert row_height(["1", "短", "字" * 34], widths, opts) == 2 * line
    assert row_height(["1", "短", "字" * 36], widths, opts) == 3 * line
    assert row_height(["1", "短", "一段。\n二段。\n三段。"], widths, opts) == 3 * line  # a paragraph a line
    ten, eleven = "字" * 17 * 10, "字" * 17 * 11  # a third of the text area is 10.6 lines
    assert not may_split(["1", "短", ten], widths, opts) and may_split(["1", "短", eleven], widths, opts)
    assert may_split(["1", "短", ten], widths, DocxOptions(cell_size=16))  # bigger type: taller rows


def test_cell_text_is_flush_left_without_auto_spacing(sample_outputs: Path) -> None:
    """Issue 17: justified text in the narrow columns stretched the spacing around long numbers
    (资 317.35 亿元， 年 度 计 划 投 资 完 成 率). The item and progress texts are flush left, with Word's
    extra space between Chinese and digits off; 序号 (and 责任单位) stay centred."""
    tbl = docx_xml(sample_outputs / "附件.docx").find(f"{W}body/{W}tbl")
    for r in tbl.findall(f"{W}tr")[1:]:
        number, item, progress = r.findall(f"{W}tc")
        assert [p.find(f"{W}pPr/{W}jc").get(f"{W}val") for p in number.iter(f"{W}p")] == ["center"]
        for p in [*item.iter(f"{W}p"), *progress.iter(f"{W}p")]:
            ppr = p.find(f"{W}pPr")
            assert ppr.find(f"{W}jc").get(f"{W}val") == "left"
            assert ppr.find(f"{W}autoSpaceDE").get(f"{W}val") == "0"
            assert ppr.find(f"{W}autoSpaceDN").get(f"{W}val") == "0"
            assert ppr.find(f"{W}widowControl") is not None
    assert not [jc for jc in tbl.iter(f"{W}jc") if jc.get(f"{W}val") in ("both", "distribute")]


def test_title_wraps_between_words_in_one_paragraph(sample_outputs: Path) -> None:
    """Issue 17 (GB/T 9704 7.3.3): the title broke inside a word (…全年完/成情况台账). Its lines, balanced and
    broken between words (titles.title_lines at the 22 pt width of the text), are one paragraph with a
    w:br between them."""
    title = docx_xml(sample_outputs / "附件.docx").find(f"{W}body").findall(f"{W}p")[1]
    run = title.find(f"{W}r")
    parts = [el.text if el.tag == f"{W}t" else "|" for el in run if el.tag in (f"{W}t", f"{W}br")]
    assert "".join(parts) == "2025年市政府工作报告|公开挂牌事项三季度进展情况台账"
    assert len(title.findall(f"{W}r")) == 1


def test_title_words_keep_the_org_whole(tmp_path: Path) -> None:
    ledger = small_ledger()
    ledger.title = "2025年青岛西海岸新区政府工作报告公开挂牌事项三季度进展情况台账"
    path = tmp_path / "a.docx"
    path.write_bytes(build_docx(ledger, DocxOptions(title_words=("青岛西海岸新区",))))
    run = docx_xml(path).find(f"{W}body").findall(f"{W}p")[1].find(f"{W}r")
    lines = "".join(el.text if el.tag == f"{W}t" else "|" for el in run if el.tag in (f"{W}t", f"{W}br"))
    assert lines == "2025年青岛西海岸新区政府工作报告|公开挂牌事项三季度进展情况台账"


def test_column_widths_for_word_and_libreoffice(sample_outputs: Path) -> None:
    tbl = docx_xml(sample_outputs / "附件.docx").find(f"{W}body/{W}tbl")
    assert tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
    assert tbl.find(f"{W}tblPr/{W}tblW").get(f"{W}w") == str(TEXT_WIDTH)
    grid = [int(g.get(f"{W}w")) for g in tbl.iter(f"{W}gridCol")]
    assert sum(grid) == TEXT_WIDTH and grid == column_widths(False)
    assert grid[0] == min(grid) and grid[0] < 15 * MM  # 序号 narrow
    for tr in tbl.findall(f"{W}tr"):
        assert [int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w")) for tc in tr.findall(f"{W}tc")] == grid


def test_cells_have_exact_line_spacing(sample_outputs: Path) -> None:
    tbl = docx_xml(sample_outputs / "附件.docx").find(f"{W}body/{W}tbl")
    spacings = {(s.get(f"{W}lineRule"), s.get(f"{W}line")) for s in tbl.iter(f"{W}spacing")}
    assert spacings == {("exact", "400"), ("exact", "440")}  # cells 20 pt, header 22 pt


def _footer(path: Path, kind: str) -> etree._Element:
    sect = docx_xml(path).find(f"{W}body/{W}sectPr")
    ref = next(f for f in sect.iter(f"{W}footerReference") if f.get(f"{W}type") == kind)
    rels = docx_xml(path, "word/_rels/document.xml.rels")
    target = next(r.get("Target") for r in rels if r.get("Id") == ref.get(f"{R}id"))
    return docx_xml(path, f"word/{target}")


@pytest.mark.parametrize("kind,align,indent", [("default", "right", "right"), ("even", "left", "left")])
def test_page_numbers_in_odd_and_even_footers(sample_outputs: Path, kind: str, align: str, indent: str) -> None:
    path = sample_outputs / "附件.docx"
    settings = docx_xml(path, "word/settings.xml")
    assert settings.find(f"{W}evenAndOddHeaders") is not None
    p = _footer(path, kind).find(f"{W}p")
    assert p.find(f"{W}pPr/{W}jc").get(f"{W}val") == align
    assert p.find(f"{W}pPr/{W}ind").get(f"{W}{indent}") == "280"  # one 14 pt character from the edge
    chars = [fc.get(f"{W}fldCharType") for fc in p.iter(f"{W}fldChar")]
    assert chars == ["begin", "separate", "end"]
    assert [t.text for t in p.iter(f"{W}instrText")] == [" PAGE "]
    texts = [t.text for t in p.iter(f"{W}t")]
    assert texts[0] == "— " and texts[-1] == " —"
    assert {(rfonts_of(r).get(f"{W}eastAsia"), r.find(f"{W}rPr/{W}sz").get(f"{W}val")) for r in p.iter(f"{W}r")} == {
        ("宋体", "28")
    }


def test_label_can_be_numbered_or_dropped(tmp_path: Path) -> None:
    numbered = docx_lines(write(tmp_path, DocxOptions(label="附件2"), "a.docx"))
    assert numbered[:2] == ["附件2", "2025年市政府工作报告公开挂牌事项三季度进展情况台账"]
    dropped = docx_lines(write(tmp_path, DocxOptions(label=None), "b.docx"))
    assert dropped[0] == "2025年市政府工作报告公开挂牌事项三季度进展情况台账"


def test_departments_column_and_cell_size(tmp_path: Path) -> None:
    path = write(tmp_path, DocxOptions(with_departments=True, cell_size=12))
    lines = docx_lines(path)
    assert lines[2:6] == ["序号", "事项内容", "责任单位", "进展情况"]
    assert lines[lines.index("新增企业技术中心20家。") + 1] == "市发展改革委、市工业和信息化局"
    tbl = docx_xml(path).find(f"{W}body/{W}tbl")
    grid = [int(g.get(f"{W}w")) for g in tbl.iter(f"{W}gridCol")]
    assert len(grid) == 4 and sum(grid) == TEXT_WIDTH
    sizes = {s.get(f"{W}val") for s in tbl.iter(f"{W}sz")}
    assert sizes == {"24"}  # 小四 = 12 pt, header included
    assert {s.get(f"{W}line") for s in tbl.iter(f"{W}spacing")} == {"360", "400"}  # 18 pt cells, 20 pt header


def test_bigger_type_widens_the_number_column() -> None:
    assert column_widths(False, 14)[0] == column_widths(False, 10.5)[0]
    assert column_widths(False, 18)[0] > column_widths(False, 14)[0]
    assert sum(column_widths(True, 18)) == TEXT_WIDTH


def test_placeholder_and_paragraphs(tmp_path: Path) -> None:
    lines = docx_lines(write(tmp_path, DocxOptions()))
    i = lines.index("新增企业技术中心20家。")
    assert lines[i + 1 : i + 4] == ["工程研究中心：25家。", "第二段。", "企业技术中心：12家。"]
    assert lines[-1] == "（未报送）"


def test_same_input_same_bytes() -> None:
    opts = DocxOptions(date=dt.date(2025, 9, 30))
    assert build_docx(small_ledger(), opts) == build_docx(small_ledger(), opts)
