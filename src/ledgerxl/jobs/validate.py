"""`ledgerxl validate` as one library call: read and check submissions, optionally write marked-up
copies for the departments. Nothing is merged or published."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from ledgerxl import codes
from ledgerxl.config import Config
from ledgerxl.contained import Failed, Pool
from ledgerxl.departments import Departments
from ledgerxl.errors import UsageError
from ledgerxl.jobs.check import Checked, check_inputs, load_inputs, run_pool
from ledgerxl.jobs.gcpause import paused_gc
from ledgerxl.jobs.history import file_history
from ledgerxl.jobs.inputs import ReadProgress, collect_inputs, resolve_options
from ledgerxl.model import Finding
from ledgerxl.periods import Period


@dataclass
class ValidateOptions:
    inputs: list[Path] = field(default_factory=list)
    master: Path | None = None
    period: str | Period | None = None
    config: Config = field(default_factory=Config)
    previous: Path | None = None  # last period's 台账.xlsx (W301)
    annotate: Path | None = None  # folder for the marked-up copies
    progress: ReadProgress | None = None  # told after each file read (a progress bar)
    jobs: int | None = None  # worker processes for reading (1: none); None: the config's, else by input size


@dataclass
class ValidateResult(Checked):
    annotated: list[Path] = field(default_factory=list)
    not_annotated: list[tuple[str, str]] = field(default_factory=list)  # (file as findings name it, why)
    feedback: Path | None = None  # 反馈清单.txt, with --annotate
    clean: int = 0  # forms with nothing for their department to fix: no copy made


def run_validate(opts: ValidateOptions) -> ValidateResult:
    with paused_gc():
        return _run_validate(opts)


def _run_validate(opts: ValidateOptions) -> ValidateResult:
    cfg = opts.config
    master_path, period, inputs = resolve_options(opts)
    # the config's (next-period sets it) belongs to the configured period only
    previous_path = opts.previous or (opts.config.previous if period == opts.config.period else None)
    if opts.annotate is not None:
        target = Path(opts.annotate).resolve()
        for p in inputs:
            if p.is_dir() and p.resolve() == target:
                raise UsageError(
                    f"--annotate 的目录 {opts.annotate} 就是报送文件目录。",
                    "请另选一个目录存放校验意见，否则下次汇总会把它们当作报送表读入。",
                )
    skip = {master_path} | ({previous_path} if previous_path else set())
    files = collect_inputs(inputs, skip=skip)
    # who has not sent anything only makes sense for a whole inbox, not for single files
    whole_folder = any(p.is_dir() for p in inputs)
    preload = ("openpyxl",) if opts.annotate is not None else ()  # the marked-up copies are made with it
    with run_pool(opts.jobs or cfg.jobs, files, preload) as pool:
        master, previous = load_inputs(master_path, previous_path, period, cfg.placeholder, pool)
        departments = Departments(master.departments, cfg.aliases)
        history = file_history(cfg, period, files)  # the folder's one truth about versions, when it has one
        checked = check_inputs(
            files, master, period, departments, previous, whole_folder, opts.progress, pool=pool, history=history
        )
        result = ValidateResult(**{f.name: getattr(checked, f.name) for f in dataclasses.fields(Checked)})
        if opts.annotate is not None:
            _annotate(result, Path(opts.annotate), pool, cfg)
    return result


def annotated_copy(_shared: None, path: Path, findings: list[Finding]) -> bytes | str:
    """In a worker: the marked-up copy of `path`, or why it could not be made (one copy that cannot be made
    must not stop the others)."""
    from ledgerxl.read.workbook import open_markable
    from ledgerxl.write.annotate import build_annotated

    try:
        return build_annotated(path, open_markable(path), findings)
    except Exception:  # noqa: BLE001 - said in the result, and the other copies are made
        return "生成批注副本时出错，请直接参照校验报告修改"


def _annotate(result: ValidateResult, out: Path, pool: Pool, cfg: Config) -> None:
    """Marked-up copies of the forms a department must look at again, and 反馈清单.txt. A clean form gets
    no copy (22 copies of which 20 say 未发现问题 hid the two to send); an older version another one
    replaced (W306) gets none either: its department already sent a newer one."""
    from ledgerxl.write.feedback import FEEDBACK_NAME, FileFeedback, copy_name, feedback_text, for_department
    from ledgerxl.write.publish import publish

    by_file: dict[str, list[Finding]] = {}
    for x in result.findings:
        by_file.setdefault(x.file, []).append(x)
    order = {d: i for i, d in enumerate(result.master.departments)}
    feedback: list[FileFeedback] = []
    clean: list[str] = []
    tasks: list[tuple[Path, list[Finding]]] = []
    made: list[FileFeedback] = []
    for label, sub in result.inputs:
        mine = by_file.get(label, [])
        if any(x.code == codes.W306 for x in mine):
            continue
        dept = sub.department if sub is not None and sub.department else next((x.department for x in mine), "")
        fb = FileFeedback(label, dept, for_department(mine))
        if not fb.findings:
            if sub is not None and dept:
                clean.append(dept)
            continue
        feedback.append(fb)
        if sub is None:
            result.not_annotated.append((label, "文件无法读取"))
        else:
            tasks.append((sub.path, fb.findings))
            made.append(fb)
    outputs: dict[Path, bytes] = {}
    for fb, (path, _), data in zip(made, tasks, pool.map(annotated_copy, None, tasks)):
        if isinstance(data, Failed):
            result.not_annotated.append((fb.label, f"生成批注副本时{data.message}，请直接参照校验报告修改"))
            continue
        if isinstance(data, str):
            result.not_annotated.append((fb.label, data))
            continue
        target = out / copy_name(path, fb.department)
        n = 2
        while target in outputs:  # two inputs of the same name from different folders
            target = out / copy_name(path.with_name(f"{path.stem}-{n}{path.suffix}"), fb.department)
            n += 1
        outputs[target] = data
        fb.copy = target.name
    feedback.sort(key=lambda fb: (order.get(fb.department, len(order)), fb.label))
    missing = [x.department for x in result.findings if x.code == codes.W305 and x.department]
    passed = sorted(set(clean), key=lambda d: order.get(d, len(order)))
    text = feedback_text(feedback, result.period, passed, missing, cfg.deadline)
    feedback_path = out / FEEDBACK_NAME
    outputs[feedback_path] = text.encode("utf-8")
    written = publish(outputs)
    result.annotated = [p for p in written if p != feedback_path]
    result.feedback = feedback_path
    result.clean = len(clean)
