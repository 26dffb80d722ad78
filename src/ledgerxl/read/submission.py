"""Read one department's submission workbook into a Submission.

Finds the sheet and row holding the header, maps columns by name (not position), and keeps every
cell's text exactly as written (line breaks included). Raises ReadError for a file that cannot be used.

What departments really send is accepted: the header on any of the first 30 rows, extra or reordered
columns, headings with spaces, line breaks or full-width brackets, merged title cells, numbers stored
as text (7, "7", 7.0, "７"), heading or note rows inside the table, several sheets (the first one with
filled rows is used), hidden rows (read, and reported), and a 序号 cell merged over several rows whose
progress cells continue one item (joined as paragraphs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ledgerxl import codes
from ledgerxl.departments import Departments
from ledgerxl.errors import ReadError
from ledgerxl.model import CellFlag, Entry, Grid, MergedSpan, Submission
from ledgerxl.read.cellfacts import SheetFacts, sheet_facts
from ledgerxl.read.grid import duplicate_columns, find_header, norm_header, read_workbook
from ledgerxl.read.word import WORD_SUFFIXES, read_word_workbook
from ledgerxl.text import cell_name, item_number

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
TEXT_FIELDS = ("text", "progress", "note")


def _meta(grid: Grid, rows: Iterable[int], found: dict[str, tuple[str, str]]) -> None:
    """Label cells (填报单位：… / 报告期 …) in `rows` -> (value, cell of the value), first one wins."""
    for r in rows:
        row = grid.rows[r]
        for c, v in enumerate(row):
            if not v or len(v) > 80:
                continue
            label, _, rest = re.sub(r"\s+", "", v).replace("：", ":").partition(":")
            key = META_LABELS.get(norm_header(label))
            if not key or key in found:
                continue
            if rest:
                found[key] = (rest, cell_name(r, c))
                continue
            for c2 in range(c + 1, len(row)):
                if row[c2].strip():
                    if _is_label(row[c2]):
                        break  # the value cell was left empty: the next cell is another label
                    found[key] = (row[c2].strip(), cell_name(r, c2))
                    break


def _is_label(v: str) -> bool:
    label = re.sub(r"\s+", "", v).replace("：", ":").partition(":")[0]
    return norm_header(label) in META_LABELS


def _meta_row(row: list[str]) -> bool:
    """Every filled cell of the row is a “label：value” such as 填报日期：2025年10月8日."""
    filled = [v for v in row if v.strip()]
    return bool(filled) and all(_is_label(v) and re.search(r"[:：]", v) for v in filled)


def _numbered_rows(grid: Grid, header: int, col: int) -> int:
    return sum(1 for r in range(header + 1, len(grid.rows)) if item_number(grid.get(r, col)) is not None)


def _choose_sheet(grids: list[Grid]) -> tuple[Grid, int, dict[str, int], tuple[str, ...]]:
    """The first sheet whose header has numbered rows under it (else the first with a header), and the
    names of the other sheets that also hold filled tables."""
    found: list[tuple[Grid, int, dict[str, int], int]] = []
    for g in grids:
        hit = find_header(g, REQUIRED)
        if hit:
            header, cols = hit
            found.append((g, header, cols, _numbered_rows(g, header, cols["number"])))
    if not found:
        searched = "、".join(f"“{g.sheet}”" for g in grids) or "（没有可见的工作表）"
        raise ReadError(
            codes.E103,
            f"找不到表头：工作表{searched}的前 30 行中没有同时含“序号”和“进展情况”的行。",
            "请使用下发的填报表，不要删除或改写表头行。",
            sheet=grids[0].sheet if grids else "",
        )
    filled = [f for f in found if f[3]]
    grid, header, cols, _ = (filled or found)[0]
    others = tuple(f[0].sheet for f in filled if f[0] is not grid)
    return grid, header, cols, others


def read_submission(path: Path, departments: Departments) -> Submission:
    path = Path(path)
    # a department's reply in Word: its table read into the same grids, by the same rules
    book = read_word_workbook(path) if path.suffix.lower() in WORD_SUFFIXES else read_workbook(path)
    grid, header, cols, others = _choose_sheet(book.grids)
    facts = sheet_facts(path, grid.sheet) if book.cell_facts else SheetFacts()
    merged = grid.merged or facts.merged
    ncol, pcol = cols["number"], cols["progress"]

    # rows under a 序号 cell merged downwards belong to the item named in its first row
    continues: dict[int, int] = {}
    for r1, c1, r2, c2 in merged:
        if c1 <= ncol <= c2 and r2 > r1 and r1 > header:
            for r in range(r1 + 1, min(r2, len(grid.rows) - 1) + 1):
                continues[r] = r1

    entries: list[Entry] = []
    by_row: dict[int, Entry] = {}
    other_rows: list[int] = []
    # each row cut or padded to the columns read, plus one empty cell that stands for an absent column
    width = max(cols.values()) + 1
    tcol, scol, notecol, vcol = (cols.get(f, width) for f in ("text", "status", "note", "value"))
    for r in range(header + 1, len(grid.rows)):
        cells = grid.rows[r][:width]
        cells += [""] * (width + 1 - len(cells))
        raw_no = cells[ncol]
        text = cells[tcol]
        progress = cells[pcol]
        if r in continues and not raw_no.strip():
            top = by_row.get(continues[r])
            if top is not None and progress.strip():
                top.progress = f"{top.progress}\n{progress}" if top.progress.strip() else progress
                top.extra_rows += (r + 1,)
                continue
        if not (raw_no.strip() or text.strip() or progress.strip()):
            other_rows.append(r)
            continue
        number = item_number(raw_no)
        if number is None and (not progress.strip() or _meta_row(grid.rows[r])):
            other_rows.append(r)  # a heading (一、…), a note (注：…) or a footer (填报人：… 填报日期：…)
            continue
        e = Entry(
            row=r + 1,
            number=number,
            raw_number=raw_no,
            item_text=text,
            progress=progress,
            status=cells[scol].strip(),
            note=cells[notecol],
            value=cells[vcol].strip(),
            hidden=facts.is_hidden(r),
        )
        entries.append(e)
        by_row[r] = e

    visible = {e.number for e in entries if not e.hidden and e.number is not None}
    ignored = [e for e in entries if e.hidden and e.number in visible]
    entries = [e for e in entries if not (e.hidden and e.number in visible)]

    meta: dict[str, tuple[str, str]] = {}
    _meta(grid, range(header), meta)
    _meta(grid, other_rows, meta)  # 填报日期 and the like are often written under the table
    dept_raw, dept_cell = meta.get("department", ("", ""))
    ident = departments.identify(dept_raw, path.stem)
    period_raw, period_cell = meta.get("period", ("", ""))
    date_raw, date_cell = meta.get("date", ("", ""))
    return Submission(
        path=path,
        sheet=grid.sheet,
        department=ident.department,
        department_raw=dept_raw,
        department_cell=dept_cell,
        header_row=header + 1,
        columns=cols,
        entries=entries,
        period_raw=period_raw,
        period_cell=period_cell,
        contact=meta.get("contact", ("", ""))[0],
        phone=meta.get("phone", ("", ""))[0],
        filled_date=date_raw,
        filled_date_cell=date_cell,
        mtime=path.stat().st_mtime,
        department_source=ident.source,
        department_candidates=ident.candidates,
        other_sheets=others,
        ignored_hidden=ignored,
        cell_flags=_cell_flags(entries, cols, facts),
        merged_spans=_merged_spans(merged, grid, header, cols),
        duplicate_columns=duplicate_columns(grid.rows[header], ("number", "text", "progress")),
    )


def _cell_flags(entries: list[Entry], cols: dict[str, int], facts: SheetFacts) -> list[CellFlag]:
    if not (facts.formulas or facts.links):
        return []
    flags: list[CellFlag] = []
    for e in entries:
        for row in (e.row, *e.extra_rows):
            r = row - 1
            for f in TEXT_FIELDS:
                if f not in cols:
                    continue
                c = cols[f]
                formula = facts.formulas.get((r, c))
                if formula:
                    flags.append(CellFlag(cell_name(r, c), row, f, "formula", formula))
                link = facts.link_at(r, c)
                if link is not None:
                    flags.append(CellFlag(cell_name(r, c), row, f, "hyperlink", link))
    return flags


def _merged_spans(
    merged: list[tuple[int, int, int, int]], grid: Grid, header: int, cols: dict[str, int]
) -> list[MergedSpan]:
    """Merged 进展情况 / 完成状态 / 备注 cells that cover the rows of more than one item."""
    spans: list[MergedSpan] = []
    for r1, c1, r2, c2 in merged:
        if r2 <= r1 or r1 <= header:
            continue
        last = min(r2, len(grid.rows) - 1)
        for f in ("progress", "status", "note"):
            if f in cols and c1 <= cols[f] <= c2:
                numbers = [item_number(grid.get(r, cols["number"])) for r in range(r1, last + 1)]
                distinct = tuple(dict.fromkeys(n for n in numbers if n is not None))
                if len(distinct) > 1:
                    ref = f"{cell_name(r1, c1)}:{cell_name(r2, c2)}"
                    spans.append(MergedSpan(ref, f, tuple(range(r1 + 1, last + 2)), distinct))
                break
    return spans
