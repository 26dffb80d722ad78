"""What merge, validate and batch share: read each file and check its form in one place, then check the
set. One function per step, whatever the number of processes:

- `check_files`: each file read (read.submission) and checked alone: the text that would not survive
  publishing (rules.content) and every rule about one form (rules.form). In this process, or from 64
  files on in worker processes (jobs.parallel); results come back in input order.
- `check_inputs`: check_files, then the choice of one form per department (made once, here, and passed
  on) and the rules across forms (rules.sets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ledgerxl import codes, contained
from ledgerxl.contained import Failed, Pool
from ledgerxl.departments import Departments
from ledgerxl.errors import ReadError, os_reason
from ledgerxl.jobs import parallel
from ledgerxl.jobs.history import FileHistory
from ledgerxl.jobs.inputs import ReadProgress, input_labels
from ledgerxl.model import Finding, MasterList, Submission
from ledgerxl.periods import Period
from ledgerxl.read.grid import TABLE_SUFFIXES
from ledgerxl.read.word import WORD_SUFFIXES
from ledgerxl.rules.content import check_content
from ledgerxl.rules.form import FormRules
from ledgerxl.rules.resubmissions import Selection, choose_submissions
from ledgerxl.rules.sets import validate


class FormCheck(Protocol):
    """What check_files runs on each form it reads: rules.form.FormRules, or a test's own (picklable)."""

    def check_form(self, sub: Submission) -> list[Finding]: ...


STRAY_NAMES = {"thumbs.db", "desktop.ini", "ehthumbs.db"}  # what Windows leaves in a folder by itself


@dataclass
class FileChecked:
    """One input: the submission read from it (None: unreadable), the findings of reading it and of its
    text (`read`), and the findings of the form's rules (`rules`: empty when unread or unchecked)."""

    submission: Submission | None
    read: list[Finding]
    rules: list[Finding] = field(default_factory=list)


@dataclass
class Checked:
    """What merge and validate both found: the inputs, the submissions read from them, the findings, and
    the one form per department that counts."""

    period: Period
    master: MasterList
    files: list[Path]
    submissions: list[Submission]
    findings: list[Finding]
    selection: Selection = field(default_factory=Selection)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def superseded(self) -> list[Submission]:
        """Forms replaced by a later one of the same department (W306)."""
        return self.selection.superseded

    @property
    def inputs(self) -> list[tuple[str, Submission | None]]:
        """Each input file as findings name it, with the submission read from it (None: unreadable)."""
        by_path = {s.path: s for s in self.submissions}
        return [(label, by_path.get(path)) for path, label in input_labels(self.files).items()]


def check_file(shared: tuple[Departments, FormCheck | None], f: Path, label: str) -> FileChecked:
    """One file read and, when `rules` are given, its form checked: the one place either happens."""
    departments, rules = shared
    suffix = f.suffix.lower()
    try:
        if f.is_dir():
            raise ReadError(codes.E101, "这是一个文件夹，不是表格文件。")
        if suffix not in TABLE_SUFFIXES + WORD_SUFFIXES or f.name.lower() in STRAY_NAMES:
            # a scan, a picture, a note, Windows' Thumbs.db: set aside, never blocks the others
            what = f"扩展名“{f.suffix}”" if f.suffix else "没有扩展名"
            return FileChecked(None, [codes.make(codes.W313, f"不是报送表（{what}），已跳过。", file=label)])
        # imported here, in the worker: the reader's modules load there while this process goes on
        from ledgerxl.read.submission import read_submission

        sub = read_submission(f, departments)
        sub.label = "" if label == f.name else label
    except ReadError as e:
        if suffix in WORD_SUFFIXES and e.code in (codes.E103, codes.E114):  # a Word note, not a reply
            msg = "Word 文件中没有含“序号”“进展情况”的表格，不是报送表，已跳过。"
            return FileChecked(None, [codes.make(codes.W313, msg, file=label)])
        return FileChecked(None, [codes.unreadable(e, label)])
    except OSError as e:
        return FileChecked(None, [codes.make(codes.E101, f"无法打开文件：{os_reason(e)}。", file=label)])
    except Exception as e:  # noqa: BLE001 - a parser's own error on a damaged file: that file's finding alone
        msg = f"文件已损坏或结构异常，读取时出错（{type(e).__name__}）。"
        return FileChecked(None, [codes.make(codes.E101, msg, file=label)])
    # text that would not survive publishing unchanged, then the form's rules
    return FileChecked(sub, check_content(sub), rules.check_form(sub) if rules is not None else [])


def check_files(
    files: list[Path],
    departments: Departments,
    rules: FormCheck | None = None,
    progress: ReadProgress | None = None,
    jobs: int | None = None,
    pool: Pool | None = None,
    labels: dict[Path, str] | None = None,
    shared_key: int | None = None,
) -> list[FileChecked]:
    """Every file read and checked (see check_file), in input order, each in a worker process under the
    limits of jobs.contained (one worker, or from 64 files one per CPU; `jobs` sets the number). A file
    whose worker ran out of memory or time, or died, gets E115 and the others are read as usual. `pool`:
    a long-lived pool to use (the batch job's, the web intake's) instead of one for this call. `labels`:
    how findings name each file (default: input_labels). `shared_key`: see Pool.map."""
    labels = labels or input_labels(files)
    tasks = [(f, labels[f]) for f in files]
    if pool is None and contained.unavailable():
        return [check_file((departments, rules), f, label) for f, label in tasks]  # see unavailable()
    if pool is None:
        with Pool(parallel.worker_count(jobs, len(files), parallel.MIN_FILES)) as own:
            results = own.map(check_file, (departments, rules), tasks, progress)
    else:
        results = pool.map(check_file, (departments, rules), tasks, progress, key=shared_key)
    return [r if not isinstance(r, Failed) else _unsafe(r, label) for r, (_, label) in zip(results, tasks)]


def _unsafe(failed: Failed, label: str) -> FileChecked:
    # the signal or limit (failed.detail) means nothing to a clerk: the message says what happened
    return FileChecked(None, [codes.make(codes.E115, f"{failed.message}，无法安全读取。", file=label)])


def read_all(
    files: list[Path], departments: Departments, progress: ReadProgress | None = None, jobs: int | None = None
) -> tuple[list[Submission], list[Finding]]:
    """Every file read, without the form rules: the submissions and the findings of reading them."""
    checked = check_files(files, departments, None, progress, jobs)
    return [c.submission for c in checked if c.submission is not None], [f for c in checked for f in c.read]


def run_pool(jobs: int | None, files: list[Path], preload: tuple[str, ...] = ()) -> Pool:
    """The workers of one run: one, or from MIN_FILES files one per CPU (`jobs` sets the number);
    `preload`: libraries the workers import before their memory is measured (openpyxl for --annotate)."""
    limits = contained.Limits(preload=contained.Limits().preload + preload)
    return Pool(parallel.worker_count(jobs, len(files), parallel.MIN_FILES), limits)


def load_inputs(
    master_path: Path, previous_path: Path | None, period: Period, placeholder: str, pool: Pool
) -> tuple[MasterList, dict[int, str] | None]:
    """The master list and, when given, last period's texts, each read in a worker (contained.run)."""
    from ledgerxl.read.master import load_master
    from ledgerxl.read.previous_ledger import load_previous

    master = contained.run(load_master, master_path, what=f"挂牌事项清单 {master_path}", pool=pool)
    if previous_path is None:
        return master, None
    what = f"上期台账 {previous_path}"
    return master, contained.run(load_previous, previous_path, period, placeholder, what=what, pool=pool)


def check_inputs(
    files: list[Path],
    master: MasterList,
    period: Period,
    departments: Departments,
    previous: dict[int, str] | None = None,
    missing: bool = True,
    progress: ReadProgress | None = None,
    jobs: int | None = None,
    pool: Pool | None = None,
    history: FileHistory | None = None,
) -> Checked:
    """Read and check every file, choose one form per department by the one rule, and check the set.
    `missing`: say who has sent nothing (W305), which only makes sense for a whole inbox. `history`: the
    working folder's (jobs.history.file_history): the order batch received the files in and the clerk's
    decisions; without it, the files' modification times."""
    checked = check_files(files, departments, FormRules(master, period, previous), progress, jobs, pool)
    subs = [c.submission for c in checked if c.submission is not None]
    findings = [f for c in checked for f in c.read]
    by_file = {c.submission.path: c.rules for c in checked if c.submission is not None}
    with_errors = {
        c.submission.path
        for c in checked
        if c.submission is not None and any(f.severity == "error" for f in (*c.read, *c.rules))
    }
    if history is None:
        selection = choose_submissions(subs, has_errors=lambda s: s.path in with_errors)
    else:
        selection = choose_submissions(subs, history.receipt, lambda s: s.path in with_errors, history.decision)
    findings += validate(subs, master, period, previous, missing=missing, checked=by_file, selection=selection)
    return Checked(period, master, files, subs, findings, selection)
