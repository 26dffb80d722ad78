"""The benchmark runner: `python -m benchmarks [--sizes …] [--repeat N]` from the repository root.

For each size it generates (once, cached) the inputs, then REPEAT times runs `ledgerxl merge` end to end
and, interleaved with it, the plain and the naive baselines, each in a fresh process (peak memory: the
process tree's); then, REPEAT times with the sizes taken in turn, a fresh process times the stages and the
unzip-only floor. It prints the tables, the 20k/10k scaling and a PASS/FAIL line per acceptance target,
and exits 1 if a target failed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.generate import PRESETS, ROOT, Size, ensure, is_cached, parse_size
from benchmarks.report import Result, acceptance, render
from benchmarks.stages import STAGES, rss_mb

DEFAULT_SIZES = "sample,10k,20k,40k"
NAIVE_AUTO_MAX = 10_000  # entries; above it the naive baseline takes minutes (python-docx add_row)


class HarnessError(Exception):
    pass


def child_env() -> dict[str, str]:
    """Children import this checkout's ledgerxl (src/) and the benchmarks package, whatever is installed."""
    paths = [str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc), in MB. Pages a forked worker
    shares with its parent count twice: an upper bound."""
    kib = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status", encoding="ascii", errors="replace") as f:
                kib += next((int(ln.split()[1]) for ln in f if ln.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):  # it ended meanwhile
            continue
    return kib * 1024 / 1e6


class TreeSampler(threading.Thread):
    """Samples a process tree's memory every 10 ms: getrusage reports one process's peak, and a merge
    may run worker processes (ledgerxl.jobs.parallel) beside it."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        if not os.path.isdir("/proc"):  # pragma: no cover - not Linux: the process's own peak only
            return
        while not self.done.wait(0.01):
            self.peak = max(self.peak, tree_rss_mb(self.pid))


def timed(cmd: list[str]) -> dict[str, Any]:
    """Run a command; wall and CPU seconds, peak RSS (MB) of its process tree, exit code, output."""
    with tempfile.TemporaryFile() as log:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=child_env(), cwd=ROOT)
        sampler = TreeSampler(p.pid)
        sampler.start()
        if hasattr(os, "wait4"):
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            cpu, peak = ru.ru_utime + ru.ru_stime, rss_mb(ru.ru_maxrss)
        else:  # pragma: no cover - Windows: no per-process rusage
            p.wait()
            cpu, peak = float("nan"), float("nan")
        wall = time.perf_counter() - t
        sampler.done.set()
        sampler.join()
        log.seek(0)
        output = log.read().decode("utf-8", "replace")
    # the process's exact peak, or the sampled tree's when its workers made that larger
    return {"wall": wall, "cpu": cpu, "peak_mb": max(peak, sampler.peak), "code": p.returncode, "output": output}


def _checked(run: dict[str, Any], what: str) -> dict[str, Any]:
    if run["code"] != 0:
        raise HarnessError(f"{what} failed (exit {run['code']}):\n{run['output'][-3000:]}")
    return run


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _baseline(module: str, config: Path, out: Path, clock: str, what: str) -> dict[str, Any]:
    """One run of a baseline (benchmarks.plain, benchmarks.naive): its record, with the stage seconds it
    printed as its last line."""
    run = _checked(timed([sys.executable, "-m", module, str(config), str(out), clock]), what)
    run["stages"] = json.loads(run["output"].strip().splitlines()[-1])
    return run


def measure_size(name: str, config: Path, repeat: int, clock: str, tmp: Path, *, naive: bool, plain: bool) -> Result:
    py = sys.executable
    runs: dict[str, list[dict[str, Any]]] = {"merge": [], "plain": [], "naive": []}
    baselines = [b for b, on in (("plain", plain), ("naive", naive)) if on]
    for i in range(repeat):
        _say(f"  {name}: run {i + 1}/{repeat}: ledgerxl merge" + "".join(f" + {b} baseline" for b in baselines))
        cmd = [py, "-m", "ledgerxl", "merge", "--config", str(config), "--out", str(tmp / f"{name}-merge")]
        runs["merge"].append(_checked(timed(cmd), f"ledgerxl merge on {name}"))
        # plain runs right after its merge run: merge/plain then compares two runs made a second or two
        # apart, never across the naive run (20 s at 10k) during which the machine may change pace.
        for b in baselines:
            out = tmp / f"{name}-{b}"
            runs[b].append(_baseline(f"benchmarks.{b}", config, out, clock, f"{b} baseline on {name}"))

    def summary(done: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "median": statistics.median(r[clock] for r in done),
            "runs": [round(r[clock], 4) for r in done],
            "peak_mb": max(r["peak_mb"] for r in done),
        }

    def baseline(b: str) -> dict[str, Any] | None:
        if not runs[b]:
            return None
        return {**summary(runs[b]), "stages": {s: statistics.median(r["stages"][s] for r in runs[b]) for s in STAGES}}

    # merge's stages are timed apart, in-process (measure_stages); the baselines' come from their runs
    return {
        "size": name,
        "config": str(config),
        "merge": summary(runs["merge"]),
        "stages": {},
        "plain": baseline("plain"),
        "naive": baseline("naive"),
    }


def measure_stages(results: list[Result], repeat: int, clock: str) -> None:
    """Each size's stages, REPEAT times, the sizes taken in turn (10k, 20k, 10k, 20k, …), each run in a
    fresh process; medians. Taking the sizes in turn keeps a machine that slows down for a minute from
    being read as a stage that scales badly: the 20k/10k ratios compare runs made side by side."""
    runs: dict[str, list[dict[str, float]]] = {r["size"]: [] for r in results}
    for i in range(repeat):
        for r in results:
            name = r["size"]
            _say(f"stages {i + 1}/{repeat}: {name}")
            cmd = [sys.executable, "-m", "benchmarks.stages", r["config"], "1", clock]
            run = _checked(timed(cmd), f"stages on {name}")
            stages = json.loads(run["output"].strip().splitlines()[-1])
            if stages["errors"]:
                raise HarnessError(f"the inputs of {name} have errors: nothing to compare")
            runs[name].append(stages)
    for r in results:
        done = runs[r["size"]]
        r["stages"] = {k: statistics.median(s[k] for s in done) for k in done[0]}


def _load(label: str) -> str:
    if not hasattr(os, "getloadavg"):  # pragma: no cover - Windows
        return ""
    return label + " " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def header(clock: str, repeat: int) -> list[str]:
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except OSError:
        commit = ""
    load = _load("load average")
    return [
        f"ledgerxl benchmark — commit {commit or '?'}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, {load}",
        f"clock: {clock}; every figure is the median of {repeat} run(s); each size runs in its own processes",
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sizes",
        default=DEFAULT_SIZES,
        help=f"comma-separated: sample (the shipped 2025 Q3 inputs), {', '.join(PRESETS)} or ENTRIES:FILES "
        f"(default {DEFAULT_SIZES})",
    )
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; medians are reported (default 3)")
    ap.add_argument(
        "--naive",
        default="auto",
        help=f"sizes to run the naive baseline on: auto (those up to {NAIVE_AUTO_MAX:,} entries), all, none, "
        "or a comma-separated list",
    )
    ap.add_argument(
        "--plain",
        default="all",
        help="sizes to run the plain baseline on (benchmarks/plain.py: calamine, xlsxwriter, one XML string, "
        "no checks): all (default), none, or a comma-separated list",
    )
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall", help="wall-clock or CPU seconds")
    ap.add_argument("--data", type=Path, help="where generated inputs are cached (default: a folder in the temp dir)")
    ap.add_argument("--fresh", action="store_true", help="regenerate the inputs even if cached")
    ap.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    return ap.parse_args(argv)


def compile_sources() -> None:
    """Byte-compile ledgerxl and the harness, as pip does when it installs a package: every timed process
    then loads them as an installed merge would, even where PYTHONDONTWRITEBYTECODE is set (Python still
    reads the cache then; without it, each `ledgerxl merge` compiled 40 modules, 0.06 s)."""
    import compileall

    for folder in (ROOT / "src" / "ledgerxl", ROOT / "benchmarks"):
        compileall.compile_dir(folder, quiet=1)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    sizes: list[tuple[str, Size | None]] = []
    for name in (s.strip() for s in args.sizes.split(",") if s.strip()):
        try:
            sizes.append((name, parse_size(name)))
        except ValueError as e:
            raise SystemExit(str(e)) from e
    wanted = {s.strip() for s in args.naive.split(",")}
    wanted_plain = {s.strip() for s in args.plain.split(",")}

    def naive_for(name: str, size: Size | None) -> bool:
        if args.naive == "auto":
            return size is None or size.entries <= NAIVE_AUTO_MAX
        return args.naive == "all" or name in wanted

    def plain_for(name: str) -> bool:  # under a second at 10k: unlike naive, no size is too large for it
        return args.plain == "all" or name in wanted_plain

    if args.naive != "none" and importlib.util.find_spec("pandas") is None:
        # pandas is the `bench` extra: ledgerxl itself never needs it
        raise SystemExit('the naive baseline needs pandas: python3 -m pip install -e ".[bench]" (or --naive none)')
    data = args.data or Path(tempfile.gettempdir()) / "ledgerxl-bench"
    compile_sources()
    head = header(args.clock, args.repeat)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="ledgerxl-bench-out-") as tmp:
        for name, size in sizes:
            _say(f"{name}: {'the shipped sample' if size is None else size.label}")
            if args.fresh or not is_cached(size, data):
                _say(f"  generating the inputs in {data} (kept for later runs)")
            config = ensure(size, data, fresh=args.fresh)
            try:
                naive, plain = naive_for(name, size), plain_for(name)
                results.append(measure_size(name, config, args.repeat, args.clock, Path(tmp), naive=naive, plain=plain))
            except HarnessError as e:
                print(f"error: {e}", file=sys.stderr)
                return 2
        try:
            measure_stages(results, args.repeat, args.clock)
        except HarnessError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    head[-1] += "; " + _load("load average at the end")
    print("\n".join(render(results, head)))
    verdicts = acceptance(results)
    if args.json:
        args.json.write_text(
            json.dumps({"header": head, "results": results, "acceptance": verdicts}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    return 1 if any(status == "FAIL" for status, _ in verdicts) else 0
