"""A master list read row by row without judging it, for `master check`, `master import --previous`
and `master targets`. (`master.load_master` is the strict reader the merge uses: it stops at the first
defect; this one keeps every row so that every defect can be reported.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ledgerxl.departments import NAMES_HEADER, NAMES_SHEET
from ledgerxl.errors import MasterError
from ledgerxl.model import Grid, Item
from ledgerxl.read.grid import find_header, norm_header
from ledgerxl.read.master import HEADER_HINT, category_heading, read_master_grids, split_departments
from ledgerxl.text import cell_name, item_number


@dataclass
class MasterRow:
    row: int  # 1-based sheet row
    raw_number: str
    text: str
    departments_raw: str
    category: str = ""
    target: str = ""

    @property
    def number(self) -> int | None:
        return item_number(self.raw_number)

    @property
    def departments(self) -> tuple[str, ...]:
        return split_departments(self.departments_raw)

    def item(self) -> Item:
        """As an Item (number 0 when the 序号 is not a number)."""
        return Item(self.number or 0, self.text, self.departments, self.category, self.target)


@dataclass
class MasterTable:
    path: Path
    sheet: str
    header_row: int  # 1-based
    columns: dict[str, int]
    rows: list[MasterRow]
    names: list[str] = field(default_factory=list)  # the 单位名单 sheet, when there is one

    def cell(self, row: MasterRow, fieldname: str) -> str:
        return cell_name(row.row - 1, self.columns.get(fieldname, self.columns["number"]))


def _names(grids: list[Grid]) -> list[str]:
    for g in grids:
        if g.sheet != NAMES_SHEET:
            continue
        out = []
        for r, row in enumerate(g.rows):
            v = row[0].strip() if row else ""
            if v and not (r == 0 and norm_header(v) == NAMES_HEADER):
                out.append(v)
        return out
    return []


def read_master_rows(path: Path) -> MasterTable:
    """Every non-blank row under the master list's header. Raises MasterError only when there is no
    usable table at all (missing file, not a table, no header)."""
    path = Path(path)
    if not path.is_file():
        raise MasterError(
            f"找不到挂牌事项清单 {path}。",
            "请指定清单文件，或在 ledgerxl.toml 中设置 master；新的一年可用 ledgerxl init 建工作目录。",
        )
    grids = read_master_grids(path)
    for grid in grids:
        found = find_header(grid, ("number", "text"))
        if not found:
            continue
        header, cols = found
        rows = []
        heading = ""
        for r in range(header + 1, len(grid.rows)):
            found_heading = category_heading(grid.rows[r])
            if found_heading is not None:
                heading = found_heading  # 一、主要预期目标: the category of the items under it
                continue
            got = {f: grid.get(r, c).strip() for f, c in cols.items()}
            row = MasterRow(
                r + 1,
                got.get("number", ""),
                got.get("text", ""),
                got.get("department", ""),
                got.get("category", "") or heading,
                got.get("target", ""),
            )
            if row.raw_number or row.text or row.departments_raw or row.target:
                rows.append(row)
        return MasterTable(path, grid.sheet, header + 1, cols, rows, _names(grids))
    raise MasterError(f"挂牌事项清单 {path.name}：找不到表头。", HEADER_HINT)
