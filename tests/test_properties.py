"""Property tests (hypothesis): fixed seed (derandomize), bounded example counts, no deadline.

1. Arbitrary bytes, and valid workbooks with bytes flipped, under any submission extension: reading and
   checking raise nothing but ledgerxl's own errors.
2. Arbitrary workbook contents (text with any characters, numbers, dates, booleans, blanks): the same.
3. Any progress text that is legal in an xlsx cell round-trips exactly from a filled form through `merge`
   into 台账.xlsx and 附件.docx.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path
from typing import Literal

import pytest
from helpers import ROOT, SAMPLE, W, docx_xml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerxl.departments import Departments
from ledgerxl.errors import LedgerxlError
from ledgerxl.jobs.merge import MergeOptions, run_merge
from ledgerxl.periods import parse_period
from ledgerxl.read.master import load_master
from ledgerxl.read.submission import read_submission
from ledgerxl.rules.content import check_content
from ledgerxl.text import XML_ILLEGAL
from ledgerxl.write.form import build_form

# tens to hundreds of generated workbooks per test: about half a second to a second and a half each
pytestmark = pytest.mark.slow

MASTER = load_master(SAMPLE / "挂牌事项清单.xlsx")
DEPARTMENTS = Departments(MASTER.departments)
PERIOD = parse_period("2025Q3")
SUFFIXES = [".xlsx", ".xlsm", ".xls", ".ods", ".csv"]


def fixed(max_examples: int) -> settings:
    return settings(
        derandomize=True,
        deadline=None,
        database=None,
        max_examples=max_examples,
        suppress_health_check=[HealthCheck.too_slow],
    )


def _read_only_own_errors(path: Path) -> None:
    try:
        sub = read_submission(path, DEPARTMENTS)
    except LedgerxlError:
        return
    check_content(sub)  # never raises


@fixed(300)
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_arbitrary_bytes(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"报送{suffix}"
        p.write_bytes(data)
        _read_only_own_errors(p)


_FORM = build_form("市残联", MASTER.items_of("市残联"), PERIOD, {43: "已完成年度目标。"})
_XLS = (ROOT / "tests" / "corpus" / "fixtures" / "form.xls").read_bytes()  # made by LibreOffice


@fixed(300)
@given(
    base=st.sampled_from(["xlsx", "xls"]),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    suffix=st.sampled_from([".xlsx", ".ods", ".xls"]),
)
def test_damaged_workbooks(base: str, flips: list[tuple[int, int]], suffix: str) -> None:
    data = bytearray(_FORM if base == "xlsx" else _XLS)
    for pos, val in flips:
        data[pos % len(data)] = val
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"报送{suffix}"
        p.write_bytes(bytes(data))
        _read_only_own_errors(p)


# lone UTF-16 surrogates (Unicode category Cs) are not text an xlsx cell could hold
SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
_cell = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(-(10**15), 10**15),
    st.floats(allow_infinity=False, allow_nan=False),  # xlsxwriter refuses NaN/inf
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 1, 1)),
)
_HEADS = ["序号", "进展情况", "事项内容", "填报单位", "报告期", "备注", "", "进展"]
_header = st.lists(st.sampled_from(_HEADS), max_size=6)


def _workbook(sheets: list[tuple[str, list[str], list[list[object]]]]) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for i, (name, header, rows) in enumerate(sheets):
        ws = wb.add_worksheet(f"{i}{name}"[:31])
        for c, h in enumerate(header):
            ws.write_string(0, c, h)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                elif isinstance(v, bool):
                    ws.write_boolean(r, c, v)
                elif isinstance(v, dt.datetime):
                    ws.write_datetime(r, c, v, fmt)
                else:
                    assert isinstance(v, (int, float)), v
                    ws.write_number(r, c, v)
    wb.close()
    return buf.getvalue()


@fixed(100)
@given(
    sheets=st.lists(
        st.tuples(
            st.text(alphabet=st.characters(exclude_characters="[]:*?/\\'", exclude_categories=SURROGATES), max_size=8),
            _header,
            st.lists(st.lists(_cell, max_size=6), max_size=8),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_arbitrary_workbook_contents(sheets: list[tuple[str, list[str], list[list[object]]]]) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "报送.xlsx"
        p.write_bytes(_workbook(sheets))
        _read_only_own_errors(p)


def _legal(text: str) -> bool:
    # \r is read as a line break (CR LF from Windows Excel becomes one paragraph break) by design
    return bool(text.strip()) and not XML_ILLEGAL.search(text) and "\r" not in text


legal_text = st.text(
    alphabet=st.characters(exclude_categories=SURROGATES, exclude_characters="\r"), min_size=1, max_size=300
).filter(_legal)


@fixed(40)
@given(
    text=st.one_of(
        legal_text,
        st.sampled_from(["𠀀𪚥😀", "=1+1", "_x0041_", "  前后空格  ", "第一段\n\n第三段", "\t缩进", "@SUM(A1)"]),
    )
)
def test_progress_round_trips_exactly(text: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        inbox = Path(d) / "in"
        inbox.mkdir()
        form = build_form("市残联", MASTER.items_of("市残联"), PERIOD, {43: text})
        (inbox / "市残联.xlsx").write_bytes(form)
        out = Path(d) / "out"
        r = run_merge(MergeOptions(master=SAMPLE / "挂牌事项清单.xlsx", period=PERIOD, out=out, inputs=[inbox]))
        assert not r.errors, r.errors
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(out / "台账.xlsx")).get_sheet_by_name("台账").to_python()
        assert rows[2 + 42][0] == 43
        assert rows[2 + 42][3] == text
        tr = docx_xml(out / "附件.docx").find(f"{W}body").find(f"{W}tbl").findall(f"{W}tr")[43]
        paras = tr.findall(f"{W}tc")[-1].findall(f"{W}p")
        assert "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in paras) == text
