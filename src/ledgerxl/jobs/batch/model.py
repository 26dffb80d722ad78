"""The batch job's plain data: its options, its files, what one run found, and the state a run's steps
share (RunState)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ledgerxl.config import Config
from ledgerxl.jobs.store import Store
from ledgerxl.model import Finding, Submission
from ledgerxl.periods import Period

ARCHIVE_NAME = "archive"
LOG_NAME = "ledgerxl.log"
RECORD_NAME = "run.json"
PROCESSED_DIR = "已处理"
# The stages a run tells BatchOptions.on_stage about, in order (see there).
STAGES = ("start", "parse", "db", "write")


@dataclass
class BatchOptions:
    config: Config
    dry_run: bool = False
    move_processed: bool = False
    # Told the name of each stage as the run reaches it: "start" (the lock is held), "parse" (the first
    # new files have been read), "db" (inside the run's transaction, before it commits), "write" (the new
    # outputs are staged beside the old ones, before they replace them). For monitoring, and for the
    # crash tests, which stop a run there and kill it. An exception it raises ends the run as a failure.
    on_stage: Callable[[str], None] | None = None
    # Rebuild the history from the archive: a damaged or lost database is set aside and every archived file
    # is recorded again, in the order of the senders' file times, before the inbox is read as usual.
    rebuild: bool = False


@dataclass
class BatchPaths:
    master: Path
    inbox: Path
    out: Path
    db: Path
    archive: Path
    log: Path

    @property
    def lock(self) -> Path:
        return self.db.with_name(self.db.name + ".lock")


@dataclass
class NewFile:
    """A file this run saw for the first time, and what became of it."""

    name: str
    sha256: str
    size: int
    department: str | None
    findings: list[Finding]
    accepted: bool = False
    current: bool = False

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)


@dataclass
class OutputFile:
    path: Path
    sha256: str
    size: int
    changed: bool


@dataclass
class BatchResult:
    run_id: int
    period: Period
    dry_run: bool
    files_seen: int = 0
    new: list[NewFile] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # could not be opened now (in use?); retried next run
    departments: list[str] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    items: int = 0
    items_with_progress: int = 0
    findings: list[Finding] = field(default_factory=list)  # the period's state (see _state_findings)
    open_errors: list[Finding] = field(default_factory=list)
    outputs: list[OutputFile] = field(default_factory=list)
    moved: list[Path] = field(default_factory=list)
    not_moved: list[str] = field(default_factory=list)  # open in another program (Windows); moved next run
    record: Path | None = None
    duration: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.open_errors else 0

    @property
    def outcome(self) -> str:
        """As stored in runs.outcome and run.json."""
        return "errors" if self.open_errors else "ok"

    def summary(self) -> list[str]:
        """The few lines a scheduled run prints (the details are in the log, run.json and `status`)."""
        c = Counter(f.severity for f in self.findings)
        changed = sum(o.changed for o in self.outputs)
        head = "试运行（未写入任何文件）" if self.dry_run else f"批处理 #{self.run_id}"
        lines = [
            f"{head}，{self.period}：新文件 {len(self.new)} 个，已处理过 {self.files_seen - len(self.new)} 个；"
            f"已报送 {len(self.submitted)}/{len(self.departments)} 个单位；"
            f"未解决的错误 {c['error']} 条，警告 {c['warning']} 条；"
            + (f"输出{'将' if self.dry_run else '已'}更新 {changed} 个。" if changed else "输出无变化。")
        ]
        if self.dry_run:
            for n in self.new:
                state = "可采用" if n.accepted else "有错误"
                who = n.department or "（单位未识别）"
                lines.append(f"  {n.name}  {who}  {state}（错误 {n.errors}，警告 {n.warnings}）")
        if self.unreadable:
            lines.append(f"暂时无法打开、下次再处理：{'、'.join(self.unreadable)}")
        if self.not_moved:
            lines.append(
                f"暂时无法移动（可能正被其他程序打开），下次再移入{PROCESSED_DIR}：{'、'.join(self.not_moved)}"
            )
        if self.open_errors:
            lines.append("有未解决的错误，运行 ledgerxl status 查看详情。")
        return lines


@dataclass
class Incoming:
    path: Path
    data: bytes | None  # None: refused before it was read (safety.check_file), its finding in `findings`
    sha256: str
    size: int
    mtime: float
    submission: Submission | None = None
    findings: list[Finding] = field(default_factory=list)
    archive: str = ""


class RunState:
    """What the steps of one run share: its options, period, files and database, and the sha256 of each
    inbox file as scanned."""

    def __init__(self, opts: BatchOptions, period: Period, paths: BatchPaths, store: Store) -> None:
        self.opts = opts
        self.cfg = opts.config
        self.period = period
        self.paths = paths
        self.store = store
        self.dry = opts.dry_run
        self.hashes: dict[Path, str] = {}  # inbox file -> sha256, as scanned
        self.selection_findings: list[Finding] = []  # what the version rule says (W306, W316, E208)

    def stage(self, name: str) -> None:
        """Tell BatchOptions.on_stage that the run has reached `name` (one of STAGES)."""
        if self.opts.on_stage is not None:
            self.opts.on_stage(name)
