"""`ledgerxl validate` as one library call: read and check submissions, optionally write marked-up
copies for the departments. Nothing is merged or published."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from ledgerxl.config import Config
from ledgerxl.departments import Departments
from ledgerxl.errors import UsageError
from ledgerxl.jobs.check import Checked, check_inputs
from ledgerxl.jobs.gcpause import paused_gc
from ledgerxl.jobs.inputs import ReadProgress, collect_inputs, resolve_options
from ledgerxl.periods import Period
from ledgerxl.read.master import load_master


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


def run_validate(opts: ValidateOptions) -> ValidateResult:
    with paused_gc():
        return _run_validate(opts)


def _run_validate(opts: ValidateOptions) -> ValidateResult:
    from ledgerxl.read.previous_ledger import load_previous

    cfg = opts.config
    master_path, period, inputs = resolve_options(opts)
    if opts.annotate is not None:
        target = Path(opts.annotate).resolve()
        for p in inputs:
            if p.is_dir() and p.resolve() == target:
                raise UsageError(
                    f"--annotate 的目录 {opts.annotate} 就是报送文件目录。",
                    "请另选一个目录存放校验意见，否则下次汇总会把它们当作报送表读入。",
                )
    master = load_master(master_path)
    previous = load_previous(opts.previous, period, cfg.placeholder) if opts.previous else None
    skip = {master_path} | ({opts.previous} if opts.previous else set())
    files = collect_inputs(inputs, skip=skip)
    departments = Departments(master.departments, cfg.aliases)
    # who has not sent anything only makes sense for a whole inbox, not for single files
    whole_folder = any(p.is_dir() for p in inputs)
    jobs = opts.jobs or cfg.jobs
    checked = check_inputs(files, master, period, departments, previous, whole_folder, opts.progress, jobs)
    result = ValidateResult(**{f.name: getattr(checked, f.name) for f in dataclasses.fields(Checked)})
    if opts.annotate is not None:
        _annotate(result, Path(opts.annotate))
    return result


def _annotate(result: ValidateResult, out: Path) -> None:
    from ledgerxl.read.workbook import open_markable
    from ledgerxl.write.annotate import annotated_name, build_annotated
    from ledgerxl.write.publish import publish

    outputs: dict[Path, bytes] = {}
    for label, sub in result.inputs:
        if sub is None:
            result.not_annotated.append((label, "文件无法读取"))
            continue
        f = sub.path
        try:
            data = build_annotated(f, open_markable(f), [x for x in result.findings if x.file == label])
        except Exception:  # one copy that cannot be made must not stop the others
            result.not_annotated.append((label, "生成批注副本时出错，请直接参照校验报告修改"))
            continue
        target = out / annotated_name(f)
        n = 2
        while target in outputs:  # two inputs of the same name from different folders
            target = out / annotated_name(f.with_name(f"{f.stem}-{n}{f.suffix}"))
            n += 1
        outputs[target] = data
    result.annotated = publish(outputs)
