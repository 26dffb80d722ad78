"""The harness's printout: tables of the measured figures and a PASS/FAIL line per acceptance target.

Pure functions over the result dictionaries the runner collects (also written by --json), so they can be
tested without timing anything.
"""

from __future__ import annotations

from typing import Any

from benchmarks.stages import STAGES

Result = dict[str, Any]  # one size: see run.measure_size

# The targets of issue 6 (see README "Performance").
SPEEDUP_10K = 8.0
READ_OVER_FLOOR = 3.0
SCALING_20K = 2.3
SCALED_STAGES = ("read", "validate", "xlsx", "docx")
PEAK_10K_MB = 250.0
PEAK_40K_MB = 600.0
SPEEDUP_SAMPLE = 2.0
# Against the plain pipeline (benchmarks/plain.py, no checks): merge may spend at most this much more.
OVER_PLAIN_10K = 1.5
OVER_PLAIN_SAMPLE = 3.0  # looser: at 22 forms plain is 0.1 s, mostly interpreter start and imports


def speedup(r: Result) -> float | None:
    """naive / merge: how many times faster than the naive pipeline merge is."""
    if not r.get("naive"):
        return None
    return float(r["naive"]["median"] / r["merge"]["median"])


def over_plain(r: Result) -> float | None:
    """merge / plain: how many times the plain pipeline's time merge takes."""
    if not r.get("plain"):  # also absent from results saved before the plain baseline existed
        return None
    return float(r["merge"]["median"] / r["plain"]["median"])


def _f(x: float | None, fmt: str = "{:.3f}") -> str:
    return "—" if x is None else fmt.format(x)


def _x(x: float | None) -> str:
    return _f(x, "{:.1f}×")


def _table(rows: list[list[str]], right: set[int] | None = None) -> list[str]:
    right = right if right is not None else set(range(1, len(rows[0])))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def end_to_end_table(results: list[Result]) -> list[str]:
    rows = [["size", "items", "entries", "files", "merge s", "plain s", "merge/plain", "naive s", "naive/merge"]]
    rows[0] += ["merge MB", "plain MB", "naive MB"]
    for r in results:
        st, plain, naive = r["stages"], r.get("plain"), r.get("naive")
        rows.append(
            [
                r["size"],
                f"{st['items']:,.0f}",
                f"{st['entries']:,.0f}",
                f"{st['files']:,.0f}",
                _f(r["merge"]["median"], "{:.2f}"),
                _f(plain["median"] if plain else None, "{:.2f}"),
                _f(over_plain(r), "{:.2f}×"),
                _f(naive["median"] if naive else None, "{:.2f}"),
                _x(speedup(r)),
                _f(r["merge"]["peak_mb"], "{:.0f}"),
                _f(plain["peak_mb"] if plain else None, "{:.0f}"),
                _f(naive["peak_mb"] if naive else None, "{:.0f}"),
            ]
        )
    return _table(rows)


def stage_table(results: list[Result]) -> list[str]:
    rows = [["size", "pipeline", *STAGES, "unzip floor", "read/floor", "read, 1 process", "/floor"]]
    for r in results:
        st, plain, naive = r["stages"], r.get("plain"), r.get("naive")
        one = st.get("read_1")  # absent from results saved before worker processes existed
        rows.append(
            [
                r["size"],
                "ledgerxl",
                *(_f(st[s]) for s in STAGES),
                _f(st["floor"]),
                _x(st["read"] / st["floor"]),
                _f(one),
                _x(one / st["floor"] if one else None),
            ]
        )
        if plain:
            ps = plain["stages"]
            rows.append(["", "plain", *(_f(ps[s]) for s in STAGES), "", "", "", ""])
            rows.append(["", "ledgerxl/plain", *(_x(st[s] / ps[s] if ps[s] else None) for s in STAGES), "", "", "", ""])
        if naive:
            ns = naive["stages"]
            rows.append(["", "naive", *(_f(ns[s]) for s in STAGES), "", "", "", ""])
            rows.append(["", "naive/ledgerxl", *(_x(ns[s] / st[s] if st[s] else None) for s in STAGES), "", "", "", ""])
    return _table(rows, right=set(range(2, len(rows[0]))))


def scaling(results: list[Result], big: str = "20k", small: str = "10k") -> dict[str, float] | None:
    by = {r["size"]: r for r in results}
    if big not in by or small not in by:
        return None
    b, s = by[big]["stages"], by[small]["stages"]
    return {k: b[k] / s[k] for k in STAGES if s[k] > 0}


def acceptance(results: list[Result]) -> list[tuple[str, str]]:
    """(PASS | FAIL | SKIP, what was checked) for each acceptance target: issue 6's, then 5a/5b against the
    plain pipeline."""
    by = {r["size"]: r for r in results}
    out: list[tuple[str, str]] = []

    def check(ok: bool, text: str) -> None:
        out.append(("PASS" if ok else "FAIL", text))

    def skip(text: str, sizes: str, baseline: str = "") -> None:
        out.append(("SKIP", f"{text} (needs --sizes {sizes}{f' with the {baseline} baseline' if baseline else ''})"))

    r10 = by.get("10k")
    s10 = speedup(r10) if r10 else None
    if s10 is not None:
        check(s10 >= SPEEDUP_10K, f"1a 10k: ledgerxl merge {s10:.1f}× faster than naive (≥ {SPEEDUP_10K:g}×)")
    else:
        skip(f"1a 10k: merge ≥ {SPEEDUP_10K:g}× faster than naive", "10k", "naive")
    if r10:
        q = r10["stages"]["read"] / r10["stages"]["floor"]
        check(q <= READ_OVER_FLOOR, f"1b 10k: read stage {q:.2f}× the unzip-only floor (≤ {READ_OVER_FLOOR:g}×)")
    else:
        skip(f"1b 10k: read ≤ {READ_OVER_FLOOR:g}× the unzip-only floor", "10k")
    sc = scaling(results)
    if sc is not None:
        worst = max(sc[k] for k in SCALED_STAGES)
        shown = ", ".join(f"{k} {sc[k]:.2f}×" for k in SCALED_STAGES)
        check(worst <= SCALING_20K, f"2  20k vs 10k: {shown} (each ≤ {SCALING_20K:g}×)")
    else:
        skip(f"2  20k vs 10k: read, validate, xlsx, docx each ≤ {SCALING_20K:g}×", "10k,20k")
    for name, limit, tag in (("10k", PEAK_10K_MB, "3a"), ("40k", PEAK_40K_MB, "3b")):
        if name in by:
            mb = by[name]["merge"]["peak_mb"]
            check(mb <= limit, f"{tag} {name}: ledgerxl merge peak memory {mb:.0f} MB (≤ {limit:g} MB)")
        else:
            skip(f"{tag} {name}: peak memory ≤ {limit:g} MB", name)
    rs = by.get("sample")
    ss = speedup(rs) if rs else None
    if ss is not None:
        check(ss >= SPEEDUP_SAMPLE, f"4  sample: ledgerxl merge {ss:.1f}× faster than naive (≥ {SPEEDUP_SAMPLE:g}×)")
    else:
        skip(f"4  sample: merge ≥ {SPEEDUP_SAMPLE:g}× faster than naive", "sample", "naive")
    for name, limit, tag in (("10k", OVER_PLAIN_10K, "5a"), ("sample", OVER_PLAIN_SAMPLE, "5b")):
        r = by.get(name)
        q = over_plain(r) if r else None
        target = f"{tag} {name}: ledgerxl merge within {limit:g}× of the plain pipeline"
        if r is not None and q is not None:
            times = f"{r['merge']['median']:.2f} s against {r['plain']['median']:.2f} s"
            check(q <= limit, f"{target}: {q:.2f}× ({times})")
        else:
            skip(target, name, "plain")
    return out


def render(results: list[Result], header: list[str]) -> list[str]:
    lines = [*header, ""]
    lines.append("End to end: `ledgerxl merge`, the plain and the naive pipelines, each a fresh process per run")
    lines.append("(seconds, MB). plain: calamine, xlsxwriter and one XML string, no checks (benchmarks/plain.py).")
    lines += end_to_end_table(results)
    lines += [
        "",
        "Stages timed one after another (seconds). read: as `ledgerxl merge` reads, in worker processes when",
        "there are many files; read, 1 process: the same with --jobs 1. validate: every rule, in one process",
        "(merge runs the per-form rules in its read workers). xlsx and docx: merge renders them side by side.",
        "naive: read = import pandas + pandas.read_excel (openpyxl) + concat, xlsx = DataFrame.to_excel,",
        "docx = python-docx add_row. plain: read = calamine, xlsx = xlsxwriter, docx = one XML string zipped,",
        "no validate stage, its imports in no stage (as ledgerxl's). naive and plain: each stage once per",
        "end-to-end run, cold (medians); ledgerxl: warm, repeated. unzip floor: inflate every member of every",
        "file, in one process.",
    ]
    lines += stage_table(results)
    sc = scaling(results)
    if sc is not None:
        lines += ["", "Scaling 20k / 10k entries: " + "  ".join(f"{k} {v:.2f}×" for k, v in sc.items())]
    lines += ["", "Acceptance (issue 6; 5a, 5b: the plain baseline):"]
    lines += [f"  {status}  {text}" for status, text in acceptance(results)]
    return lines
