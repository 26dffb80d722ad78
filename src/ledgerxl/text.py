"""Text helpers every stage shares: cell names, item numbers, and what Excel and XML can carry.

Readers name cells and parse 序号 with them, rules use them in findings, writers make text safe for
台账.xlsx and 附件.docx: one home, so a fix reaches all three.
"""

from __future__ import annotations

import re
import unicodedata

EXCEL_CELL_LIMIT = 32767  # characters (UTF-16 code units) in one Excel cell
# Characters XML 1.0 cannot carry (tab, LF and CR excepted), nor UTF-8 (lone surrogates).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ITEM_NUMBER = re.compile(r"(\d{1,6})(?:\.0+)?")


def col_letter(c: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 27 -> AB)."""
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def cell_name(r: int, c: int) -> str:
    """0-based row/column -> A1-style name."""
    return f"{col_letter(c)}{r + 1}"


def item_number(raw: str) -> int | None:
    """序号 as written in a form, a master list or a Word table: 7, "7", 7.0, "７", "7.", "7．" and "7、" are
    all item 7. ① and ² are not numbers (NFKC would make them digits), nor are more than six digits."""
    if raw.isascii() and raw.isdigit() and len(raw) <= 6:
        return int(raw)  # the common case, as cell_text gives it
    if any(unicodedata.category(ch) == "No" for ch in raw):
        return None
    s = unicodedata.normalize("NFKC", raw).strip().rstrip(".、")
    m = _ITEM_NUMBER.fullmatch(s)
    return int(m.group(1)) if m else None


def excel_length(text: str) -> int:
    """Length as Excel counts it: UTF-16 code units (𠀀 and emoji count 2)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def within_excel_limit(text: str, limit: int = EXCEL_CELL_LIMIT) -> bool:
    """excel_length(text) <= limit; no character counts more than 2, so most texts need no encoding."""
    return 2 * len(text) <= limit or excel_length(text) <= limit


def strip_xml_illegal(text: str) -> str:
    # a search finds nothing in almost every text and, unlike sub, builds no copy of it
    return XML_ILLEGAL.sub("", text) if XML_ILLEGAL.search(text) else text


# What a terminal or a log would act on instead of showing: C0 controls (ESC clears the screen or sets
# the window title, CR rewrites a line, LF forges one), DEL and C1, and the bidirectional overrides and
# isolates (U+202E shows "xslx.exe" as "exe.xlsx").
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def visible(text: str, keep: str = "") -> str:
    """Text from an input as a terminal or log may show it: every control character written out
    (\\x1b, \\n, \\u202e) except those in `keep`, everything else unchanged."""
    if text.isprintable() and not _INVISIBLE.search(text):
        return text
    return _INVISIBLE.sub(lambda m: m.group() if m.group() in keep else _escape(m), text)


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch) or (
        f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
    )
