"""Quantitative targets: parsing item texts (snapshot checked by a person), the 目标 notation, and the
完成值 checks W340–W343."""

from __future__ import annotations

import csv
import os
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import DATA, ROOT, invoke
from hypothesis import given
from hypothesis import strategies as st

from ledgerxl.model import Entry, Item, MasterList, Submission
from ledgerxl.rules.values import check_values
from ledgerxl.targets import (
    ABOUT,
    AT_LEAST,
    AT_MOST,
    EXACT,
    RANGE,
    Quantity,
    TargetSyntaxError,
    comparable,
    format_target,
    parse_item_text,
    parse_target,
    parse_value,
    reached,
)

SNAPSHOTS = ROOT / "tests" / "data" / "targets"
UPDATE = os.environ.get("LEDGERXL_UPDATE_SNAPSHOTS") == "1"


def _snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    want = path.read_text(encoding="utf-8").split("\n")
    got = text.split("\n")
    for n, (a, b) in enumerate(zip(got, want), start=1):
        assert a == b, f"{name} line {n}"
    assert len(got) == len(want)


def _master_rows() -> list[dict[str, str]]:
    with open(DATA / "master.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_2025_master_targets_snapshot() -> None:
    """Reviewed line by line against the item texts (see tests/data/targets/README.md)."""
    lines = ["序号\t目标\t事项内容"]
    unparsed = []
    for row in _master_rows():
        t = parse_item_text(row["事项内容"])
        lines.append(f"{row['序号']}\t{t.text or '—'}\t{row['事项内容']}")
        if not t.target:
            unparsed.append(f"{row['序号']}\t{t.reason}")
    lines.append("")
    lines.append(f"未识别：{len(unparsed)} 项")
    lines.extend(unparsed)
    _snapshot("master-2025.txt", "\n".join(lines) + "\n")
    parsed = sum(1 for r in _master_rows() if parse_item_text(r["事项内容"]).target)
    assert parsed >= 40
    assert all(line.split("\t")[1] for line in unparsed)  # every unparsed item has a reason


def test_work_report_lines_snapshot() -> None:
    """All 162 task lines of the 2025 work report summary: targets, or why there is none."""
    src = (SNAPSHOTS / "work-report-2025-lines.txt").read_text(encoding="utf-8").split("\n")
    lines = []
    for text in (t for t in src if t.strip()):
        r = parse_item_text(text)
        lines.append(f"{r.text or '—'}\t{r.reason}\t{text}")
    _snapshot("work-report-2025-targets.txt", "\n".join(lines) + "\n")


@pytest.mark.parametrize(
    "text,want",
    [
        ("新获批省重点实验室15家以上", "≥ 15 家"),
        ("全市生产总值增长5.5%左右", "≈ 5.5 %"),
        ("完成投资2450亿元以上", "≥ 2450 亿元"),
        ("提速推进8条地铁线路项目建设", "8 条"),
        ("城镇调查失业率控制在5.5%以内", "≤ 5.5 %"),
        ("一般公共预算收入增长5%—6%", "5–6 %"),
        ("引进10亿元以上项目20个", "20 个"),  # 10亿元以上 describes the projects
        ("积极推进总投资2400亿元的170个海洋重点项目", "170 个"),
        ("改造交通堵点106处，新增公共停车泊位1万个以上", "106 处；≥ 1 万个"),
        ("新增20多家", "≥ 20 家"),
        ("新增１５家以上", "≥ 15 家"),  # full-width digits
        ("完成1,000户", "1000 户"),
        ("新开通5G基站3000个", "3000 个"),
        ("新能源装机达到700万千瓦", "≥ 700 万千瓦"),
        ("全市生产总值突破1.2万亿元", "≥ 1.2 万亿元"),
        ("签约50个项目", "50 个"),  # 签约 is not 约 (about)
        ("提高0.5个百分点以上", "≥ 0.5 个百分点"),
    ],
)
def test_item_text(text: str, want: str) -> None:
    assert parse_item_text(text).text == want


@pytest.mark.parametrize(
    "text,reason",
    [
        ("推动中国机械总院工业母机创新中心开工", "事项内容中没有数字，不是量化目标"),
        ("深入推进“高效办成一件事”改革", "事项内容中没有数字，不是量化目标"),
        ("建设两个区域医疗中心", "数量用汉字书写（“两个”），请在“目标”列手工填写"),
        ("新建二十所学校", "数量用汉字书写（“二十所”），请在“目标”列手工填写"),
        ("推动“10+1”创新型产业体系建设", "没有可比较的数量：“10+1”是代号"),
        ("2025年底前完成第3批试点", "没有可比较的数量：“2025年”是年份或年限；“第3”是序数"),
        ("建成8号线二期", "没有可比较的数量：“8号”是编号"),
        ("创建国家4A级景区", "没有可比较的数量：“4A”是代号"),
    ],
)
def test_no_target_has_a_reason(text: str, reason: str) -> None:
    r = parse_item_text(text)
    assert r.target == () and r.reason == reason


@pytest.mark.parametrize(
    "cell,want",
    [
        ("≥ 15 家", "≥ 15 家"),
        ("15家以上", "≥ 15 家"),
        ("不少于15家", "≥ 15 家"),
        (">=15 家", "≥ 15 家"),
        ("≈5.5%", "≈ 5.5 %"),
        ("5.5%左右", "≈ 5.5 %"),
        ("≤ 3 %", "≤ 3 %"),
        ("8 条", "8 条"),
        ("5.5–6 %", "5.5–6 %"),
        ("5.5-6%", "5.5–6 %"),
        ("100 项；10 项", "100 项；10 项"),
        ("100项;10项", "100 项；10 项"),
        ("≥ 3 座次", "≥ 3 座次"),  # units ledgerxl does not know are kept
        ("无", ""),
        ("", ""),
    ],
)
def test_target_cell(cell: str, want: str) -> None:
    assert format_target(parse_target(cell)) == want


@pytest.mark.parametrize(
    "cell,message",
    [
        ("若干", "“若干”不是一个数量"),
        ("大概15家", "“大概15家”开头的“大概”无法识别"),
        ("≤ 15家以上", "“≤15家以上”前后的限定词矛盾"),
        ("5-6%以上", "“5-6%以上”是区间，不能再加 ≥、≈、≤"),
        ("15家达到", "限定词应写在数字前"),
    ],
)
def test_bad_target_cell(cell: str, message: str) -> None:
    with pytest.raises(TargetSyntaxError, match=message):
        parse_target(cell)


_units = st.sampled_from(["家", "%", "亿元", "万千瓦", "个百分点", "条", "万人", "平方公里", ""])
_numbers = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


@given(
    st.lists(
        st.tuples(st.sampled_from([AT_LEAST, ABOUT, AT_MOST, EXACT, RANGE]), _numbers, _numbers, _units),
        min_size=1,
        max_size=3,
    )
)
def test_target_notation_round_trips(parts: list[tuple[str, Decimal, Decimal, str]]) -> None:
    target = tuple(Quantity(op, v, u, v + h if op == RANGE else None) for op, v, h, u in parts)
    text = format_target(target)
    again = parse_target(text)
    assert format_target(again) == text
    assert [(q.op, q.value.normalize(), q.unit) for q in again] == [(q.op, q.value.normalize(), q.unit) for q in target]


@pytest.mark.parametrize(
    "target,value,met",
    [
        ("≥ 15 家", "19家", True),
        ("≥ 15 家", "19个", True),  # counts compare whatever the classifier
        ("≥ 15 家", "14", False),
        ("≈ 5.5 %", "5.4%", True),  # within 5 % of an "about" target
        ("≈ 5.5 %", "5.2%", False),
        ("≥ 2450 亿元", "2059.8亿元", False),
        ("≥ 12 万人", "12.3万人", True),
        ("≥ 12 万人", "118000人", False),
        ("≥ 12 万人", "118000", False),  # a bare number far above the target is in the base unit
        ("≥ 12 万人", "12.1", True),  # otherwise in the target's unit
        ("≤ 3 %", "2.8%", True),
        ("≤ 3 %", "3.1%", False),
        ("8 条", "8条", True),
        ("5–6 %", "5.1%", True),
        ("≥ 700 万千瓦", "7100000千瓦", True),
        ("≥ 3 座次", "4座次", True),
    ],
)
def test_value_reaches_target(target: str, value: str, met: bool) -> None:
    q = parse_target(target)[0]
    v = parse_value(value, q.unit)
    assert v is not None
    c = comparable(q, v)
    assert c is not None and reached(q, c.value) is met


@pytest.mark.parametrize("target,value", [("≥ 15 家", "19%"), ("≈ 5.5 %", "5.4亿元"), ("≥ 2450 亿元", "30家")])
def test_incomparable_units(target: str, value: str) -> None:
    q = parse_target(target)[0]
    v = parse_value(value, q.unit)
    assert v is not None and comparable(q, v) is None


def _sub(entries: list[Entry], department: str = "市科技局") -> Submission:
    cols = {"number": 0, "text": 1, "progress": 3, "status": 4, "value": 5}
    return Submission(Path("市科技局.xlsx"), "填报表", department, department, "B2", 4, cols, entries)


def _master() -> MasterList:
    return MasterList(
        [
            Item(1, "全市生产总值增长5.5%左右。", ("市科技局",), target="≈ 5.5 %"),
            Item(6, "新获批省重点实验室15家以上。", ("市科技局",), target="≥ 15 家"),
            Item(7, "新增中心20家以上。", ("市发展改革委", "市科技局"), target="≥ 20 家"),
            Item(9, "实施100项攻关和10项研究。", ("市科技局",), target="100 项；10 项"),
            Item(12, "布局平台30家左右。", ("市科技局",), target="≈ 30 家"),
            Item(13, "开展研发储备。", ("市科技局",), target=""),
            Item(14, "新增实验室20家以上。", ("市科技局",), target="二十家"),
        ]
    )


def _entry(row: int, number: int, status: str, value: str) -> Entry:
    return Entry(row, number, str(number), "", "进展。", status=status, value=value)


def test_check_values_findings() -> None:
    subs = _sub(
        [
            _entry(5, 6, "已完成", "12家"),  # W340: done but below ≥ 15
            _entry(6, 7, "已完成", "3家"),  # shared item: a part of the whole, not compared
            _entry(7, 9, "进度滞后", "100项；12项"),  # W341: both targets reached, yet "late"
            _entry(8, 12, "已完成", "29家"),  # ≈ 30 met by 29
            _entry(9, 13, "已完成", "1项"),  # no target
            _entry(10, 14, "已完成", "1项"),  # unreadable target: master check's business
            _entry(11, 6, "序时推进", "很多"),  # W342: no number
            _entry(12, 9, "序时推进", "100项"),  # W342: two targets, one value
            _entry(13, 12, "序时推进", "29%"),  # W343: unit
            _entry(14, 1, "已完成", "0.054"),  # W342: 5.4% typed into a percent cell reads as 0.054
        ]
    )
    got = [(f.code, f.cell, f.message) for f in check_values(subs, _master())]
    assert got == [
        ("W340", "F5", "第 6 项完成状态为“已完成”，但完成值“12家”未达到目标“≥ 15 家”。"),
        ("W341", "F7", "第 9 项完成值“100项；12项”已达到目标“100 项；10 项”，但完成状态为“进度滞后”。"),
        ("W342", "F11", "第 6 项的完成值“很多”中没有数字。"),
        ("W342", "F12", "第 9 项有 2 个目标（100 项；10 项），完成值“100项”应逐项填写 2 个数，用“；”分隔。"),
        ("W343", "F13", "第 12 项的完成值“29%”与目标“≈ 30 家”单位不同，无法比较。"),
        (
            "W342",
            "F14",
            "第 1 项的完成值“0.054”没有写“%”，可能来自百分比格式的单元格（显示为 5.4%）；请写成带“%”的文字，如“5.4%”。",
        ),
    ]
    assert all(f.severity == "warning" and f.department == "市科技局" for f in check_values(subs, _master()))


def test_check_values_quiet_when_consistent() -> None:
    subs = _sub(
        [
            _entry(5, 6, "已完成", "19家"),
            _entry(6, 9, "序时推进", "60项；5项"),
            _entry(7, 6, "", ""),
            _entry(8, 1, "已完成", "5.4"),  # a bare number in the target's unit
            _entry(9, 1, "已完成", "5.4%"),
        ]
    )
    assert check_values(subs, _master()) == []


# ---- end to end: forms with 完成值, validation, the 汇总 sheet ----


def _with_targets(sample_dir: Path) -> None:
    """The sample master list with its 目标 column filled (as `ledgerxl master targets --out` does)."""
    from ledgerxl.master.targets import item_targets

    item_targets(sample_dir / "挂牌事项清单.xlsx", sample_dir / "带目标.xlsx")
    (sample_dir / "挂牌事项清单.xlsx").unlink()
    (sample_dir / "带目标.xlsx").rename(sample_dir / "挂牌事项清单.xlsx")


def _fill(form: Path, cells: dict[str, str]) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(form)
    for ref, v in cells.items():
        wb["填报表"][ref] = v
    wb.save(form)


def test_form_asks_for_the_value_when_items_have_targets(sample_dir: Path) -> None:
    import openpyxl

    from ledgerxl.periods import parse_period
    from ledgerxl.read.master import load_master
    from ledgerxl.write.form import HEADERS, build_form

    _with_targets(sample_dir)
    items = load_master(sample_dir / "挂牌事项清单.xlsx").items_of("市科技局")
    form = sample_dir / "form.xlsx"
    form.write_bytes(build_form("市科技局", items, parse_period("2025Q3")))
    ws = openpyxl.load_workbook(form)["填报表"]
    assert [c.value for c in ws[4]] == [
        "序号",
        "事项内容",
        "责任单位",
        "进展情况",
        "完成状态",
        "目标",
        "完成值",
        "备注",
    ]
    assert [ws.cell(row=5 + i, column=6).value for i in range(len(items))] == [it.target for it in items]
    assert ws["F5"].protection.locked and not ws["G5"].protection.locked
    # a text cell: Excel turns “5.4%” typed into a General cell into the number 0.054
    assert [ws.cell(row=5 + i, column=7).number_format for i in range(len(items))] == ["@"] * len(items)
    # without targets the form is as before
    bare = [Item(it.number, it.text, it.departments) for it in items]
    form.write_bytes(build_form("市科技局", bare, parse_period("2025Q3")))
    assert tuple(c.value for c in openpyxl.load_workbook(form)["填报表"][4]) == HEADERS


def test_merge_warns_on_status_against_value_and_summarises(sample_dir: Path) -> None:
    import openpyxl

    from ledgerxl.periods import parse_period
    from ledgerxl.read.master import load_master
    from ledgerxl.write.form import build_form

    _with_targets(sample_dir)
    master = load_master(sample_dir / "挂牌事项清单.xlsx")
    progress = {it.number: "进展。" for it in master.items}
    for dept in ("市科技局", "市残联"):
        form = sample_dir / "submissions" / f"{dept}-2025年三季度.xlsx"
        form.write_bytes(build_form(dept, master.items_of(dept), parse_period("2025Q3"), progress))
    # 市科技局: items 6, 8, 9, 12, 13, 14 on rows 5-10; 市残联: item 43 on row 5
    _fill(sample_dir / "submissions" / "市科技局-2025年三季度.xlsx", {
        "E5": "已完成", "G5": "12家",  # W340: ≥ 15 家 not reached
        "E7": "进度滞后", "G7": "100项；12项",  # W341: 100 项；10 项 reached
        "E8": "序时推进", "G8": "29家",  # ≈ 30 家: fine
    })  # fmt: skip
    _fill(sample_dir / "submissions" / "市残联-2025年三季度.xlsx", {"E5": "已完成", "G5": "512户"})
    r = invoke(["merge"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    assert (
        "[警告 W340] 市科技局-2025年三季度.xlsx / 填报表 / G5："
        "第 6 项完成状态为“已完成”，但完成值“12家”未达到目标“≥ 15 家”。" in r.output
    )
    assert (
        "[警告 W341] 市科技局-2025年三季度.xlsx / 填报表 / G7："
        "第 9 项完成值“100项；12项”已达到目标“100 项；10 项”，但完成状态为“进度滞后”。" in r.output
    )
    assert r.output.count("[警告 W34") == 2
    ws = openpyxl.load_workbook(sample_dir / "out" / "台账.xlsx")["汇总"]
    rows = [tuple(c for c in row[:5]) for row in ws.iter_rows(values_only=True)]
    start = rows.index(("目标与完成值对照", None, None, None, None))
    block = rows[start + 1 : start + 6]
    assert block == [
        ("序号", "目标", "完成值", "完成状态", "对照"),
        ("6", "≥ 15 家", "12家", "已完成", "未达到"),
        ("9", "100 项；10 项", "100项；12项", "进度滞后", "达到"),
        ("12", "≈ 30 家", "29家", "序时推进", "达到"),
        ("43", "≥ 500 户", "512户", "已完成", "达到"),
    ]
    assert all(r[0] is None for r in rows[start + 6 :])  # only items with both a target and a value


def test_a_voltage_is_not_a_target() -> None:
    """Issue 17: `master targets` read the 500 千伏 of a line's name as the item's target."""
    from ledgerxl.targets import parse_item_text

    assert parse_item_text("建成500千伏海西输变电工程。").text == ""
    assert "“500千伏”只是修饰语" in parse_item_text("建成500千伏海西输变电工程。").reason
    assert parse_item_text("建成500千伏输变电工程2项。").text == "2 项"
    assert parse_item_text("新增光伏装机100万千瓦以上。").text == "≥ 100 万千瓦"  # power is an amount
