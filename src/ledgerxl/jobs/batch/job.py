"""`ledgerxl batch`: the scheduled job over a shared inbox (the run as a whole; its steps are inbox.py,
record.py and outputs.py).

One run: take the lock; fingerprint every inbox file (sha256) and skip those already recorded; archive
each new file by its hash and read it from the archive (so what was read is exactly what was kept);
validate it, with the rules that compare against the department's previous period; record files,
submissions, entries and findings in one database transaction, where the newest accepted submission of
a department becomes its current one; then merge the current submissions and publish the outputs
(台账.xlsx, 附件.docx, 催报名单.xlsx/.txt) with a two-phase atomic write, only those whose bytes changed;
last, the run record run.json next to the outputs.

Killed at any point, a run leaves the last committed database state and whole outputs; the next run
redoes what was not committed and rewrites any output that does not match the database."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from ledgerxl import contained
from ledgerxl.config import DB_NAME, Config
from ledgerxl.contained import Pool
from ledgerxl.departments import Departments
from ledgerxl.errors import ConfigError, LedgerxlError, UsageError
from ledgerxl.jobs.batch import inbox, outputs
from ledgerxl.jobs.batch.logfile import file_log, log
from ledgerxl.jobs.batch.model import (
    ARCHIVE_NAME,
    LOG_NAME,
    RECORD_NAME,
    BatchOptions,
    BatchPaths,
    BatchResult,
    RunState,
)
from ledgerxl.jobs.batch.record import record_files, run_record
from ledgerxl.jobs.store import Store, now
from ledgerxl.model import MasterList
from ledgerxl.periods import Period
from ledgerxl.rules.form import FormRules


def batch_paths(cfg: Config) -> tuple[Period, BatchPaths]:
    """The run's period and files, from the config; batch-only files default to the config's folder."""
    if cfg.source is None:
        raise UsageError(
            "ledgerxl batch 需要配置文件。", "请用 --config 指定 ledgerxl.toml，或在含 ledgerxl.toml 的目录中运行。"
        )
    if cfg.inbox is None:
        raise ConfigError(f"配置文件 {cfg.source}：没有设置 inbox（报送文件目录）。", '例如：inbox = "submissions"')
    base = cfg.base_dir
    paths = BatchPaths(
        master=cfg.master_list(),
        inbox=cfg.inbox,
        out=cfg.out or base / "out",
        db=cfg.db or base / DB_NAME,
        archive=cfg.archive or base / ARCHIVE_NAME,
        log=cfg.log or base / LOG_NAME,
    )
    return cfg.report_period(), paths


def run_batch(opts: BatchOptions) -> BatchResult:
    """One scheduled run (see the module doc). A dry run works on an in-memory copy of the database
    and writes nothing: no database, archive, outputs, log or moved files."""
    from ledgerxl.jobs.lock import RunLock

    period, paths = batch_paths(opts.config)
    if opts.dry_run:
        return _run_on(Store.snapshot(paths.db), opts, period, paths)
    with RunLock(paths.lock), file_log(paths.log):
        if opts.rebuild:
            set_aside(paths)
        else:
            check_history(paths)
        return _run_on(Store.open(paths.db), opts, period, paths)


REBUILD_HINT = (
    "如数据库被误删或损坏：先从备份恢复 {db}；没有备份时运行 ledgerxl batch --rebuild，"
    "它把现有数据库改名保存，再按存档 {archive} 中的文件（按报送文件时间先后）重建报送记录。"
)


def _master(run: RunState, pool: Pool) -> MasterList:
    """The master list, read in a worker once per version of its file: the database keeps what it read
    by the file's sha256 (reading a 5,000-department list cost 0.24 s of every run)."""
    import hashlib

    from ledgerxl.model import Item
    from ledgerxl.read.master import load_master

    path = run.paths.master
    try:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        sha = ""  # load_master says what is wrong with it
    cached = run.store.cached_master(sha) if sha else None
    if cached is not None:
        items = [Item(int(n), str(t), tuple(d), str(c), str(g)) for n, t, d, c, g in cached]
        return MasterList(items, source=path)
    master = contained.run(load_master, path, what=f"挂牌事项清单 {path}", pool=pool)
    if sha and not run.dry:
        run.store.cache_master(
            sha, [[it.number, it.text, list(it.departments), it.category, it.target] for it in master.items]
        )
    return master


def check_history(paths: BatchPaths) -> None:
    """Never a silent fresh start: a missing, emptied, truncated or corrupt database while the archive or
    the outputs show earlier runs stops the run (exit 2), so 台账 is not republished with every item
    （未报送）. A database that opens is checked whole (PRAGMA integrity_check)."""
    hint = REBUILD_HINT.format(db=paths.db, archive=paths.archive)
    size = paths.db.stat().st_size if paths.db.is_file() else None
    if not size:
        if earlier := _earlier_runs(paths):
            state = "不存在" if size is None else "是空的（0 字节）"
            raise ConfigError(f"批处理数据库 {paths.db} {state}，但{earlier}：不会当作第一次运行重新开始。", hint)
        return
    try:
        conn = sqlite3.connect(f"{paths.db.absolute().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            verdict = conn.execute("PRAGMA integrity_check").fetchall()
            recorded = _count(conn, "files")
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise ConfigError(f"批处理数据库 {paths.db} 已损坏（{e}），本次没有运行。", hint) from e
    if verdict != [("ok",)]:
        detail = "；".join(str(v[0]) for v in verdict[:3])
        raise ConfigError(f"批处理数据库 {paths.db} 已损坏（{detail}），本次没有运行。", hint)
    if recorded == 0 and (earlier := _earlier_runs(paths)):
        raise ConfigError(
            f"批处理数据库 {paths.db} 中没有任何报送记录，但{earlier}：不会当作第一次运行重新开始。", hint
        )


def _count(conn: sqlite3.Connection, table: str) -> int:
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:  # no such table: a database from before its first run
        return 0


def _earlier_runs(paths: BatchPaths) -> str:
    """What shows that runs happened before, in words; "" for a working folder that never ran."""
    archived = sum(1 for d in paths.archive.iterdir() if d.is_dir()) if paths.archive.is_dir() else 0
    if archived:
        return f"存档 {paths.archive} 中已有 {archived} 份报送文件"
    if (paths.out / RECORD_NAME).is_file():
        return f"输出目录 {paths.out} 中已有以前运行的记录 {RECORD_NAME}"
    return ""


def set_aside(paths: BatchPaths) -> None:
    """For a rebuild: the old database (and its -wal/-shm) renamed beside it, never deleted."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for p in (paths.db, Path(f"{paths.db}-wal"), Path(f"{paths.db}-shm")):
        if p.exists():
            p.rename(p.with_name(f"{p.name}.{stamp}.bak"))
            log.info("重建前已把 %s 改名保存为 %s", p.name, f"{p.name}.{stamp}.bak")


def _run_on(store: Store, opts: BatchOptions, period: Period, paths: BatchPaths) -> BatchResult:
    try:
        return _Run(opts, period, paths, store).run()
    except sqlite3.OperationalError as e:
        if not _for_operator(e):
            raise
        raise ConfigError(
            f"批处理数据库 {paths.db} 出错：{e}。本次运行没有完成，数据库保持上一次成功运行后的状态。",
            "请关闭正在打开该数据库的程序（如 DB Browser for SQLite），检查磁盘空间和写权限后重新运行。",
        ) from e
    finally:
        store.close()


def _for_operator(e: BaseException) -> bool:
    """A database error the operator can act on (another program holding the database, a full disk,
    an I/O error), not a bug in our SQL, which SQLite reports as plain SQLITE_ERROR (Python ≥ 3.11 says)."""
    return isinstance(e, sqlite3.OperationalError) and getattr(e, "sqlite_errorname", "") != "SQLITE_ERROR"


class _Run(RunState):
    """One run, step by step: the inbox (inbox.py), the database (record.py), the outputs (outputs.py)."""

    def run(self) -> BatchResult:
        t0 = time.monotonic()
        started = now()
        run_id = self.store.begin_run(self.period)
        log.info("开始 #%d，报告期 %s，配置 %s", run_id, self.period.code, self.cfg.source)
        self.stage("start")
        try:
            result = self._run(run_id)
        except BaseException as e:
            outcome = "failed"
            if isinstance(e, KeyboardInterrupt):  # Ctrl-C, or the service manager stopping the job
                outcome, error = "interrupted", "已中断（Ctrl-C）"
                log.warning("#%d 被中断：数据库保持上一次提交的状态，输出文件未被改动", run_id)
            elif isinstance(e, LedgerxlError) or _for_operator(e):
                error = str(e)
                log.error("#%d 失败：%s", run_id, error)
            else:  # a bug: nobody watches an unattended run, so its log keeps the traceback for the maintainer
                error = f"{type(e).__name__}: {e}"
                log.exception("#%d 失败（程序内部错误）：%s", run_id, error)
            try:
                self.store.finish_run(run_id, outcome, {"error": error, "started": started})
            except sqlite3.Error:  # keep the original error; the next run marks this one interrupted
                pass
            raise
        result.duration = time.monotonic() - t0
        record = run_record(self, result, started)
        self.store.finish_run(run_id, result.outcome, record)
        if not self.dry:
            from ledgerxl.write.publish import write_atomic

            result.record = self.paths.out / RECORD_NAME
            write_atomic(result.record, (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        log.info("#%d 结束：%s", run_id, " ".join(result.summary()))
        return result

    def _run(self, run_id: int) -> BatchResult:
        from ledgerxl.jobs import parallel
        from ledgerxl.jobs.batch import unchanged

        result = BatchResult(run_id=run_id, period=self.period, dry_run=self.dry)
        incoming, present = inbox.scan(self, result)
        if self.opts.rebuild:
            archived = inbox.scan_archive(self)
            fresh = {i.sha256 for i in archived}
            incoming = archived + [i for i in incoming if i.sha256 not in fresh]
        # every file is read in a worker (contained): one for a few new files, one per CPU for a first run
        with Pool(parallel.worker_count(self.cfg.jobs, len(incoming), parallel.MIN_FILES)) as pool:
            master: MasterList | None = None

            def the_master() -> MasterList:
                nonlocal master
                if master is None:  # a run with nothing new may not need it at all
                    master = _master(self, pool)
                return master

            if incoming:
                rules = FormRules(the_master(), self.period)
                departments = Departments(the_master().departments, self.cfg.aliases)
                inbox.read_incoming(self, incoming, the_master(), departments, rules, pool)
            record_files(self, run_id, incoming, present, result)
            key = unchanged.state_key(self)
            last = self.store.published(self.period)
            if (
                last is not None
                and last[0] == key
                and not self.opts.rebuild
                and unchanged.restore(self, result, last[1])
            ):
                log.info("状态与上次发布时相同，未重新生成输出")
            else:
                result.departments = the_master().departments
                outputs.publish(self, the_master(), result)
                if not self.dry:
                    self.store.set_published(self.period, key, unchanged.saved_state(result), run_id)
        if self.opts.move_processed and not self.dry:
            outputs.move_processed(self, result)
        return result
