"""What counts as an edit of an item's text (E203), and the diff shown to the department."""

from __future__ import annotations

import pytest

from ledgerxl.rules.textdiff import char_diff, same_text

ITEM = "实施未来技术“攻尖”工程，开展10项左右颠覆性技术攻关。"


@pytest.mark.parametrize(
    "copied",
    [
        "实施未来技术“攻尖”工程, 开展１０项左右颠覆性技术攻关.",  # widths and spaces
        "实施未来技术\n“攻尖”工程，开展10项左右颠覆性\u3000技术攻关。",  # line break, ideographic space
        "\ufeff实施未来技术“攻尖”工程，开展10项\u200b左右颠覆性技术攻关。",  # BOM and zero-width space (web, WeChat)
        "实施未来技术“攻\u2060尖”工程，开展10项左右颠覆\u00ad性技术攻关。",  # word joiner, soft hyphen
        '实施未来技术"攻尖"工程，开展10项左右颠覆性技术攻关。',  # straight quotes
        "实施未来技术「攻尖」工程，开展10项左右颠覆性技术攻关。",  # corner brackets used as quotes
    ],
)
def test_invisible_characters_widths_and_quote_forms_are_not_edits(copied: str) -> None:
    assert same_text(copied, ITEM)


def test_a_real_edit_is_shown_without_the_invisible_characters_around_it() -> None:
    edited = "实施未来技术「攻尖」工程，开展\u200b12项左右颠覆性技术攻关。"
    assert not same_text(edited, ITEM)
    assert char_diff(ITEM, edited) == "…工程，开展1〔改：0→2〕项左右颠覆性…"


def test_dropped_and_added_words() -> None:
    assert char_diff(ITEM, ITEM.replace("颠覆性", "")) == "…展10项左右〔删：颠覆性〕技术攻关。"
    assert char_diff(ITEM, ITEM.replace("攻关", "攻关和应用")) == "…覆性技术攻关〔增：和应用〕。"
