"""The batch benchmark: `python -m benchmarks.batch [--forms 5000] [--repeat 3]` from the repository root.

What a scheduled `ledgerxl batch` costs once a period's history is large: a working folder with FORMS
recorded forms (one per department, two items each, generated once and cached like the merge
benchmark's inputs), then, each in a fresh process, the first run (every form new), REPEAT runs with no
new file, and REPEAT runs that each find one new version of a form. Prints the medians, peak memory, and
a PASS/FAIL line per target of issue 15 (no new file ≤ 0.5 s, one new file ≤ 1.5 s, on 2 cores); exits 1
when one fails. No test asserts these times: they are measured here.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from benchmarks.generate import PERIOD, Size, ensure, plan  # noqa: E402
from benchmarks.run import HarnessError, _checked, _load, _say, timed  # noqa: E402

TARGETS = {"no new file": 0.5, "one new file": 1.5}  # seconds, issue 15


def _ledgerxl(config: Path) -> list[str]:
    return [sys.executable, "-m", "ledgerxl", "batch", "--config", str(config)]


def new_version(work: Path, size: Size, n: int) -> Path:
    """A new version of the first department's form: the same items, its first text amended (n-th time)."""
    from ledgerxl.model import Item
    from ledgerxl.periods import parse_period
    from ledgerxl.write.form import build_form

    period = parse_period(PERIOD)
    items, progress = plan(size)
    dept = items[0][2][0]
    its = [Item(number=i, text=t, departments=d) for i, t, d in items if dept in d]
    texts = {it.number: progress[(it.number, dept)] for it in its}
    texts[its[0].number] += f"（第 {n} 次更正）"
    path = work / "submissions" / f"{dept}-{period.year}年{period.label}（更正{n}）.xlsx"
    path.write_bytes(build_form(dept, its, period, texts))
    return path


def measure(forms: int, repeat: int, data: Path) -> dict[str, list[dict[str, Any]]]:
    size = Size(f"{2 * forms}:{forms}", 2 * forms, forms)
    if not (ensure(size, data).parent / "complete.json").is_file():
        raise HarnessError("the data set was not generated")
    runs: dict[str, list[dict[str, Any]]] = {"first run": [], "no new file": [], "one new file": []}
    with tempfile.TemporaryDirectory(prefix="ledgerxl-batch-bench-") as tmp:
        work = Path(tmp) / "work"
        shutil.copytree(ensure(size, data).parent, work, ignore=shutil.ignore_patterns("complete.json"))
        config = work / "ledgerxl.toml"
        _say(f"first run over {forms} forms")
        runs["first run"].append(_checked(timed(_ledgerxl(config)), "the first run"))
        _checked(timed(_ledgerxl(config)), "the run after it")  # outputs published from the recorded state
        for _ in range(repeat):
            runs["no new file"].append(_checked(timed(_ledgerxl(config)), "a run with no new file"))
        for i in range(repeat):
            new_version(work, size, i + 1)
            runs["one new file"].append(_checked(timed(_ledgerxl(config)), "a run with one new file"))
    return runs


def render(forms: int, repeat: int, runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = [
        f"`ledgerxl batch` over {forms:,} recorded forms; medians of {repeat} runs, each a fresh process",
        f"({platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs; {_load('load')})",
        "",
        "| run | wall s | CPU s | peak MB |",
        "|---|---:|---:|---:|",
    ]
    for what, rs in runs.items():
        wall = statistics.median(r["wall"] for r in rs)
        cpu = statistics.median(r["cpu"] for r in rs)
        peak = max(r["peak_mb"] for r in rs)
        lines.append(f"| {what} | {wall:.2f} | {cpu:.2f} | {peak:.0f} |")
    lines.append("")
    for what, limit in TARGETS.items():
        wall = statistics.median(r["wall"] for r in runs[what])
        lines.append(f"{'PASS' if wall <= limit else 'FAIL'}: {what} {wall:.2f} s (target ≤ {limit} s)")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.batch", description=__doc__.split("\n\n")[0])
    ap.add_argument("--forms", type=int, default=5000, help="recorded forms (default 5000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; medians are reported")
    ap.add_argument("--data", type=Path, help="where generated inputs are kept (default: the temp folder)")
    args = ap.parse_args(argv)
    data = args.data or Path(tempfile.gettempdir()) / "ledgerxl-bench"
    try:
        runs = measure(args.forms, args.repeat, data)
    except HarnessError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    lines = render(args.forms, args.repeat, runs)
    print("\n".join(lines))
    return 1 if any(line.startswith("FAIL") for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
