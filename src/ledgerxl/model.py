"""Plain data passed between the stages: read -> validate -> merge -> write."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ledgerxl.periods import Period

Severity = Literal["error", "warning"]
# How a form's department was found: the 填报单位 cell, an alias of the config, a name inside the cell, the
# file name; "ambiguous" (candidates are the rivals) or "" (candidates are near misses) when not found.
DepartmentSource = Literal["cell", "alias", "cell-contains", "file name", "ambiguous", ""]

# 完成状态: the drop-down of the submission form, in this order (the rules, the counts and the form share it)
STATUS_DONE, STATUS_ON_TRACK, STATUS_LATE, STATUS_NOT_STARTED = "已完成", "序时推进", "进度滞后", "未启动"
STATUSES = (STATUS_DONE, STATUS_ON_TRACK, STATUS_LATE, STATUS_NOT_STARTED)
# a finished year has no 序时推进 and nothing 未启动 to wait for: the annual form offers these
STATUS_MOSTLY_DONE, STATUS_NOT_DONE = "基本完成", "未完成"
ANNUAL_STATUSES = (STATUS_DONE, STATUS_MOSTLY_DONE, STATUS_NOT_DONE)


def statuses_for(period: Period | None) -> tuple[str, ...]:
    """The 完成状态 drop-down of a period's form (None: the quarters')."""
    return ANNUAL_STATUSES if period is not None and period.is_annual else STATUSES


@dataclass(frozen=True)
class Item:
    """One pledged item of the master list (挂牌事项)."""

    number: int
    text: str
    departments: tuple[str, ...]  # lead first
    category: str = ""
    target: str = ""


@dataclass
class MasterList:
    items: list[Item]
    source: Path | None = None

    def __post_init__(self) -> None:
        self.by_number: dict[int, Item] = {it.number: it for it in self.items}
        # Indexed once: validation asks for every submission's items, and scanning the whole list each
        # time made a merge quadratic (500 forms x 10,000 items).
        self._by_department: dict[str, list[Item]] = {}
        for it in self.items:
            for d in dict.fromkeys(it.departments):
                self._by_department.setdefault(d, []).append(it)

    @property
    def departments(self) -> list[str]:
        """Every department, in order of first appearance in the list."""
        return list(self._by_department)

    def items_of(self, department: str) -> list[Item]:
        return list(self._by_department.get(department, ()))


@dataclass
class Entry:
    """One filled row of a submission (填报行). `row` is the 1-based sheet row."""

    row: int
    number: int | None
    raw_number: str
    item_text: str
    progress: str
    status: str = ""
    note: str = ""
    value: str = ""
    hidden: bool = False  # the row is hidden in the workbook (read all the same)
    extra_rows: tuple[int, ...] = ()  # continuation rows under a merged 序号 cell, joined into `progress`


@dataclass(frozen=True)
class CellFlag:
    """Something about a text cell that its value alone does not show: a formula or a hyperlink."""

    cell: str  # A1-style
    row: int  # 1-based sheet row
    field: str  # text / progress / note
    kind: str  # "formula" or "hyperlink"
    detail: str  # the formula, or the link target


@dataclass(frozen=True)
class MergedSpan:
    """A merged input cell (e.g. 进展情况) that covers the rows of several items."""

    ref: str  # e.g. "D5:D6"
    field: str
    rows: tuple[int, ...]  # 1-based sheet rows it covers
    numbers: tuple[int, ...]  # item numbers on those rows


@dataclass
class Submission:
    """One department's workbook for one period (报送表)."""

    path: Path
    sheet: str
    department: str | None  # canonical name, None when not identified
    department_raw: str  # what the form said
    department_cell: str  # e.g. "B2", "" when taken from elsewhere
    header_row: int
    columns: dict[str, int]  # field name -> 0-based column index
    entries: list[Entry] = field(default_factory=list)
    period_raw: str = ""
    period_cell: str = ""
    contact: str = ""
    phone: str = ""
    filled_date: str = ""
    filled_date_cell: str = ""
    mtime: float = 0.0
    department_source: DepartmentSource = ""
    department_candidates: tuple[str, ...] = ()  # near misses or ambiguous names, for the message
    other_sheets: tuple[str, ...] = ()  # other visible sheets that also hold a header row
    ignored_hidden: list[Entry] = field(default_factory=list)  # hidden rows repeating a visible row's item
    cell_flags: list[CellFlag] = field(default_factory=list)
    merged_spans: list[MergedSpan] = field(default_factory=list)
    # key fields named by more than one header cell: field -> 0-based columns (only the first is read)
    duplicate_columns: dict[str, tuple[int, ...]] = field(default_factory=dict)
    label: str = ""  # the name findings use when it is not the file name (pipeline.input_labels)

    @property
    def name(self) -> str:
        """The file as findings and messages name it: unique among one run's inputs."""
        return self.label or self.path.name


@dataclass(frozen=True)
class Finding:
    """One problem found in the inputs (校验问题)."""

    code: str
    severity: Severity
    message: str
    hint: str = ""
    file: str = ""
    sheet: str = ""
    cell: str = ""
    department: str = ""

    @property
    def location(self) -> str:
        parts = [p for p in (self.file, self.sheet, self.cell) if p]
        return " / ".join(parts)

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity,
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "department": self.department,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class LedgerRow:
    item: Item
    # (department, text) in the master's department order; text keeps inner line breaks
    parts: list[tuple[str, str]]
    missing: list[str]  # departments of this item that reported nothing
    status: str = ""  # the first 完成状态 given, in department order (the lead's when it gave one): 汇总's counts
    values: list[tuple[str, str]] = field(default_factory=list)  # (department, 完成值) in department order
    rejected: list[str] = field(default_factory=list)  # departments whose entry for the item had an error
    statuses: list[tuple[str, str]] = field(default_factory=list)  # (department, 完成状态) given, department order

    @property
    def paragraphs(self) -> list[str]:
        out: list[str] = []
        for _, text in self.parts:
            out.extend(text.split("\n"))
        return out

    @property
    def progress(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class Ledger:
    title: str
    progress_label: str  # 进展情况 / 全年完成情况
    rows: list[LedgerRow]
    placeholder: str = "（未报送）"
    error_placeholder: str = "（报送有误，待更正）"

    def progress_paragraphs(self, row: LedgerRow) -> list[str]:
        """The item's texts; with none, the placeholder that says why: reported with an error, or not at all."""
        return row.paragraphs or [self.error_placeholder if row.rejected else self.placeholder]

    @property
    def items_with_progress(self) -> int:
        """Items with progress from at least one department."""
        return sum(1 for row in self.rows if row.parts)


@dataclass
class Grid:
    """One sheet's cells as text, row-major, 0-based, with absolute positions."""

    sheet: str
    rows: list[list[str]]
    # merged ranges as (first row, first col, last row, last col), 0-based inclusive; empty when unknown
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)

    def get(self, r: int, c: int) -> str:
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            return self.rows[r][c]
        return ""


EPOCH = b"2000-01-01T00:00:00Z"  # the creation stamp of a marked-up copy made from texts


@dataclass
class Markable:
    """What a marked-up copy is made from: `workbook` (openpyxl) or, when None, `grids`; and the input's
    own creation stamp, which the copy keeps so that the same input gives the same bytes."""

    workbook: Any | None
    grids: list[Grid] = field(default_factory=list)
    created: bytes = EPOCH
