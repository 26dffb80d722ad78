"""Where a title may wrap: GB/T 9704-2012 7.3.3 asks that a title's lines keep words whole and be balanced
(词意完整，排列对称，长短适宜). Every title ledgerxl writes is built from known parts (year, the org, 政府工作报告,
公开挂牌事项, the period, 进展情况/完成情况, 台账, 关于…的通报), so the break points come from those parts and a
small word list, not from a general segmenter: jieba would add 20 MB and about 1 s of dictionary loading to
every run for titles whose words are known in advance (the tests check the breaks against jieba). Text the
list does not know (a custom title's own words) is never broken, unless a run of it is wider than a line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ledgerxl.write.textwidth import display_width

# Longest match first. "的通报" and "的通知" keep 的 on the line of the word it belongs to (a line does not
# start with 的).
WORDS = (
    "政府工作报告",
    "公开挂牌事项",
    "挂牌事项",
    "挂牌",
    "事项",
    "公开",
    "第一季度",
    "第三季度",
    "一季度",
    "二季度",
    "三季度",
    "四季度",
    "上半年",
    "下半年",
    "全年",
    "年度",
    "进展情况",
    "完成情况",
    "推进情况",
    "落实情况",
    "情况",
    "台账",
    "填报表",
    "填报说明",
    "校验报告",
    "催报名单",
    "汇总表",
    "统计表",
    "的通报",
    "的通知",
    "关于",
    "通报",
    "通知",
    "重点工作",
    "工作",
    "任务",
    "清单",
    "人民政府",
    "政府办公室",
    "办公室",
    "政府",
)
_YEAR = re.compile(r"\d{4}\s*年")
_PUNCT = set("，、；：。（）()《》“”")


def units(title: str, words: Iterable[str] = ()) -> list[str]:
    """`title` cut into pieces that are never broken: a year (2025年), a given word (the org's name), a
    listed word, a punctuation mark, or a run of text the list does not know."""
    vocab = sorted({w for w in (*words, *WORDS) if w}, key=len, reverse=True)
    out: list[str] = []
    unknown = ""
    i = 0
    while i < len(title):
        m = _YEAR.match(title, i)
        hit = m.group(0) if m else next((w for w in vocab if title.startswith(w, i)), "")
        if not hit and title[i] in _PUNCT:
            hit = title[i]
        if hit:
            if unknown:
                out.append(unknown)
                unknown = ""
            out.append(hit)
            i += len(hit)
        else:
            unknown += title[i]
            i += 1
    if unknown:
        out.append(unknown)
    return _glue_punctuation(out)


def _glue_punctuation(pieces: list[str]) -> list[str]:
    """A closing mark stays with the word before it, an opening one with the word after it (避头尾)."""
    out: list[str] = []
    carry = ""
    for p in pieces:
        if p in "（(《“":
            carry += p
            continue
        p = carry + p
        carry = ""
        if out and p and p[0] in "，、；：。）)》”":
            out[-1] += p
        else:
            out.append(p)
    if carry:
        out.append(carry)
    return out


def break_points(title: str, words: Iterable[str] = ()) -> list[int]:
    """The character offsets where `title` may wrap (between two pieces of `units`)."""
    points, at = [], 0
    for p in units(title, words)[:-1]:
        at += len(p)
        points.append(at)
    return points


def title_lines(title: str, width: int, words: Iterable[str] = ()) -> list[str]:
    """`title` in as few lines as fit in `width` half-width units (display_width), broken only between
    pieces (never between a given word and the 政府 after it), the longest line as short as possible
    (balanced); on a tie the upper line is the longer one, as in a 公文 title's 倒梯形. One line when it fits."""
    if display_width(title) <= width:
        return [title]
    pieces = _keep_government(units(title, words), words)
    cut: list[str] = []
    for p in pieces:  # a piece wider than a line is the one place a break falls inside a run of text
        cut.extend(_chars_to_width(p, width) if display_width(p) > width else [p])
    sizes = [display_width(p) for p in cut]
    best: tuple[int, list[int]] | None = None
    for lines in range(2, len(cut) + 1):
        best = _balanced(sizes, lines, width)
        if best is not None:
            break
    if best is None:  # cannot happen: one piece per line always fits
        return cut
    _, starts = best
    bounds = [*starts, len(cut)]
    return ["".join(cut[a:b]) for a, b in zip(bounds, bounds[1:])]


def _keep_government(pieces: list[str], words: Iterable[str]) -> list[str]:
    """A given word (the org) and the 政府 after it on one line: 市政府, 青岛市人民政府 are one word to a
    reader (and to jieba), though 政府工作报告 is a piece of its own."""
    given = set(words)
    out: list[str] = []
    for p in pieces:
        if out and out[-1] in given and p.startswith(("政府", "人民政府")):
            out[-1] += p
        else:
            out.append(p)
    return out


def _balanced(sizes: list[int], lines: int, width: int) -> tuple[int, list[int]] | None:
    """The split of pieces into `lines` lines with the smallest longest line (None when none fits);
    among equals, the one whose earlier lines are longer."""
    n = len(sizes)
    prefix = [0]
    for s in sizes:
        prefix.append(prefix[-1] + s)
    best: tuple[tuple[int, tuple[int, ...]], list[int]] | None = None

    def walk(start: int, left: int, starts: list[int], longest: int) -> None:
        nonlocal best
        if left == 1:
            last = prefix[n] - prefix[start]
            if last > width:
                return
            widths = [prefix[b] - prefix[a] for a, b in zip(starts, starts[1:])] + [last]
            key = (max(longest, last), tuple(-w for w in widths))
            if best is None or key < best[0]:
                best = (key, [*starts])
            return
        for end in range(start + 1, n - left + 2):
            w = prefix[end] - prefix[start]
            if w > width:
                break
            walk(end, left - 1, [*starts, end], max(longest, w))

    walk(0, lines, [0], 0)
    if best is None:
        return None
    return best[0][0], best[1]


def _chars_to_width(text: str, width: int) -> list[str]:
    out, line = [], ""
    for ch in text:
        if line and display_width(line + ch) > width:
            out.append(line)
            line = ""
        line += ch
    return [*out, line] if line else out
