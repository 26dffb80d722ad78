"""Display width of text in the ledger's Chinese fonts, for column widths and row heights."""

from __future__ import annotations


def display_width(text: str) -> int:
    """Half-width units `text` takes in 仿宋_GB2312 or 黑体, the fonts of every sheet ledgerxl writes.

    These GB2312 fonts draw each ASCII character half-width and every other character they hold full
    width: 汉字 and full-width punctuation, but also “ ” ‘ ’ — … · °, which Unicode calls ambiguous and
    which a Unicode-width count takes as half (rows came out a line short for texts full of quotation
    marks). That is the text's length in GB18030, counted by the codec in C: 1 byte per ASCII character,
    2 per GBK character. The rare character outside GBK (an emoji, a 汉字 of extension B) counts 4: a row
    a little taller than needed, never a line cut off."""
    # "replace": a lone surrogate (which no encoding holds) counts 1 instead of raising
    return len(text) if text.isascii() else len(text.encode("gb18030", "replace"))


def wrapped_lines(text: str, width: float) -> int:
    """Lines `text` takes in a column `width` half-width characters wide."""
    per = max(int(width), 1)
    lines = 0
    for p in text.split("\n"):
        # a short paragraph fits on one line without measuring it: no character is drawn wider than 2
        # (display_width's 4 for a character outside GBK is a margin, not a width)
        lines += 1 if 2 * len(p) <= per else max(1, -(-display_width(p) // per))
    return lines
