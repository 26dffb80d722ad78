"""One test per validation rule: a small form built here, one defect, exactly one finding (code, cell,
message); the same form without the defect gives no finding at all (test_clean_form_has_no_findings)."""

from __future__ import annotations

import datetime as dt
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from formkit import (
    DEPT,
    ITEMS,
    PROGRESS,
    edit,
    findings_for,
    form_path,
    put_formula,
    set_cells,
    touch,
    write_master,
)
from openpyxl.worksheet.hyperlink import Hyperlink

from ledgerxl.codes import CODES
from ledgerxl.read.grid import is_encrypted

NAME = f"{DEPT}-2025年三季度.xlsx"


def only(findings: list[Any]) -> tuple[str, str, str]:
    assert len(findings) == 1, [(f.code, f.cell, f.message) for f in findings]
    f = findings[0]
    assert f.severity == CODES[f.code].severity and f.hint, f
    return f.code, f.cell, f.message


def test_clean_form_has_no_findings(tmp_path: Path) -> None:
    write_master(tmp_path)
    assert findings_for(tmp_path, [form_path(tmp_path)]) == []
    both = [form_path(tmp_path), form_path(tmp_path, "市工业和信息化局")]
    assert findings_for(tmp_path, both, missing=True) == []


def _append_row(number: int | None, text: str, progress: str) -> Callable[[Any], None]:
    def change(wb: Any) -> None:
        ws = wb["填报表"]
        ws.append([number, text, "", progress])

    return change


def _old_sheet(wb: Any) -> None:
    ws = wb.create_sheet("旧表")
    ws.append(["序号", "进展情况"])
    ws.append([1, "旧的进展情况文字，不应被采用。"])


def _hidden_duplicate_of_item_2(wb: Any) -> None:
    wb["填报表"].append([2, ITEMS[1][1], "", "上期的旧文字：重点项目完成投资1320亿元。"])
    wb["填报表"].row_dimensions[8].hidden = True


# each defect alters the form at the path it is given; what it returns (the path, mostly) is not used
CASES: list[tuple[str, Callable[[Path], object], str, str]] = [
    (
        "E103",  # the header's 进展情况 renamed: no row names both required columns
        lambda p: set_cells(p, {"D4": "说明"}),
        "",
        "找不到表头：工作表“填报表”、“填报说明”的前 30 行中没有同时含“序号”和“进展情况”的行。",
    ),
    (
        "E201",
        lambda p: edit(p, _append_row(99, "", "新增一项：企业技术中心复核通过3家。")),
        "A8",
        "序号“99”不在挂牌事项清单中。",
    ),
    (
        "E201",
        lambda p: edit(p, _append_row(None, "", "另补充：新增企业技术中心3家。")),
        "A8",
        "第 8 行有进展情况，但没有序号。",
    ),
    (
        "E202",
        lambda p: edit(p, _append_row(4, ITEMS[3][1], PROGRESS[4])),
        "A8",
        "第 4 项的责任单位是市工业和信息化局，不是市发展改革委。",
    ),
    (
        "E203",
        lambda p: set_cells(p, {"B5": "新增省级以上企业技术中心和工程研究中心30家以上。"}),
        "B5",
        "第 1 项的事项内容与挂牌事项清单不一致：…工程研究中心〔改：2→3〕0家以上。",
    ),
    (
        "E203",
        lambda p: set_cells(p, {"B5": ITEMS[1][1]}),
        "B5",
        "第 1 项的事项内容是第 2 项的内容，序号可能填错了。",
    ),
    (
        "E204",
        lambda p: edit(p, _append_row(1, ITEMS[0][1], "补充：另有2家企业技术中心通过省级认定复核。")),
        "A8",
        "第 1 项在第 5 行和第 8 行重复填报。",
    ),
    ("E205", lambda p: set_cells(p, {"D5": None}), "D5", "第 1 项的进展情况为空。"),
    ("E205", lambda p: set_cells(p, {"D6": "  \n "}), "D6", "第 2 项的进展情况为空。"),
    (
        "E206",
        lambda p: set_cells(p, {"D2": "2025年上半年"}),
        "D2",
        "表中报告期为“2025年上半年”，本次汇总的是2025年三季度。",
    ),
    (
        "E207",
        lambda p: set_cells(p, {"B2": "市发展改革局"}),
        "B2",
        "填报单位“市发展改革局”不在挂牌事项清单的责任单位中。相近的单位：市发展改革委。",
    ),
    (
        "E207",
        lambda p: set_cells(p, {"B2": "市发展改革委、市工业和信息化局"}),
        "B2",
        "填报单位“市发展改革委、市工业和信息化局”中含有多个单位：市发展改革委、市工业和信息化局，无法确定是哪一个。",
    ),
    (
        "E209",
        lambda p: edit(p, lambda wb: wb["填报表"].merge_cells("D5:D6")),
        "D5",
        "进展情况单元格 D5:D6 是合并单元格，跨了第 1 项、第 2 项，无法分清各项的进展。",
    ),
    (
        "W302",
        lambda p: set_cells(p, {"D5": "1-6月，新认定省级以上企业技术中心8家、工程研究中心5家。"}),
        "D5",
        "第 1 项的进展情况只提到以前期间（“1-6月”）的数据，没有本期（2025年三季度）的情况。",
    ),
    (
        "W302",
        lambda p: set_cells(p, {"D6": "上半年，重点项目累计完成投资1320亿元，完成率53.9%。"}),
        "D6",
        "第 2 项的进展情况只提到以前期间（“上半年”）的数据，没有本期（2025年三季度）的情况。",
    ),
    ("W303", lambda p: set_cells(p, {"D5": "已完成。"}), "D5", "第 1 项的进展情况只有“已完成。”（3 个字），过于简短。"),
    (
        "W304",
        lambda p: put_formula(p, "D5", '"新认定省级以上企业技术中心"&"12家、工程研究中心9家。"', PROGRESS[1]),
        "D5",
        '第 1 项的进展情况单元格是公式（="新认定省级以上企业技术中心"&"12家、工程研究中心9家。"），'
        "汇总时只取其显示的结果。",
    ),
    (
        "W304",
        lambda p: edit(
            p, lambda wb: setattr(wb["填报表"]["D5"], "hyperlink", Hyperlink(ref="D5", target="http://example.org/a"))
        ),
        "D5",
        "第 1 项的进展情况单元格带有超链接（http://example.org/a），汇总时只保留文字。",
    ),
    (
        "W307",
        lambda p: set_cells(p, {"A6": None, "B6": None, "C6": None, "D6": None}),
        "",
        "本单位负责的第 2 项没有填报。",
    ),
    (
        "W308",
        lambda p: edit(p, _old_sheet),
        "",
        "文件中有多个工作表填有事项，已使用“填报表”，未使用“旧表”。",
    ),
    (
        "W309",
        lambda p: edit(p, lambda wb: setattr(wb["填报表"].row_dimensions[6], "hidden", True)),
        "A6",
        "第 6 行（第 2 项）是隐藏行，其内容已采用。",
    ),
    (
        "W310",
        lambda p: edit(p, _hidden_duplicate_of_item_2),
        "A8",
        "第 8 行（第 2 项）是隐藏行，与可见的第 6 行重复，未采用。",
    ),
    (
        "W311",
        lambda p: set_cells(p, {"E5": "完成"}),
        "E5",
        "第 1 项的完成状态“完成”不是可选项（已完成、序时推进、进度滞后、未启动）。",
    ),
    (
        "W312",
        lambda p: set_cells(p, {"A2": None, "B2": None}),
        "",
        "表中没有“填报单位”，按文件名识别为市发展改革委。",
    ),
]


@pytest.mark.parametrize("code,defect,cell,message", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule(tmp_path: Path, code: str, defect: Callable[[Path], object], cell: str, message: str) -> None:
    write_master(tmp_path)
    path = form_path(tmp_path)
    defect(path)
    assert only(findings_for(tmp_path, [path])) == (code, cell, message)


def test_width_and_space_changes_are_not_edits(tmp_path: Path) -> None:
    write_master(tmp_path)
    path = form_path(tmp_path)
    set_cells(path, {"B5": " 新增省级以上企业技术中心和工程研究中心２０家以上．", "B6": ITEMS[1][1].replace("，", ",")})
    assert findings_for(tmp_path, [path]) == []


@pytest.mark.parametrize("raw", ["（1）", "第1项", "No.1"])
def test_e201_number_with_words_or_brackets_says_to_write_the_number_alone(tmp_path: Path, raw: str) -> None:
    write_master(tmp_path)
    path = form_path(tmp_path)
    set_cells(path, {"A5": raw})
    e201, w307 = findings_for(tmp_path, [path])
    assert (e201.code, e201.cell, e201.message) == ("E201", "A5", f"序号“{raw}”不是单纯的数字，无法对应挂牌事项。")
    assert e201.hint == "如是第 1 项，请在序号栏只填 1（不加括号或文字）。"
    assert (w307.code, w307.message) == ("W307", "本单位负责的第 1 项没有填报。")


def test_w310_names_the_visible_row_also_for_a_number_not_in_the_list(tmp_path: Path) -> None:
    write_master(tmp_path)
    path = form_path(tmp_path)

    def change(wb: Any) -> None:
        wb["填报表"].append([99, "", "", "新增一项：企业技术中心复核通过3家。"])
        wb["填报表"].append([99, "", "", "上期的旧文字：企业技术中心复核通过1家。"])
        wb["填报表"].row_dimensions[9].hidden = True

    edit(path, change)
    got = [(f.code, f.cell, f.message) for f in findings_for(tmp_path, [path])]
    assert got == [
        ("E201", "A8", "序号“99”不在挂牌事项清单中。"),
        ("W310", "A9", "第 9 行（第 99 项）是隐藏行，与可见的第 8 行重复，未采用。"),
    ]


def test_w323_points_at_the_header(tmp_path: Path) -> None:
    write_master(tmp_path)
    path = form_path(tmp_path)
    edit(path, lambda wb: wb["填报表"].delete_rows(5, 3))
    got = [(f.code, f.cell, f.message) for f in findings_for(tmp_path, [path])]
    assert got[0] == ("W323", "A4", "表头（第 4 行）下没有任何填报内容。")
    assert [c for c, _, _ in got[1:]] == ["W307", "W307", "W307"]


def test_formula_without_a_result_is_also_empty(tmp_path: Path) -> None:
    write_master(tmp_path)
    path = form_path(tmp_path)
    set_cells(path, {"D5": "=CONCATENATE(B5, C5)"})  # openpyxl stores no cached result
    found = findings_for(tmp_path, [path])
    assert [(f.code, f.cell) for f in found] == [("E205", "D5"), ("W304", "D5")]


def test_e101_unreadable(tmp_path: Path) -> None:
    write_master(tmp_path)
    path = tmp_path / NAME
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    assert only(findings_for(tmp_path, [path])) == ("E101", "", "文件不完整或已损坏（压缩结构无法识别）。")


def _rezip(path: Path, change: Callable[[dict[str, bytes]], object]) -> Path:
    """Rewrite the zip at `path` after `change` altered its parts in place (its return value is ignored)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    change(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def _set_method(path: Path, member: str, method: int) -> None:
    """Mark `member` as compressed with another method (9: Deflate64, which zipfile cannot inflate)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    struct.pack_into("<H", data, info.header_offset + 8, method)  # local file header
    cd = data.find(b"PK\x01\x02")
    while data[cd + 46 : cd + 46 + len(member)] != member.encode():
        cd = data.find(b"PK\x01\x02", cd + 4)
    struct.pack_into("<H", data, cd + 10, method)  # central directory entry
    path.write_bytes(bytes(data))


def test_e101_damaged_workbooks_are_described_in_chinese(tmp_path: Path) -> None:
    """What calamine or zipfile raised is never shown as a Python class name (CalamineError, error)."""
    write_master(tmp_path)
    no_rels = _rezip(form_path(tmp_path, name="a.xlsx"), lambda parts: parts.pop("_rels/.rels"))
    bad_index = _rezip(
        form_path(tmp_path, name="b.xlsx"),
        lambda parts: parts.update(
            {
                "xl/worksheets/sheet1.xml": re.sub(
                    rb'(<c r="B5"[^>]*t="s"[^>]*><v>)\d+', rb"\g<1>9999", parts["xl/worksheets/sheet1.xml"]
                )
            }
        ),
    )
    method = form_path(tmp_path, name="c.xlsx")
    _set_method(method, "xl/sharedStrings.xml", 9)
    inflate = form_path(tmp_path, name="d.xlsx")
    with zipfile.ZipFile(inflate) as z:
        info = z.getinfo("xl/sharedStrings.xml")
    data = bytearray(inflate.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start : start + 64] = b"\xff" * 64
    inflate.write_bytes(bytes(data))
    got = [
        (f.file, f.code, f.sheet, f.message, f.hint)
        for f in findings_for(tmp_path, [no_rels, bad_index, method, inflate])
    ]
    assert got == [
        ("a.xlsx", "E101", "", "文件已损坏，或不是 Excel/WPS 保存的表格文件，无法读取。", CODES["E101"].hint),
        ("b.xlsx", "E101", "填报表", "工作表“填报表”的内容已损坏，无法读取。", CODES["E101"].hint),
        (
            "c.xlsx",
            "E101",
            "",
            "文件内部的 xl/sharedStrings.xml 使用了不支持的压缩方式，无法解压。",
            "请用 Excel/WPS 打开后另存为 .xlsx 再报送。",
        ),
        (
            "d.xlsx",
            "E101",
            "",
            "文件已损坏：内部部件 xl/sharedStrings.xml 的数据不完整或已被改动，无法解压。",
            "文件可能在传输中被截断，请重新导出并报送。",
        ),
    ]


def test_e102_password_protected_xlsx(tmp_path: Path) -> None:
    pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    write_master(tmp_path)
    plain = form_path(tmp_path, name="plain.xlsx")
    path = tmp_path / NAME
    with open(plain, "rb") as src, open(path, "wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    plain.unlink()
    assert only(findings_for(tmp_path, [path])) == ("E102", "", "文件设置了打开密码，无法读取。")
    assert is_encrypted(path) and not is_encrypted(form_path(tmp_path))


def test_e102_password_protected_ods(tmp_path: Path) -> None:
    """An .ods saved with a password: its manifest declares encryption and content.xml is ciphertext."""
    import zipfile

    write_master(tmp_path)
    path = tmp_path / f"{DEPT}.ods"
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="900">'
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA">'
        '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/>'
        '<manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:iteration-count="1024" '
        'manifest:salt="AAAA"/></manifest:encryption-data></manifest:file-entry></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", bytes(range(256)) * 4)
        z.writestr("META-INF/manifest.xml", manifest)
    assert only(findings_for(tmp_path, [path])) == ("E102", "", "文件设置了打开密码，无法读取。")
    assert is_encrypted(path)


def test_e207_full_name_gives_the_alias_line_to_add(tmp_path: Path) -> None:
    """A department writing its full name (青岛市发展和改革委员会) where ledgerxl.toml lacks that alias."""
    write_master(tmp_path)
    path = form_path(tmp_path)
    set_cells(path, {"B2": "青岛市发展和改革委"})
    (f,) = findings_for(tmp_path, [path])
    assert (f.code, f.cell) == ("E207", "B2")
    assert f.message == "填报单位“青岛市发展和改革委”不在挂牌事项清单的责任单位中。相近的单位：市发展改革委。"
    assert f.hint == (
        '如确是市发展改革委，请在 ledgerxl.toml 的 [aliases] 中登记：“"市发展改革委" = ["青岛市发展和改革委"]”'
        "（已有“市发展改革委”这一行时，把新名称加在它的方括号里）；否则请该单位按规范名称填写。"
    )


def test_e207_no_department_anywhere(tmp_path: Path) -> None:
    write_master(tmp_path)
    path = form_path(tmp_path, name="三季度报送.xlsx")
    set_cells(path, {"A2": None, "B2": None})
    assert only(findings_for(tmp_path, [path])) == ("E207", "", "表中没有“填报单位”，文件名中也没有责任单位名称。")


def test_e207_ambiguous_file_name(tmp_path: Path) -> None:
    write_master(tmp_path)
    path = form_path(tmp_path, name="市发展改革委和市工业和信息化局.xlsx")
    set_cells(path, {"A2": None, "B2": None})
    assert only(findings_for(tmp_path, [path])) == (
        "E207",
        "",
        "表中没有“填报单位”，文件名中含有多个单位：市发展改革委、市工业和信息化局，无法确定是哪一个。",
    )


def test_w301_stale_progress(tmp_path: Path) -> None:
    write_master(tmp_path)
    path = form_path(tmp_path)
    previous = {1: PROGRESS[1], 2: "上期的进展：重点项目完成投资1320亿元。"}
    assert only(findings_for(tmp_path, [path], previous=previous)) == (
        "W301",
        "D5",
        "第 1 项的进展情况与上期完全相同。",
    )
    # a department's paragraphs inside the previous ledger text of a shared item count too
    previous = {3: "工业和信息化局的段落。\n" + PROGRESS[3]}
    assert only(findings_for(tmp_path, [path], previous=previous)) == (
        "W301",
        "D7",
        "第 3 项的进展情况与上期完全相同。",
    )
    assert findings_for(tmp_path, [path], previous={1: PROGRESS[1] + "另有3家在审。"}) == []
    # item 2's two paragraphs re-pasted on one line last period: still the same text
    previous = {2: PROGRESS[2].replace("\n", "")}
    assert only(findings_for(tmp_path, [path], previous=previous))[:2] == ("W301", "D6")
    # the text inside another department's paragraph is not a paragraph of its own
    assert findings_for(tmp_path, [path], previous={3: "工信局：" + PROGRESS[3]}) == []


# W302 on annual and quarterly texts (issue 17: it fired on a normal annual text). A year's report lists its
# milestones by month and compares with last year's end; a copied 三季度 text quotes 1-9月 or 前三季度.
NORMAL_TEXTS = [
    "3月，印发《青岛市推动大规模设备更新实施方案》；5月，召开全市推进会；9月底，沈海高速改扩建工程全线建成通车。",
    "沈海高速改扩建工程于9月底全线通车，较计划提前3个月。",
    "全市经营主体达到210万户，较2024年底增长8.3%。",
    "新获批省重点实验室18家，超额完成年度目标。",
    "官路水库主体工程6月完工，配套工程8月开工建设，已完成投资12.6亿元。",
]
COPIED_Q3_TEXTS = [
    ("1-9月，全市规模以上工业增加值增长8.2%。", "“1-9月”"),
    ("截至9月底，新开通5G基站3120个，完成年度目标的104%。", "“截至9月底”"),
    ("前三季度，全市完成投资1900亿元，完成率77.6%。", "“前三季度”"),
    ("三季度，全市实现地区生产总值13373.47亿元，同比增长5.4%。", "“三季度”"),
    ("9月底，累计完成投资1900亿元，其中民间投资增长6.1%。", "“9月底”"),  # a month's end with 累计: figures
    ("截至2024年底，累计建成5G基站3.2万个。", "“2024年底”"),  # last year's annual report
]


def _w302(text: str, period: str) -> list[str]:
    from ledgerxl.model import Entry, Item, MasterList, Submission
    from ledgerxl.periods import parse_period
    from ledgerxl.rules.form import FormRules

    master = MasterList([Item(1, ITEMS[0][1], (DEPT,))])
    sub = Submission(Path(NAME), "填报表", DEPT, DEPT, "B2", 4, {"number": 0, "text": 1, "progress": 3})
    sub.entries = [Entry(5, 1, "1", ITEMS[0][1], text)]
    return [f.message for f in FormRules(master, parse_period(period)).check_form(sub) if f.code == "W302"]


@pytest.mark.parametrize("text", NORMAL_TEXTS)
@pytest.mark.parametrize("period", ["2025FY", "2025Q3"])
def test_w302_leaves_dates_of_events_and_baselines_alone(text: str, period: str) -> None:
    assert _w302(text, period) == []


@pytest.mark.parametrize("text,said", COPIED_Q3_TEXTS)
def test_w302_still_flags_an_annual_text_copied_from_an_earlier_report(text: str, said: str) -> None:
    assert _w302(text, "2025FY") == [
        f"第 1 项的全年完成情况只提到以前期间（{said}）的数据，没有本期（2025年全年）的情况。"
    ]


def test_w302_on_a_quarter_still_flags_half_year_figures() -> None:
    # the cases of the table above (1-6月, 上半年) and 截至6月底; a June event with August news is current
    assert _w302("截至6月底，累计完成投资1320亿元。", "2025Q3") != []
    assert _w302("1-6月，新认定省级以上企业技术中心8家；较1-5月增加2家。", "2025Q3") != []
    assert _w302("项目主体6月完工，8月通过竣工验收。", "2025Q3") == []


def test_w302_normal_annual_texts_of_the_2025_sample_get_no_warning() -> None:
    """The sample's own texts, read as an annual form would carry them with 全年 figures: none is flagged;
    the same texts in the annual form unchanged (the 三季度 wording) are, which is the rule's purpose."""
    import csv

    from helpers import DATA

    with open(DATA / "progress.csv", encoding="utf-8") as f:
        texts = [row["进展情况"] for row in csv.DictReader(f)]
    flagged = [t for t in texts if _w302(t, "2025FY")]
    assert all(re.search(r"1-9月|前三季度|三季度|截至9月|9月底|8月底", t) for t in flagged), flagged
    annual = [re.sub(r"1-9月|前三季度|截至9月底|截至8月底|三季度", "全年", t) for t in texts]
    assert [t for t in annual if _w302(t, "2025FY")] == []


def test_w305_missing_department(tmp_path: Path) -> None:
    write_master(tmp_path)
    found = findings_for(tmp_path, [form_path(tmp_path)], missing=True)
    assert only(found) == ("W305", "", "市工业和信息化局尚未报送（负责 2 项）。")


def _two_forms(tmp_path: Path) -> tuple[Path, Path]:
    write_master(tmp_path)
    a = form_path(tmp_path, name="发改委-第一版.xlsx")
    b = form_path(tmp_path, name="发改委-第二版.xlsx")
    return a, b


def test_w306_later_filled_date_wins(tmp_path: Path) -> None:
    a, b = _two_forms(tmp_path)
    set_cells(a, {"F3": dt.datetime(2025, 10, 12)})
    set_cells(b, {"F3": "2025年10月8日"})
    touch(a, dt.datetime(2025, 10, 1, 9))  # older file, later date: the date decides
    touch(b, dt.datetime(2025, 10, 9, 9))
    assert only(findings_for(tmp_path, [a, b])) == (
        "W306",
        "F3",
        "市发展改革委报送了 2 份报送表：本文件“发改委-第二版.xlsx”未采用，以“发改委-第一版.xlsx”为准"
        "（填报日期 2025-10-12 晚于 2025-10-08）。",
    )


def test_w306_file_time_decides_without_dates(tmp_path: Path) -> None:
    a, b = _two_forms(tmp_path)
    touch(a, dt.datetime(2025, 10, 9, 9))
    touch(b, dt.datetime(2025, 10, 10, 15, 30))
    code, cell, message = only(findings_for(tmp_path, [a, b]))
    assert (code, cell) == ("W306", "")  # no 填报日期 to point at
    assert message == (
        "市发展改革委报送了 2 份报送表：本文件“发改委-第一版.xlsx”未采用，以“发改委-第二版.xlsx”为准"
        "（文件修改时间 2025-10-10 15:30:00 晚于 2025-10-09 09:00:00）。"
    )


def test_e208_when_no_rule_can_pick(tmp_path: Path) -> None:
    a, b = _two_forms(tmp_path)
    for p in (a, b):
        set_cells(p, {"F3": dt.datetime(2025, 10, 8)})
        touch(p, dt.datetime(2025, 10, 9, 9))
    found = findings_for(tmp_path, [a, b])
    assert [(f.code, f.file) for f in found] == [("E208", a.name), ("E208", b.name)]
    assert found[0].message == (
        "市发展改革委有 2 份报送：“发改委-第一版.xlsx”、“发改委-第二版.xlsx”，"
        "填报日期和文件修改时间都相同，无法确定以哪份为准。"
    )
    # a later file time settles it, with a warning instead
    touch(b, dt.datetime(2025, 10, 9, 10))
    assert [f.code for f in findings_for(tmp_path, [a, b])] == ["W306"]


def test_superseded_form_is_not_checked_further(tmp_path: Path) -> None:
    a, b = _two_forms(tmp_path)
    set_cells(a, {"D5": None})  # an empty progress in the old version does not matter any more
    touch(a, dt.datetime(2025, 10, 9, 9))
    touch(b, dt.datetime(2025, 10, 10, 9))
    assert [f.code for f in findings_for(tmp_path, [a, b])] == ["W306"]


def test_every_validation_code_has_a_test() -> None:
    """Every code of design.md's rule set and of this module's ranges (E101-E109, E201-E219, W301-W319)."""
    tested = {c[0] for c in CASES} | {"E101", "E102", "E207", "W301", "W305", "W306", "E208"}
    tested |= {"W313", "W315", "W316", "W317"}  # tests/test_inbox.py, tests/test_versions.py
    ours = {c for c in CODES if c[:2] in ("E1", "E2") and int(c[1:]) % 100 < 20 or c[:3] in ("W30", "W31")}
    # pre-parse checks (size limits, real file type, empty/unopenable files, entities, hidden sheets) are
    # exercised case by case in tests/test_corpus.py
    not_here = {"E104", "E110", "E111", "E112", "E113", "E114", "E115"}
    assert ours - not_here <= tested, sorted(ours - not_here - tested)
