"""Read one department's submission workbook into a Submission.

Finds the sheet and row holding the header, maps columns by name (not position), and keeps every
cell's text exactly as written (line breaks included). Raises ReadError for a file that cannot be used.
"""

from __future__ import annotations

import re
from pathlib import Path

from ledgerxl.departments import Departments
from ledgerxl.errors import ReadError
from ledgerxl.model import Entry, Submission
from ledgerxl.tables import Grid, cell_name, find_header, norm_header, read_grids

REQUIRED = ("number", "progress")
META_LABELS = {
    "填报单位": "department",
    "报送单位": "department",
    "责任单位": "department",
    "报告期": "period",
    "报告期间": "period",
    "联系人": "contact",
    "联系电话": "phone",
    "填报日期": "date",
    "报送日期": "date",
}


def _meta(grid: Grid, above: int) -> dict[str, tuple[str, str]]:
    """Label cells (填报单位：… / 报告期 …) in the rows above the header -> (value, cell of the value)."""
    found: dict[str, tuple[str, str]] = {}
    for r in range(above):
        row = grid.rows[r]
        for c, v in enumerate(row):
            label, _, rest = re.sub(r"\s+", "", v).replace("：", ":").partition(":")
            key = META_LABELS.get(norm_header(label))
            if not key or key in found:
                continue
            if rest:
                found[key] = (rest, cell_name(r, c))
                continue
            for c2 in range(c + 1, len(row)):
                if row[c2].strip():
                    found[key] = (row[c2].strip(), cell_name(r, c2))
                    break
    return found


def parse_number(raw: str) -> int | None:
    s = raw.strip()
    return int(s) if s.isdigit() else None


def read_submission(path: Path, departments: Departments) -> Submission:
    path = Path(path)
    grids = read_grids(path)
    for grid in grids:
        found = find_header(grid, REQUIRED)
        if found:
            break
    else:
        raise ReadError(
            "E103",
            "找不到表头：没有同时含“序号”和“进展情况”的行。",
            "请使用下发的填报表，不要删除或改写表头行。",
            sheet=grids[0].sheet if grids else "",
        )
    header, cols = found
    meta = _meta(grid, header)
    entries: list[Entry] = []
    for r in range(header + 1, len(grid.rows)):
        raw_no = grid.get(r, cols["number"])
        text = grid.get(r, cols["text"]) if "text" in cols else ""
        progress = grid.get(r, cols["progress"])
        if not (raw_no.strip() or text.strip() or progress.strip()):
            continue
        entries.append(
            Entry(
                row=r + 1,
                number=parse_number(raw_no),
                raw_number=raw_no,
                item_text=text,
                progress=progress,
                status=grid.get(r, cols["status"]).strip() if "status" in cols else "",
                note=grid.get(r, cols["note"]) if "note" in cols else "",
                value=grid.get(r, cols["value"]).strip() if "value" in cols else "",
            )
        )
    dept_raw, dept_cell = meta.get("department", ("", ""))
    department = departments.resolve(dept_raw) if dept_raw else None
    if department is None and not dept_raw:
        # No 填报单位 cell: the file name often says who sent it.
        names = departments.candidates_in(path.stem)
        if len(names) == 1:
            department = names[0]
    period_raw, period_cell = meta.get("period", ("", ""))
    return Submission(
        path=path,
        sheet=grid.sheet,
        department=department,
        department_raw=dept_raw,
        department_cell=dept_cell,
        header_row=header + 1,
        columns=cols,
        entries=entries,
        period_raw=period_raw,
        period_cell=period_cell,
        contact=meta.get("contact", ("", ""))[0],
        phone=meta.get("phone", ("", ""))[0],
        filled_date=meta.get("date", ("", ""))[0],
        mtime=path.stat().st_mtime,
    )
