"""Worker processes for the two parts of a large merge that can run side by side: reading the files
(each one independent of the others) and rendering 附件.docx while 台账.xlsx is rendered here.

A city's quarterly merge (22 files, 44 items) never starts one: a pool costs milliseconds to fork on
Linux and a few hundred to spawn elsewhere (each worker imports ledgerxl again), more than that whole
merge takes. Results are taken back in input order, so the outputs are byte-identical whatever the
number of workers (tests/test_parallel.py).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ledgerxl.errors import LedgerxlError

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

MIN_FILES = 64  # fewer files are read in this process (64 forms take about 0.1 s)
MIN_ROWS = 2000  # a smaller ledger's 附件.docx is rendered in this process (about 0.1 s)
MAX_WORKERS = 8

S = TypeVar("S")  # what every task shares (the departments, the rules): sent once to each worker
R = TypeVar("R")


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


def start_pool(
    workers: int, init: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """A pool of `workers` processes. Linux forks them (they inherit the imported modules); elsewhere
    they are spawned, as fork is unsafe on macOS and missing on Windows."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(init, initargs))


def _init_worker(init: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    # Ctrl-C is the parent's to handle (one message, earlier outputs untouched), not a traceback per worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if init is not None:
        init(*initargs)


# In a worker process: the task function and what it shares, set once by the pool's initializer. The only
# module-global state of ledgerxl's workers, so that the code they run takes plain arguments.
_task: tuple[Callable[..., Any], Any] | None = None


def _set_task(fn: Callable[..., Any], shared: Any) -> None:
    global _task
    _task = (fn, shared)


def _run_task(args: tuple[Any, ...]) -> Any:
    assert _task is not None, "the pool's initializer sets it"
    fn, shared = _task
    return fn(shared, *args)


def map_ordered(
    fn: Callable[..., R],
    shared: S,
    tasks: Sequence[tuple[Any, ...]],
    workers: int,
    progress: Callable[[int, int], None] | None = None,
    names: Sequence[str] = (),
) -> list[R]:
    """[fn(shared, *t) for t in tasks], computed by `workers` processes (1: here), in the tasks' order, so
    nothing downstream depends on how many workers there were. `progress(done, total)` after each
    result; `names` (one per task) are what the error says a dead worker may have been working on."""
    total = len(tasks)
    if workers <= 1:
        out: list[R] = []
        for t in tasks:
            out.append(fn(shared, *t))
            if progress is not None:
                progress(len(out), total)
        return out
    from concurrent.futures.process import BrokenProcessPool

    # chunks of a few tasks: few round trips, yet the last chunks keep every worker busy to the end
    chunk = max(1, min(16, total // (workers * 4)))
    pool = start_pool(workers, _set_task, (fn, shared))
    results: list[R] = []
    try:
        for r in pool.map(_run_task, tasks, chunksize=chunk):
            results.append(r)
            if progress is not None:
                progress(len(results), total)
    except BrokenProcessPool as e:
        pool.shutdown(wait=True, cancel_futures=True)
        raise broken(e, list(names[len(results) : len(results) + workers * chunk])) from e
    except BaseException:  # Ctrl-C or a bug: the tasks not yet done are dropped, not run to the end
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    return results


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
