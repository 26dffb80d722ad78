"""通知.docx from the user-editable template (acceptance 3 of issue 4)."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import docx
import pytest
from helpers import ROOT, W, docx_lines, docx_xml, invoke

from ledgerxl.errors import NoticeTemplateError
from ledgerxl.model import Item, Ledger, LedgerRow
from ledgerxl.periods import parse_period
from ledgerxl.write.notice import TAGS, TEMPLATE, attachment_number, chinese_date, notice_context, render_notice

ATTACHMENT_LINE = "附件：2025年市政府工作报告公开挂牌事项三季度进展情况台账"


def template(path: Path, *paragraphs: str | list[str]) -> Path:
    """A clerk's own template: each paragraph one text, or a list of runs (Word splits tags into runs)."""
    d = docx.Document()
    for p in paragraphs:
        para = d.add_paragraph()
        for run in [p] if isinstance(p, str) else p:
            para.add_run(run)
    d.save(str(path))
    return path


def test_merge_notice_renders_counts_and_attachment_line(sample_dir: Path) -> None:
    r = invoke(["merge", "--notice"], sample_dir)
    assert r.exit_code == 0, r.output
    notice = sample_dir / "out" / "通知.docx"
    assert f"已写出：\n  {notice.parent / '台账.xlsx'}\n  {notice.parent / '附件.docx'}\n  {notice}\n" in r.output
    lines = docx_lines(notice)
    assert lines[0] == "关于2025年市政府工作报告公开挂牌事项三季度进展情况的通报"
    assert (
        "2025年三季度，44项公开挂牌事项中，44项报送了进展情况；22个责任单位中，22个已按要求报送。各事项具体进展情况见附件。"
        in lines
    )
    assert ATTACHMENT_LINE in lines
    assert lines[-2:] == ["市政府办公室", "2025年9月30日"]  # office from org, date = the period's last day
    assert not any("{" in ln or "}" in ln for ln in lines)  # every tag filled, no doc number line
    # GB/T 9704 7.3.4: 附件 line indented two characters, a long name wraps under its own first character
    styles = {s.get(f"{W}styleId"): s for s in docx_xml(notice, "word/styles.xml").iter(f"{W}style")}
    ind = styles["NoticeAttachment"].find(f"{W}pPr/{W}ind")
    assert (int(ind.get(f"{W}left")) - int(ind.get(f"{W}hanging"))) == 2 * 320 and int(ind.get(f"{W}hanging")) == 960
    assert styles["NoticeAttachment"].find(f"{W}pPr/{W}spacing").get(f"{W}before") == "560"  # one blank line


def test_notice_names_missing_departments(sample_dir: Path) -> None:
    (sample_dir / "submissions" / "市残联-2025年三季度.xlsx").unlink()
    (sample_dir / "submissions" / "市体育局-2025年三季度.xlsx").unlink()
    r = invoke(["merge", "--notice"], sample_dir)
    assert r.exit_code == 0, r.output
    lines = docx_lines(sample_dir / "out" / "通知.docx")
    assert (
        "2025年三季度，44项公开挂牌事项中，42项报送了进展情况，2项尚无进展报送；22个责任单位中，20个已按要求报送，"
        "市残联、市体育局共2个单位未报送。各事项具体进展情况见附件。" in lines
    )
    assert any(ln.endswith("；未报送的单位要尽快补报。") for ln in lines)


def test_notice_settings_from_config(sample_dir: Path) -> None:
    cfg = sample_dir / "ledgerxl.toml"
    extra = """
[attachment]
label = "附件2"

[notice]
office = "青岛市人民政府办公厅"
number = "青政办字〔2025〕12号"
"""
    cfg.write_text("document_date = 2025-10-15\n" + cfg.read_text(encoding="utf-8") + extra, encoding="utf-8")
    r = invoke(["merge"], sample_dir)  # a [notice] section is enough to get the notice
    assert r.exit_code == 0, r.output
    lines = docx_lines(sample_dir / "out" / "通知.docx")
    assert lines[0] == "青政办字〔2025〕12号"
    assert "附件：2.2025年市政府工作报告公开挂牌事项三季度进展情况台账" in lines
    assert lines[-2:] == ["青岛市人民政府办公厅", "2025年10月15日"]
    assert docx_lines(sample_dir / "out" / "附件.docx")[0] == "附件2"


def test_unknown_tag_fails_naming_it(sample_dir: Path, tmp_path: Path) -> None:
    bad = template(tmp_path / "我的通知.docx", "截至{{ date }}，{{ nonsense }}。")
    r = invoke(["merge", "--notice-template", str(bad), "--out", str(tmp_path / "out")], sample_dir)
    assert r.exit_code == 2
    assert "错误：通知模板 我的通知.docx 中有不认识的标签 {{ nonsense }}：没有名为“nonsense”的数据。" in r.output
    assert "处理办法：请在 Word 中改正或删去这些标签。可用的标签：office（发文机关" in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "out").exists()  # nothing published, not even the ledger


def test_unknown_tag_from_python_is_a_library_error(tmp_path: Path) -> None:
    bad = template(tmp_path / "t.docx", "{{ office }}", ["{{ non", "sense }}", "{{ alsobad }}"])
    with pytest.raises(NoticeTemplateError, match=r"\{\{ alsobad \}\}、\{\{ nonsense \}\}") as e:
        render_notice(_context(), bad)
    assert e.value.exit_code == 2


def test_tag_split_across_runs_and_attribute_errors(tmp_path: Path) -> None:
    ok = template(tmp_path / "ok.docx", ["{{ off", "ice }}发", "{{ date }}"], "{{ status_counts['已完成'] }}")
    out = tmp_path / "out.docx"
    out.write_bytes(render_notice(_context(), ok))
    assert docx_lines(out) == ["市政府办公室发2025年10月15日", "1"]
    bad = template(tmp_path / "bad.docx", "{{ status_counts['完成'] }}")
    with pytest.raises(NoticeTemplateError, match="通知模板 bad.docx 中的标签有误：.*完成"):
        render_notice(_context(), bad)


def test_syntax_error_and_wrong_files(sample_dir: Path, tmp_path: Path) -> None:
    broken = template(tmp_path / "broken.docx", "正文", "{{ office ")
    r = invoke(["merge", "--notice-template", str(broken), "--out", str(tmp_path / "o")], sample_dir)
    assert r.exit_code == 2
    assert "错误：通知模板 broken.docx 中的标签有误：" in r.output and "office" in r.output
    old = tmp_path / "旧模板.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0 not a zip")
    r = invoke(["merge", "--notice-template", str(old), "--out", str(tmp_path / "o")], sample_dir)
    assert r.exit_code == 2
    assert "错误：通知模板 旧模板.doc 不是 .docx 文件。" in r.output
    r = invoke(["merge", "--notice-template", str(tmp_path / "无.docx"), "--out", str(tmp_path / "o")], sample_dir)
    assert r.exit_code == 2 and f"错误：找不到通知模板 {tmp_path / '无.docx'}。" in r.output
    assert not (tmp_path / "o").exists()


def _context() -> dict[str, object]:
    rows = [
        LedgerRow(Item(1, "甲", ("市统计局",)), [("市统计局", "完成。")], [], "已完成"),
        LedgerRow(Item(2, "乙", ("市财政局",)), [("市财政局", "推进中。")], [], "序时推进"),
        LedgerRow(Item(3, "丙", ("市财政局", "市残联")), [], ["市财政局", "市残联"]),
    ]
    ledger = Ledger("2025年市政府工作报告公开挂牌事项三季度进展情况台账", "进展情况", rows)
    return notice_context(ledger, parse_period("2025Q3"), dt.date(2025, 10, 15))


def test_context_holds_every_tag_and_status_counts() -> None:
    ctx = _context()
    assert set(ctx) == set(TAGS)
    assert ctx["status_summary"] == "已完成1项，序时推进1项，未填写1项"
    assert (ctx["item_count"], ctx["items_reported"], ctx["items_missing"]) == (3, 2, 1)
    assert (ctx["department_count"], ctx["departments_reported"], ctx["departments_missing"]) == (3, 2, 1)
    assert ctx["missing_departments"] == "市残联"
    assert ctx["subject"] == "2025年市政府工作报告公开挂牌事项三季度进展情况"


def test_status_sentence_in_the_built_in_template(tmp_path: Path) -> None:
    out = tmp_path / "通知.docx"
    out.write_bytes(render_notice(_context()))
    text = "\n".join(docx_lines(out))
    assert "从完成状态看，已完成1项，序时推进1项，未填写1项。" in text
    assert "市残联共1个单位未报送" in text


def test_annual_notice_fits_a_year_that_is_over(tmp_path: Path) -> None:
    """Issue 17: the annual notice asked to 按期保质完成 after the year was over, and spoke of 进展情况."""
    rows = [
        LedgerRow(Item(1, "甲", ("市统计局",)), [("市统计局", "全年完成。")], [], "已完成"),
        LedgerRow(Item(2, "乙", ("市财政局",)), [], ["市财政局"]),
    ]
    ledger = Ledger("2025年市政府工作报告公开挂牌事项全年完成情况台账", "全年完成情况", rows)
    out = tmp_path / "通知.docx"
    out.write_bytes(render_notice(notice_context(ledger, parse_period("2025FY"), dt.date(2026, 1, 10))))
    text = "\n".join(docx_lines(out))
    assert "按期保质完成" not in text and "进展情况" not in text
    assert "全年工作完成情况进行了调度汇总" in text and "各事项具体完成情况见附件" in text
    assert "对未完成的事项逐项分析原因" in text and "1项尚未报送完成情况" in text
    out.write_bytes(render_notice(_context()))  # a quarter still is asked to finish on time
    assert "确保各项挂牌事项按期保质完成" in "\n".join(docx_lines(out))


@pytest.mark.parametrize(
    "date,want", [(dt.date(2025, 10, 15), "2025年10月15日"), (dt.date(2026, 1, 5), "2026年1月5日")]
)
def test_chinese_date(date: dt.date, want: str) -> None:
    assert chinese_date(date) == want


@pytest.mark.parametrize("label,want", [("附件", ""), ("附件2", "2"), ("附件 12", "12"), (None, ""), ("附表", "")])
def test_attachment_number(label: str | None, want: str) -> None:
    assert attachment_number(label) == want


def test_built_in_template_is_a_styled_word_file_with_known_tags() -> None:
    from docxtpl import DocxTemplate

    d = docx.Document(str(TEMPLATE))
    names = {s.name for s in d.styles}
    assert {"公文标题", "主送机关", "公文正文", "一级标题", "附件说明", "发文机关署名", "成文日期"} <= names
    assert DocxTemplate(TEMPLATE).get_undeclared_template_variables() <= set(TAGS)


@pytest.mark.subprocess
def test_built_in_template_is_regenerated_by_its_script() -> None:
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_notice_template.py"), "--check"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr


def test_values_are_escaped_for_xml(tmp_path: Path) -> None:
    ctx = {**_context(), "office": "市政府办公室<A&B>"}
    out = tmp_path / "通知.docx"
    out.write_bytes(render_notice(ctx))
    assert docx_lines(out)[-2] == "市政府办公室<A&B>"


def test_notice_is_byte_identical_on_rerun(tmp_path: Path) -> None:
    a = render_notice(_context())
    assert hashlib.sha256(a).digest() == hashlib.sha256(render_notice(_context())).digest()


def test_documents_are_not_dated_before_the_newest_filling_date(sample_dir: Path) -> None:
    """Issue 17: a Q3 notice was dated 2025年9月30日 about forms filled on 10月8–12日. The documents take
    the newest 填报日期 of the forms they report (a date 120+ days after the period, a typo, is ignored);
    document_date still pins it; reruns are byte-identical."""
    import datetime as dt
    import hashlib

    from formkit import set_cells
    from helpers import docx_lines, invoke

    inbox = sample_dir / "submissions"
    set_cells(inbox / "市科技局-2025年三季度.xlsx", {"F3": dt.datetime(2025, 10, 12)})
    set_cells(inbox / "市财政局-2025年三季度.xlsx", {"F3": dt.datetime(2025, 10, 8)})
    set_cells(inbox / "市统计局-2025年三季度.xlsx", {"F3": "2052-10-09"})  # a typo for 2025
    r = invoke(["merge", "--notice"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    assert "文件日期：2025年10月12日。" in r.output
    notice = "\n".join(docx_lines(sample_dir / "out" / "通知.docx"))
    assert "2025年10月12日" in notice and "2025年9月30日" not in notice
    digest = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (sample_dir / "out").iterdir()}
    assert invoke(["merge", "--notice"], cwd=sample_dir).exit_code == 0
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (sample_dir / "out").iterdir()} == digest

    toml = sample_dir / "ledgerxl.toml"
    toml.write_text("document_date = 2025-10-20\n" + toml.read_text(encoding="utf-8"), encoding="utf-8")
    r = invoke(["merge", "--notice"], cwd=sample_dir)
    assert "文件日期：2025年10月20日。" in r.output


# --- issue 17: the title broken between words; 版头 and 版记 ------------------------------------------------


def _body(path: Path) -> list[Any]:
    return list(docx_xml(path).find(f"{W}body"))


def _style_of(p: Any) -> str:
    ps = p.find(f"{W}pPr/{W}pStyle")
    return "" if ps is None else str(ps.get(f"{W}val"))


def _lines_of(p: Any) -> str:
    """A paragraph's text with | for each line break (w:br)."""
    return "".join(el.text or "" if el.tag == f"{W}t" else "|" for el in p.iter(f"{W}t", f"{W}br"))


def test_titles_wrap_between_words(tmp_path: Path) -> None:
    """GB/T 9704 7.3.3: the title broke as …三/季度进展情况的通报. The built-in template breaks it where
    titles.title_lines does (a w:br in the one title paragraph); the 附件： line's name too."""
    ctx = _context()
    assert ctx["notice_title"] == "关于2025年市政府工作报告公开挂牌事项三季度进展情况的通报"
    assert ctx["notice_title_lines"] == "关于2025年市政府工作报告\n公开挂牌事项三季度进展情况的通报"
    assert ctx["attachment_name_lines"] == "2025年市政府工作报告\n公开挂牌事项三季度进展情况台账"
    out = tmp_path / "通知.docx"
    out.write_bytes(render_notice(ctx))
    paras = {_style_of(p): _lines_of(p) for p in _body(out) if p.tag == f"{W}p"}
    assert paras["NoticeTitle"] == "关于2025年市政府工作报告|公开挂牌事项三季度进展情况的通报"
    assert paras["NoticeAttachment"] == "附件：2025年市政府工作报告|公开挂牌事项三季度进展情况台账"
    assert docx_lines(out)[0] == ctx["notice_title"]  # one paragraph: the text reads whole


def test_org_is_one_word_of_the_title() -> None:
    rows = [LedgerRow(Item(1, "甲", ("市统计局",)), [("市统计局", "完成。")], [])]
    ledger = Ledger("2024年青岛西海岸新区政府工作报告公开挂牌事项全年完成情况台账", "全年完成情况", rows)
    ctx = notice_context(ledger, parse_period("2024FY"), dt.date(2025, 1, 10), org="青岛西海岸新区")
    assert ctx["notice_title_lines"] == "关于2024年青岛西海岸新区政府工作报告\n公开挂牌事项全年完成情况的通报"


def test_a_clerks_template_may_use_the_broken_or_the_plain_title(tmp_path: Path) -> None:
    own = template(tmp_path / "own.docx", "{{ notice_title_lines }}", "{{ notice_title }}", "{{ subject }}")
    out = tmp_path / "通知.docx"
    out.write_bytes(render_notice(_context(), own))
    paras = [_lines_of(p) for p in _body(out) if p.tag == f"{W}p"]
    assert paras[:3] == [
        "关于2025年市政府工作报告|公开挂牌事项三季度进展情况的通报",
        "关于2025年市政府工作报告公开挂牌事项三季度进展情况的通报",
        "2025年市政府工作报告公开挂牌事项三季度进展情况",
    ]


MASTHEAD = {
    "masthead": "青岛市人民政府办公厅文件",
    "cc": "市委各部门，市人大常委会办公厅，市政协办公厅",
    "printed_by": "青岛市人民政府办公厅",
}


def _notice_with(tmp_path: Path, **options: str) -> Path:
    rows = [LedgerRow(Item(1, "甲", ("市统计局",)), [("市统计局", "完成。")], [], "已完成")]
    ledger = Ledger("2025年市政府工作报告公开挂牌事项三季度进展情况台账", "进展情况", rows)
    ctx = notice_context(
        ledger, parse_period("2025Q3"), dt.date(2025, 10, 15), office="青岛市人民政府办公厅", **options
    )
    out = tmp_path / f"通知{len(list(tmp_path.iterdir()))}.docx"
    out.write_bytes(render_notice(ctx))
    return out


def test_masthead_number_red_line_and_imprint(tmp_path: Path) -> None:
    """GB/T 9704 7.2 and 7.4 from [notice]: 发文机关标志 in red, 发文字号 under it, a red line as wide as the
    text, the title; at the foot of the last page 抄送 and 印发机关/印发日期 between black lines."""
    out = _notice_with(tmp_path, doc_number="青政办字〔2025〕12号", **MASTHEAD)
    body = _body(out)
    styles = {s.get(f"{W}styleId"): s for s in docx_xml(out, "word/styles.xml").iter(f"{W}style")}
    head = [(_style_of(p), _lines_of(p)) for p in body[:4]]
    assert head == [
        ("NoticeMasthead", "青岛市人民政府办公厅文件"),
        ("NoticeMastheadNumber", "青政办字〔2025〕12号"),
        ("NoticeRule", ""),
        ("NoticeTitle", "关于2025年市政府工作报告|公开挂牌事项三季度进展情况的通报"),
    ]
    mast = styles["NoticeMasthead"]
    assert mast.find(f"{W}rPr/{W}color").get(f"{W}val") == "FF0000"
    assert mast.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "方正小标宋简体"
    assert mast.find(f"{W}pPr/{W}jc").get(f"{W}val") == "center"
    # 12 characters fill 98 % of the 156 mm text width at 36 pt; the line is as high as the type
    assert {r.find(f"{W}rPr/{W}sz").get(f"{W}val") for r in body[0].iter(f"{W}r")} == {"72"}
    assert body[0].find(f"{W}pPr/{W}spacing").get(f"{W}line") == str(round(36 * 1.1 * 20))
    rule = styles["NoticeRule"].find(f"{W}pPr/{W}pBdr/{W}bottom")
    assert (rule.get(f"{W}val"), rule.get(f"{W}color"), rule.get(f"{W}sz")) == ("single", "FF0000", "12")
    assert styles["NoticeRule"].find(f"{W}pPr/{W}ind") is None or all(
        styles["NoticeRule"].find(f"{W}pPr/{W}ind").get(f"{W}{k}") in (None, "0") for k in ("left", "right")
    )  # as wide as the text
    # 版记: one floating table at the bottom of the text area, after the date
    tables = [el for el in body if el.tag == f"{W}tbl"]
    assert len(tables) == 1
    tbl = tables[0]
    pos = tbl.find(f"{W}tblPr/{W}tblpPr")
    assert (pos.get(f"{W}vertAnchor"), pos.get(f"{W}tblpYSpec")) == ("margin", "bottom")
    assert tbl.find(f"{W}tblPr/{W}tblW").get(f"{W}w") == "8844"
    rows = [[_lines_of(p) for p in tr.iter(f"{W}p")] for tr in tbl.findall(f"{W}tr")]
    assert rows == [
        ["抄送：市委各部门，市人大常委会办公厅，市政协办公厅。"],
        ["青岛市人民政府办公厅", "2025年10月15日印发"],
    ]
    borders = {b.tag.split("}")[1]: b.get(f"{W}sz") for b in tbl.find(f"{W}tblPr/{W}tblBorders")}
    assert (borders["top"], borders["insideH"], borders["bottom"]) == ("8", "6", "8")  # 0.35 / 0.25 / 0.35 mm
    assert body.index(tbl) > max(i for i, p in enumerate(body) if _style_of(p) == "NoticeDate")


def test_without_the_options_no_empty_masthead_or_imprint(tmp_path: Path) -> None:
    plain = _notice_with(tmp_path)
    body = _body(plain)
    assert [el for el in body if el.tag == f"{W}tbl"] == []
    used = {_style_of(p) for p in body if p.tag == f"{W}p"}
    assert not used & {"NoticeMasthead", "NoticeMastheadNumber", "NoticeRule", "NoticeCc", "NoticeImprint"}
    assert _style_of(body[0]) == "NoticeTitle"
    assert all(_lines_of(p) or _style_of(p) == "" for p in body if p.tag == f"{W}p" and _style_of(p) != "")
    # the number alone stands over the title as before; cc alone gets its row, without the 印发 row
    numbered = _body(_notice_with(tmp_path, doc_number="青政办字〔2025〕12号", cc="市委各部门"))
    assert [(_style_of(p), _lines_of(p)) for p in numbered[:2]] == [
        ("NoticeNumber", "青政办字〔2025〕12号"),
        ("NoticeTitle", "关于2025年市政府工作报告|公开挂牌事项三季度进展情况的通报"),
    ]
    (tbl,) = [el for el in numbered if el.tag == f"{W}tbl"]
    assert [[_lines_of(p) for p in tr.iter(f"{W}p")] for tr in tbl.findall(f"{W}tr")] == [["抄送：市委各部门。"]]
    # a masthead without a number: the red line under the masthead
    mast = _body(_notice_with(tmp_path, masthead="青岛市人民政府办公厅"))
    assert [_style_of(p) for p in mast[:3]] == ["NoticeMasthead", "NoticeRule", "NoticeTitle"]
    assert {r.find(f"{W}rPr/{W}sz").get(f"{W}val") for r in mast[0].iter(f"{W}r")} == {"84"}  # 42 pt at most


def test_masthead_and_imprint_from_config(sample_dir: Path) -> None:
    cfg = sample_dir / "ledgerxl.toml"
    extra = """
[notice]
office = "青岛市人民政府办公厅"
number = "青政办字〔2025〕12号"
masthead = "青岛市人民政府办公厅文件"
cc = ["市委各部门", "市人大常委会办公厅", "市政协办公厅"]
printed_by = "青岛市人民政府办公厅"
"""
    cfg.write_text("document_date = 2025-10-15\n" + cfg.read_text(encoding="utf-8") + extra, encoding="utf-8")
    r = invoke(["merge"], sample_dir)
    assert r.exit_code == 0, r.output
    lines = docx_lines(sample_dir / "out" / "通知.docx")
    assert lines[:3] == [
        "青岛市人民政府办公厅文件",
        "青政办字〔2025〕12号",
        "关于2025年市政府工作报告公开挂牌事项三季度进展情况的通报",
    ]
    assert lines[-3:] == [
        "抄送：市委各部门，市人大常委会办公厅，市政协办公厅。",
        "青岛市人民政府办公厅",
        "2025年10月15日印发",
    ]
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("cc = [", "cc = [1, "), encoding="utf-8")
    r = invoke(["merge"], sample_dir)
    assert r.exit_code == 2 and "[notice] cc 应为文字或文字的列表" in r.output


def test_a_notice_from_the_built_in_template_has_its_own_title(tmp_path: Path) -> None:
    """The template's document title (通报（ledgerxl 通知模板）) showed in every notice's properties and in
    the title bar of its PDF; a clerk's template keeps the title it has."""
    out = tmp_path / "通知.docx"
    out.write_bytes(render_notice(_context()))
    assert docx.Document(str(out)).core_properties.title == _context()["notice_title"]
    own = docx.Document()
    own.add_paragraph("{{ office }}")
    own.core_properties.title = "我们的通报"
    own.save(str(tmp_path / "own.docx"))
    out.write_bytes(render_notice(_context(), tmp_path / "own.docx"))
    assert docx.Document(str(out)).core_properties.title == "我们的通报"
