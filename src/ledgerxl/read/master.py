"""The master list (挂牌事项清单): load it from .xlsx/.xls/.ods/.csv."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

from ledgerxl.departments import INVISIBLE
from ledgerxl.errors import MasterError, ReadError
from ledgerxl.model import Grid, Item, MasterList
from ledgerxl.read.grid import TABLE_SUFFIXES, find_header, read_grids
from ledgerxl.text import cell_name, item_number

# 责任单位 may list several departments: 、 ， , ； ; / or spaces between them; order is kept (lead first).
_DEPT_SEP = re.compile(r"[、，,；;/／\s]+")
_ROLES = "牵头|主责|负责|配合|协办|参与"
_LEAD = ("牵头", "主责", "负责")
_ROLE_NOTE = re.compile(rf"[（(]({_ROLES})(?:单位)?[）)]$")  # 市发展改革委（牵头）
_ROLE_LABEL = re.compile(rf"(?:{_ROLES}|责任)单位[:：]")  # 牵头单位：…；配合单位：…

HEADER_HINT = "挂牌事项清单需要“序号”“事项内容”“责任单位”三列（可选“分类”“目标”），表头在前 30 行内。"


@functools.lru_cache(maxsize=4096)  # a department's cell repeats on each of its items
def split_departments(text: str) -> tuple[str, ...]:
    """The departments of a 责任单位 cell in order, lead first. Roles written into the cell, as published
    ledgers do (市发展改革委（牵头）, 牵头单位：…；配合单位：…), are dropped; a department marked 牵头 goes first."""
    leads: dict[str, None] = {}
    others: dict[str, None] = {}
    for d in _DEPT_SEP.split(_ROLE_LABEL.sub("、", INVISIBLE.sub("", text)).strip()):
        m = _ROLE_NOTE.search(d)
        name = d[: m.start()] if m else d
        if name:
            (leads if m and m.group(1) in _LEAD else others).setdefault(name, None)
    return tuple(dict.fromkeys([*leads, *others]))


# 一、主要预期目标 / （二）全方位扩大内需: a heading the work report groups items under
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)])")


def category_heading(row: Sequence[str]) -> str | None:
    """The heading text when the row is a category heading: one filled cell (often merged across the
    row) that starts like 一、 or （二）."""
    filled = [v.strip() for v in row if v.strip()]
    return filled[0] if len(filled) == 1 and _HEADING.match(filled[0]) else None


def read_master_grids(path: Path) -> list[Grid]:
    """The sheets of a master list file, with the clerk's own errors for a file that is not one."""
    if path.is_dir() or path.suffix.lower() not in TABLE_SUFFIXES:
        raise MasterError(f"挂牌事项清单 {path} 不是表格文件。", "请提供 .xlsx、.xls、.ods 或 .csv 文件。")
    try:
        return read_grids(path)
    except ReadError as e:
        raise MasterError(f"挂牌事项清单 {path}：{e.message}", e.hint) from e


def load_master(path: Path) -> MasterList:
    path = Path(path)
    if not path.exists():
        raise MasterError(
            f"找不到挂牌事项清单 {path}。", "请用 --master 指定清单文件，或在 ledgerxl.toml 中设置 master。"
        )
    for grid in read_master_grids(path):
        found = find_header(grid, ("number", "text", "department"))
        if not found:
            continue
        header, cols = found
        items: list[Item] = []
        seen: dict[int, int] = {}  # number -> row; cell names are built only for a message (30,000-item lists)
        heading = ""
        for r in range(header + 1, len(grid.rows)):
            raw_no = grid.get(r, cols["number"]).strip()
            text = grid.get(r, cols["text"]).strip()
            # a heading is a row with one filled cell: an item row (序号 and 事项内容) never is one
            found_heading = None if raw_no and text else category_heading(grid.rows[r])
            if found_heading is not None:
                heading = found_heading
                continue
            depts_raw = grid.get(r, cols["department"])
            if not raw_no and not text:
                continue
            number = item_number(raw_no)
            if number is None or number in seen:
                where = f"挂牌事项清单 {path.name} / {grid.sheet} / {cell_name(r, cols['number'])}"
                if number is None:
                    raise MasterError(f"{where}：序号“{raw_no}”不是数字。", "序号请填写 1、2、3 这样的整数。")
                first = cell_name(seen[number], cols["number"])
                raise MasterError(f"{where}：序号 {number} 与 {first} 重复。", "每个事项的序号应唯一。")
            seen[number] = r
            depts = split_departments(depts_raw)
            if not depts:
                raise MasterError(
                    f"挂牌事项清单 {path.name} / {grid.sheet} / {cell_name(r, cols['department'])}："
                    f"第 {number} 项没有责任单位。",
                    "请填写责任单位，多个单位用顿号“、”分隔，牵头单位在前。",
                )
            items.append(
                Item(
                    number=number,
                    text=text,
                    departments=depts,
                    category=(grid.get(r, cols["category"]).strip() if "category" in cols else "") or heading,
                    target=grid.get(r, cols["target"]).strip() if "target" in cols else "",
                )
            )
        if not items:
            raise MasterError(f"挂牌事项清单 {path.name} / {grid.sheet}：表头下没有事项。", HEADER_HINT)
        return MasterList(items, source=path)
    raise MasterError(f"挂牌事项清单 {path.name}：找不到表头。", HEADER_HINT)
