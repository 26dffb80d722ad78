"""The title line breaker (write/titles.py): breaks only between pieces, balanced, one line when it fits."""

from __future__ import annotations

import pytest

from ledgerxl.write.textwidth import display_width
from ledgerxl.write.titles import break_points, title_lines, units

Q3 = "2025年青岛市政府工作报告公开挂牌事项三季度进展情况台账"
NOTICE = "关于2025年青岛市政府工作报告公开挂牌事项三季度进展情况的通报"
FY = "2024年青岛市政府工作报告公开挂牌事项全年完成情况台账"


def test_units_keep_the_known_words_whole() -> None:
    assert units(Q3, ["青岛市"]) == ["2025年", "青岛市", "政府工作报告", "公开挂牌事项", "三季度", "进展情况", "台账"]
    assert units(NOTICE)[-1] == "的通报"  # a line never starts with 的


@pytest.mark.parametrize("title", [Q3, NOTICE, FY])
@pytest.mark.parametrize("width", [20, 30, 40])
def test_lines_break_only_between_pieces_and_fit(title: str, width: int) -> None:
    lines = title_lines(title, width, ["青岛市"])
    assert "".join(lines) == title
    assert all(display_width(line) <= width for line in lines)
    at = 0
    for line in lines[:-1]:
        at += len(line)
        assert at in break_points(title, ["青岛市"])


def test_balanced_two_lines_not_a_long_and_a_short() -> None:
    assert title_lines(FY, 40, ["青岛市"]) == ["2024年青岛市政府工作报告", "公开挂牌事项全年完成情况台账"]
    assert title_lines(NOTICE, 40, ["青岛市"]) == ["关于2025年青岛市政府工作报告", "公开挂牌事项三季度进展情况的通报"]


def test_a_title_that_fits_stays_one_line_and_unknown_text_is_not_broken() -> None:
    assert title_lines("台账", 10) == ["台账"]
    assert title_lines("某某某某某某某某台账", 18) == ["某某某某某某某某", "台账"]
    # a run of unknown text wider than a line is the one place a break falls inside it
    assert title_lines("某" * 30, 20) == ["某" * 10, "某" * 10, "某" * 10]


def test_the_org_keeps_its_government() -> None:
    """市政府 / 青岛市人民政府 read as one word (jieba cuts them so): no break between the org and 政府."""
    # it broke as 2025年青岛市 / 政府工作报告 …
    assert title_lines(Q3, 20, ["青岛市"]) == ["2025年", "青岛市政府工作报告", "公开挂牌事项三季度", "进展情况台账"]
    assert title_lines("青岛市人民政府办公厅关于某某的通知", 16, ["青岛市"])[0] == "青岛市人民政府"
