"""A bounded, derandomized mutation fuzzer over the good forms, in every format the reader accepts.

The promise under test: whatever the bytes, `ledgerxl validate` exits 0 or 1 with findings (`master import`
of a Word table 0, 1 or 2), never with a traceback, never with exit 70 (程序内部错误) or a signal of the
main process, within 10 s per file and with the peak RSS of the whole process tree (the command and its
reading workers, sampled every 10 ms) under 300 MB.

tests/fuzzkit.py builds the seeds (the 22 sample forms; .xls and .ods converted from one of them by
LibreOffice; two hand-written CSV files, UTF-8 and GB18030; a small Word table) and about 400 mutants of
them, each a pure function of its format and index. All mutants of a format go into one folder and one
`validate --format json` reads them; a few are read again alone to check the per-file time bound. A
failure names each mutant responsible (format, index, seed, mutation) and keeps a copy of it under the
test's tmp_path (the path is in the message).
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fuzzkit
import pytest
from fuzzkit import COUNTS, MASTER, PERIOD, Mutant

ROOT = fuzzkit.ROOT
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # benchmarks.run.TreeSampler, as tests/test_corpus.py::run_sampled uses it
from benchmarks.run import TreeSampler  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH")) if p)}
PER_FILE_SECONDS = 10.0
PEAK_MB = 300.0
VALIDATE_EXITS = (0, 1)
IMPORT_EXITS = (0, 1, 2)
FORBIDDEN = ("Traceback", "程序内部错误")
SINGLE_RUNS = 6  # per format: mutants read again alone (E115 ones first, then the largest, then drawn)
TABLE_FORMATS = ("xlsx", "xls", "ods", "csv")
ISOLATE_SECONDS = 60.0  # per failing run: how long the search for the mutants responsible may take
ATTEMPTS = 3  # runs of a smaller group before a file is taken as needed for a failure that only timing shows

Seeds = dict[str, list[tuple[str, bytes]]]


@dataclass
class Run:
    """One command run in a child process, its output, wall time and the peak RSS of its process tree."""

    cmd: list[str]
    code: int | None  # None: killed when its timeout passed; negative: ended by that signal
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float
    timeout: float


def run_sampled(cmd: list[str], timeout: float, cwd: Path) -> Run:
    """Like tests/test_corpus.py::run_sampled, with stderr apart, the wall time, and a timeout that kills the
    command's own process group (its reading workers with it) instead of raising."""
    start = time.perf_counter()
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=cwd, start_new_session=True
    ) as p:
        sampler = TreeSampler(p.pid)
        sampler.start()
        code: int | None
        try:
            out, err = p.communicate(timeout=timeout)
            code = p.returncode
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)  # the group this Popen started, by its id
            out, err = p.communicate()
            code = None
        finally:
            sampler.done.set()
            sampler.join()
    seconds = time.perf_counter() - start
    return Run(
        cmd, code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), seconds, sampler.peak, timeout
    )


def run_problems(run: Run, exits: Sequence[int], seconds: float) -> list[str]:
    """What breaks the promise in one run, in words (empty: kept)."""
    problems = []
    if run.code is None:
        problems.append(f"did not finish within {run.timeout:.0f} s (killed)")
    elif run.code < 0:
        problems.append(f"main process ended by signal {-run.code} ({signal.Signals(-run.code).name})")
    elif run.code not in exits:
        problems.append(f"exit {run.code}, expected one of {tuple(exits)}")
    for text in FORBIDDEN:
        for stream, out in (("stderr", run.stderr), ("stdout", run.stdout)):
            if text in out:
                at = out.index(text)
                problems.append(f"{text!r} on {stream}: {out[max(0, at - 200) : at + 800]!r}")
    if run.code is not None and run.seconds >= seconds:
        problems.append(f"took {run.seconds:.1f} s (limit {seconds:.0f} s)")
    if run.peak_mb >= PEAK_MB:
        problems.append(f"peak RSS of the process tree {run.peak_mb:.0f} MB (limit {PEAK_MB:.0f} MB)")
    return problems


def validate_cmd(inputs: Sequence[Path], jobs: int | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "ledgerxl", "validate", "--master", str(MASTER), "--period", PERIOD]
    return cmd + ["--format", "json"] + (["--jobs", str(jobs)] if jobs else []) + [str(p) for p in inputs]


def import_cmd(source: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "ledgerxl", "master", "import", str(source), "--out", str(out)]


def workers(files: int) -> int:
    """The reading workers ledgerxl starts for a folder of `files` (one, or from 64 files one per CPU): runs
    over parts of a failing folder keep that number, so that what two workers did side by side shows again."""
    from ledgerxl.jobs import parallel

    return parallel.worker_count(None, files, parallel.MIN_FILES)


def findings_of(run: Run) -> tuple[list[dict[str, Any]], list[str]]:
    """The JSON findings of a validate run, and what is wrong with its stdout (empty: a list of findings)."""
    try:
        data = json.loads(run.stdout)
    except ValueError as e:
        return [], [f"stdout is not JSON ({e}): {run.stdout[:1000]!r}"]
    keys = {"code", "severity", "file", "message"}
    if not isinstance(data, list) or not all(isinstance(f, dict) and keys <= f.keys() for f in data):
        return [], [f"stdout is not a list of findings with {sorted(keys)}: {run.stdout[:1000]!r}"]
    return data, []


def validate_problems(run: Run, names: Sequence[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Findings and problems of a validate run over files called `names`. A file is either named by a finding
    or was read without one (a good mutant may have nothing to say); a finding naming anything else is wrong."""
    problems = run_problems(run, VALIDATE_EXITS, PER_FILE_SECONDS * len(names))
    if run.code not in VALIDATE_EXITS:
        return [], problems
    findings, bad = findings_of(run)
    unknown = sorted({str(f["file"]) for f in findings} - set(names) - {""})
    if unknown:
        bad.append(f"findings name files that were not inputs: {unknown[:10]}")
    return findings, problems + bad


Problems = Callable[[list[Path]], list[str]]


def isolate(
    files: list[Path], problems_of: Problems, known: list[str] | None = None, deadline: float | None = None
) -> list[tuple[list[Path], list[str]]]:
    """The smallest groups of `files` (ideally single files) over which a run still breaks the promise: the
    halves of a failing group are run again, and each half that still fails is split further; a group whose
    halves both pass (files that fail only together, such as two read side by side) loses, one by one, every
    file it still fails without in one of ATTEMPTS runs (what two workers do together is a matter of timing).
    `known`: the problems of `files`, when already run. Past ISOLATE_SECONDS the groups found so far are
    given as they are."""
    deadline = time.monotonic() + ISOLATE_SECONDS if deadline is None else deadline
    problems = problems_of(files) if known is None else known
    if not problems:
        return []
    if len(files) == 1 or time.monotonic() > deadline:
        return [(files, problems)]
    half = len(files) // 2
    found = isolate(files[:half], problems_of, None, deadline) + isolate(files[half:], problems_of, None, deadline)
    if found:
        return found
    keep = list(files)
    for f in files:
        trial = [k for k in keep if k != f]
        if len(trial) > 1 and time.monotonic() < deadline:
            again = next((p for p in (problems_of(trial) for _ in range(ATTEMPTS)) if p), [])
            if again:
                keep, problems = trial, again
    return [(keep, problems)]


def keep_failures(tmp_path: Path, failures: list[tuple[list[Mutant], list[str]]], what: str) -> str:
    """Copies of the failing mutants under tmp_path/failing-mutants (with a README naming each), and the
    failure message: every mutant by format, index, seed and mutation, with what was wrong."""
    keep = tmp_path / "failing-mutants"
    keep.mkdir(exist_ok=True)
    lines = [f"{what}: {len(failures)} failure(s); the mutants are kept in {keep}"]
    for group, problems in failures:
        for m in group:
            fuzzkit.write(m, keep)
            lines.append(f"- mutant {m.describe()}")
        if len(group) > 1:
            lines.append(f"  (these {len(group)} mutants fail together; no smaller group was found)")
        lines.extend(f"    {p}" for p in problems)
    (keep / "README.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return "\n".join(lines)


def tally(values: Sequence[str]) -> str:
    return ", ".join(f"{k} {n}" for k, n in sorted(collections.Counter(values).items()))


# ---- fixtures: seeds and mutants, made once per session ----


@pytest.fixture(scope="session")
def fuzz_seeds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Seeds, str]:
    """Seeds per format and why .xls/.ods have none (LibreOffice missing); conversions cached per session."""
    return fuzzkit.all_seeds(tmp_path_factory.mktemp("fuzz-seeds"))


@pytest.fixture(scope="session")
def mutant_folders(
    fuzz_seeds: tuple[Seeds, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, list[Mutant]]]:
    """Per format, one folder holding all its mutants (nothing else), and the mutants."""
    seeds, _ = fuzz_seeds
    folders = {}
    for fmt in fuzzkit.FORMATS:
        if fmt not in seeds:
            continue
        folder = tmp_path_factory.mktemp(f"fuzz-{fmt}")
        ms = fuzzkit.mutants(fmt, COUNTS[fmt], seeds[fmt], fuzzkit.FOUND.get(fmt, ()))
        assert len({m.name for m in ms}) == len(ms), "mutant names must be unique"
        for m in ms:
            fuzzkit.write(m, folder)
        folders[fmt] = (folder, ms)
    return folders


def _folder(
    mutant_folders: dict[str, tuple[Path, list[Mutant]]], fuzz_seeds: tuple[Seeds, str], fmt: str
) -> tuple[Path, list[Mutant]]:
    if fmt not in mutant_folders:
        pytest.skip(f"no .{fmt} mutants: {fuzz_seeds[1]}")
    return mutant_folders[fmt]


# ---- the tests ----


@pytest.mark.slow
@pytest.mark.subprocess
def test_mutants_are_derandomized(fuzz_seeds: tuple[Seeds, str]) -> None:
    """The same format and index give the same mutant, whatever ran before; kinds take turns."""
    seeds, _ = fuzz_seeds
    for fmt in ("xlsx", "csv", "docx"):
        kinds = list(fuzzkit.KINDS[fmt])
        late = fuzzkit.mutate(fmt, 7, seeds[fmt])
        early = [fuzzkit.mutate(fmt, i, seeds[fmt]) for i in range(8)]
        assert early[7] == late
        assert [m.kind for m in early] == [kinds[i % len(kinds)] for i in range(8)]


@pytest.mark.slow
@pytest.mark.subprocess
def test_seeds_are_good(fuzz_seeds: tuple[Seeds, str], tmp_path: Path) -> None:
    """The unmutated seeds read without an error: what the fuzzer breaks was a good form."""
    seeds, why = fuzz_seeds
    folder = tmp_path / "seeds"
    folder.mkdir()
    for k, (name, data) in enumerate(s for fmt in ("xls", "ods", "csv") for s in seeds.get(fmt, [])):
        (folder / name).write_bytes(data)
        os.utime(folder / name, (fuzzkit.FIXED_MTIME + k, fuzzkit.FIXED_MTIME + k))  # newer one wins, no E208
    names = sorted(p.name for p in folder.iterdir())
    run = run_sampled(validate_cmd([folder]), PER_FILE_SECONDS * max(1, len(names)), tmp_path)
    findings, problems = validate_problems(run, names)
    assert not problems, (problems, run.stderr)
    assert run.code == 0, findings
    assert not [f for f in findings if f["file"] in names and f["severity"] == "error"], findings
    name, data = seeds["docx"][0]
    (tmp_path / name).write_bytes(data)
    run = run_sampled(import_cmd(tmp_path / name, tmp_path / "m.xlsx"), PER_FILE_SECONDS, tmp_path)
    assert run.code == 0, (run.stdout, run.stderr)
    assert "2 项事项" in run.stdout, run.stdout
    if why:
        print(why)


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.parametrize("fmt", TABLE_FORMATS + ("docx",))
def test_validate_survives_mutants(
    fmt: str,
    mutant_folders: dict[str, tuple[Path, list[Mutant]]],
    fuzz_seeds: tuple[Seeds, str],
    tmp_path: Path,
) -> None:
    """One validate over all mutants of a format, then a few of them alone (the per-file time bound). Word
    replies take this path too (read.word)."""
    from ledgerxl.read.grid import TABLE_SUFFIXES
    from ledgerxl.read.word import WORD_SUFFIXES

    if f".{fmt}" not in TABLE_SUFFIXES + WORD_SUFFIXES:
        pytest.skip(f".{fmt} is not read as a submission: fuzzed through master import")
    folder, ms = _folder(mutant_folders, fuzz_seeds, fmt)
    by_name = {m.name: m for m in ms}
    names = sorted(by_name)
    run = run_sampled(validate_cmd([folder]), PER_FILE_SECONDS * len(names), tmp_path)
    findings, problems = validate_problems(run, names)
    failures: list[tuple[list[Mutant], list[str]]] = []
    if problems:
        # which mutants: the run is repeated over parts of the folder until the culprits are alone
        jobs = workers(len(names))

        def problems_of(files: list[Path]) -> list[str]:
            sub = run_sampled(validate_cmd(files, jobs), PER_FILE_SECONDS * len(files), tmp_path)
            return validate_problems(sub, [f.name for f in files])[1]

        groups = isolate([folder / n for n in names], problems_of, known=problems)
        failures += [([by_name[p.name] for p in files], probs) for files, probs in groups]
    codes_of: dict[str, list[str]] = collections.defaultdict(list)
    severities: dict[str, set[str]] = collections.defaultdict(set)
    for f in findings:
        codes_of[str(f["file"])].append(str(f["code"]))
        severities[str(f["file"])].add(str(f["severity"]))

    # single-file runs: mutants a worker gave up on (E115), the largest, and a few drawn with a fixed seed
    e115 = [n for n in names if "E115" in codes_of.get(n, [])]
    largest = sorted(names, key=lambda n: (-len(by_name[n].data), n))[:2]
    drawn = random.Random(fuzzkit.BLOCK[fmt]).sample(names, SINGLE_RUNS)
    singles = list(dict.fromkeys(e115[:SINGLE_RUNS] + largest + drawn))[: SINGLE_RUNS + 2]
    slowest, single_peak = 0.0, 0.0
    for n in singles:
        one = run_sampled(validate_cmd([folder / n]), PER_FILE_SECONDS * 3, tmp_path)
        slowest, single_peak = max(slowest, one.seconds), max(single_peak, one.peak_mb)
        one_problems = validate_problems(one, [n])[1]
        if one_problems:
            failures.append(([by_name[n]], ["read alone: " + p for p in one_problems]))

    outcome = ["error" if "error" in severities[n] else "warnings only" if n in codes_of else "none" for n in names]
    print(
        f"\n{fmt}: {len(ms)} mutants ({tally([m.kind for m in ms])}); one validate: {run.seconds:.1f} s, "
        f"exit {run.code}, peak tree RSS {run.peak_mb:.0f} MB; findings {tally([str(f['code']) for f in findings])}; "
        f"mutants by their worst finding: {tally(outcome)}; "
        f"{len(singles)} single-file runs: slowest {slowest:.1f} s, peak {single_peak:.0f} MB; "
        f"E115 (a worker gave up): {e115}"
    )
    if failures:
        pytest.fail(keep_failures(tmp_path, failures, f"validate over .{fmt} mutants in {folder}"), pytrace=False)


@pytest.mark.slow
@pytest.mark.subprocess
def test_master_import_survives_docx_mutants(
    mutant_folders: dict[str, tuple[Path, list[Mutant]]], fuzz_seeds: tuple[Seeds, str], tmp_path: Path
) -> None:
    """Word tables are read by `master import X.docx --out Y.xlsx` (validate takes no .docx): one run each."""
    folder, ms = _folder(mutant_folders, fuzz_seeds, "docx")
    out = tmp_path / "out"
    out.mkdir()
    failures: list[tuple[list[Mutant], list[str]]] = []
    outcomes, slowest, peak = [], 0.0, 0.0
    for m in ms:
        target = out / f"{m.fmt}{m.index:03d}.xlsx"
        run = run_sampled(import_cmd(folder / m.name, target), PER_FILE_SECONDS * 3, tmp_path)
        slowest, peak = max(slowest, run.seconds), max(peak, run.peak_mb)
        problems = run_problems(run, IMPORT_EXITS, PER_FILE_SECONDS)
        if run.code == 0 and not target.is_file():
            problems.append(f"exit 0 but {target} was not written: {run.stdout[-500:]!r}")
        if run.code == 2 and not run.stderr.startswith("错误："):
            problems.append(f"exit 2 without a 错误： message: {run.stderr[-500:]!r}")
        if problems:
            failures.append(([m], problems))
        outcomes.append(f"exit {run.code}")
    print(
        f"\ndocx: {len(ms)} mutants ({tally([m.kind for m in ms])}) through master import: {tally(outcomes)}; "
        f"slowest {slowest:.1f} s, peak tree RSS {peak:.0f} MB"
    )
    if failures:
        pytest.fail(keep_failures(tmp_path, failures, f"master import of .docx mutants in {folder}"), pytrace=False)


@pytest.mark.slow
@pytest.mark.subprocess
def test_merge_publishes_over_mutants(
    mutant_folders: dict[str, tuple[Path, list[Mutant]]], fuzz_seeds: tuple[Seeds, str], tmp_path: Path
) -> None:
    """merge --allow-errors over the biggest folder publishes the ledger from what it could read."""
    fmt = max(TABLE_FORMATS, key=lambda f: len(mutant_folders.get(f, (None, []))[1]))
    folder, ms = _folder(mutant_folders, fuzz_seeds, fmt)
    by_name = {m.name: m for m in ms}
    runs = itertools.count()
    jobs = workers(len(ms))

    def merge(inputs: list[Path]) -> tuple[Run, list[str]]:
        out = tmp_path / f"out{next(runs)}"
        cmd = [sys.executable, "-m", "ledgerxl", "merge", "--master", str(MASTER), "--period", PERIOD]
        cmd += ["--allow-errors", "--jobs", str(jobs), "--out", str(out)] + [str(p) for p in inputs]
        n = len(by_name) if inputs == [folder] else len(inputs)
        run = run_sampled(cmd, PER_FILE_SECONDS * n, tmp_path)
        problems = run_problems(run, VALIDATE_EXITS, PER_FILE_SECONDS * n)
        if run.code == 0 and not ((out / "台账.xlsx").is_file() and (out / "附件.docx").is_file()):
            problems.append(f"exit 0 but 台账.xlsx/附件.docx not published in {out}: {run.stdout[-1000:]!r}")
        if run.code == 1 and "未生成台账" not in run.stdout:
            problems.append(f"exit 1 without saying why nothing was published: {run.stdout[-1000:]!r}")
        return run, problems

    run, problems = merge([folder])
    print(
        f"\nmerge --allow-errors over {len(ms)} .{fmt} mutants: exit {run.code}, {run.seconds:.1f} s, "
        f"peak tree RSS {run.peak_mb:.0f} MB"
    )
    if problems:
        groups = isolate([folder / n for n in sorted(by_name)], lambda files: merge(files)[1], known=problems)
        failures = [([by_name[p.name] for p in files], probs) for files, probs in groups]
        pytest.fail(
            keep_failures(tmp_path, failures, f"merge --allow-errors over .{fmt} mutants in {folder}"), pytrace=False
        )
