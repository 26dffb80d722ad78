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

from ledgerxl import contained
from ledgerxl.config import Config
from ledgerxl.contained import Pool
from ledgerxl.departments import Departments
from ledgerxl.errors import ConfigError, LedgerxlError, UsageError
from ledgerxl.jobs.batch import inbox, outputs
from ledgerxl.jobs.batch.logfile import file_log, log
from ledgerxl.jobs.batch.model import (
    ARCHIVE_NAME,
    DB_NAME,
    LOG_NAME,
    RECORD_NAME,
    BatchOptions,
    BatchPaths,
    BatchResult,
    RunState,
)
from ledgerxl.jobs.batch.record import record_files, run_record
from ledgerxl.jobs.store import Store, now
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
        return _run_on(Store.open(paths.db), opts, period, paths)


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
            if isinstance(e, LedgerxlError) or _for_operator(e):
                error = str(e)
                log.error("#%d 失败：%s", run_id, error)
            else:  # a bug: nobody watches an unattended run, so its log keeps the traceback for the maintainer
                error = f"{type(e).__name__}: {e}"
                log.exception("#%d 失败（程序内部错误）：%s", run_id, error)
            try:
                self.store.finish_run(run_id, "failed", {"error": error, "started": started})
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
        from ledgerxl.read.master import load_master

        with Pool(1) as pool:  # every file is read in a worker (contained); one suffices for a few new files
            what = f"挂牌事项清单 {self.paths.master}"
            master = contained.run(load_master, self.paths.master, what=what, pool=pool)
            departments = Departments(master.departments, self.cfg.aliases)
            rules = FormRules(master, self.period)
            result = BatchResult(run_id=run_id, period=self.period, dry_run=self.dry, departments=master.departments)
            incoming, present = inbox.scan(self, result)
            for i, inc in enumerate(incoming):
                inbox.read_incoming(self, inc, master, departments, rules, pool)
                if i == 0:
                    self.stage("parse")
        record_files(self, run_id, incoming, present, result)
        outputs.publish(self, master, result)
        if self.opts.move_processed and not self.dry:
            outputs.move_processed(self, result)
        return result
