"""Time ledgerxl's stages in this process: read, validate, merge, xlsx, docx, plus the unzip-only floor.

Run by the runner in a fresh subprocess per size:  python -m benchmarks.stages CONFIG REPEAT [wall|cpu]
Prints one JSON object: the median seconds of each stage over REPEAT runs, and this process's peak RSS.
The stages call the same library functions, in the same order, as `pipeline.run_merge`.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from ledgerxl.model import Finding, Ledger, MasterList, Submission

STAGES = ("read", "validate", "merge", "xlsx", "docx")  # as `ledgerxl merge` runs them (workers included)
Clock = Callable[[], float]
T = TypeVar("T")
CLOCKS: dict[str, Clock] = {"wall": time.perf_counter, "cpu": time.process_time}


def rss_mb(ru_maxrss: int) -> float:
    """getrusage's peak RSS in MB (10^6 bytes): Linux counts KiB, macOS bytes."""
    return ru_maxrss / 1e6 if sys.platform == "darwin" else ru_maxrss * 1024 / 1e6


def unzip_floor(paths: list[Path], clock: Clock = time.perf_counter) -> float:
    """Seconds to open every workbook and inflate every member: what any reader must at least pay."""
    t = clock()
    for p in paths:
        if zipfile.is_zipfile(p):
            with zipfile.ZipFile(p) as z:
                for name in z.namelist():
                    z.read(name)
        else:
            p.read_bytes()
    return clock() - t


def timed(fn: Callable[[], T], clock: Clock, at_least: float = 0.2) -> tuple[T, float]:
    """fn's result and its seconds per call. A stage that takes less than `at_least` (validate, merge:
    tens of milliseconds) is repeated until it has run that long, as timeit does, so that a scheduler
    hiccup does not decide a 20k/10k ratio; the mean per call is returned."""
    t = clock()
    result = fn()
    first = clock() - t
    if first >= at_least:
        return result, first
    n = min(50, int(at_least / max(first, 1e-4)) + 1)
    t = clock()
    for _ in range(n):
        fn()
    return result, (clock() - t) / n


def run_once(config_path: Path, clock: Clock) -> dict[str, float]:
    from ledgerxl.config import load_config
    from ledgerxl.departments import Departments
    from ledgerxl.jobs.check import read_all
    from ledgerxl.jobs.inputs import collect_inputs, resolve_options
    from ledgerxl.jobs.merge import MergeOptions
    from ledgerxl.ledger import build_ledger
    from ledgerxl.read.master import load_master
    from ledgerxl.rules.resubmissions import choose_submissions
    from ledgerxl.rules.sets import validate
    from ledgerxl.write.attachment import DocxOptions, build_docx
    from ledgerxl.write.ledger_xlsx import build_xlsx

    cfg = load_config(config_path)
    master_path, period, *_, inputs = resolve_options(MergeOptions(config=cfg))
    out: dict[str, float] = {}

    def stage(name: str, fn: Callable[[], T]) -> T:
        gc.collect()  # no garbage of the previous stage collected on this one's time
        result, out[name] = timed(fn, clock)
        return result

    def read(jobs: int | None) -> tuple[MasterList, list[Path], list[Submission], list[Finding]]:
        master = load_master(master_path)
        files = collect_inputs(inputs, skip={master_path})
        subs, findings = read_all(files, Departments(master.departments, cfg.aliases), jobs=jobs)
        return master, files, subs, findings

    # read: as `ledgerxl merge` reads (worker processes for many files), also timed in one process;
    # validate: every rule, in this process (merge runs the per-form rules inside its read workers)
    master, files, subs, findings = stage("read", lambda: read(cfg.jobs))
    stage("read_1", lambda: read(1))
    findings = findings + stage("validate", lambda: validate(subs, master, period))
    errors = {f.file for f in findings if f.severity == "error"}
    title = cfg.ledger_title(period)

    def merge() -> Ledger:  # as run_merge: one form per department, none with errors
        accepted = [s for s in choose_submissions(subs).chosen if s.name not in errors]
        return build_ledger(master, accepted, title, period.progress_label, cfg.placeholder)

    ledger = stage("merge", merge)
    date = cfg.date_for(period)
    xlsx = stage("xlsx", lambda: build_xlsx(ledger, date))
    docx = stage("docx", lambda: build_docx(ledger, DocxOptions(date=date)))
    return {
        **out,
        "floor": unzip_floor([master_path, *files], clock),
        "errors": float(len(errors)),
        "items": float(len(master.items)),
        "entries": float(sum(len(s.entries) for s in subs)),
        "files": float(len(files)),
        "out_bytes": float(len(xlsx) + len(docx)),
    }


def measure(config_path: Path, repeat: int, clock: Clock = time.perf_counter) -> dict[str, float]:
    # The libraries are imported before timing: stages measure the work, the end-to-end time the imports.
    import docx  # noqa: F401
    import python_calamine  # noqa: F401
    import xlsxwriter  # noqa: F401

    from ledgerxl.jobs.gcpause import paused_gc

    with paused_gc():  # as run_merge
        runs = [run_once(config_path, clock) for _ in range(repeat)]
    result = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    try:
        import resource

        result["peak_mb"] = rss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    except ImportError:  # pragma: no cover - Windows
        pass
    return result


def main(argv: list[str]) -> int:
    config, repeat = Path(argv[0]), int(argv[1])
    clock = CLOCKS[argv[2] if len(argv) > 2 else "wall"]
    print(json.dumps(measure(config, repeat, clock)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
