"""The web intake's load benchmark: `python -m benchmarks.serve [--departments 50] [--concurrency 20]`.

A real `ledgerxl serve` on 127.0.0.1 over a generated working folder of DEPARTMENTS departments (two
items each, real forms from write.form, cached like the other benchmarks' inputs). Every department
uploads its form through its own link, CONCURRENCY at a time, each upload followed by the page that shows
its findings; HOSTILE uploads (a zip bomb, a file that kills its reader, a file over the size limit, in
turn) are mixed in. Measured: upload-to-findings latency of the normal forms (POST, 303, GET of the
result page), its p50/p95, and the peak memory of the server's process tree (sampled every 10 ms).
Each department sends ROUNDS versions (the first as generated, then corrections), so p95 is taken over
DEPARTMENTS × ROUNDS uploads. Prints a PASS/FAIL line per target of issue 16 (p95 ≤ 300 ms at 20
concurrent uploads, memory < 300 MB, on 2 cores); exits 1 when one fails. No test asserts these times:
they are measured here.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "corpus"))

from benchmarks.generate import Size, ensure  # noqa: E402
from benchmarks.run import HarnessError, TreeSampler  # noqa: E402

TARGETS = {"p95_ms": 300.0, "peak_mb": 300.0}  # issue 16, with 20 concurrent uploads on 2 cores


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def hostile_files() -> list[tuple[str, bytes]]:
    import make_corpus

    bomb = make_corpus.raw_xlsx(make_corpus._sheet(" " * 20_000_000))
    far = make_corpus._istr("XFD1048576", "x")
    killer = make_corpus.raw_xlsx(
        make_corpus._sheet(f'<row r="1">{make_corpus._istr("A1", "序号")}</row><row r="1048576">{far}</row>')
    )
    return [("炸弹.xlsx", bomb), ("杀手.xlsx", killer), ("太大.xlsx", b"PK" + os.urandom(21 * 1024 * 1024))]


def upload(port: int, path: str, name: str, data: bytes) -> tuple[float, int, str]:
    """POST the file to a department's page, then GET the page it redirects to: seconds, status, page."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        r = conn.getresponse()
        page = r.read()
        status = r.status
        if status == 303:
            conn.request("GET", (r.getheader("location") or path).split("#")[0])  # a browser keeps the fragment
            r2 = conn.getresponse()
            page, status = r2.read(), r2.status
    except (OSError, http.client.HTTPException) as e:  # the server closed a refused upload's connection
        return time.perf_counter() - t0, 0, str(e)
    finally:
        conn.close()
    return time.perf_counter() - t0, status, page.decode("utf-8", "replace")


def measure(departments: int, concurrency: int, data: Path, hostile_every: int = 5, rounds: int = 3) -> dict[str, Any]:
    size = Size(f"{2 * departments}:{departments}", 2 * departments, departments)
    source = ensure(size, data).parent
    with tempfile.TemporaryDirectory(prefix="ledgerxl-serve-bench-") as tmp:
        work = Path(tmp) / "work"
        shutil.copytree(source, work, ignore=shutil.ignore_patterns("complete.json", "submissions"))
        (work / "submissions").mkdir()
        forms = sorted((source / "submissions").glob("*.xlsx"))
        config = work / "ledgerxl.toml"
        port = _port()
        py = [sys.executable, "-m", "ledgerxl"]
        base = f"http://127.0.0.1:{port}"
        out = subprocess.run(
            [*py, "links", "--config", str(config), "--base-url", base], capture_output=True, text=True
        )
        if out.returncode:
            raise HarnessError(f"ledgerxl links failed: {out.stdout}{out.stderr}")
        links = dict(line.split("\t") for line in out.stdout.strip().split("\n"))
        proc = subprocess.Popen([*py, "serve", "--config", str(config), "--port", str(port)], stdout=subprocess.DEVNULL)
        sampler = TreeSampler(proc.pid)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise HarnessError("ledgerxl serve did not start") from None
                    time.sleep(0.1)
            idle_mb = _tree_mb(proc.pid)
            sampler.start()
            hostile = hostile_files()
            jobs: list[tuple[str, str, str, bytes]] = []
            versions = corrected_versions(size, rounds)
            for k in range(rounds):
                for i, form in enumerate(forms):
                    dept = form.name.split("-")[0]
                    path = "/" + links[dept].split("/", 3)[3]
                    data_k = form.read_bytes() if k == 0 else versions[(dept, k)]
                    jobs.append(("normal", path, form.name, data_k))
                    if hostile_every and i % hostile_every == hostile_every - 1:
                        name, raw = hostile[(len(jobs) // hostile_every) % len(hostile)]
                        jobs.append(("hostile", path, name, raw))
            t0 = time.perf_counter()
            with ThreadPoolExecutor(concurrency) as pool:
                done = list(pool.map(lambda j: (j[0], *upload(port, j[1], j[2], j[3])), jobs))
            wall = time.perf_counter() - t0
        finally:
            sampler.done.set()
            proc.terminate()
            proc.wait(15)
    normal = [(s, st, page) for kind, s, st, page in done if kind == "normal"]
    bad = [page[:200] for _, st, page in normal if st != 200 or "已收下" not in page]
    if bad:
        raise HarnessError(f"{len(bad)} normal uploads were not received: {bad[0]}")
    refused = sum(1 for kind, _, st, page in done if kind == "hostile" and ("没有收下" in page or st in (0, 413)))
    ms = sorted(s * 1000 for s, _, _ in normal)
    hostile_ms = [s * 1000 for kind, s, _, _ in done if kind == "hostile"] or [0.0]
    return {
        "departments": departments,
        "rounds": rounds,
        "concurrency": concurrency,
        "normal": len(normal),
        "hostile": sum(1 for j in jobs if j[0] == "hostile"),
        "hostile_refused": refused,
        "p50_ms": statistics.median(ms),
        "p95_ms": ms[max(0, int(round(0.95 * len(ms))) - 1)],
        "max_ms": ms[-1],
        "hostile_max_ms": max(hostile_ms),
        "wall": wall,
        "idle_mb": idle_mb,
        "peak_mb": sampler.peak,
    }


def corrected_versions(size: Size, rounds: int) -> dict[tuple[str, int], bytes]:
    """(department, k) -> its form once more, k-th correction: each round uploads new versions (the same
    bytes again would only be a repeat)."""
    from benchmarks.generate import PERIOD, plan
    from ledgerxl.model import Item
    from ledgerxl.periods import parse_period
    from ledgerxl.write.form import build_form

    period = parse_period(PERIOD)
    items, progress = plan(size)
    by_dept: dict[str, list[Item]] = {}
    for n, text, depts in items:
        for d in depts:
            by_dept.setdefault(d, []).append(Item(number=n, text=text, departments=depts))
    out: dict[tuple[str, int], bytes] = {}
    for k in range(1, rounds):
        for d, its in by_dept.items():
            texts = {it.number: progress[(it.number, d)] for it in its}
            texts[its[0].number] += f"（第 {k} 次更正）"
            out[(d, k)] = build_form(d, its, period, texts)
    return out


def _tree_mb(pid: int) -> float:
    from benchmarks.run import tree_rss_mb

    return tree_rss_mb(pid)


def render(r: dict[str, Any]) -> list[str]:
    lines = [
        f"ledgerxl serve under load: {r['departments']} departments × {r['rounds']} rounds of new versions, "
        f"{r['concurrency']} concurrent uploads, "
        f"{r['hostile']} hostile uploads mixed in ({r['hostile_refused']} refused as they should be); "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "",
        "| measure | value |",
        "|---|---|",
        f"| upload to findings, p50 | {r['p50_ms']:.0f} ms |",
        f"| upload to findings, p95 | {r['p95_ms']:.0f} ms |",
        f"| upload to findings, max | {r['max_ms']:.0f} ms |",
        f"| hostile upload to its refusal, max | {r['hostile_max_ms']:.0f} ms |",
        f"| all uploads, wall | {r['wall']:.2f} s |",
        f"| server memory, idle | {r['idle_mb']:.0f} MB |",
        f"| server memory, peak | {r['peak_mb']:.0f} MB |",
        "",
    ]
    for key, label, unit in (("p95_ms", "p95 upload to findings", "ms"), ("peak_mb", "peak server memory", "MB")):
        verdict = "PASS" if r[key] <= TARGETS[key] and r["hostile_refused"] == r["hostile"] else "FAIL"
        lines.append(f"{verdict}: {label} {r[key]:.0f} {unit} (target ≤ {TARGETS[key]:.0f} {unit})")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.serve", description=__doc__.split("\n\n")[0])
    ap.add_argument("--departments", type=int, default=50, help="departments uploading (default 50)")
    ap.add_argument("--concurrency", type=int, default=20, help="uploads at once (default 20)")
    ap.add_argument("--rounds", type=int, default=3, help="new versions per department (default 3)")
    ap.add_argument("--hostile-every", type=int, default=5, help="a hostile upload after every N forms (0: none)")
    ap.add_argument("--data", type=Path, help="where generated inputs are kept (default: the temp folder)")
    args = ap.parse_args(argv)
    data = args.data or Path(tempfile.gettempdir()) / "ledgerxl-bench"
    try:
        result = measure(args.departments, args.concurrency, data, args.hostile_every, args.rounds)
    except HarnessError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    lines = render(result)
    print("\n".join(lines))
    return 1 if any(line.startswith("FAIL") for line in lines) else 0


if __name__ == "__main__":
    threading.stack_size(0)
    sys.exit(main())
