"""Display width of text (CJK counts double) for column widths and row heights."""

from __future__ import annotations

import functools
import re
import unicodedata

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@functools.cache
def _wide_runs() -> re.Pattern[str]:
    """Runs of wide (W/F) characters of the Basic Multilingual Plane.

    Built once per process (about 25 ms) from unicodedata, so it follows Python's Unicode version; the
    regex then finds the wide characters in C instead of one Python call per character (the 10,000
    progress texts of a large ledger: about 1 s -> 0.1 s)."""
    ranges: list[str] = []
    start = -1
    for cp in range(0x10000 + 1):
        wide = cp < 0x10000 and unicodedata.east_asian_width(chr(cp)) in "WF"
        if wide and start < 0:
            start = cp
        elif not wide and start >= 0:
            ranges.append(f"\\u{start:04x}-\\u{cp - 1:04x}" if cp - 1 > start else f"\\u{start:04x}")
            start = -1
    return re.compile("[" + "".join(ranges) + "]+")


def _width_slow(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# Characters measured one by one before building the class pays off (a small ledger never builds it).
_slow_budget = 50_000


def display_width(text: str) -> int:
    global _slow_budget
    if text.isascii():
        return len(text)
    if _slow_budget > 0 or _ASTRAL.search(text):  # astral (𠀀, emoji): outside the precomputed class
        _slow_budget -= len(text)
        return _width_slow(text)
    return len(text) + sum(map(len, _wide_runs().findall(text)))


def wrapped_lines(text: str, width: float) -> int:
    """Lines `text` takes in a column `width` half-width characters wide."""
    per = max(int(width), 1)
    lines = 0
    for p in text.split("\n"):
        # every character is at most 2 wide: a short paragraph fits on one line without measuring it
        lines += 1 if 2 * len(p) <= per else max(1, -(-display_width(p) // per))
    return lines
