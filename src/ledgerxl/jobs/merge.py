"""`ledgerxl merge` as one library call: check the inputs (jobs.check) -> build the ledger -> render every
output -> publish them together. batch renders its outputs with the same render_outputs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ledgerxl import contained
from ledgerxl.config import Config
from ledgerxl.departments import Departments
from ledgerxl.errors import UsageError
from ledgerxl.jobs.check import Checked, check_inputs, load_inputs, run_pool
from ledgerxl.jobs.gcpause import paused_gc
from ledgerxl.jobs.history import file_history
from ledgerxl.jobs.init import ensure_ready
from ledgerxl.jobs.inputs import ReadProgress, collect_inputs, input_labels, resolve_options
from ledgerxl.ledger import accepted_part, build_ledger
from ledgerxl.model import Finding, Ledger, MasterList, Submission
from ledgerxl.periods import Period
from ledgerxl.rules.resubmissions import parse_date

if TYPE_CHECKING:
    from ledgerxl.write.ledger_xlsx import PreviousColumn

LEDGER_NAME = "台账.xlsx"
ATTACHMENT_NAME = "附件.docx"
NOTICE_NAME = "通知.docx"


@dataclass
class MergeOptions:
    master: Path | None = None
    period: str | Period | None = None
    out: Path | None = None
    inputs: list[Path] = field(default_factory=list)
    allow_errors: bool = False
    config: Config = field(default_factory=Config)  # output choices of the command line applied (Config.with_outputs)
    previous: Path | None = None  # last period's 台账.xlsx, for the stale-progress warning (W301)
    progress: ReadProgress | None = None
    jobs: int | None = None  # worker processes (1: none); None: the config's, else chosen by input size
    pdf: bool = False  # also a PDF of each Word document, beside it (LibreOffice; a warning without it)


@dataclass
class MergeResult(Checked):
    ledger: Ledger | None = None
    excluded: list[Submission] = field(default_factory=list)  # left out whole: an error about the file
    left_out: list[tuple[str, int, str]] = field(default_factory=list)  # (file, item, department): item errors
    written: list[Path] = field(default_factory=list)
    date: dt.date | None = None  # the documents' date (document_date)
    blocked: bool = False  # errors kept the ledger from being published (校验报告.xlsx is written all the same)

    @property
    def reported(self) -> list[str]:
        """Departments whose form is in the ledger (not excluded for its errors), in master order."""
        sent = {s.department for s in self.submissions} - {s.department for s in self.excluded}
        return [d for d in self.master.departments if d in sent]

    @property
    def items_with_progress(self) -> int:
        return self.ledger.items_with_progress if self.ledger else 0


def run_merge(opts: MergeOptions) -> MergeResult:
    """Validate every submission, merge, and write 台账.xlsx, 附件.docx and, when asked, 通知.docx
    (unless errors block it), and 校验报告.xlsx with every finding. Every output is rendered before any is
    written."""
    with paused_gc():
        return _run_merge(opts)


def _run_merge(opts: MergeOptions) -> MergeResult:
    from ledgerxl.write.publish import publish
    from ledgerxl.write.report import REPORT_NAME, build_report

    master_path, period, inputs = resolve_options(opts)
    # the config's (next-period sets it) belongs to the configured period only
    previous_path = opts.previous or (opts.config.previous if period == opts.config.period else None)
    out = Path(opts.out or opts.config.out or "out")
    cfg = dataclasses.replace(opts.config, jobs=opts.jobs or opts.config.jobs)
    if cfg.ledger.with_previous and previous_path is None:
        raise _no_previous()  # before any form is read
    files = collect_inputs(inputs, skip={master_path} | ({previous_path} if previous_path else set()))
    ensure_ready(master_path, inputs, files)  # a fresh working folder: say all that is missing
    with run_pool(cfg.jobs, files) as pool:
        pool.start(len(files))
        warm = _warm_writers()  # while the workers read (one of the sample's 0.26 s)
        master, previous = load_inputs(master_path, previous_path, period, cfg.placeholder, pool)
        departments = Departments(master.departments, cfg.aliases)
        history = file_history(cfg, period, files)  # the folder's one truth about versions, when it has one
        checked = check_inputs(
            files, master, period, departments, previous, progress=opts.progress, pool=pool, history=history
        )
    warm.join()
    result = MergeResult(**{f.name: getattr(checked, f.name) for f in dataclasses.fields(Checked)})
    report = out / REPORT_NAME
    if result.errors and not opts.allow_errors:
        # the clerk needs the list of what to fix most exactly now: the report is written, the ledger is not
        result.blocked = True
        date = document_date(cfg, period, result.selection.chosen)
        result.written = publish({report: build_report(result.findings, f"{period}校验报告", date)})
        return result
    # a finding names its file by the input's label (unique, see input_labels)
    labels = input_labels(files)
    errors: dict[str, list[Finding]] = {}
    for f in result.errors:
        errors.setdefault(f.file, []).append(f)
    accepted, rejected = [], set()
    for s in result.selection.chosen:
        part, refused = accepted_part(s, errors.get(labels.get(s.path, s.name), []))
        if part is None:  # an error about the file: none of it is published
            result.excluded.append(s)
            continue
        accepted.append(part)
        rejected |= refused
        result.left_out.extend((s.name, n, dept) for n, dept in sorted(refused))
    result.date = document_date(cfg, period, accepted)
    result.ledger, outputs = render_outputs(master, accepted, period, cfg, out, rejected, result.date, previous)
    if opts.pdf:
        outputs, problems = with_pdfs(outputs, result.date)
        result.findings.extend(problems)
    outputs[report] = build_report(result.findings, f"{period}校验报告", result.date)
    result.written = publish(outputs)
    return result


def with_pdfs(outputs: dict[Path, bytes], date: dt.date) -> tuple[dict[Path, bytes], list[Finding]]:
    """`outputs` with a PDF of each Word document right after it (converted by LibreOffice, in memory until
    published with the rest), or unchanged and a warning saying why there is none: W350 LibreOffice is not
    installed, W351 the conversion failed. The Word documents are published either way."""
    from ledgerxl import codes
    from ledgerxl.write.pdf import NoLibreOffice, PdfError, to_pdf

    docs = {p: data for p, data in outputs.items() if p.suffix == ".docx"}
    if not docs:
        return outputs, []
    names = "、".join(p.name for p in docs)
    try:
        pdfs = to_pdf({p.name: data for p, data in docs.items()}, date)
    except NoLibreOffice as e:
        return outputs, [codes.make(codes.W350, f"未生成 {names} 的 PDF：{e.reason}。")]
    except PdfError as e:
        return outputs, [codes.make(codes.W351, f"未生成 {names} 的 PDF：{e.reason}。")]
    out: dict[Path, bytes] = {}
    for p, data in outputs.items():
        out[p] = data
        if p in docs:
            out[p.with_suffix(".pdf")] = pdfs[p.with_suffix(".pdf").name]
    return out, []


# a 填报日期 this long after the period's end is a typo (2052 for 2025) or a crafted cell, not a date to
# put on an official document; a Q3 form is filled in October, an annual one by February at the latest
LATEST_FILLING = dt.timedelta(days=120)


def document_date(cfg: Config, period: Period, submissions: list[Submission]) -> dt.date:
    """The date on the documents: `document_date` when the config pins it; otherwise the period's last
    day or, when later, the newest 填报日期 of the forms reported (a Q3 notice dated 9月30日 about forms
    filled on 10月8–12日 reported what did not exist yet). The same inputs give the same date."""
    if cfg.document_date is not None:
        return cfg.document_date
    end = period.end_date
    dates = [d for s in submissions if (d := parse_date(s.filled_date)) and end < d <= end + LATEST_FILLING]
    return max(dates, default=end)


def render_outputs(
    master: MasterList,
    accepted: list[Submission],
    period: Period,
    cfg: Config,
    out: Path,
    rejected: set[tuple[int, str]] | None = None,
    date: dt.date | None = None,
    previous: Mapping[int, str] | None = None,
) -> tuple[Ledger, dict[Path, bytes]]:
    """Merge accepted submissions and render every output in memory (nothing written): merge and batch.
    `rejected`: (item, department) entries left out for their errors (ledger.accepted_part); `date`: the
    documents' (default: document_date of the accepted forms); `previous`: last period's published texts,
    for 台账.xlsx's 上期 column when [ledger] with_previous asks for it (default: read from the config's
    `previous`, so batch shows what merge shows)."""
    from ledgerxl.jobs import parallel
    from ledgerxl.write.attachment import DocxOptions, build_docx
    from ledgerxl.write.ledger_xlsx import build_xlsx

    title = cfg.ledger_title(period)
    ledger = build_ledger(
        master, accepted, title, period.progress_label, cfg.placeholder, rejected or (), cfg.error_placeholder
    )
    date = date or document_date(cfg, period, accepted)
    att = cfg.attachment
    label = att.label or None
    docx_opts = DocxOptions(
        label=label, cell_size=att.font_size, with_departments=att.with_departments, date=date, title_words=(cfg.org,)
    )
    column = previous_column(cfg, period, previous) if cfg.ledger.with_previous else None
    if parallel.worker_count(cfg.jobs, len(ledger.rows), parallel.MIN_ROWS) > 1:
        # a large ledger: 附件.docx is rendered by another process while 台账.xlsx is rendered here
        with parallel.Beside(build_docx, ledger, docx_opts) as other:
            xlsx = build_xlsx(ledger, date, previous=column, title_words=(cfg.org,))
            docx = other.result()
    else:
        xlsx = build_xlsx(ledger, date, previous=column, title_words=(cfg.org,))
        docx = build_docx(ledger, docx_opts)
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
            masthead=cfg.notice.masthead,
            cc=cfg.notice.cc,
            printed_by=cfg.notice.printed_by,
        )
        template = cfg.notice.template
        if template is None:  # ledgerxl's own template
            outputs[out / NOTICE_NAME] = render_notice(context)
        else:  # the clerk's: sandboxed, and rendered in a worker (its .docx is parsed there too)
            what = f"通知模板 {template}"
            outputs[out / NOTICE_NAME] = contained.run(render_notice, context, template, what=what)
    return ledger, outputs


def previous_label(period: Period) -> str:
    """The heading of last period's progress beside this period's: 上半年进展情况, 三季度进展情况, and for a
    first quarter last year's 2024年全年完成情况."""
    prev = period.previous
    year = f"{prev.year}年" if prev.year != period.year else ""
    return f"{year}{prev.label}{'完成情况' if prev.is_annual else '进展情况'}"


def previous_column(cfg: Config, period: Period, previous: Mapping[int, str] | None) -> PreviousColumn:
    """台账.xlsx's column of last period's progress ([ledger] with_previous, merge --with-previous): the
    texts merge read for W301, else those of the config's `previous` ledger (batch); without either, a
    UsageError rather than a column that would say nothing was reported last period."""
    from ledgerxl.read.previous_ledger import load_previous
    from ledgerxl.write.ledger_xlsx import PreviousColumn

    if previous is None:
        if cfg.previous is None or period != cfg.period:
            raise _no_previous()
        what = f"上期台账 {cfg.previous}"
        previous = contained.run(load_previous, cfg.previous, period, cfg.placeholder, what=what)
    return PreviousColumn(previous_label(period), previous)


def _no_previous() -> UsageError:
    return UsageError(
        "台账要列出上期进展情况（with_previous），但没有指定上期台账。",
        "请用 --previous 指定上一期的台账.xlsx，或在 ledgerxl.toml 中设置 previous；"
        "不需要这一列时去掉 --with-previous 或 [ledger] 中的 with_previous。",
    )


def _warm_writers() -> threading.Thread:
    """Import the writers (python-docx, xlsxwriter: 0.05 s) in a thread while the worker processes read
    the forms and this process waits for them. It holds contained.fork_lock meanwhile: no worker is forked
    in the middle of an import."""

    def imports() -> None:
        with contained.fork_lock:
            import docx  # noqa: F401 - imported for its side effect: loaded once, here, in the idle time
            import xlsxwriter  # noqa: F401

            import ledgerxl.write.attachment  # noqa: F401
            import ledgerxl.write.ledger_xlsx  # noqa: F401
            import ledgerxl.write.report  # noqa: F401

    t = threading.Thread(target=imports, name="ledgerxl-warm-writers", daemon=True)
    t.start()
    return t
