"""Comparing a form's item text with the master's: what counts as the same, and a character diff.

Whitespace, invisible format characters (zero-width space, BOM, soft hyphen: text copied from web
pages and chat apps carries them) and the width of characters (full-width ，；：（）％１ against
, ; : ( ) % 1, 。 against ., curly, straight and corner-bracket quotes, the several dashes) do not count
as edits. Anything else does, and the diff shows it on the department's own characters.
"""

from __future__ import annotations

import difflib
import unicodedata

# Pairs NFKC leaves apart but people use interchangeably, each folded to one form.
_FOLD = str.maketrans(
    {
        "。": ".",
        "｡": ".",
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "「": '"',
        "」": '"',
        "『": "'",
        "』": "'",
        "—": "-",
        "–": "-",
        "‐": "-",
        "‑": "-",
        "―": "-",
        "〜": "~",
    }
)


def fold(ch: str) -> str:
    """One character's comparison key ("" for whitespace and invisible format characters)."""
    if ch.isspace() or unicodedata.category(ch) == "Cf":
        return ""
    return unicodedata.normalize("NFKC", ch).translate(_FOLD).replace(" ", "")


def normalize(text: str) -> str:
    """The text as compared: whitespace dropped, widths and punctuation forms folded."""
    return "".join(fold(ch) for ch in text)


def same_text(a: str, b: str) -> bool:
    return a == b or normalize(a) == normalize(b)


def _keyed(text: str) -> tuple[list[str], list[str]]:
    chars: list[str] = []
    keys: list[str] = []
    for ch in text:
        k = fold(ch)
        if k:
            chars.append(ch)
            keys.append(k)
    return chars, keys


def char_diff(expected: str, actual: str, context: int = 6) -> str:
    """A one-line diff of `actual` against `expected`: 〔删：…〕 for what the form dropped, 〔增：…〕 for
    what it added, 〔改：old→new〕 for a replacement; unchanged runs longer than 2×context are cut to
    their ends with …. Whitespace and width differences are ignored, as in same_text."""
    a_chars, a_keys = _keyed(expected)
    b_chars, b_keys = _keyed(actual)
    sm = difflib.SequenceMatcher(None, a_keys, b_keys, autojunk=False)
    out: list[str] = []
    ops = sm.get_opcodes()
    for i, (op, i1, i2, j1, j2) in enumerate(ops):
        if op == "equal":
            same = "".join(b_chars[j1:j2])
            first, last = i == 0, i == len(ops) - 1
            if first and len(same) > context:
                same = "…" + same[-context:]
            elif last and len(same) > context:
                same = same[:context] + "…"
            elif not first and not last and len(same) > 2 * context:
                same = same[:context] + "…" + same[-context:]
            out.append(same)
        elif op == "delete":
            out.append(f"〔删：{_cut(a_chars[i1:i2])}〕")
        elif op == "insert":
            out.append(f"〔增：{_cut(b_chars[j1:j2])}〕")
        else:
            out.append(f"〔改：{_cut(a_chars[i1:i2])}→{_cut(b_chars[j1:j2])}〕")
    return "".join(out)


def _cut(chars: list[str], keep: int = 40) -> str:
    """A changed run as shown: long ones keep their ends and say how long they are."""
    if len(chars) <= keep:
        return "".join(chars)
    return f"{''.join(chars[: keep - 10])}…{''.join(chars[-10:])}（共 {len(chars)} 字）"
