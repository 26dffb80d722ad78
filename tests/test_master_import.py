"""`ledgerxl master import`: a master list from every real form of a published ledger."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from helpers import DATA, SAMPLE, W, docx_lines, invoke

from ledgerxl.master.importer import Match, SourceRow, match_previous, read_text
from ledgerxl.model import Item
from ledgerxl.read.master import load_master
from ledgerxl.read.master_rows import read_master_rows

if TYPE_CHECKING:
    from lxml import etree

REFERENCE = SAMPLE / "挂牌事项清单.xlsx"


def _reference() -> list[Item]:
    return load_master(REFERENCE).items


def _imported(path: Path) -> list[Item]:
    return [r.item() for r in read_master_rows(path).rows]


def _sources(sample_outputs: Path) -> dict[str, Path]:
    return {
        "docx": sample_outputs / "附件.docx",
        "xlsx": sample_outputs / "台账.xlsx",
        "txt": DATA / "expected_ledger.txt",
    }


@pytest.mark.parametrize("kind", ["docx", "xlsx", "txt"])
def test_import_of_the_published_ledger(sample_outputs: Path, tmp_path: Path, kind: str) -> None:
    """Acceptance: 序号 and 事项内容 identical to the reference master; with --previous the departments too."""
    src = _sources(sample_outputs)[kind]
    out = tmp_path / "挂牌事项清单.xlsx"
    r = invoke(["master", "import", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    ref = _reference()
    got = _imported(out)
    assert [(i.number, i.text) for i in got] == [(i.number, i.text) for i in ref]
    # only the workbook carries a 责任单位 column
    assert [i.departments for i in got] == ([i.departments for i in ref] if kind == "xlsx" else [()] * 44)
    assert "识别出量化目标 44/44 项。" in r.output

    out2 = tmp_path / "with-previous.xlsx"
    r = invoke(["master", "import", str(src), "--out", str(out2), "--previous", str(REFERENCE)])
    assert r.exit_code == 0, r.output
    assert f"按事项内容与 {REFERENCE} 匹配：原文相同 44 项。" in r.output
    assert load_master(out2).items == [
        Item(i.number, i.text, i.departments, i.category, t.split("\t")[1]) for i, t in zip(ref, _snapshot_lines())
    ]


def _snapshot_lines() -> list[str]:
    lines = (DATA.parent / "targets" / "master-2025.txt").read_text(encoding="utf-8").split("\n")
    return lines[1:45]


def test_import_cli_output(sample_outputs: Path, tmp_path: Path) -> None:
    src = sample_outputs / "附件.docx"
    out = tmp_path / "清单.xlsx"
    r = invoke(["master", "import", str(src), "--out", str(out)])
    assert r.output.splitlines() == [
        f"读取 {src}（Word 附件）：44 项事项。",
        "识别出量化目标 44/44 项。",
        f"已写出：{out}",
        "还有 44 项没有责任单位，请在清单中填写后运行 ledgerxl master check。",
    ]


def test_import_is_deterministic(sample_outputs: Path, tmp_path: Path) -> None:
    for name in ("a.xlsx", "b.xlsx"):
        invoke(["master", "import", str(sample_outputs / "附件.docx"), "--out", str(tmp_path / name)])
    sha = [hashlib.sha256((tmp_path / n).read_bytes()).hexdigest() for n in ("a.xlsx", "b.xlsx")]
    assert sha[0] == sha[1]


# ---- Word attachments in other shapes ----


def _docx_with(path: Path, edit: Callable[[etree._Element], None]) -> Path:
    """A copy of `path` with its document.xml changed by `edit(body)` (lxml)."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    edit(root.find(W + "body"))
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    out = path.parent / f"edited-{path.name}"
    out.write_bytes(buf.getvalue())
    return out


def _numbers_and_texts(path: Path) -> list[tuple[int, str]]:
    return [(i.number, i.text) for i in _imported(path)]


def _import(src: Path, tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / f"{src.stem}-清单.xlsx"
    r = invoke(["master", "import", str(src), "--out", str(out), "--force", *extra])
    assert r.exit_code == 0, r.output
    return out


def test_docx_without_label_and_with_departments(tmp_path: Path) -> None:
    from ledgerxl.ledger import build_ledger
    from ledgerxl.write.attachment import DocxOptions, build_docx

    master = load_master(REFERENCE)
    ledger = build_ledger(master, [], "2025年市政府工作报告公开挂牌事项三季度进展情况台账", "进展情况", "（未报送）")
    src = tmp_path / "附件-带责任单位.docx"
    src.write_bytes(build_docx(ledger, DocxOptions(label=None, with_departments=True)))
    assert docx_lines(src)[0].startswith("2025年")  # no 附件 label
    out = _import(src, tmp_path)
    assert [(i.number, i.text, i.departments) for i in _imported(out)] == [
        (i.number, i.text, i.departments) for i in master.items
    ]


def test_docx_header_repeated_as_rows_and_split_tables(sample_outputs: Path, tmp_path: Path) -> None:
    def edit(body: etree._Element) -> None:
        tbl = body.find(W + "tbl")
        rows = tbl.findall(W + "tr")
        header = rows[0]
        # a header row typed again in the middle (documents pasted together page by page)
        rows[15].addprevious(copy.deepcopy(header))
        # and the rest of the table moved to a second table with its own header, after a paragraph
        second = copy.deepcopy(tbl)
        for tr in second.findall(W + "tr")[1:]:
            second.remove(tr)
        for tr in tbl.findall(W + "tr")[31:]:
            second.append(tr)
        para = copy.deepcopy(body.find(W + "p"))
        tbl.addnext(para)
        para.addnext(second)

    src = _docx_with(sample_outputs / "附件.docx", edit)
    lines = docx_lines(src)
    assert lines.count("序号") == 3
    out = _import(src, tmp_path)
    assert _numbers_and_texts(out) == [(i.number, i.text) for i in _reference()]


def test_docx_with_category_rows_and_merged_departments(tmp_path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.add_paragraph("附件")
    table = doc.add_table(rows=1, cols=3)
    for c, h in zip(table.rows[0].cells, ("序号", "事项内容", "责任单位")):
        c.text = h
    rows = [
        ("一、主要预期目标", None, None),
        ("1", "全市生产总值增长5.5%左右。", "市统计局"),
        ("二、全方位扩大内需", None, None),
        ("3", "抓好460个省市重点项目建设，完成投资2450亿元以上。", "市发展改革委"),
        ("4", "加快5个市际县域合作区建设。", ""),  # 责任单位 merged with the row above
        ("5", "提速推进8条地铁线路项目建设。", "青岛地铁集团"),
    ]
    for number, text, dept in rows:
        cells = table.add_row().cells
        if text is None:
            merged = cells[0].merge(cells[2])
            merged.text = number
            continue
        cells[0].text, cells[1].text, cells[2].text = number, text, dept
    table.cell(4, 2).merge(table.cell(5, 2))
    src = tmp_path / "分类.docx"
    doc.save(str(src))
    out = _import(src, tmp_path)
    assert [(i.number, i.departments, i.category, i.target) for i in _imported(out)] == [
        (1, ("市统计局",), "一、主要预期目标", "≈ 5.5 %"),
        (3, ("市发展改革委",), "二、全方位扩大内需", "460 个；≥ 2450 亿元"),
        (4, ("市发展改革委",), "二、全方位扩大内需", "5 个"),
        (5, ("青岛地铁集团",), "二、全方位扩大内需", "8 条"),
    ]


def test_docx_with_entities_is_refused(sample_outputs: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(sample_outputs / "附件.docx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["word/document.xml"].decode("utf-8")
    bomb = '<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    xml = xml.replace("?>", "?>" + bomb, 1).replace("新获批省重点实验室", "&b;", 1)
    parts["word/document.xml"] = xml.encode("utf-8")
    src = tmp_path / "bomb.docx"
    with zipfile.ZipFile(src, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    out = tmp_path / "out.xlsx"
    r = invoke(["master", "import", str(src), "--out", str(out)])
    assert r.exit_code == 2
    assert "错误：bomb.docx：文档中含有 DTD/实体声明（正常的 Word 文档没有），出于安全原因未读取。" in r.output
    assert "处理办法：请用 Word/WPS 打开后另存为新的 .docx 再导入。" in r.output
    assert "Traceback" not in r.output and not out.exists()


def test_docx_with_damaged_xml_is_refused(sample_outputs: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(sample_outputs / "附件.docx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["word/document.xml"] = parts["word/document.xml"][:-200]  # cut off mid-element
    src = tmp_path / "cut.docx"
    with zipfile.ZipFile(src, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    r = invoke(["master", "import", str(src), "--out", str(tmp_path / "out.xlsx")])
    assert r.exit_code == 2
    assert "错误：cut.docx：文档内容已损坏（XML 格式错误），无法读取。" in r.output
    assert "ParseError" not in r.output and "Traceback" not in r.output


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("假的.docx", b"not a zip", "错误：假的.docx：不是有效的 Word（.docx）文件。"),
        ("旧.doc", b"\xd0\xcf\x11\xe0", "错误：旧.doc：不能直接读取 .doc 文件。"),
        ("无表格.txt", "只有一段文字。\n".encode(), "错误：无表格.txt：找不到挂牌事项表格"),
    ],
)
def test_unusable_sources(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    src = tmp_path / name
    src.write_bytes(content)
    r = invoke(["master", "import", str(src), "--out", str(tmp_path / "o.xlsx")])
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output


# ---- plain-text copies ----


def test_text_copy_without_blank_lines(sample_outputs: Path) -> None:
    """What copying the Word table as plain text gives: one cell per line, nothing between rows."""
    text = "\n".join(docx_lines(sample_outputs / "附件.docx"))
    rows = read_text(text)
    assert [(r.number, r.text) for r in rows] == [(i.number, i.text) for i in _reference()]


# gb18030: Windows Notepad's default on a Chinese system; utf-16: Notepad's and Word's "Unicode" (with a BOM)
@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
def test_tab_separated_copy_from_excel(tmp_path: Path, encoding: str) -> None:
    with open(DATA / "master.csv", encoding="utf-8", newline="") as f:
        master = list(csv.DictReader(f))
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\r\n")
    w.writerow(["序号", "事项内容", "责任单位", "进展情况"])
    for m in master:
        w.writerow([m["序号"], m["事项内容"], m["责任单位"], "第一段\n第二段"])
    src = tmp_path / "copy.txt"
    src.write_bytes(buf.getvalue().encode(encoding))
    out = _import(src, tmp_path)
    assert [(i.number, i.text, i.departments) for i in _imported(out)] == [
        (i.number, i.text, i.departments) for i in _reference()
    ]


# ---- carrying departments over from last year's list ----


def _write_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["序号", "事项内容", "责任单位"])
        w.writerows(rows)
    return path


def test_previous_matching_exact_normalised_fuzzy_and_unmatched(tmp_path: Path) -> None:
    last_year = _write_csv(
        tmp_path / "2025清单.csv",
        [
            ("1", "新获批省重点实验室15家以上。", "市科技局"),
            ("2", "新增绿色建筑1000万平方米。", "市住房城乡建设局"),
            ("3", "提速推进8条地铁线路项目建设。", "青岛地铁集团"),
            ("4", "举办全民健身活动2万场以上。", "市体育局"),
            ("5", "新开通海运航线10条以上。", "市交通运输局"),
        ],
    )
    this_year = _write_csv(
        tmp_path / "2026台账.csv",
        [
            ("1", "提速推进8条地铁线路项目建设。", ""),  # same text, other number
            ("2", "新获批省重点实验室 15 家以上", ""),  # spaces and no full stop
            ("3", "新增绿色建筑面积800万平方米以上。", ""),  # reworded
            ("4", "新建、改扩建20所中小学和幼儿园。", ""),  # new
            ("5", "举办全民健身赛事活动2.5万场以上。", ""),  # reworded
        ],
    )
    out = tmp_path / "2026清单.xlsx"
    r = invoke(["master", "import", str(this_year), "--out", str(out), "--previous", str(last_year)])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == [
        f"读取 {this_year}（表格）：5 项事项。",
        f"按事项内容与 {last_year} 匹配：原文相同 1 项，标点空格不同 1 项，相近 2 项。",
        "  第 3 项 ≈ 原第 2 项（相似度 0.77），请核对责任单位。",
        "  第 5 项 ≈ 原第 4 项（相似度 0.90），请核对责任单位。",
        "未匹配、需手工填写责任单位的事项：第 4 项。",
        "原清单中没有对应新事项的：第 5 项。",
        "识别出量化目标 5/5 项。",
        f"已写出：{out}",
        "还有 1 项没有责任单位，请在清单中填写后运行 ledgerxl master check。",
    ]
    assert [(i.number, i.departments, i.target) for i in _imported(out)] == [
        (1, ("青岛地铁集团",), "8 条"),
        (2, ("市科技局",), "≥ 15 家"),
        (3, ("市住房城乡建设局",), "≥ 800 万平方米"),
        (4, (), "20 所"),
        (5, ("市体育局",), "≥ 2.5 万场"),
    ]


def test_invisible_characters_do_not_make_a_text_only_similar() -> None:
    """A zero-width space or BOM copied from a web page: the same item (its target is kept), not 相近."""
    previous = [Item(7, "新获批省重点实验室15家以上。", ("市科技局",), target="≥ 15 家")]
    rows = [SourceRow(1, "\ufeff新获批省重点实验室\u200b15家以上")]
    assert match_previous(rows, previous) == ({0: 0}, [Match(1, 7, "punctuation")])


def test_previous_keeps_a_corrected_target_for_the_same_text(tmp_path: Path) -> None:
    prev = tmp_path / "prev.csv"
    text = "抓好460个省市重点项目建设，完成投资2450亿元以上。"
    prev.write_text(f"序号,事项内容,责任单位,目标\n1,{text},市发展改革委,≥ 2450 亿元\n", encoding="utf-8")
    src = _write_csv(tmp_path / "src.csv", [("1", text, "")])
    out = _import(src, tmp_path, "--previous", str(prev))
    assert _imported(out)[0].target == "≥ 2450 亿元"


# ---- never overwrite what a clerk filled in ----


def test_out_with_items_needs_force(sample_outputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "清单.xlsx"
    src = str(sample_outputs / "附件.docx")
    assert invoke(["master", "import", src, "--out", str(out)]).exit_code == 0
    before = out.read_bytes()
    r = invoke(["master", "import", str(DATA / "expected_ledger.txt"), "--out", str(out)])
    assert r.exit_code == 2
    assert f"错误：{out} 已存在且已有内容，未覆盖。" in r.output
    assert out.read_bytes() == before
    assert invoke(["master", "import", src, "--out", str(out), "--force"]).exit_code == 0


def test_out_may_replace_the_blank_init_template(sample_outputs: Path, tmp_path: Path) -> None:
    assert invoke(["init", str(tmp_path / "w"), "--year", "2026"]).exit_code == 0
    src = str(sample_outputs / "台账.xlsx")
    r = invoke(["master", "import", src, "--out", "挂牌事项清单.xlsx"], cwd=tmp_path / "w")
    assert r.exit_code == 0, r.output
    assert len(load_master(tmp_path / "w" / "挂牌事项清单.xlsx").items) == 44


def test_out_is_never_an_input(tmp_path: Path) -> None:
    src = _write_csv(tmp_path / "a.csv", [("1", "新增绿色建筑1000万平方米。", "市住房城乡建设局")])
    r = invoke(["master", "import", str(src), "--out", str(src)])
    assert r.exit_code == 2 and "应是 .xlsx 文件" in r.output
    prev = _import(src, tmp_path)
    before = prev.read_bytes()
    r = invoke(["master", "import", str(src), "--out", str(prev), "--previous", str(prev), "--force"])
    assert r.exit_code == 2 and "与输入文件相同；ledgerxl 从不改动输入文件。" in r.output
    assert prev.read_bytes() == before
