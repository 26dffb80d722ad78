"""The merge job as one library call: read -> validate -> merge -> write. The CLI and batch use it."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ledgerxl import codes
from ledgerxl.config import AttachmentConfig, Config, parse_font_size
from ledgerxl.departments import Departments
from ledgerxl.errors import ReadError, UsageError, os_reason
from ledgerxl.jobs.gcpause import paused_gc
from ledgerxl.jobs.init import ensure_ready
from ledgerxl.ledger import build_ledger
from ledgerxl.model import Finding, Ledger, MasterList, Submission
from ledgerxl.periods import Period
from ledgerxl.read.grid import TABLE_SUFFIXES
from ledgerxl.read.master import load_master
from ledgerxl.read.submission import read_submission
from ledgerxl.rules.content import check_content
from ledgerxl.rules.resubmissions import choose_submissions
from ledgerxl.rules.validate import FormRules, validate

LEDGER_NAME = "台账.xlsx"
ATTACHMENT_NAME = "附件.docx"
NOTICE_NAME = "通知.docx"

# Told (files read so far, files in all) after each file, e.g. to move a progress bar.
ReadProgress = Callable[[int, int], None]


@dataclass
class MergeOptions:
    master: Path | None = None
    period: str | Period | None = None
    out: Path | None = None
    inputs: list[Path] = field(default_factory=list)
    allow_errors: bool = False
    config: Config = field(default_factory=Config)
    # 附件.docx and 通知.docx; None / False: as in the config's [attachment] and [notice]
    attachment_label: str | None = None  # "附件2"; "" drops the label
    with_departments: bool = False
    table_font_size: str | float | None = None  # pt or 四号/小四…
    notice: bool = False
    notice_template: Path | None = None
    previous: Path | None = None  # last period's 台账.xlsx, for the stale-progress warning (W301)
    progress: ReadProgress | None = None
    jobs: int | None = None  # worker processes (1: none); None: the config's, else chosen by input size


@dataclass
class Checked:
    """What merge and validate both found: the inputs, the submissions read from them, the findings."""

    period: Period
    master: MasterList
    files: list[Path]
    submissions: list[Submission]
    findings: list[Finding]
    superseded: list[Submission] = field(default_factory=list)  # replaced by a later form (W306)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def inputs(self) -> list[tuple[str, Submission | None]]:
        """Each input file as findings name it, with the submission read from it (None: unreadable)."""
        by_path = {s.path: s for s in self.submissions}
        return [(label, by_path.get(path)) for path, label in input_labels(self.files).items()]


@dataclass
class MergeResult(Checked):
    ledger: Ledger | None = None
    excluded: list[Submission] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return not self.written and bool(self.errors)

    @property
    def reported(self) -> list[str]:
        """Departments whose form is in the ledger (not excluded for its errors), in master order."""
        sent = {s.department for s in self.submissions} - {s.department for s in self.excluded}
        return [d for d in self.master.departments if d in sent]

    @property
    def items_with_progress(self) -> int:
        return self.ledger.items_with_progress if self.ledger else 0


def collect_inputs(paths: list[Path], skip: set[Path] | None = None) -> list[Path]:
    """Submission files under the given files/folders, sorted by name so every run reads the same list.

    Excel/WPS lock files (~$…) and hidden files are skipped; other files are kept so that a wrong
    format is reported rather than silently ignored."""
    skip = {_resolved(p) for p in (skip or set())}
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(c for c in p.iterdir() if c.is_file() or c.suffix.lower() in TABLE_SUFFIXES)
        elif p.exists() or p.is_symlink():
            found.append(p)
        else:
            raise UsageError(f"找不到报送文件或目录 {p}。", "请检查路径；目录名含空格时请加引号。")
    keep = [f for f in found if not f.name.startswith(("~$", ".")) and _resolved(f) not in skip]
    return sorted(dict.fromkeys(keep), key=lambda f: (f.name, str(f)))


def _resolved(p: Path) -> Path:
    """resolve() raises on a symlink loop; such a file is still listed so that it is reported (E112)."""
    try:
        return p.resolve()
    except (OSError, RuntimeError):
        return p.absolute()


def input_labels(files: list[Path]) -> dict[Path, str]:
    """How findings and messages name each input: its file name, or the path as given when several
    inputs share that name (from two folders), so that every finding points at one file."""
    names = Counter(f.name for f in files)
    return {f: f.name if names[f.name] == 1 else str(f) for f in files}


FormCheck = Callable[[Submission], list[Finding]]


def read_all(
    files: list[Path], departments: Departments, progress: ReadProgress | None = None, jobs: int | None = None
) -> tuple[list[Submission], list[Finding]]:
    """Every file read (findings say which could not be): submissions are named by input_labels."""
    subs, findings, _ = read_checked(files, departments, progress, jobs)
    return subs, findings


def read_checked(
    files: list[Path],
    departments: Departments,
    progress: ReadProgress | None = None,
    jobs: int | None = None,
    check: FormCheck | None = None,
) -> tuple[list[Submission], list[Finding], dict[Path, list[Finding]]]:
    """read_all, and when the files are read by worker processes (see parallel.py; `jobs` 1: never),
    `check` run by them on each form read: its findings by file, for validate(checked=…). Results are
    taken in input order, so nothing downstream depends on how many workers there were."""
    from ledgerxl.jobs import parallel

    labels = input_labels(files)
    workers = parallel.worker_count(jobs, len(files), parallel.MIN_FILES)
    if workers == 1:  # the rules are left to validate: nothing to gain from running them here
        return _collect((_read_one(f, labels[f], departments, None) for f in files), len(files), progress)
    from concurrent.futures.process import BrokenProcessPool

    # chunks of a few files: few round trips, yet the last chunks keep every worker busy to the end
    chunk = max(1, min(16, len(files) // (workers * 4)))
    pool = parallel.start_pool(workers, _set_worker, (departments, check))
    done = [0]  # files whose results have come back, for the message if a worker dies

    def counted(n: int, total: int) -> None:
        done[0] = n
        if progress is not None:
            progress(n, total)

    try:
        mapped = pool.map(_read_in_worker, files, [labels[f] for f in files], chunksize=chunk)
        result = _collect(mapped, len(files), counted)
    except BrokenProcessPool as e:
        pool.shutdown(wait=True, cancel_futures=True)
        in_flight = [labels[f] for f in files[done[0] : done[0] + workers * chunk]]
        raise parallel.broken(e, in_flight) from e
    except BaseException:  # Ctrl-C or a bug: the files not yet read are dropped, not read to the end
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    return result


_Read = tuple[Submission | None, list[Finding], list[Finding] | None]


def _collect(
    results: Iterable[_Read], total: int, progress: ReadProgress | None
) -> tuple[list[Submission], list[Finding], dict[Path, list[Finding]]]:
    subs: list[Submission] = []
    findings: list[Finding] = []
    checked: dict[Path, list[Finding]] = {}
    for done, (sub, found, rules) in enumerate(results, start=1):
        if sub is not None:
            subs.append(sub)
            if rules is not None:
                checked[sub.path] = rules
        findings.extend(found)
        if progress is not None:
            progress(done, total)
    return subs, findings, checked


def _read_one(f: Path, label: str, departments: Departments, check: FormCheck | None) -> _Read:
    """One file: its submission, the findings on its text and, with `check`, the form's rule findings;
    or None and why it could not be read."""
    try:
        if f.is_dir():
            raise ReadError("E101", "这是一个文件夹，不是表格文件。")
        if f.suffix.lower() not in TABLE_SUFFIXES:
            raise ReadError(
                "E101", f"不是表格文件（扩展名“{f.suffix or '无'}”）。", "请报送 .xlsx、.xls、.ods 或 .csv 文件。"
            )
        sub = read_submission(f, departments)
        sub.label = "" if label == f.name else label
    except ReadError as e:
        return None, [codes.unreadable(e, label)], None
    except OSError as e:
        return None, [codes.make("E101", f"无法打开文件：{os_reason(e)}。", file=label)], None
    # text that would not survive publishing unchanged
    return sub, check_content(sub), check(sub) if check is not None else None


# set once in each worker process by the pool's initializer
_worker: tuple[Departments, FormCheck | None] | None = None


def _set_worker(departments: Departments, check: FormCheck | None) -> None:
    global _worker
    _worker = (departments, check)


def _read_in_worker(f: Path, label: str) -> _Read:
    assert _worker is not None, "the pool's initializer sets it"
    return _read_one(f, label, *_worker)


class InputOptions(Protocol):
    """What merge and validate both take from the command line, each falling back to ledgerxl.toml."""

    master: Path | None
    period: str | Period | None
    inputs: list[Path]
    config: Config


def resolve_options(opts: InputOptions) -> tuple[Path, Period, list[Path]]:
    """The master list, the period and the submission files/folders: options first, then ledgerxl.toml."""
    cfg = opts.config
    inputs = [Path(p) for p in opts.inputs] or ([cfg.inbox] if cfg.inbox else [])
    master, period = cfg.master_list(opts.master), cfg.report_period(opts.period)
    if not inputs:
        raise UsageError("没有指定报送文件。", "请在命令末尾给出文件或目录，或在 ledgerxl.toml 中设置 inbox。")
    return master, period, inputs


def with_output_options(opts: MergeOptions) -> Config:
    """The config with merge's command-line choices for 附件.docx and 通知.docx applied over it."""
    cfg = opts.config
    att, notice = cfg.attachment, cfg.notice
    size = opts.table_font_size
    attachment = AttachmentConfig(
        label=att.label if opts.attachment_label is None else opts.attachment_label,
        font_size=att.font_size if size is None else parse_font_size(size, "--table-font-size "),
        with_departments=opts.with_departments or att.with_departments,
    )
    notice = dataclasses.replace(
        notice,
        enabled=notice.enabled or opts.notice or opts.notice_template is not None,
        template=opts.notice_template or notice.template,
    )
    return dataclasses.replace(cfg, attachment=attachment, notice=notice, jobs=opts.jobs or cfg.jobs)


def run_merge(opts: MergeOptions) -> MergeResult:
    """Validate every submission, merge, and write 台账.xlsx, 附件.docx and, when asked, 通知.docx
    (unless errors block it), and 校验报告.xlsx with every finding. Every output is rendered before any is
    written."""
    with paused_gc():
        return _run_merge(opts)


def _run_merge(opts: MergeOptions) -> MergeResult:
    from ledgerxl.read.previous_ledger import load_previous
    from ledgerxl.write.publish import publish
    from ledgerxl.write.report import REPORT_NAME, build_report

    master_path, period, inputs = resolve_options(opts)
    out = Path(opts.out or opts.config.out or "out")
    cfg = with_output_options(opts)  # before any reading, so a bad option stops the run at once
    files = collect_inputs(inputs, skip={master_path} | ({opts.previous} if opts.previous else set()))
    ensure_ready(master_path, inputs, files)  # a fresh working folder: say all that is missing
    master = load_master(master_path)
    departments = Departments(master.departments, cfg.aliases)
    previous = load_previous(opts.previous, period, cfg.placeholder) if opts.previous else None
    rules = FormRules(master, period, previous)
    subs, findings, checked = read_checked(files, departments, opts.progress, cfg.jobs, rules)
    findings.extend(validate(subs, master, period, previous, checked=checked))
    chosen = choose_submissions(subs)  # the same choice validate made: one form per department
    result = MergeResult(
        period=period, master=master, files=files, submissions=subs, findings=findings, superseded=chosen.superseded
    )
    if result.errors and not opts.allow_errors:
        return result
    # a finding names its file by the input's label (unique, see input_labels): back to the file's path
    paths = {label: path for path, label in input_labels(files).items()}
    bad = {paths.get(f.file) for f in result.errors}
    accepted = [s for s in chosen.chosen if s.path not in bad]
    result.excluded = [s for s in chosen.chosen if s.path in bad]
    result.ledger, outputs = render_outputs(master, accepted, period, cfg, out)
    outputs[out / REPORT_NAME] = build_report(result.findings, f"{period}校验报告", cfg.date_for(period))
    result.written = publish(outputs)
    return result


def render_outputs(
    master: MasterList, accepted: list[Submission], period: Period, cfg: Config, out: Path
) -> tuple[Ledger, dict[Path, bytes]]:
    """Merge accepted submissions and render every output in memory (nothing written): merge and batch."""
    from ledgerxl.jobs import parallel
    from ledgerxl.write.attachment import DocxOptions, build_docx
    from ledgerxl.write.ledger_xlsx import build_xlsx

    ledger = build_ledger(master, accepted, cfg.ledger_title(period), period.progress_label, cfg.placeholder)
    date = cfg.date_for(period)
    att = cfg.attachment
    label = att.label or None
    docx_opts = DocxOptions(label=label, cell_size=att.font_size, with_departments=att.with_departments, date=date)
    if parallel.worker_count(cfg.jobs, len(ledger.rows), parallel.MIN_ROWS) > 1:
        # a large ledger: 附件.docx is rendered by another process while 台账.xlsx is rendered here
        with parallel.Beside(build_docx, ledger, docx_opts) as other:
            xlsx = build_xlsx(ledger, date)
            docx = other.result()
    else:
        xlsx, docx = build_xlsx(ledger, date), build_docx(ledger, docx_opts)
    outputs = {out / LEDGER_NAME: xlsx, out / ATTACHMENT_NAME: docx}
    if cfg.notice.enabled:
        from ledgerxl.write.notice import notice_context, render_notice

        context = notice_context(
            ledger,
            period,
            date,
            org=cfg.org,
            office=cfg.notice.office,
            doc_number=cfg.notice.number,
            attachment_label=label,
        )
        outputs[out / NOTICE_NAME] = render_notice(context, cfg.notice.template)
    return ledger, outputs
