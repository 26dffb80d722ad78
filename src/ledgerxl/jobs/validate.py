"""`ledgerxl validate` as one library call: read and check submissions, optionally write marked-up
copies for the departments. Nothing is merged or published."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

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


def run_validate(opts: ValidateOptions) -> ValidateResult:
    with paused_gc():
        return _run_validate(opts)


def _run_validate(opts: ValidateOptions) -> ValidateResult:
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
    skip = {master_path} | ({opts.previous} if opts.previous else set())
    files = collect_inputs(inputs, skip=skip)
    # who has not sent anything only makes sense for a whole inbox, not for single files
    whole_folder = any(p.is_dir() for p in inputs)
    preload = ("openpyxl",) if opts.annotate is not None else ()  # the marked-up copies are made with it
    with run_pool(opts.jobs or cfg.jobs, files, preload) as pool:
        master, previous = load_inputs(master_path, opts.previous, period, cfg.placeholder, pool)
        departments = Departments(master.departments, cfg.aliases)
        history = file_history(cfg, period, files)  # the folder's one truth about versions, when it has one
        checked = check_inputs(
            files, master, period, departments, previous, whole_folder, opts.progress, pool=pool, history=history
        )
        result = ValidateResult(**{f.name: getattr(checked, f.name) for f in dataclasses.fields(Checked)})
        if opts.annotate is not None:
            _annotate(result, Path(opts.annotate), pool)
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


def _annotate(result: ValidateResult, out: Path, pool: Pool) -> None:
    from ledgerxl.write.annotate import annotated_name
    from ledgerxl.write.publish import publish

    outputs: dict[Path, bytes] = {}
    readable = []
    for label, sub in result.inputs:
        if sub is None:
            result.not_annotated.append((label, "文件无法读取"))
        else:
            readable.append((label, sub.path))
    tasks = [(f, [x for x in result.findings if x.file == label]) for label, f in readable]
    for (label, f), data in zip(readable, pool.map(annotated_copy, None, tasks)):
        if isinstance(data, Failed):
            result.not_annotated.append((label, f"生成批注副本时{data.message}，请直接参照校验报告修改"))
            continue
        if isinstance(data, str):
            result.not_annotated.append((label, data))
            continue
        target = out / annotated_name(f)
        n = 2
        while target in outputs:  # two inputs of the same name from different folders
            target = out / annotated_name(f.with_name(f"{f.stem}-{n}{f.suffix}"))
            n += 1
        outputs[target] = data
    result.annotated = publish(outputs)
