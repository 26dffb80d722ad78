"""read.word: a department's reply in Word (.docx) reads into the Submission its Excel form would give.

The replies are built with python-docx (tracked changes with raw WordprocessingML, which python-docx does not
write). Until read.submission dispatches .docx files itself, `read_reply` routes them through
read_word_workbook the way that one-line change will (see read/word.py)."""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.table import _Cell
from helpers import SAMPLE

from ledgerxl import codes
from ledgerxl.departments import Departments
from ledgerxl.errors import ReadError
from ledgerxl.model import Entry, MasterList, Submission
from ledgerxl.periods import parse_period
from ledgerxl.read import submission
from ledgerxl.read.grid import Workbook
from ledgerxl.read.master import load_master
from ledgerxl.read.word import (
    MAX_SPAN,
    WORD_SUFFIXES,
    _document_xml,
    document_grids,
    has_submission_table,
    is_submission,
    labelled_lines,
    read_word_workbook,
    word_grids,
)
from ledgerxl.rules.form import FormRules

DEPT = "市科技局"
FORM = SAMPLE / "submissions" / f"{DEPT}-2025年三季度.xlsx"
HEADER = ["序号", "事项内容", "责任单位", "进展情况"]
W_NS = nsdecls("w")


# ---- building replies ----


@pytest.fixture(scope="module")
def master() -> MasterList:
    return load_master(SAMPLE / "挂牌事项清单.xlsx")


@pytest.fixture(scope="module")
def departments(master: MasterList) -> Departments:
    return Departments(master.departments)


@pytest.fixture(scope="module")
def excel_form(departments: Departments) -> Submission:
    return submission.read_submission(FORM, departments)


def read_reply(path: Path, departments: Departments, monkeypatch: pytest.MonkeyPatch) -> Submission:
    """read_submission with .docx files read by read.word: the wiring read/submission.py gets."""
    original = submission.read_workbook

    def read_workbook(p: Path) -> Workbook:
        return read_word_workbook(p) if p.suffix.lower() in WORD_SUFFIXES else original(p)

    monkeypatch.setattr(submission, "read_workbook", read_workbook)
    return submission.read_submission(path, departments)


def set_text(cell: _Cell, text: str) -> None:
    """A cell's text with one paragraph per line, as a clerk types it in Word."""
    first, *rest = text.split("\n")
    cell.text = first
    for line in rest:
        cell.add_paragraph(line)


def write_docx(
    path: Path,
    rows: Sequence[Sequence[str]],
    *,
    above: Sequence[str] = (),
    below: Sequence[str] = (),
    vmerge: Sequence[tuple[int, int, int]] = (),
) -> Path:
    """A reply: paragraphs `above`, one table of `rows` (cells (r1..r2, c) of `vmerge` merged vertically,
    the text in the first one), paragraphs `below`."""
    doc = Document()
    doc.add_paragraph("关于2025年三季度挂牌事项进展情况的报告")
    for line in above:
        doc.add_paragraph(line)
    table = doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    covered = set()
    for r1, r2, c in vmerge:
        table.cell(r1, c).merge(table.cell(r2, c))
        covered |= {(r, c) for r in range(r1 + 1, r2 + 1)}
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if (r, c) not in covered:
                set_text(table.cell(r, c), text)
    for line in below:
        doc.add_paragraph(line)
    doc.save(str(path))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[str]], vmerge: Sequence[tuple[int, int, int]] = ()) -> Path:
    """The same table as a spreadsheet (row 1 = the table's first row), for comparison."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "填报表"
    for r, row in enumerate(rows, 1):
        for c, text in enumerate(row, 1):
            if text:
                ws.cell(r, c, text)
    for r1, r2, c in vmerge:
        ws.merge_cells(start_row=r1 + 1, start_column=c + 1, end_row=r2 + 1, end_column=c + 1)
    wb.save(path)
    return path


def item_rows(form: Submission) -> list[list[str]]:
    return [[str(e.number), e.item_text, DEPT, e.progress] for e in form.entries]


def replace_part(path: Path, part: str, data: bytes, out: Path, method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = data if info.filename == part else src.read(info)
            dst.writestr(info.filename, body, compress_type=method if info.filename == part else zipfile.ZIP_DEFLATED)
    return out


def with_method(raw: bytes, name: bytes, method: int) -> bytes:
    """A zip with `name`'s compression method field set to `method` in its local and central headers."""
    data = bytearray(raw)
    for sig, name_at, method_at in ((b"PK\x03\x04", 30, 8), (b"PK\x01\x02", 46, 10)):
        at = data.find(sig)
        while at >= 0:
            if data[at + name_at : at + name_at + len(name)] == name:
                struct.pack_into("<H", data, at + method_at, method)
            at = data.find(sig, at + 4)
    return bytes(data)


def document_xml(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><w:document {W_NS}><w:body>{body}</w:body></w:document>'.encode()


def entries(sub: Submission) -> list[tuple[int | None, str, str]]:
    return [(e.number, e.item_text, e.progress) for e in sub.entries]


# ---- a reply reads like the form ----


def test_a_word_reply_reads_as_the_excel_form(
    tmp_path: Path,
    master: MasterList,
    departments: Departments,
    excel_form: Submission,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """市科技局's sample form retyped as a Word reply: 填报单位 and 报告期 above a four-column table whose
    headings are spaced and bracketed; item 9's progress is two paragraphs, as in the form's cell."""
    assert excel_form.department == DEPT and len(excel_form.entries) == 6
    assert any("\n" in e.progress for e in excel_form.entries)  # item 9: the multi-paragraph cell
    header = ["序　号", "事 项 内 容", "责任单位", "进展情况（截至9月30日）"]
    path = write_docx(
        tmp_path / f"{DEPT}-三季度进展.docx",
        [header, *item_rows(excel_form)],
        above=[f"填报单位：{DEPT}", "报告期：2025年三季度"],
    )
    assert is_submission(path)
    reply = read_reply(path, departments, monkeypatch)

    assert reply.department == excel_form.department == DEPT
    assert reply.department_raw == DEPT and reply.department_source == excel_form.department_source
    assert reply.period_raw == excel_form.period_raw == "2025年三季度"
    assert entries(reply) == entries(excel_form)
    assert [e.number for e in reply.entries] == [it.number for it in master.items_of(DEPT)]
    assert reply.sheet == "表1" and reply.header_row == 1
    assert [e.row for e in reply.entries] == list(range(2, 8))  # the Word table's own rows
    assert {k: reply.columns[k] for k in ("number", "text", "progress")} == {"number": 0, "text": 1, "progress": 3}
    assert not reply.merged_spans and not reply.cell_flags and not reply.other_sheets

    # the same rules: the findings of both differ at most by where they point
    rules = FormRules(master, parse_period("2025年三季度"))
    assert sorted(f.code for f in rules.check_form(reply)) == sorted(f.code for f in rules.check_form(excel_form))


def test_labelled_lines_around_the_table_are_read(
    tmp_path: Path, departments: Departments, excel_form: Submission, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several labels on one line (spaces or a tab between them), 盖章 in brackets, a 填报日期 line under the
    table, and a salutation and sentences that hold no label."""
    path = write_docx(
        tmp_path / "reply.docx",
        [HEADER, *item_rows(excel_form)],
        above=["市政府办公室：", f"填报单位（盖章）：{DEPT}　　报告期：2025年三季度", "现将有关进展情况报告如下："],
        below=["联系人：张三\t联系电话：0532-85911234", "填报日期：2025年10月8日"],
    )
    grid = word_grids(path)[0]
    assert grid.rows[-6:] == [
        ["市政府办公室："],
        [f"填报单位（盖章）：{DEPT}"],
        ["报告期：2025年三季度"],
        ["联系人：张三"],
        ["联系电话：0532-85911234"],
        ["填报日期：2025年10月8日"],
    ]
    reply = read_reply(path, departments, monkeypatch)
    assert (reply.department, reply.period_raw, reply.contact, reply.phone, reply.filled_date) == (
        DEPT,
        "2025年三季度",
        "张三",
        "0532-85911234",
        "2025年10月8日",
    )
    assert entries(reply) == entries(excel_form)  # the labelled rows under the table are no entries


def test_labelled_lines() -> None:
    assert labelled_lines("填报单位：市科技局  报告期：2025年三季度") == ["填报单位：市科技局", "报告期：2025年三季度"]
    assert labelled_lines("联系人 ：张三\n联系电话:123") == ["联系人 ：张三", "联系电话:123"]
    assert labelled_lines("关于2025年三季度挂牌事项进展情况的报告") == []
    assert labelled_lines("（盖章）：") == []
    assert labelled_lines("时间：10:30") == ["时间：10:30"]  # a colon inside the value stays in it


def test_a_merged_number_cell_reads_as_in_a_spreadsheet(
    tmp_path: Path, departments: Departments, monkeypatch: pytest.MonkeyPatch
) -> None:
    """序号 8 merged over two rows (w:vMerge) whose progress cells continue one item; a progress cell
    merged over items 12 and 13 (E209). Word and Excel give the same entries and merged spans."""
    rows = [
        HEADER,
        ["6", "新获批省重点实验室15家以上。", DEPT, "青岛市共获批19家。"],
        ["8", "实施中小企业创新能力提升工程。", DEPT, "国家高新技术企业方面，第一批拟申报1261家。"],
        ["", "", "", "科技型中小企业方面，入库1.2万家。"],
        ["12", "布局概念验证平台和中试基地30家左右。", DEPT, "已布局26家概念验证平台和8家中试基地。"],
        ["13", "实施未来技术“攻尖”工程。", DEPT, ""],
        ["", "", "", ""],
        ["填报单位：" + DEPT, "", "", ""],
    ]
    vmerge = [(2, 3, 0), (2, 3, 1), (2, 3, 2), (4, 5, 3)]
    docx_path = write_docx(tmp_path / f"{DEPT}.docx", rows, vmerge=vmerge)
    xlsx_path = write_xlsx(tmp_path / f"{DEPT}.xlsx", rows, vmerge=vmerge)

    grid = word_grids(docx_path)[0]
    assert grid.rows[3] == ["", "", "", "科技型中小企业方面，入库1.2万家。"]  # under the merged cells: empty
    assert grid.rows[5][3] == ""
    assert grid.merged == [(2, 0, 3, 0), (2, 1, 3, 1), (2, 2, 3, 2), (4, 3, 5, 3)]

    word, excel = read_reply(docx_path, departments, monkeypatch), submission.read_submission(xlsx_path, departments)
    assert [(e.row, e.number, e.progress, e.extra_rows) for e in word.entries] == [
        (e.row, e.number, e.progress, e.extra_rows) for e in excel.entries
    ]
    assert word.entries[1].progress == "国家高新技术企业方面，第一批拟申报1261家。\n科技型中小企业方面，入库1.2万家。"
    assert word.entries[1].extra_rows == (4,)
    assert word.merged_spans == excel.merged_spans
    assert [(s.field, s.numbers) for s in word.merged_spans] == [("progress", (12, 13))]
    assert word.department == DEPT


def test_grid_spans_are_bounded_and_merged(tmp_path: Path) -> None:
    """A title cell across the table (python-docx writes w:gridSpan), and a gridSpan of 300 million."""
    doc = Document()
    table = doc.add_table(rows=3, cols=4)
    table.cell(0, 0).merge(table.cell(0, 3)).text = "2025年三季度挂牌事项进展情况"
    for c, h in enumerate(HEADER):
        table.cell(1, c).text = h
    for c, v in enumerate(["6", "事项", DEPT, "进展"]):
        table.cell(2, c).text = v
    doc.save(str(tmp_path / "span.docx"))
    grid = word_grids(tmp_path / "span.docx")[0]
    assert grid.rows[0] == ["2025年三季度挂牌事项进展情况", "", "", ""]
    assert grid.merged == [(0, 0, 0, 3)]
    assert has_submission_table([grid])

    huge = document_grids(
        document_xml(
            '<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val="300000000"/></w:tcPr><w:p/></w:tc>'
            '<w:tc><w:tcPr><w:gridSpan w:val="x"/></w:tcPr><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
        )
    )
    assert len(huge[0].rows[0]) == MAX_SPAN + 1 and huge[0].rows[0][MAX_SPAN] == "a"
    assert huge[0].merged == [(0, 0, 0, MAX_SPAN - 1)]


# ---- cell text ----


def test_tracked_changes_read_as_accepted(
    tmp_path: Path, departments: Departments, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inserted text (w:ins) is kept, deleted text (w:del / w:delText) is not, a tracked deleted row is no row."""
    rows = [HEADER, ["6", "新获批省重点实验室15家以上。", DEPT, "青岛市共获批"], ["8", "旧事项", DEPT, "已删除的行"]]
    path = write_docx(tmp_path / "tracked.docx", rows)
    doc = Document(str(path))
    table = doc.tables[0]
    p = table.cell(1, 3).paragraphs[0]._p
    p.append(
        parse_xml(
            f'<w:del {W_NS} w:id="1" w:author="张三" w:date="2025-10-08T09:00:00Z">'
            "<w:r><w:delText>15家</w:delText></w:r></w:del>"
        )
    )
    p.append(
        parse_xml(
            f'<w:ins {W_NS} w:id="2" w:author="张三" w:date="2025-10-08T09:00:00Z"><w:r><w:t>19家</w:t></w:r></w:ins>'
        )
    )
    p.append(parse_xml(f"<w:r {W_NS}><w:t>，居全省首位。</w:t></w:r>"))
    tr = table.rows[2]._tr
    tr.insert(0, parse_xml(f'<w:trPr {W_NS}><w:del w:id="3" w:author="张三" w:date="2025-10-08T09:00:00Z"/></w:trPr>'))
    doc.save(str(path))

    grid = word_grids(path)[0]
    assert grid.rows == [HEADER, ["6", "新获批省重点实验室15家以上。", DEPT, "青岛市共获批19家，居全省首位。"]]
    reply = read_reply(path, departments, monkeypatch)
    assert entries(reply) == [(6, "新获批省重点实验室15家以上。", "青岛市共获批19家，居全省首位。")]


def test_cell_text_as_word_shows_it() -> None:
    """Paragraphs as lines, w:tab and w:br, tab stops and drawings not text, a deleted paragraph mark
    joining two paragraphs, a content control, a nested table, a moved-away run."""
    grids = document_grids(
        document_xml(
            "<w:p><w:r><w:t>填报单位：市科技局</w:t></w:r></w:p>"
            "<w:sdt><w:sdtContent><w:tbl><w:tr>"
            "<w:tc><w:p><w:pPr><w:tabs><w:tab w:val='left' w:pos='420'/></w:tabs></w:pPr>"
            "<w:r><w:t>一</w:t><w:tab/><w:t>二</w:t><w:br/><w:t>三</w:t></w:r></w:p>"
            "<w:p><w:r><w:t xml:space='preserve'> 四 </w:t></w:r></w:p></w:tc>"
            "<w:tc><w:p><w:pPr><w:rPr><w:del w:id='1' w:author='a'/></w:rPr></w:pPr><w:r><w:t>前</w:t></w:r></w:p>"
            "<w:p><w:r><w:t>后</w:t></w:r><w:moveFrom w:id='2' w:author='a'><w:r><w:t>移走</w:t></w:r></w:moveFrom>"
            "<w:r><w:drawing><w:t>图</w:t></w:drawing></w:r></w:p></w:tc>"
            "<w:tc><w:tbl><w:tr><w:tc><w:p><w:r><w:t>甲</w:t></w:r></w:p></w:tc>"
            "<w:tc><w:p><w:r><w:t>乙</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p/></w:tc>"
            "</w:tr></w:tbl></w:sdtContent></w:sdt>"
            "<w:tbl><w:tr><w:trPr><w:gridBefore w:val='1'/></w:trPr><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc>"
            "</w:tr><w:tr><w:tc><w:p/></w:tc><w:tc><w:p/></w:tc></w:tr></w:tbl>"
        )
    )
    assert [g.sheet for g in grids] == ["表1", "表2"]
    assert grids[0].rows == [["一\t二\n三\n 四 ", "前后", "甲\t乙\n"], ["填报单位：市科技局"]]
    assert grids[1].rows == [["", "x"], ["", ""], ["填报单位：市科技局"]]  # gridBefore keeps x in column B


# ---- stray Word files ----


def test_notes_and_notices_are_not_submissions(tmp_path: Path) -> None:
    note = Document()
    note.add_paragraph("关于报送2025年三季度挂牌事项进展情况的说明")
    note.add_paragraph("我局三季度各项工作进展顺利，详见附表。")
    note.save(str(tmp_path / "说明.docx"))
    assert word_grids(tmp_path / "说明.docx") == []
    assert not is_submission(tmp_path / "说明.docx")

    notice = Document()
    notice.add_paragraph("通知")
    table = notice.add_table(rows=2, cols=3)
    for c, h in enumerate(["序号", "事项内容", "责任单位"]):  # the items, but nothing to report on
        table.cell(0, c).text = h
    for c, v in enumerate(["6", "新获批省重点实验室15家以上。", DEPT]):
        table.cell(1, c).text = v
    notice.save(str(tmp_path / "通知.docx"))
    assert len(word_grids(tmp_path / "通知.docx")) == 1
    assert not is_submission(tmp_path / "通知.docx")


# ---- files that cannot be read: ReadError only ----


@pytest.fixture
def reply(tmp_path: Path) -> Path:
    return write_docx(tmp_path / "reply.docx", [HEADER, ["6", "事项", DEPT, "进展"]])


def _code(path: Path) -> str:
    with pytest.raises(ReadError) as e:
        word_grids(path)
    assert e.value.message and not e.value.message.isascii()  # a Chinese message for the clerk
    return e.value.code


def test_a_dtd_is_refused(reply: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(reply) as z:
        xml = z.read("word/document.xml")
    bomb = b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">]>' + xml.split(b"?>", 1)[1]
    assert _code(replace_part(reply, "word/document.xml", bomb, tmp_path / "dtd.docx")) == codes.E113
    with pytest.raises(ReadError) as e:  # the parser refuses it too, should the byte scan ever miss one
        document_grids(bomb)
    assert e.value.code == codes.E113


def test_damaged_files(reply: Path, tmp_path: Path) -> None:
    raw = reply.read_bytes()
    (tmp_path / "cut.docx").write_bytes(raw[: len(raw) // 2])
    assert _code(tmp_path / "cut.docx") == codes.E101

    # Deflate64 (method 9), as some zip tools write: the method field patched in both headers
    with zipfile.ZipFile(reply) as z:
        xml = z.read("word/document.xml")
    stored = replace_part(reply, "word/document.xml", xml, tmp_path / "stored.docx", zipfile.ZIP_STORED)
    (tmp_path / "deflate64.docx").write_bytes(with_method(stored.read_bytes(), b"word/document.xml", 9))
    with zipfile.ZipFile(tmp_path / "deflate64.docx") as z:
        assert z.getinfo("word/document.xml").compress_type == 9
    assert _code(tmp_path / "deflate64.docx") == codes.E101

    broken = replace_part(reply, "word/document.xml", b"<w:document><w:body>", tmp_path / "xml.docx")
    assert _code(broken) == codes.E101
    # the reader's own unzipping says the same, should the byte scan ever let such a file through
    for damaged in ("cut.docx", "deflate64.docx"):
        with pytest.raises(ReadError) as e:
            _document_xml(tmp_path / damaged)
        assert e.value.code == codes.E101
    for junk in (b"", b"\x00\xff garbage", b"<a>" * 5 + b"</a>", b'<?xml version="1.0" encoding="ZTF-8"?><a/>'):
        with pytest.raises(ReadError):
            document_grids(junk)


def test_other_files_named_docx(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "form.xlsx", [HEADER])
    (tmp_path / "form.docx").write_bytes((tmp_path / "form.xlsx").read_bytes())
    assert _code(tmp_path / "form.docx") == codes.E111
    (tmp_path / "empty.docx").write_bytes(b"")
    assert _code(tmp_path / "empty.docx") == codes.E110
    (tmp_path / "text.docx").write_text("序号,进展情况\n1,完成\n", encoding="utf-8")
    assert _code(tmp_path / "text.docx") == codes.E111


def test_entry_type_is_the_spreadsheet_readers(
    tmp_path: Path, departments: Departments, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = read_reply(
        write_docx(tmp_path / f"{DEPT}回复.docx", [HEADER, ["6", "事项", DEPT, "进展"]]), departments, monkeypatch
    )
    assert isinstance(sub, Submission) and all(isinstance(e, Entry) for e in sub.entries)
    assert sub.department == DEPT  # no 填报单位 line: the file name says it, as for a spreadsheet


def test_mutated_documents_raise_read_error_only(reply: Path) -> None:
    """Bytes changed at random in document.xml (a wrong encoding name, broken tags, stray values): the
    reader returns grids or raises ReadError, nothing else."""
    import random

    with zipfile.ZipFile(reply) as z:
        xml = z.read("word/document.xml")
    rnd = random.Random(20251008)
    for _ in range(500):
        data = bytearray(xml)
        for _ in range(rnd.randint(1, 4)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        try:
            document_grids(bytes(data))
        except ReadError:
            pass
