"""Worker processes (parallel.py): the same outputs and findings whatever their number, the choice of how
many, and a clear stop when one dies."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest
from helpers import ROOT, invoke

from ledgerxl.config import load_config
from ledgerxl.departments import Departments
from ledgerxl.errors import ConfigError
from ledgerxl.jobs import parallel
from ledgerxl.jobs.check import check_files
from ledgerxl.jobs.inputs import collect_inputs
from ledgerxl.model import Finding, Item, Ledger, LedgerRow, Submission
from ledgerxl.read.master import load_master

sys.path.insert(0, str(ROOT / "tests" / "corpus"))
import make_corpus  # noqa: E402

OUTPUTS = ("台账.xlsx", "附件.docx", "校验报告.xlsx")


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def mixed_inbox(sample_dir: Path) -> Path:
    """The 22 good forms and every hostile or faulty file of the corpus in one inbox: errors and
    warnings from the reader, the content checks and the form rules all occur."""
    make_corpus.build_flat(sample_dir / "submissions")
    return sample_dir


@pytest.mark.slow
def test_merge_is_identical_with_any_number_of_workers(mixed_inbox: Path, tmp_path: Path) -> None:
    config = str(mixed_inbox / "ledgerxl.toml")
    runs = {}
    for jobs in ("1", "2", "3"):
        out = tmp_path / f"jobs{jobs}"
        r = invoke(["merge", "--config", config, "--out", str(out), "--allow-errors", "--jobs", jobs])
        assert r.exit_code == 0, r.output
        runs[jobs] = (r.output.replace(str(out), "OUT"), {name: _sha(out / name) for name in OUTPUTS})
    assert "[错误 E" in runs["1"][0] and "[警告 W" in runs["1"][0]  # findings of every kind were compared
    assert runs["2"] == runs["1"]
    assert runs["3"] == runs["1"]


@pytest.mark.slow
def test_validate_json_is_identical_with_any_number_of_workers(mixed_inbox: Path) -> None:
    config = str(mixed_inbox / "ledgerxl.toml")
    one = invoke(["validate", "--config", config, "--format", "json", "--jobs", "1"])
    two = invoke(["validate", "--config", config, "--format", "json", "--jobs", "2"])
    assert one.exit_code == two.exit_code == 1
    assert '"E2' in one.output  # form rules (run in the workers with --jobs 2) found something
    assert two.output == one.output


@pytest.mark.slow
def test_default_reads_many_files_in_workers(mixed_inbox: Path) -> None:
    files = collect_inputs([mixed_inbox / "submissions"])
    assert len(files) >= parallel.MIN_FILES  # so merge's default took the parallel path in the test above
    master = load_master(mixed_inbox / "挂牌事项清单.xlsx")
    checked = check_files(files[:3], Departments(master.departments), _NoRules(), jobs=2)
    assert len(checked) == 3 and all(c.rules == [] for c in checked)  # the corpus files may not all read


class _NoRules:
    def check_form(self, sub: Submission) -> list[Finding]:
        return []


@pytest.mark.parametrize(
    ("jobs", "tasks", "threshold", "cpus", "expected"),
    [
        (None, 22, 64, 8, 1),  # a city's merge: no pool
        (None, 500, 64, 2, 2),
        (None, 500, 64, 32, parallel.MAX_WORKERS),
        (None, 70, 64, 1, 1),  # one CPU: no pool
        (1, 500, 64, 8, 1),  # --jobs 1: never
        (4, 22, 64, 2, 4),  # --jobs N: as asked, even for small work
        (4, 2, 64, 2, 2),  # but never more workers than tasks
    ],
)
def test_worker_count(
    monkeypatch: pytest.MonkeyPatch, jobs: int | None, tasks: int, threshold: int, cpus: int, expected: int
) -> None:
    monkeypatch.setattr(parallel, "available_cpus", lambda: cpus)
    assert parallel.worker_count(jobs, tasks, threshold) == expected
    monkeypatch.setattr(parallel, "_daemonic", lambda: True)  # a daemonic process may not start any
    assert parallel.worker_count(jobs, tasks, threshold) == 1


@pytest.mark.parametrize("value", ["0", "-1", '"2"', "true", "1.5"])
def test_config_jobs_must_be_a_positive_integer(tmp_path: Path, value: str) -> None:
    cfg = tmp_path / "ledgerxl.toml"
    cfg.write_text(f"jobs = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="jobs 应为不小于 1 的整数"):
        load_config(cfg)


def test_config_jobs_is_used(sample_dir: Path, tmp_path: Path) -> None:
    cfg = sample_dir / "ledgerxl.toml"
    cfg.write_text("jobs = 2\n" + cfg.read_text(encoding="utf-8"), encoding="utf-8")  # before any [table]
    assert load_config(cfg).jobs == 2
    r = invoke(["merge", "--config", str(cfg), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output


def test_jobs_option_must_be_positive(sample_dir: Path) -> None:
    from click.testing import CliRunner

    from ledgerxl.cli import main

    r = CliRunner().invoke(main, ["merge", "--config", str(sample_dir / "ledgerxl.toml"), "--jobs", "0"])
    assert r.exit_code == 2  # a usage error, reported by click before anything is read
    assert "--jobs" in r.output


class _DieOn:
    """Kills its worker on one department's form (the OOM killer, an operator's kill, a parser's abort)."""

    def __init__(self, department: str) -> None:
        self.department = department

    def check_form(self, sub: Submission) -> list[Finding]:
        if sub.department == self.department:
            os._exit(3)
        return []


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_dead_worker_is_a_finding_for_its_file_and_the_others_are_read(sample_dir: Path, jobs: int) -> None:
    files = collect_inputs([sample_dir / "submissions"])
    master = load_master(sample_dir / "挂牌事项清单.xlsx")
    victim = next(f for f in files if f.name.startswith("市科技局"))
    checked = check_files(files, Departments(master.departments), _DieOn("市科技局"), jobs=jobs)
    assert len(checked) == len(files)
    for f, c in zip(files, checked):
        if f == victim:
            assert c.submission is None and [x.code for x in c.read] == ["E115"]
            assert c.read[0].file == f.name and "无法安全读取" in c.read[0].message
        else:
            assert c.submission is not None and c.submission.department, f.name


def test_collector_paused_during_a_run_and_restored_after(sample_dir: Path, tmp_path: Path) -> None:
    import gc

    from ledgerxl.config import load_config
    from ledgerxl.jobs.gcpause import paused_gc
    from ledgerxl.jobs.merge import MergeOptions, run_merge

    seen: list[bool] = []  # told after each file read, inside the run

    assert gc.isenabled()
    cfg = load_config(sample_dir / "ledgerxl.toml")
    r = run_merge(
        MergeOptions(config=cfg, out=tmp_path / "out", progress=lambda done, total: seen.append(gc.isenabled()))
    )
    assert r.written and len(seen) == 22
    assert not any(seen) and gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def _render_slowly(seconds: float) -> bytes:
    import time

    time.sleep(seconds)
    return b"never"


def _render_fails(path: str) -> bytes:
    from ledgerxl.errors import OutputError, ReadError

    if path:
        raise ReadError("E101", "文件已损坏。", "请重新导出。", cell="B2", sheet="填报表")
    raise OutputError("附件.docx 写不出。", "请检查输出目录。")


def test_beside_returns_what_the_other_process_rendered_or_raised() -> None:
    from ledgerxl.errors import OutputError, ReadError
    from ledgerxl.write.attachment import DocxOptions, build_docx

    ledger = _tiny_ledger()
    with parallel.Beside(build_docx, ledger, DocxOptions()) as other:
        assert other.result() == build_docx(ledger, DocxOptions())
    with parallel.Beside(_render_fails, "") as other, pytest.raises(OutputError) as out:
        other.result()
    assert (out.value.message, out.value.hint) == ("附件.docx 写不出。", "请检查输出目录。")
    with parallel.Beside(_render_fails, "x") as other, pytest.raises(ReadError) as read:
        other.result()
    assert (read.value.code, read.value.cell, read.value.sheet, read.value.hint) == (
        "E101",
        "B2",
        "填报表",
        "请重新导出。",
    )


class _Stubborn(Exception):
    def __init__(self, a: str, b: str) -> None:  # pickles, but cannot be rebuilt from its args
        super().__init__(f"{a}/{b}")


def _render_stubbornly(x: int) -> bytes:
    raise _Stubborn("甲", "乙")


def test_beside_error_that_cannot_be_rebuilt_arrives_as_its_text() -> None:
    with parallel.Beside(_render_stubbornly, 1) as other, pytest.raises(RuntimeError, match="_Stubborn: 甲/乙"):
        other.result()


def test_beside_stops_the_other_process_when_this_one_fails() -> None:
    with pytest.raises(RuntimeError, match="台账.xlsx failed"), parallel.Beside(_render_slowly, 60) as other:
        proc = other._proc
        raise RuntimeError("台账.xlsx failed")
    assert not proc.is_alive()


def _tiny_ledger() -> Ledger:

    rows = [LedgerRow(Item(1, "事项", ("市统计局",), ""), [("市统计局", "进展。")], [])]
    return Ledger("台账", "进展情况", rows)
