"""How many processes a run uses, and 附件.docx rendered beside 台账.xlsx for a large ledger. The files
themselves are always read in worker processes (jobs.contained): one, or from MIN_FILES one per CPU.

A city's quarterly merge (22 files, 44 items) reads in one worker: more cost more to start than they save
(a fork is 2-3 ms on Linux, a spawn a few hundred elsewhere, as each imports ledgerxl again). Results are
taken back in input order, so the outputs are byte-identical whatever the number of workers
(tests/test_parallel.py).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from ledgerxl.errors import LedgerxlError

MIN_FILES = 64  # fewer files are read by one worker (64 forms take about 0.1 s)
MIN_ROWS = 2000  # a smaller ledger's 附件.docx is rendered in this process (about 0.1 s)
MAX_WORKERS = 8


class WorkerError(LedgerxlError):
    """A worker process died (killed, or out of memory): the run stops, nothing is written."""

    exit_code = 70


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (containers, taskset)
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def worker_count(jobs: int | None, tasks: int, threshold: int) -> int:
    """Processes to use for `tasks` pieces of work: `jobs` when given (1: none), else one per CPU once
    there is enough work to pay for starting them."""
    if jobs == 1 or (jobs is None and tasks < threshold) or _daemonic():
        return 1
    if jobs is not None:
        return max(1, min(jobs, tasks))
    return max(1, min(available_cpus(), MAX_WORKERS, tasks))


def _daemonic() -> bool:
    """A daemonic process (say a multiprocessing.Pool worker calling ledgerxl) may not start processes."""
    import multiprocessing

    return bool(multiprocessing.current_process().daemon)


class Beside:
    """fn(*args) running in another process; `result()` waits for what it returns. On Linux the process
    is forked: it inherits the arguments (a 40,000-row ledger) instead of receiving a pickled copy, and
    sends back only the bytes it rendered. Used as a context manager, so that a failure here (an
    exception, Ctrl-C) stops the other process instead of leaving it waiting to send its result."""

    def __init__(self, fn: Callable[..., bytes], *args: Any) -> None:
        import multiprocessing

        ctx: Any = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")  # typeshed: no Process
        self._receive, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_run_and_send, args=(send, fn, args), daemon=True)
        from ledgerxl.contained import fork_lock

        with fork_lock:
            self._proc.start()
        send.close()  # the child holds the sending end: EOF here when it dies

    def result(self) -> bytes:
        try:
            ok, value = self._receive.recv()
        except EOFError as e:
            raise broken(e) from e
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def __enter__(self) -> Beside:
        return self

    def __exit__(self, *exc: object) -> None:
        self._receive.close()
        if self._proc.is_alive() and exc[0] is not None:
            self._proc.terminate()
        self._proc.join()


def _run_and_send(send: Any, fn: Callable[..., bytes], args: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import pickle

    try:
        result: tuple[bool, Any] = (True, fn(*args))
    except Exception as e:  # noqa: BLE001 - raised again in the parent
        try:
            pickle.loads(pickle.dumps(e))  # it must arrive whole, not as an unpickling error there
            result = (False, e)
        except Exception:  # noqa: BLE001 - its type and text are what the parent can show
            result = (False, RuntimeError(f"{type(e).__name__}: {e}"))
    send.send(result)
    send.close()


def broken(e: BaseException, reading: list[str] | None = None) -> WorkerError:
    """The error for a worker that died; `reading`: the files it may have been reading then."""
    where = ""
    if reading:
        shown = "、".join(reading[:8]) + ("等" if len(reading) > 8 else "")
        where = f"当时正在读取的文件在这几个之中：{shown}。"
    return WorkerError(
        f"并行处理的工作进程意外退出（{type(e).__name__}），可能是内存不足、被系统终止，"
        f"或某个文件使读取程序崩溃；未写出任何文件。{where}",
        "请先把这几个文件移出收件目录再运行；或加 --jobs 1（或在 ledgerxl.toml 中写 jobs = 1）在单个进程中重新运行。",
    )
