"""Real processes: a batch killed (SIGKILL / TerminateProcess) while parsing, inside its database
transaction and while writing outputs leaves a sound database and the previous outputs whole, and the
next run finishes the work; a second run started while one holds the lock exits 3."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batchkit import (
    batch,
    batch_argv,
    count,
    drop,
    form,
    ledger_rows,
    output_hashes,
    query,
    sample_progress,
    status,
    subprocess_env,
)

pytestmark = pytest.mark.subprocess

KEJI = "市科技局"


def start_paused(work: Path, stage: str) -> tuple[subprocess.Popen[bytes], Path]:
    """A batch process stopped at `stage`: it has written the marker file and waits for it to go."""
    marker = work.parent / f"paused-{stage}"
    script = Path(__file__).with_name("paused_batch.py")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(work / "ledgerxl.toml"), stage, str(marker)],
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120  # a guard against hanging, not a timing assertion
    while not marker.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"batch ended before pausing at {stage}: {out.decode()} {err.decode()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"batch never reached {stage}")
        time.sleep(0.05)
    return proc, marker


def resubmit(work: Path) -> tuple[int, str]:
    progress = sample_progress(work, KEJI)
    number = sorted(progress)[0]
    progress[number] = "更正：截至9月底已完成全年任务。"
    drop(work, f"{KEJI}-2025年三季度（更正）.xlsx", form(work, KEJI, "2025Q3", progress))
    return number, progress[number]


@pytest.mark.parametrize("stage", ["parse", "db", "write"])
def test_killed_run_leaves_database_and_outputs_whole(sample_dir: Path, stage: str) -> None:
    assert batch(sample_dir).exit_code == 0
    before = output_hashes(sample_dir)
    before_rows = {t: count(sample_dir, t) for t in ("files", "submissions", "entries", "findings")}
    number, text = resubmit(sample_dir)

    proc, _ = start_paused(sample_dir, stage)
    proc.kill()
    proc.wait()

    conn = sqlite3.connect(sample_dir / "ledgerxl.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    assert output_hashes(sample_dir) == before  # unchanged, and each one whole (it still hashes the same)
    assert status(sample_dir).exit_code == 0  # readable as it is, before any new run
    rows = {t: count(sample_dir, t) for t in before_rows}
    if stage == "write":  # the transaction was committed before the outputs were written
        assert rows["submissions"] == before_rows["submissions"] + 1
        assert list((sample_dir / "out").glob(".*.tmp"))  # the killed run's staged outputs
    else:  # nothing of the killed run's transaction is there
        assert rows == before_rows

    r = batch(sample_dir)
    assert r.exit_code == 0, r.output
    assert "新文件 0 个" in r.output if stage == "write" else "新文件 1 个" in r.output
    assert count(sample_dir, "submissions") == before_rows["submissions"] + 1
    assert [row[3] for row in ledger_rows(sample_dir / "out" / "台账.xlsx") if row[0] == str(number)] == [text]
    assert not list((sample_dir / "out").glob(".*.tmp"))
    assert query(sample_dir, "SELECT id, outcome FROM runs ORDER BY id") == [(1, "ok"), (2, "interrupted"), (3, "ok")]
    # and from then on, nothing changes
    settled = output_hashes(sample_dir)
    assert "新文件 0 个" in batch(sample_dir).output and output_hashes(sample_dir) == settled


def test_second_concurrent_run_exits_3(sample_dir: Path) -> None:
    proc, marker = start_paused(sample_dir, "start")
    try:
        second = subprocess.run(batch_argv(sample_dir), env=subprocess_env(), capture_output=True)
        assert second.returncode == 3
        refused = second.stderr.decode("utf-8")
        assert refused.startswith(f"错误：另一个 ledgerxl batch 正在运行（进程 {proc.pid}，开始于 ")
        assert "本次没有执行。\n  处理办法：等它结束后再运行即可；定时任务会在下次自动继续。" in refused
        assert second.stdout == b""
    finally:
        marker.unlink()  # let the first run go on
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert out.decode("utf-8").startswith("批处理 #1，2025年三季度：新文件 22 个")
    assert query(sample_dir, "SELECT id, outcome FROM runs") == [(1, "ok")]  # the refused run left no trace
