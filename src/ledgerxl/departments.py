"""Department names: the master list's canonical names plus the aliases from ledgerxl.toml."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ledgerxl.model import DepartmentSource

# invisible format characters that text copied from web pages and chat apps carries (zero-width space, BOM …)
INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")

# The sheet of 挂牌事项清单.xlsx that lists the departments, and its heading (write.master_xlsx writes it,
# read.master_rows reads it back).
NAMES_SHEET = "单位名单"
NAMES_HEADER = "单位名称"


def name_key(name: str) -> str:
    """A name as compared: without spaces and invisible characters."""
    return re.sub(r"\s+", "", INVISIBLE.sub("", name))


@dataclass(frozen=True)
class Identification:
    """Who sent a form: the canonical name (None if unknown), how it was found, and the names to
    offer in an error message (near misses when unknown, the rivals when ambiguous)."""

    department: str | None
    source: DepartmentSource
    candidates: tuple[str, ...] = ()


class Departments:
    """Resolves what a form says (市发改委, 青岛市发展和改革委员会, …) to a canonical name."""

    def __init__(self, canonical: Iterable[str], aliases: Mapping[str, str] | None = None) -> None:
        self.canonical = list(dict.fromkeys(canonical))
        self._names: dict[str, str] = {name_key(c): c for c in self.canonical}
        self._aliases: set[str] = set()
        for alias, target in (aliases or {}).items():
            if name_key(alias) not in self._names:
                self._names[name_key(alias)] = target
                self._aliases.add(name_key(alias))

    def resolve(self, text: str) -> str | None:
        return self._names.get(name_key(text))

    def candidates_in(self, text: str) -> list[str]:
        """Canonical departments whose name or alias appears in `text` (e.g. a file name).

        A name found only inside a longer name that is also found does not count: 市科技局 inside
        市科技局农业处 yields only the longer one; two separate names yield both."""
        t = name_key(text)
        hits = [k for k in self._names if k and k in t]
        kept = [k for k in hits if not any(k != other and k in other for other in hits)]
        return sorted({self._names[k] for k in kept})

    def near(self, text: str, n: int = 3) -> list[str]:
        """Canonical names that look like `text` (for “did you mean …” in messages). The shared endings
        do not count: 市通信管理局 and 市水务管理局 are 60 % alike by their characters, all of it 市…管理局."""
        keys = difflib.get_close_matches(name_key(text), list(self._names), n=n * 2, cutoff=0.6)
        mine = _stem(name_key(text))
        keys = [k for k in keys if _alike(mine, _stem(k))]
        return list(dict.fromkeys(self._names[k] for k in keys))[:n]

    def identify(self, cell: str, file_stem: str) -> Identification:
        """The 填报单位 cell first (a canonical name, then a config alias, then a name inside it such
        as 青岛市科技局（盖章）); the file name only when the form has no such cell. A cell that names
        no known department is not overridden by the file name: the form says who sent it."""
        if cell.strip():
            key = name_key(cell)
            if key in self._names:
                return Identification(self._names[key], "alias" if key in self._aliases else "cell")
            inside = self.candidates_in(cell)
            if len(inside) == 1:
                return Identification(inside[0], "cell-contains")
            if inside:
                return Identification(None, "ambiguous", tuple(inside))
            near = self.near(cell)
            return Identification(None, "", tuple(dict.fromkeys(near + self.candidates_in(file_stem))))
        by_name = self.candidates_in(file_stem)
        if len(by_name) == 1:
            return Identification(by_name[0], "file name")
        return Identification(None, "ambiguous" if by_name else "", tuple(by_name))


# what most names of a level of government share, and so says nothing about which one is meant
_COMMON_START = ("青岛市", "市", "区", "县")
_COMMON_END = ("管理局", "委员会", "办公室", "中心", "集团", "局", "委", "办", "厅")


def _stem(key: str) -> str:
    """A department's name without the start and ending it shares with the others (发展改革 of 市发展改革委)."""
    for start in _COMMON_START:
        if key.startswith(start) and len(key) > len(start) + 1:
            key = key[len(start) :]
            break
    for end in _COMMON_END:
        if key.endswith(end) and len(key) > len(end):
            return key[: -len(end)]
    return key


def _alike(a: str, b: str) -> bool:
    """Stems that name one department: mostly the same characters, half of them from the same start (财正
    for 财政), or one the other's abbreviation (its characters in order: 发改 in 发展改革, 工信 in 工业和信息化).
    通信 and 信访, 水务 and 商务 share one character of two, not the first: not alike."""
    short, long = sorted((a, b), key=len)
    it = iter(long)
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    return ratio > 0.5 or (ratio == 0.5 and a[:1] == b[:1]) or (bool(short) and all(c in it for c in short))
