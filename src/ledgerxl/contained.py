"""The boundary: every parse of untrusted bytes runs in a worker process under hard limits.

python-calamine, openpyxl, lxml and python-docx trust what a file says about itself. A far-corner cell
makes calamine reserve 512 GB and abort the process, a Rust panic arrives as a BaseException, an .xls FAT
loop asks for 4 GB, a 10 KB sheet can keep a regular expression busy for minutes. No scan of the bytes
predicts all of that, so the guarantee is a process boundary instead:

- a worker sets its own address-space limit (RLIMIT_AS: its size after the imports plus MEMORY_MB) and the
  parent kills it when a task runs longer than SECONDS; a result larger than RESULT_MB is refused;
- a worker that aborts, panics, runs out of memory, is killed or times out becomes `Failed` for that one
  task: the pool starts a new worker and goes on with the others;
- workers are long-lived (forked on Linux once the imports are done, 2-3 ms each; spawned elsewhere), so a
  run of 22 forms pays one start, not 22.

On Windows, which has no RLIMIT_AS, the parent watches the workers' memory instead (a poll every
WATCH_SECONDS; not exercised by the test suite, which runs on Linux).
"""

from __future__ import annotations

import itertools
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from ledgerxl.errors import LedgerxlError

# What a task may allocate beyond the worker's own size. The same for every worker whatever their number,
# so that a file's outcome never depends on --jobs (tests/test_parallel.py); small enough that two workers
# at their limit at once keep the process tree under 300 MB (160 MB each did not, with two hostile .xls
# read at the same moment: tests/test_fuzz.py); a 2,000-row form needs about 30 MB.
MEMORY_MB = 96
SECONDS = 8.0  # wall time per task: the largest real form reads in 0.2 s; a hostile one never ends
RESULT_MB = 32  # pickled result: a 2,000-row form's texts are a few MB
CHUNK = 8  # tasks per message at most (500 forms: a round trip each cost 0.05 s of a 10k merge)
WATCH_SECONDS = 0.05  # the memory watchdog's poll, where RLIMIT_AS is missing

R = TypeVar("R")
Reason = Literal["memory", "timeout", "crashed", "too-large"]


@dataclass(frozen=True)
class Limits:
    memory_mb: int = MEMORY_MB
    seconds: float = SECONDS
    result_mb: int = RESULT_MB
    # imported by each worker before its memory is measured: a library's own mappings (openpyxl brings
    # numpy, 60+ MB of address space) must not count against what a file may cost
    preload: tuple[str, ...] = ("python_calamine", "lxml.etree")


@dataclass(frozen=True)
class Failed:
    """A task whose worker could not finish it: why, in a word, and what the system said."""

    reason: Reason
    detail: str = ""

    @property
    def message(self) -> str:
        """Why, in Chinese, for the finding of the input the task was reading."""
        return {
            "memory": "读取时所需的内存超过上限",
            "timeout": "读取时间超过上限",
            "crashed": "读取程序异常退出（文件结构异常，或读取所需的内存超过上限）",
            "too-large": "读出的内容超过上限",
        }[self.reason]


class UnsafeInput(LedgerxlError):
    """A file the run cannot do without (the master list, last period's ledger, a template) that a worker
    could not read within its limits."""


def run(fn: Callable[..., R], *args: Any, what: str, pool: Pool | None = None, **kwargs: Any) -> R:
    """fn(*args, **kwargs) in a worker (of `pool`, or of a pool of one made for the call); UnsafeInput
    names `what` when the worker fails. Exceptions fn raises (a MasterError…) are raised here as they are."""
    if kwargs:
        import functools

        fn = functools.partial(fn, **kwargs)
    if unavailable():
        return fn(*args)
    if pool is None:
        with Pool(1) as own:
            result = own.call(fn, *args)
    else:
        result = pool.call(fn, *args)
    if isinstance(result, Failed):
        raise UnsafeInput(
            f"{what}：{result.message}，无法安全读取。",
            "文件可能已损坏或结构异常：请用 Excel/WPS/Word 打开后另存为新文件再试。",
        )
    return result


def unavailable() -> bool:
    """A daemonic process (a multiprocessing.Pool worker calling ledgerxl) may not start processes: there
    the inputs are read in the caller's process, without the boundary."""
    import multiprocessing

    return bool(multiprocessing.current_process().daemon)


# Held while a process is forked, and by a thread that imports modules meanwhile (jobs.merge warms the
# writers while the workers read): a fork in the middle of another thread's import would leave the child
# with that import's lock held for ever.
fork_lock = threading.Lock()


class _Worker:
    def __init__(self, ctx: Any, limits: Limits) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, self.conn, limits), daemon=True)
        with fork_lock:
            self.proc.start()
        child.close()
        self.shared: int | None = None  # key of the shared value this worker holds
        self.task: list[int] | None = None  # indexes of the tasks it is working on
        self.started = 0.0

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


class Pool:
    """Long-lived worker processes that run functions on untrusted inputs under `limits`.

    Use it as a context manager (or call `close`): the workers end with it. `map` and `call` never raise
    for what a worker does to itself; an exception the function raises is raised here again (a bug)."""

    _keys = itertools.count()

    def __init__(self, workers: int = 1, limits: Limits | None = None) -> None:
        import multiprocessing

        self._size = max(1, workers)
        self.limits = limits or Limits()
        self._ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        self._workers: list[_Worker] = []
        self._shared_payload: tuple[int, bytes] | None = None

    def __enter__(self) -> Pool:
        return self

    def start(self, tasks: int = 1) -> None:
        """Start the workers `tasks` will need now, rather than at the first map."""
        while len(self._workers) < min(self._size, max(1, tasks)):
            self._workers.append(_Worker(self._ctx, self.limits))

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for w in self._workers:
            try:
                w.conn.send(("stop",))
            except OSError:
                pass
        for w in self._workers:
            w.proc.join(timeout=1)
            w.kill()
        self._workers.clear()

    @classmethod
    def shared_key(cls) -> int:
        """A key for `map` that no other call uses."""
        return next(cls._keys)

    def call(self, fn: Callable[..., R], *args: Any) -> R | Failed:
        """fn(*args) in a worker."""
        return self.map(_apply, fn, [args])[0]

    def map(
        self,
        fn: Callable[..., R],
        shared: Any,
        tasks: Sequence[tuple[Any, ...]],
        progress: Callable[[int, int], None] | None = None,
        key: int | None = None,
    ) -> list[R | Failed]:
        """[fn(shared, *t) for t in tasks] in the workers, in the tasks' order. `shared` goes to each worker
        once; `progress(done, total)` after each result. `key`: the same value for the same `shared` over
        many calls (Pool.shared_key()), so a worker keeps it between them (the web intake's one file per
        call resent the master list's rules every time)."""
        key = next(self._keys) if key is None else key
        results: list[Any] = [None] * len(tasks)
        # a few tasks per message: a round trip per file cost more than reading a small form; a chunk whose
        # worker dies or runs out of time is tried again one task at a time, so only the culprit fails
        size = max(1, min(CHUNK, len(tasks) // (self._size * 4)))
        pending = [list(range(i, min(i + size, len(tasks)))) for i in range(0, len(tasks), size)]
        pending.reverse()
        done = 0
        self.start(len(tasks))
        try:
            while done < len(tasks):
                for w in self._workers:
                    if w.task is None and pending:
                        self._assign(w, pending.pop(), fn, key, shared, tasks)
                for chunk, outcome in self._wait():
                    if isinstance(outcome, Failed) and len(chunk) > 1:
                        pending.extend([i] for i in reversed(chunk))  # find which one it was
                        continue
                    outcomes = outcome if isinstance(outcome, list) else [outcome] * len(chunk)
                    for i, o in zip(chunk, outcomes):
                        results[i] = o
                        done += 1
                        if progress is not None:
                            progress(done, len(tasks))
        except BaseException:  # Ctrl-C or a bug: stop the workers, not leave them reading
            for w in self._workers:
                w.kill()
            self._workers.clear()
            raise
        for r in results:
            if isinstance(r, _Raised):
                raise r.error
        return results

    def _assign(
        self, w: _Worker, chunk: list[int], fn: Callable[..., Any], key: int, shared: Any, tasks: Sequence[Any]
    ) -> None:
        if w.shared != key:
            # pickled once for all the workers: the rules of a 10,000-item master list take 0.04 s each time
            if self._shared_payload is None or self._shared_payload[0] != key:
                from multiprocessing.reduction import ForkingPickler

                self._shared_payload = (key, bytes(ForkingPickler.dumps(("shared", key, shared))))
            w.conn.send_bytes(self._shared_payload[1])
            w.shared = key
        w.conn.send(("task", fn, key, [tasks[i] for i in chunk]))
        w.task, w.started = chunk, time.monotonic()

    def _wait(self) -> list[tuple[list[int], Any]]:
        """The chunks that finished, with a list of outcomes, or whose worker died or ran out of time, with
        one Failed; dead or killed workers are replaced."""
        from multiprocessing.connection import wait

        busy = [w for w in self._workers if w.task is not None]
        deadline = min(w.started + self.limits.seconds * len(w.task or ()) for w in busy)
        timeout = max(0.0, deadline - time.monotonic())
        if _WATCH:
            timeout = min(timeout, WATCH_SECONDS)
        ready = wait([w.conn for w in busy], timeout)
        out: list[tuple[list[int], Any]] = []
        now = time.monotonic()
        for w in busy:
            i = w.task
            assert i is not None
            if w.conn in ready:
                try:
                    out.append((i, [_outcome(b) for b in pickle.loads(w.conn.recv_bytes())]))
                    w.task = None
                    continue
                except (EOFError, OSError):
                    w.proc.join()
                    out.append((i, _death(w.proc.exitcode)))
            elif now - w.started > self.limits.seconds * len(i):
                out.append((i, Failed("timeout", f"{self.limits.seconds:g} s")))
            elif _WATCH and _rss_mb(w.proc.pid) > self.limits.memory_mb + 64:
                out.append((i, Failed("memory", "watchdog")))
            else:
                continue
            self._replace(w)
        return out

    def _replace(self, w: _Worker) -> None:
        w.kill()
        self._workers[self._workers.index(w)] = _Worker(self._ctx, self.limits)


@dataclass
class _Raised:
    error: BaseException


def _outcome(data: bytes) -> Any:
    kind, value = pickle.loads(data)
    if kind == "ok":
        return value
    if kind == "failed":
        return value
    return _Raised(value)


def _death(exitcode: int | None) -> Failed:
    """A worker that died: SIGKILL is the system's OOM killer (or an operator); SIGABRT is most often a
    failed allocation under the limit (Rust aborts on it), but any abort looks the same."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode == signal.SIGKILL:
            return Failed("memory", name)
        return Failed("crashed", name)
    return Failed("crashed", f"exit {exitcode}")


def _apply(fn: Callable[..., R], *args: Any) -> R:
    return fn(*args)


# ---- in the worker


def _worker_main(conn: Any, parent_end: Any, limits: Limits) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # A forked worker holds copies of the parent's files, the batch lock among them: it must end with the
    # parent, or a killed run's worker would keep the lock (and wait for a task) forever.
    _die_with_parent()
    if sys.platform == "linux":
        parent_end.close()  # so that the parent's death is an EOF here
    if os.environ.get("LEDGERXL_DEBUG") != "1":
        _quiet()  # a Rust panic prints its backtrace to stderr: the parent reports the file instead
        # and with RUST_BACKTRACE=1 in the environment (set on this development machine) every panic
        # resolved its backtrace's symbols first: a killing file took its worker 99 ms to die, not 18 ms
        os.environ["RUST_BACKTRACE"] = "0"
    import importlib

    for name in limits.preload:
        try:
            importlib.import_module(name)
        except ImportError:  # pragma: no cover - an optional library that is not installed
            pass
    shared: dict[int, Any] = {}
    result_limit = limits.result_mb << 20
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg[0] == "stop":
            return
        if msg[0] == "shared":  # one map at a time: the last one's value is no longer needed
            shared = {msg[1]: msg[2]}
            continue
        _, fn, key, chunk = msg
        conn.send_bytes(pickle.dumps([_one(fn, shared[key], args, limits, result_limit) for args in chunk]))


def _one(fn: Callable[..., Any], shared: Any, args: tuple[Any, ...], limits: Limits, result_limit: int) -> bytes:
    """One task's outcome, pickled: its result, or why there is none."""
    _limit_memory(limits.memory_mb)  # measured per task: what earlier tasks imported or cached is not this file's
    try:
        data = pickle.dumps(("ok", fn(shared, *args)), pickle.HIGHEST_PROTOCOL)
        if len(data) > result_limit:
            data = pickle.dumps(("failed", Failed("too-large", f"{len(data) >> 20} MB")))
    except MemoryError:
        data = pickle.dumps(("failed", Failed("memory", "MemoryError")))
    except Exception as e:  # noqa: BLE001 - a bug in ledgerxl: raised again in the parent
        data = _pickled_error(e)
    except BaseException as e:  # noqa: BLE001 - pyo3's PanicException and the like
        data = pickle.dumps(("failed", Failed("crashed", f"{type(e).__name__}: {str(e)[:200]}")))
    return data


def _quiet() -> None:
    import faulthandler

    faulthandler.disable()  # it writes to its own copy of stderr (pytest's, PYTHONFAULTHANDLER)
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:  # pragma: no cover - no /dev/null: the noise stays
        pass


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if sys.platform != "linux":
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        if os.getppid() == 1:  # the parent died before the call: nobody will send tasks
            os._exit(0)
    except (OSError, AttributeError):  # pragma: no cover - no libc to call: EOF on the pipe still ends us
        pass


def _pickled_error(e: Exception) -> bytes:
    try:
        return pickle.dumps(("raised", e))
    except Exception:  # noqa: BLE001 - its type and text are what the parent can show
        return pickle.dumps(("raised", RuntimeError(f"{type(e).__name__}: {e}")))


def _limit_memory(headroom_mb: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: the parent's watchdog
        return
    size = _vm_size()
    if size is None:
        return
    limit = size + (headroom_mb << 20)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # pragma: no cover - a platform that refuses it (macOS ignores it)
        pass


def _vm_size() -> int | None:
    """This process's address space in bytes (Linux: /proc; elsewhere None)."""
    try:
        with open(f"/proc/{os.getpid()}/statm", "rb") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


# the parent polls the workers' memory where it cannot limit their address space
_WATCH = sys.platform == "win32"


def _rss_mb(pid: int) -> float:  # pragma: no cover - Windows only
    import ctypes
    from ctypes import wintypes

    class Counters(ctypes.Structure):
        _fields_ = [
            ("cb", wintypes.DWORD),
            ("PageFaultCount", wintypes.DWORD),
            ("PeakWorkingSetSize", ctypes.c_size_t),
            ("WorkingSetSize", ctypes.c_size_t),
            ("QuotaPeakPagedPoolUsage", ctypes.c_size_t),
            ("QuotaPagedPoolUsage", ctypes.c_size_t),
            ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t),
            ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
            ("PagefileUsage", ctypes.c_size_t),
            ("PeakPagefileUsage", ctypes.c_size_t),
        ]

    kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined,unused-ignore]
    psapi = ctypes.WinDLL("psapi")  # type: ignore[attr-defined,unused-ignore]
    handle = kernel32.OpenProcess(0x0410, False, pid)  # PROCESS_QUERY_INFORMATION | PROCESS_VM_READ
    if not handle:
        return 0.0
    try:
        c = Counters()
        c.cb = ctypes.sizeof(c)
        if not psapi.GetProcessMemoryInfo(handle, ctypes.byref(c), c.cb):
            return 0.0
        return c.PagefileUsage / (1 << 20)
    finally:
        kernel32.CloseHandle(handle)
