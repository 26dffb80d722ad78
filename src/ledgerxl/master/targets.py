"""`ledgerxl master targets`: the target parsed from each item of a master list, and optionally a copy
of the list with the 目标 column filled (cells a clerk already filled are kept)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ledgerxl import contained
from ledgerxl.errors import UsageError
from ledgerxl.model import Item
from ledgerxl.read.master_rows import read_master_rows
from ledgerxl.targets import parse_item_text


@dataclass
class TargetRow:
    number: int
    text: str
    target: str  # what the list will hold
    parsed: str  # what ledgerxl read from the text
    reason: str = ""  # why nothing was read
    kept: bool = False  # the 目标 cell was filled already and is kept


@dataclass
class TargetsResult:
    master: Path
    rows: list[TargetRow] = field(default_factory=list)
    written: Path | None = None

    @property
    def unparsed(self) -> list[TargetRow]:
        return [r for r in self.rows if not r.parsed]


def item_targets(master: Path, out: Path | None = None) -> TargetsResult:
    from ledgerxl.write.master_xlsx import build_master_xlsx
    from ledgerxl.write.publish import write_atomic

    table = contained.run(read_master_rows, master, what=f"挂牌事项清单 {master}")
    result = TargetsResult(master=Path(master))
    items: list[Item] = []
    for r in table.rows:
        if not r.text:
            continue
        p = parse_item_text(r.text)
        kept = bool(r.target)
        result.rows.append(TargetRow(r.number or 0, r.text, r.target or p.text, p.text, p.reason, kept))
        items.append(Item(r.number or 0, r.text, r.departments, r.category, r.target or p.text))
    if out is not None:
        if out.suffix.lower() != ".xlsx":
            raise UsageError(f"--out {out} 应是 .xlsx 文件。")
        if out.exists() and out.resolve() == Path(master).resolve():
            raise UsageError(f"--out {out} 就是输入的清单；ledgerxl 从不改动输入文件。", "请换一个输出文件名。")
        names = list(dict.fromkeys([d for it in items for d in it.departments] + table.names))
        write_atomic(out, build_master_xlsx(items, names, dt.datetime(2000, 1, 1, 9)))
        result.written = out
    return result
