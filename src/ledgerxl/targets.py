"""Quantitative targets (目标) of pledged items, and how a reported value (完成值) compares with them.

`parse_item_text` reads the target out of an item's wording (新获批省重点实验室15家以上 -> ≥ 15 家);
`parse_target` reads what the master list's 目标 column says (the same notation, as clerks correct it);
`check_values` compares the 完成值 and 完成状态 of a submission with the targets. All pure functions.

Notation of a target: `≥ 15 家`, `≈ 5.5 %`, `≤ 3 %`, `8 条`, `5.5–6 %`; several targets of one item are
separated by `；` (实施100项…和10项… -> `100 项；10 项`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ledgerxl import codes

AT_LEAST, ABOUT, AT_MOST, EXACT, RANGE = "≥", "≈", "≤", "", "–"
# how far below an "about" target (左右) still counts as reached: 5.5% 左右 is met by 5.3%
ABOUT_TOLERANCE = Decimal("0.05")
SEPARATOR = "；"

# Classifiers of counted things: a count in 个 compares with a count in 家 (clerks mix them freely).
COUNT_UNITS = (
    "人次 个 家 项 条 场 户 人 名 所 处 座 台 套 辆 艘 件 次 张 栋 间 只 头 株 棵"
    " 批 种 类 款 部 本 位 宗 单 对 支 架 根 片 段 口 门 团 轮 份 篇 例 起 块"
).split()
MEASURE_UNITS = (
    "平方公里 平方千米 平方米 立方米 公里 千米 米 公顷 亩 千瓦时 千瓦 兆瓦 吉瓦 瓦 千伏 吨 标箱 标准箱 美元 元 床"
    " 个工作日 工作日 天"
).split()
CLASS_UNITS = ("千伏",)  # a unit that names a kind of thing, not how much of it
RATIO_UNITS = ["个百分点", "%", "‰", "倍"]
# longest first, so that 人次 wins over 人 and 个百分点 over 个
BASE_UNITS = sorted(set(COUNT_UNITS + MEASURE_UNITS + RATIO_UNITS), key=len, reverse=True)
MULTIPLIERS = {"十": Decimal(10), "百": Decimal(100), "千": Decimal(1000), "万": Decimal(10_000), "亿": Decimal(10**8)}

# Words before a number that qualify it (longest first when matching).
_PREFIX = {
    AT_LEAST: "不少于 不低于 至少 超过 突破 达到 达 提升至 提升到 提高至 提高到 增至 增加到 增加至"
    " 扩大到 扩大至 大于 高于 ≥ >= >",
    AT_MOST: "不超过 不高于 不多于 控制在 低于 小于 压缩至 压缩到 压减至 压减到 缩短至 缩短到"
    " 降至 降低到 降低至 ≤ <= <",
    ABOUT: "大约 约为 约 近 ≈ ~ ～",
}
PREFIXES = sorted(((w, op) for op, ws in _PREFIX.items() for w in ws.split()), key=lambda x: len(x[0]), reverse=True)
SUFFIXES = {"以上": AT_LEAST, "以内": AT_MOST, "以下": AT_MOST, "之内": AT_MOST, "左右": ABOUT, "上下": ABOUT}
# a one-character prefix is not one when it ends a longer word: 签约100个 is not "about 100"
_NOT_PREFIX = {"约": "节签制预履合公条集", "近": "附最接", "达": "下表传送抵通到"}
_RANGE_SEP = "-–—~～至到"
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# suffix characters that make a number an ordinal, a date or a code rather than a quantity
_NOT_QUANTITY = {"年": "年份或年限", "月": "日期", "日": "日期", "号": "编号", "级": "等级", "期": "期次", "届": "届次"}
_CN_DIGITS = "一二两三四五六七八九十百千万"


@dataclass(frozen=True)
class Quantity:
    """One target: `op value unit` (`high` only for ranges)."""

    op: str
    value: Decimal
    unit: str  # as written, multiplier included: 家, %, 亿元, 万千瓦
    high: Decimal | None = None

    def __str__(self) -> str:
        if self.op == RANGE and self.high is not None:
            return f"{_num(self.value)}–{_num(self.high)} {self.unit}".rstrip()
        body = f"{_num(self.value)} {self.unit}".rstrip()
        return f"{self.op} {body}" if self.op else body


Target = tuple[Quantity, ...]


@dataclass(frozen=True)
class ItemTarget:
    """What parsing an item's wording gave: the target, or an empty one and the reason."""

    target: Target
    reason: str = ""

    @property
    def text(self) -> str:
        return format_target(self.target)


def _num(d: Decimal) -> str:
    return format(d.normalize(), "f")


def format_target(target: Iterable[Quantity]) -> str:
    return SEPARATOR.join(str(q) for q in target)


@dataclass(frozen=True)
class _Token:
    """A number found in the text, with what surrounds it."""

    start: int
    end: int  # after the unit and any suffix qualifier
    quantity: Quantity | None
    skipped: str = ""  # why this number is not a quantity (年份, 编号, …)
    explicit: bool = False  # carries 以上/左右/达到… (or is a range)
    descriptor: bool = False  # modifies a noun (总投资2400亿元的170个项目): not the target itself
    suffixed: bool = False  # ends with 以上/左右/以内…


def _unit_at(s: str, i: int) -> tuple[str, int]:
    """The unit starting at s[i] (`亿元`, `万千瓦`, `千万元`, `%`, or a bare multiplier `万`) and where it ends."""
    for u in BASE_UNITS:
        if s.startswith(u, i):
            return u, i + len(u)
    j = i
    while j < len(s) and j - i < 2 and s[j] in MULTIPLIERS and s[j] != "十":
        j += 1
        if s[j : j + 1] in ("多", "余"):  # 1万余人
            j += 1
        for u in BASE_UNITS:
            if s.startswith(u, j):
                return s[i:j] + u, j + len(u)
    return s[i:j], j


def _prefix_op(s: str, start: int) -> str:
    before = s[max(0, start - 4) : start]
    for word, op in PREFIXES:
        if before.endswith(word):
            if len(word) == 1 and before[:-1][-1:] in _NOT_PREFIX.get(word, ""):
                continue
            return op
    return ""


def _is_code_char(ch: str) -> bool:
    """Characters of codes such as 5G, 4A, 10+1, G20."""
    return ch.isascii() and (ch.isalnum() or ch in "+.")


_CLAUSE_END = "，。；;,!！?？：:、（）()“”"
_CLAUSE_BREAK = "，。；;,!！?？"


def _tokens(s: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    while m := _NUMBER.search(s, pos):
        start, i = m.start(), m.end()
        pos = i
        prev = s[start - 1] if start else ""
        nxt = s[i] if i < len(s) else ""
        if (prev and _is_code_char(prev) and not prev.isdigit()) or (nxt and _is_code_char(nxt) and nxt != "."):
            a, b = start, i
            while a > 0 and _is_code_char(s[a - 1]):
                a -= 1
            while b < len(s) and _is_code_char(s[b]):
                b += 1
            out.append(_Token(a, b, None, f"“{s[a:b]}”是代号"))
            pos = b
            continue
        if prev == "第":
            out.append(_Token(start, i, None, f"“第{m.group()}”是序数"))
            continue
        if nxt in _NOT_QUANTITY:
            out.append(_Token(start, i + 1, None, f"“{m.group()}{nxt}”是{_NOT_QUANTITY[nxt]}"))
            continue
        op = _prefix_op(s, start)
        j = i
        if s[j : j + 1] in ("多", "余"):  # 20多家, 100余项
            op, j = AT_LEAST, j + 1
        unit, j = _unit_at(s, j)
        high: Decimal | None = None
        if j < len(s) and s[j] in _RANGE_SEP:  # 5%-6%, 5—6%, 3至5个
            m2 = _NUMBER.match(s, j + 1)
            if m2:
                unit2, k = _unit_at(s, m2.end())
                if unit2 and (not unit or unit2 == unit):
                    high, unit, j, op = Decimal(m2.group()), unit2, k, RANGE
        if not unit:
            out.append(_Token(start, j, None, f"“{s[start:j]}”后没有可识别的单位"))
            pos = max(pos, j)
            continue
        suffixed = False
        for suffix, sop in SUFFIXES.items():
            if s.startswith(suffix, j):
                op = op if op == RANGE else sop
                j += len(suffix)
                suffixed = True
                break
        pos = j
        # 的 after it: 总投资2400亿元的…; a voltage is a grade of line or station (500千伏输变电工程), never
        # an amount to reach
        descriptor = s.startswith("的", j) or unit in CLASS_UNITS
        out.append(_Token(start, j, Quantity(op, Decimal(m.group()), unit, high), "", bool(op), descriptor, suffixed))
    # 引进10亿元以上项目20个: a qualified quantity followed by a noun and another quantity in the same
    # clause describes that noun; the later quantity is the target.
    for n, t in enumerate(out):
        if t.quantity is None or not t.suffixed or t.descriptor or t.end >= len(s) or s[t.end] in _CLAUSE_END:
            continue
        clause_end = min((k for k in range(t.end, len(s)) if s[k] in _CLAUSE_END), default=len(s))
        if any(u.quantity is not None and u.start < clause_end for u in out[n + 1 :]):
            out[n] = _Token(t.start, t.end, t.quantity, "", t.explicit, True, t.suffixed)
    return out


def _clean(text: str) -> str:
    # NFKC turns full-width digits, ％ and brackets into their ASCII forms; spaces never carry meaning here
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", s)  # 1,000 -> 1000
    return re.sub(r"\s+", "", s)


def parse_item_text(text: str) -> ItemTarget:
    """The quantitative target in an item's wording.

    Numbers that are years, ordinals, codes (5G, 4A, 10+1) or descriptors (总投资2400亿元的…) are not
    targets. Within one clause, when some quantities carry a qualifier (以上, 左右, 达到 …) only those
    count; otherwise every quantity of the clause does."""
    s = _clean(text)
    tokens = _tokens(s)
    chosen: list[Quantity] = []
    for clause in _clauses(s, tokens):
        found = [t for t in clause if t.quantity is not None and not t.descriptor]
        chosen.extend(t.quantity for t in ([t for t in found if t.explicit] or found) if t.quantity is not None)
    if chosen:
        return ItemTarget(tuple(chosen))
    return ItemTarget((), _reason(s, tokens))


def _clauses(s: str, tokens: list[_Token]) -> list[list[_Token]]:
    """Tokens grouped by clause (，；。): each clause of an item is one pledge."""
    groups: dict[int, list[_Token]] = {}
    for t in tokens:
        groups.setdefault(sum(1 for ch in s[: t.start] if ch in _CLAUSE_BREAK), []).append(t)
    return list(groups.values())


def _reason(s: str, tokens: list[_Token]) -> str:
    if not tokens:
        # 一 alone is mostly idiom (一件事, 新一批, 全市一个停车场); 两个中心, 十项工程 are quantities
        units = "".join(u for u in COUNT_UNITS if len(u) == 1)
        cn = re.search(f"(?:[{_CN_DIGITS}]{{2,}}|[{_CN_DIGITS.replace('一', '')}])[{units}]", s)
        if cn:
            return f"数量用汉字书写（“{cn.group()}”），请在“目标”列手工填写"
        return "事项内容中没有数字，不是量化目标"
    why = [t.skipped for t in tokens if t.skipped]
    why += [f"“{s[t.start : t.end]}”只是修饰语" for t in tokens if t.descriptor]
    return "没有可比较的数量：" + "；".join(dict.fromkeys(why))


_TARGET_PART = re.compile(
    r"(?P<pre>[^\d]*?)(?P<num>\d+(?:\.\d+)?)(?:[-–—~～至到](?P<hi>\d+(?:\.\d+)?))?(?P<rest>[^\d]*)"
)
EMPTY_TARGET = {"", "无", "-", "—", "/", "／", "不适用"}


class TargetSyntaxError(ValueError):
    """The 目标 column holds something that is not a target. The message is Chinese, for clerks."""


def parse_target(text: str) -> Target:
    """A 目标 cell: `≥ 15 家；≈ 5.5 %`, also `15家以上`, `不少于15家`, `>=15 家`. Empty or 无: no target."""
    s = _clean(text)
    if s in EMPTY_TARGET:
        return ()
    parts = [p for p in re.split(r"[;；,，、\n]", s) if p]
    out: list[Quantity] = []
    for part in parts:
        m = _TARGET_PART.fullmatch(part)
        if not m:
            raise TargetSyntaxError(f"“{part}”不是一个数量（应有且只有一个数字，或“5.5–6 %”这样的区间）")
        pre, rest = m.group("pre"), m.group("rest")
        op = ""
        if pre:
            op = next((o for w, o in PREFIXES if pre == w), "")
            if not op:
                raise TargetSyntaxError(f"“{part}”开头的“{pre}”无法识别，请用 ≥、≈、≤ 或不写")
        for suffix, sop in SUFFIXES.items():
            if rest.endswith(suffix):
                rest = rest[: -len(suffix)]
                if op and op != sop:
                    raise TargetSyntaxError(f"“{part}”前后的限定词矛盾")
                op = sop
                break
        unit = rest  # any unit is allowed; comparisons need the same one (or two counts)
        if any(w in unit for w, _ in PREFIXES if len(w) > 1) or any(c in unit for c in "≥≤≈<>="):
            raise TargetSyntaxError(f"“{part}”的限定词应写在数字前（≥、≈、≤）或单位后（以上、左右、以内）")
        try:
            value = Decimal(m.group("num"))
            high = Decimal(m.group("hi")) if m.group("hi") else None
        except InvalidOperation as e:  # pragma: no cover - the regex only lets digits through
            raise TargetSyntaxError(f"“{part}”中的数字无法识别") from e
        if high is not None:
            if op:
                raise TargetSyntaxError(f"“{part}”是区间，不能再加 ≥、≈、≤")
            op = RANGE
        out.append(Quantity(op, value, unit, high))
    return tuple(out)


# ---- comparing a reported value (完成值) with the target ----


def split_unit(unit: str) -> tuple[Decimal, str]:
    """`亿元` -> (10^8, 元); `万千瓦` -> (10^4, 千瓦); `千瓦` -> (1, 千瓦); `万` -> (10^4, '')."""
    factor, rest = Decimal(1), unit
    while rest and rest not in BASE_UNITS and rest[0] in MULTIPLIERS:
        factor *= MULTIPLIERS[rest[0]]
        rest = rest[1:].lstrip("多余")
    return factor, rest


def _kind(base: str) -> str:
    return "count" if base in COUNT_UNITS else base


def parse_value(text: str, unit_hint: str = "") -> Quantity | None:
    """The first number of a 完成值 cell with its unit: `19家`, `2059.8亿元`, `5.4%`, `19`. None if none.

    `unit_hint` (the target's unit) is recognised even when ledgerxl does not know it (座次)."""
    s = _clean(text)
    m = _NUMBER.search(s)
    if not m:
        return None
    hint = _clean(unit_hint)
    if hint and s.startswith(hint, m.end()):
        return Quantity(EXACT, Decimal(m.group()), hint)
    unit, _ = _unit_at(s, m.end())
    return Quantity(EXACT, Decimal(m.group()), unit)


def comparable(target: Quantity, value: Quantity) -> Quantity | None:
    """`value` in the target's unit (12.3万人 -> 12.3 against ≥ 12 万人), or None if the kinds differ.

    A bare number is read in the target's own unit (11.8 against ≥ 12 万人 is 11.8 万人), unless it is
    obviously written in the base unit (118000 against ≥ 12 万人)."""
    tf, tb = split_unit(target.unit)
    if not value.unit:
        v = value.value
        if tf > 1 and v > target.value * 100:
            v = v / tf
        return Quantity(EXACT, v, target.unit)
    vf, vb = split_unit(value.unit)
    same = tb == vb or (_kind(tb) == "count" and _kind(vb) == "count")
    loose = (not tb or not vb) and _kind(tb or vb) in ("count", "")
    if not (same or loose):
        return None
    return Quantity(EXACT, value.value * vf / tf, target.unit)


def reached(target: Quantity, value: Decimal) -> bool:
    """Whether `value` (in the target's unit) meets the target. A plain count (8 条) is met at 8 or more."""
    if target.op == AT_MOST:
        return value <= target.value
    if target.op == ABOUT:
        return value >= target.value * (1 - ABOUT_TOLERANCE)
    return value >= target.value  # ≥, plain, and a range's lower end


@dataclass(frozen=True)
class Comparison:
    """A 完成值 against a target: `met` is None when they cannot be compared (`code` says why)."""

    met: bool | None
    code: str = ""  # W342 unreadable value, W343 other unit
    message: str = ""


def compare(target: Target, value_text: str) -> Comparison:
    """Compare a 完成值 cell with a target; several targets take as many values separated by ；."""
    values = [p.strip() for p in re.split(r"[;；]", value_text) if p.strip()]
    if len(values) != len(target):
        return Comparison(
            None,
            codes.W342,
            f"有 {len(target)} 个目标（{format_target(target)}），完成值“{value_text.strip()}”"
            f"应逐项填写 {len(target)} 个数，用“；”分隔",
        )
    met = True
    for q, raw in zip(target, values):
        v = parse_value(raw, q.unit)
        if v is None:
            return Comparison(None, codes.W342, f"的完成值“{raw}”中没有数字")
        if q.unit == "%" and not v.unit and v.value < 1 <= q.value:
            # Excel keeps 5.4% typed into a percent cell as 0.054; a literal 0.054 % is as possible, so ask
            shown = f"{_num(v.value * 100)}%"
            return Comparison(
                None,
                codes.W342,
                f"的完成值“{raw}”没有写“%”，可能来自百分比格式的单元格（显示为 {shown}）；"
                f"请写成带“%”的文字，如“{shown}”",
            )
        c = comparable(q, v)
        if c is None:
            return Comparison(None, codes.W343, f"的完成值“{raw}”与目标“{q}”单位不同，无法比较")
        met = met and reached(q, c.value)
    return Comparison(met)


def assess(target_text: str, value_text: str) -> str:
    """达到 / 未达到, or "" when there is no target, no value, or they cannot be compared (汇总 sheet)."""
    try:
        target = parse_target(target_text)
    except TargetSyntaxError:
        return ""
    if not target or not value_text.strip():
        return ""
    c = compare(target, value_text)
    return "" if c.met is None else ("达到" if c.met else "未达到")
