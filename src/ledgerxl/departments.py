"""Department names: the master list's canonical names plus the aliases from ledgerxl.toml."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping


def _key(name: str) -> str:
    return re.sub(r"\s+", "", name)


class Departments:
    """Resolves what a form says (市发改委, 青岛市发展和改革委员会, …) to a canonical name."""

    def __init__(self, canonical: Iterable[str], aliases: Mapping[str, str] | None = None) -> None:
        self.canonical = list(dict.fromkeys(canonical))
        self._names: dict[str, str] = {_key(c): c for c in self.canonical}
        for alias, target in (aliases or {}).items():
            self._names.setdefault(_key(alias), target)

    def resolve(self, text: str) -> str | None:
        return self._names.get(_key(text))

    def candidates_in(self, text: str) -> list[str]:
        """Canonical departments whose name or alias appears in `text` (e.g. a file name).

        Only the longest names count: 市科技局 inside 市科技局农业处 does not also yield shorter names."""
        t = _key(text)
        hits = [(len(k), c) for k, c in self._names.items() if k and k in t]
        if not hits:
            return []
        longest = max(n for n, _ in hits)
        return sorted({c for n, c in hits if n == longest})
