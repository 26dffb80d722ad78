"""The web intake's one job: a file a department uploaded through its private link, checked and recorded
in the working folder's history exactly as `ledgerxl batch` would have recorded it from the inbox.

A long-lived `Intake` holds what every upload needs (the master list, the rules, warm worker processes)
so that an upload costs one read in a worker and one short database transaction (p95 of 20 concurrent
uploads on 2 cores: see benchmarks/serve.py). Per upload:

1. the file is read and checked in a worker of the contained pool (jobs.check.check_files, the byte scan
   first): a bomb or a killing file is a finding for that upload alone;
2. a form that is not the link's department's own (another 填报单位, or unreadable) is shown to the
   department and kept nowhere else: a link can only ever add versions of its own department;
3. otherwise, holding the batch lock for a few milliseconds: the file is archived by its hash, recorded
   with its findings (jobs.batch.record.record_files: the one version rule), and copied into the inbox,
   so a later `batch` sees a file it already knows and `batch --rebuild` finds it in the archive.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import queue
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ledgerxl import codes
from ledgerxl.config import Config
from ledgerxl.contained import Limits, Pool
from ledgerxl.departments import Departments
from ledgerxl.errors import LockHeld
from ledgerxl.jobs.batch.model import BatchOptions, BatchPaths, BatchResult, Incoming, RunState
from ledgerxl.jobs.store import Store
from ledgerxl.model import Finding, MasterList, Submission
from ledgerxl.periods import Period
from ledgerxl.rules.form import FormRules

T = TypeVar("T")
LOCK_WAIT_SECONDS = 30.0  # a scheduled batch run holds the lock for seconds; an upload waits that long
WEB_ACTOR = "网上报送"


@dataclass
class Received:
    """What one upload became, as the department's page shows it."""

    upload_id: int
    name: str
    findings: list[Finding]  # what the department can act on (feedback.for_department)
    recorded: bool  # received as a version of the department's form
    current: bool  # and it is now the version that counts
    repeated: bool = False  # the same bytes had been received before


@dataclass
class _Checked:
    submission: Submission | None
    findings: list[Finding] = field(default_factory=list)


class Intake:
    """The working folder as the web intake sees it (see the module doc). Thread-safe: requests run in a
    thread pool; checks run `workers` at a time, records one at a time."""

    def __init__(self, cfg: Config, period: Period, paths: BatchPaths, master: MasterList, workers: int = 2) -> None:
        self.cfg, self.period, self.paths, self.master = cfg, period, paths, master
        self.departments = Departments(master.departments, cfg.aliases)
        self.rules = FormRules(master, period)
        self.store = Store.open(paths.db, threads=True)
        self._db = threading.RLock()  # one connection, used by one thread at a time
        self._recording = threading.Lock()  # uploads record one at a time (and then take the batch lock)
        self._local = threading.local()  # each request thread's reading connection
        self._readers: list[Store] = []
        self._pools: queue.Queue[Pool] = queue.Queue()
        self._shared = Pool.shared_key()  # the departments and rules: sent to each worker once
        # the reader and the rules imported before the workers fork (and by each worker elsewhere): a worker
        # importing them at its first upload took 0.3 s, and so did each worker replacing a killed one
        readers = ("ledgerxl.read.submission", "ledgerxl.rules.form", "ledgerxl.read.workbook")
        limits = Limits(preload=Limits().preload + ("openpyxl", *readers))  # openpyxl: the annotated copies
        for name in limits.preload:  # openpyxl alone cost a replacement worker 0.2 s
            importlib.import_module(name)
        for _ in range(max(1, workers)):
            pool = Pool(1, limits)
            pool.start()
            self._pools.put(pool)
        self._warm_up(workers)

    def _warm_up(self, workers: int) -> None:
        """One check of a blank form in each worker, so the first department's upload is not the one that
        pays for loading the shared rules and the reader's caches."""
        import tempfile

        from ledgerxl.jobs.check import check_files
        from ledgerxl.write.form import build_form

        dept = self.master.departments[0] if self.master.departments else ""
        if not dept:
            return
        with tempfile.TemporaryDirectory(prefix="ledgerxl-warm-") as tmp:
            blank = Path(tmp) / "warm.xlsx"
            blank.write_bytes(build_form(dept, self.master.items_of(dept), self.period))
            pools = [self._pools.get() for _ in range(max(1, workers))]
            try:
                for pool in pools:
                    check_files([blank], self.departments, self.rules, pool=pool, shared_key=self._shared)
            finally:
                for pool in pools:
                    self._pools.put(pool)

    def close(self) -> None:
        while not self._pools.empty():
            self._pools.get().close()
        with self._db:
            self.store.close()
            for reader in self._readers:
                reader.close()
            self._readers.clear()

    @contextmanager
    def db(self) -> Iterator[Store]:
        """The connection that writes (one thread at a time)."""
        with self._db:
            yield self.store

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """A connection of this thread's own for reading, in one read transaction (a consistent snapshot):
        WAL lets readers go on while an upload commits, where sharing the writer's lock made every page
        view wait for it (a quarter of the server's time under 20 concurrent uploads, measured with py-spy)."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = Store.open(self.paths.db, threads=True)
            self._local.store = store
            with self._db:
                self._readers.append(store)
        store.conn.execute("BEGIN")
        try:
            yield store
        finally:
            store.conn.execute("COMMIT")

    @contextmanager
    def pool(self) -> Iterator[Pool]:
        pool = self._pools.get()  # waits while every worker is busy: the queue is the back-pressure
        try:
            yield pool
        finally:
            self._pools.put(pool)

    # ---- one upload

    def receive(self, department: str, upload: Path, name: str, sha256: str, address: str = "") -> Received:
        """`upload` (a file streamed to disk by the web layer, `name` as the browser sent it) checked and,
        when it is the department's own readable form, recorded. The file at `upload` is moved or removed."""
        name = safe_name(name)
        # the reader goes by the suffix: the upload keeps the one its name has
        named = upload.with_name(f"{upload.stem}{Path(name).suffix.lower()}")
        upload = upload.replace(named) if named != upload else upload
        size = upload.stat().st_size
        with self.reading() as store:
            known = store.file_of_sha(sha256)
        if known is not None and known[1] == self.period.code and known[2] == department:
            upload.unlink(missing_ok=True)
            return self._repeated(department, name, size, sha256, known[0], address)
        checked = self._check(upload, name, department)
        sub = checked.submission
        own = sub is not None and sub.department == department
        if sub is not None and sub.department and sub.department != department:
            checked.findings.append(_not_own(name, sub.department, department))
        if not own or sub is None or known is not None:
            if known is not None and own:  # these bytes were recorded for another period
                checked.findings.append(_other_period(name, known[1]))
            upload.unlink(missing_ok=True)
            return self._shown(department, name, size, sha256, checked.findings, address)
        return self._record(department, upload, name, size, sha256, checked, address)

    def _check(self, upload: Path, name: str, department: str) -> _Checked:
        from ledgerxl.jobs.check import check_files
        from ledgerxl.rules.previous_period import history_findings

        with self.pool() as pool:
            labels = {upload: name}
            checked = check_files(
                [upload], self.departments, self.rules, pool=pool, labels=labels, shared_key=self._shared
            )[0]
        sub, findings = checked.submission, checked.read + checked.rules
        if sub is not None and sub.department == department:
            with self.reading() as store:
                prev = store.previous_progress(department, self.period)
            if prev is not None:
                own = {it.number for it in self.master.items_of(department)}
                findings += history_findings(sub, {n: t for n, t in prev[1].items() if n in own}, prev[0])
        return _Checked(sub, findings)

    def _record(
        self, department: str, upload: Path, name: str, size: int, sha256: str, checked: _Checked, address: str
    ) -> Received:
        from ledgerxl.jobs.batch.record import record_files
        from ledgerxl.jobs.store import now

        stamp = now()[:19].replace("-", "").replace(":", "").replace(" ", "-")
        # unique whatever arrives in the same second: the hash's first digits
        inbox_name = f"{Path(name).stem}-网上{stamp}-{sha256[:6]}{Path(name).suffix.lower()}"
        archive = f"{sha256}/{inbox_name}"
        # archived before the lock (a file kept by its hash is the same file whoever keeps it), so that
        # the lock is held for the database alone: every upload waits for it
        target = self.paths.archive / archive
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(upload), target)  # another drive than the uploads folder (Windows) is a copy
        with self.batch_lock(), self.db() as store, store.transaction():
            run = RunState(BatchOptions(config=self.cfg), self.period, self.paths, store)
            run_id = store.begin_run(self.period)
            inc = Incoming(self.paths.inbox / inbox_name, None, sha256, size, time.time(), archive=archive)
            inc.submission, inc.findings = checked.submission, checked.findings
            if inc.submission is not None:
                inc.submission.path = inc.path
            result = BatchResult(run_id=run_id, period=self.period, dry_run=False)
            record_files(run, run_id, [inc], None, result, department)
            new = result.new[0]
            record: dict[str, object] = {
                "source": "web",
                "department": department,
                "file": inbox_name,
                "sha256": sha256,
            }
            store.finish_run(run_id, "errors" if new.errors else "ok", record)
            file_id = store.file_of_sha(sha256)
            mine = [f for f in run.selection_findings if f.department == department]
            findings = _for_department(checked.findings + mine)
            uid = store.add_upload(
                self.period,
                department,
                name=name,
                size=size,
                sha256=sha256,
                file_id=file_id[0] if file_id else None,
                findings=findings,
            )
            store.audit(department, "上传", department, f"{name}（{_verdict(new.errors, new.warnings)}）", address)
        # the inbox holds every file received, whichever way it came; its copy is only a copy (the archive
        # and the history are committed), written atomically under a hidden temp name batch never reads
        from ledgerxl.write.publish import write_atomic

        write_atomic(self.paths.inbox / inbox_name, target.read_bytes())
        return Received(uid, name, findings, True, new.current)

    def _shown(
        self, department: str, name: str, size: int, sha256: str, findings: list[Finding], address: str
    ) -> Received:
        """An upload not received as a version: its findings, kept with the upload for its page."""
        shown = _for_department(findings)
        with self.db() as store, store.transaction():
            uid = store.add_upload(
                self.period, department, name=name, size=size, sha256=sha256, file_id=None, findings=shown
            )
            store.audit(department, "上传（未收下）", department, name, address)
        return Received(uid, name, shown, False, False)

    def _repeated(self, department: str, name: str, size: int, sha256: str, file_id: int, address: str) -> Received:
        """The same bytes again (a double click, a resend): what they were found to have, no new version."""
        with self.db() as store:
            findings = _for_department(store.findings_of([file_id]))
            # one department's versions, not every current form with its entries (current_files)
            current = any(v.current for v in store.versions(self.period, department) if v.file_id == file_id)
            with store.transaction():
                uid = store.add_upload(
                    self.period, department, name=name, size=size, sha256=sha256, file_id=file_id, findings=findings
                )
                store.audit(department, "重复上传", department, name, address)
        return Received(uid, name, findings, True, current, repeated=True)

    def serialized(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """fn (a job that takes the batch lock itself: a decision, a publish) run when no upload of this
        server is recording, waiting out a lock held elsewhere for up to LOCK_WAIT_SECONDS."""
        with self._recording:
            return _while_locked(lambda: fn(*args, **kwargs))

    @contextmanager
    def batch_lock(self) -> Iterator[None]:
        """The batch job's lock, waited for (a scheduled run holds it for seconds; `batch` itself never waits)."""
        from ledgerxl.jobs.lock import RunLock

        lock = RunLock(self.paths.lock)
        with self._recording:
            _while_locked(lock.acquire)
            try:
                yield
            finally:
                lock.release()


def _while_locked(fn: Callable[[], T]) -> T:
    """fn(), tried again while another process holds the batch lock, for up to LOCK_WAIT_SECONDS."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return fn()
        except LockHeld:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _for_department(findings: list[Finding]) -> list[Finding]:
    """What the department's page shows: what it can act on, and (unlike a batch run's feedback, where
    a stray file in the inbox is the clerk's business) W313, the file it chose is not a form."""
    return [f for f in findings if f.code not in codes.FOR_CLERK or f.code == codes.W313]


def _verdict(errors: int, warnings: int) -> str:
    return f"错误 {errors}，警告 {warnings}" if errors or warnings else "未发现问题"


def _not_own(name: str, found: str, department: str) -> Finding:
    return codes.make(
        codes.E230,
        f"这份表格的填报单位是“{found}”，不是本链接所属的“{department}”，没有收下。",
        hint=f"请上传本单位（{department}）的报送表；如果填报单位填错了，请改为“{department}”后重新上传。",
        file=name,
    )


def _other_period(name: str, period_code: str) -> Finding:
    from ledgerxl.periods import parse_period

    return codes.make(
        codes.E230,
        f"这份文件已在 {parse_period(period_code)} 报送过，不能作为本期的报送表。",
        hint="请按本期的报送表填写后上传。",
        file=name,
    )


_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*\u202a-\u202e\u2066-\u2069]")


def safe_name(name: str) -> str:
    """A file name from a browser, as a name in the inbox and on pages: its last path part, without control
    or bidirectional characters or what Windows refuses in a name, at most 80 characters; "" becomes 报送表.xlsx."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = _UNSAFE.sub("_", base).strip(" .") or "报送表.xlsx"
    stem, dot, suffix = base.rpartition(".")
    if not dot or len(suffix) > 5:
        stem, suffix = base, ""
    stem = stem[:80]
    return f"{stem}.{suffix}" if suffix else stem


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def load_intake(cfg: Config, workers: int | None = None) -> Intake:
    """The Intake of the working folder `cfg` describes (ledgerxl serve)."""
    from ledgerxl import contained
    from ledgerxl.jobs.batch.job import batch_paths, check_history
    from ledgerxl.read.master import load_master

    period, paths = batch_paths(cfg)
    check_history(paths)
    master = contained.run(load_master, paths.master, what=f"挂牌事项清单 {paths.master}")
    return Intake(cfg, period, paths, master, workers or min(2, os.cpu_count() or 1))
