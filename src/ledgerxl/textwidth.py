"""Display width of text (CJK counts double) for column widths and row heights."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrapped_lines(text: str, width: float) -> int:
    """Lines `text` takes in a column `width` half-width characters wide."""
    per = max(int(width), 1)
    return sum(max(1, -(-display_width(p) // per)) for p in text.split("\n"))
