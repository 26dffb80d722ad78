"""`ledgerxl batch`: the scheduled job over a shared inbox.

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

import hashlib
import json
import logging
import logging.handlers
import os
import shutil
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ledgerxl import __version__, codes
from ledgerxl.config import Config
from ledgerxl.departments import Departments
from ledgerxl.errors import ConfigError, LedgerxlError, ReadError, UsageError, os_reason
from ledgerxl.jobs.store import Store, Version, now
from ledgerxl.model import Finding, MasterList, Submission
from ledgerxl.periods import Period, parse_period
from ledgerxl.rules.form import FormRules

DB_NAME = "ledgerxl.db"
ARCHIVE_NAME = "archive"
LOG_NAME = "ledgerxl.log"
RECORD_NAME = "run.json"
PROCESSED_DIR = "已处理"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 5
# The stages a run tells BatchOptions.on_stage about, in order (see there).
STAGES = ("start", "parse", "db", "write")

log = logging.getLogger("ledgerxl.jobs.batch")
log.addHandler(logging.NullHandler())  # silent unless a run attaches its log file (never the console)


@dataclass
class BatchOptions:
    config: Config
    dry_run: bool = False
    move_processed: bool = False
    # Told the name of each stage as the run reaches it: "start" (the lock is held), "parse" (the first
    # new file has been read), "db" (inside the run's transaction, before it commits), "write" (the new
    # outputs are staged beside the old ones, before they replace them). For monitoring, and for the
    # crash tests, which stop a run there and kill it. An exception it raises ends the run as a failure.
    on_stage: Callable[[str], None] | None = None


@dataclass
class BatchPaths:
    master: Path
    inbox: Path
    out: Path
    db: Path
    archive: Path
    log: Path

    @property
    def lock(self) -> Path:
        return self.db.with_name(self.db.name + ".lock")


@dataclass
class NewFile:
    """A file this run saw for the first time, and what became of it."""

    name: str
    sha256: str
    size: int
    department: str | None
    findings: list[Finding]
    accepted: bool = False
    current: bool = False

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)


@dataclass
class OutputFile:
    path: Path
    sha256: str
    size: int
    changed: bool


@dataclass
class BatchResult:
    run_id: int
    period: Period
    dry_run: bool
    files_seen: int = 0
    new: list[NewFile] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # could not be opened now (in use?); retried next run
    departments: list[str] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    items: int = 0
    items_with_progress: int = 0
    findings: list[Finding] = field(default_factory=list)  # the period's state (see _state_findings)
    open_errors: list[Finding] = field(default_factory=list)
    outputs: list[OutputFile] = field(default_factory=list)
    moved: list[Path] = field(default_factory=list)
    not_moved: list[str] = field(default_factory=list)  # open in another program (Windows); moved next run
    record: Path | None = None
    duration: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.open_errors else 0

    @property
    def outcome(self) -> str:
        """As stored in runs.outcome and run.json."""
        return "errors" if self.open_errors else "ok"

    def summary(self) -> list[str]:
        """The few lines a scheduled run prints (the details are in the log, run.json and `status`)."""
        c = Counter(f.severity for f in self.findings)
        changed = sum(o.changed for o in self.outputs)
        head = "试运行（未写入任何文件）" if self.dry_run else f"批处理 #{self.run_id}"
        lines = [
            f"{head}，{self.period}：新文件 {len(self.new)} 个，已处理过 {self.files_seen - len(self.new)} 个；"
            f"已报送 {len(self.submitted)}/{len(self.departments)} 个单位；"
            f"未解决的错误 {c['error']} 条，警告 {c['warning']} 条；"
            + (f"输出{'将' if self.dry_run else '已'}更新 {changed} 个。" if changed else "输出无变化。")
        ]
        if self.dry_run:
            for n in self.new:
                state = "可采用" if n.accepted else "有错误"
                who = n.department or "（单位未识别）"
                lines.append(f"  {n.name}  {who}  {state}（错误 {n.errors}，警告 {n.warnings}）")
        if self.unreadable:
            lines.append(f"暂时无法打开、下次再处理：{'、'.join(self.unreadable)}")
        if self.not_moved:
            lines.append(
                f"暂时无法移动（可能正被其他程序打开），下次再移入{PROCESSED_DIR}：{'、'.join(self.not_moved)}"
            )
        if self.open_errors:
            lines.append("有未解决的错误，运行 ledgerxl status 查看详情。")
        return lines


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
    with RunLock(paths.lock), _file_log(paths.log):
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


class _LogFile(logging.handlers.RotatingFileHandler):
    """The rotating log file, which never stops a run nor prints logging's traceback to cron's mail."""

    warned = False

    def doRollover(self) -> None:
        try:
            super().doRollover()
        except OSError:
            # on Windows a program that has the log open blocks the rename: keep appending, rotate next run
            self.maxBytes = 0
            if self.stream is None:
                self.stream = self._open()

    def handleError(self, record: logging.LogRecord) -> None:
        if not self.warned:  # e.g. a full disk: say it once, in a line
            self.warned = True
            sys.stderr.write(f"警告：无法写日志文件 {self.baseFilename}（{sys.exc_info()[1]}），日志可能不完整。\n")


@contextmanager
def _file_log(path: Path) -> Iterator[None]:
    """The batch log, rotated by size; attached only while a run holds the lock (one writer at a time)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _LogFile(path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"无法写日志文件 {path}：{os_reason(e)}。", "请检查 log 的路径和写权限。") from e
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)
        handler.close()


@dataclass
class _Incoming:
    path: Path
    data: bytes | None  # None: refused before it was read (safety.check_file), its finding in `findings`
    sha256: str
    size: int
    mtime: float
    submission: Submission | None = None
    findings: list[Finding] = field(default_factory=list)
    archive: str = ""


class _Run:
    def __init__(self, opts: BatchOptions, period: Period, paths: BatchPaths, store: Store) -> None:
        self.opts = opts
        self.cfg = opts.config
        self.period = period
        self.paths = paths
        self.store = store
        self.dry = opts.dry_run
        self.hashes: dict[Path, str] = {}  # inbox file -> sha256, as scanned

    def _stage(self, name: str) -> None:
        if self.opts.on_stage is not None:
            self.opts.on_stage(name)

    def run(self) -> BatchResult:
        t0 = time.monotonic()
        started = now()
        run_id = self.store.begin_run(self.period)
        log.info("开始 #%d，报告期 %s，配置 %s", run_id, self.period.code, self.cfg.source)
        self._stage("start")
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
        record = self._record(result, started)
        self.store.finish_run(run_id, result.outcome, record)
        if not self.dry:
            from ledgerxl.write.publish import write_atomic

            result.record = self.paths.out / RECORD_NAME
            write_atomic(result.record, (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        log.info("#%d 结束：%s", run_id, " ".join(result.summary()))
        return result

    def _run(self, run_id: int) -> BatchResult:
        from ledgerxl.read.master import load_master

        master = load_master(self.paths.master)
        departments = Departments(master.departments, self.cfg.aliases)
        rules = FormRules(master, self.period)
        result = BatchResult(run_id=run_id, period=self.period, dry_run=self.dry, departments=master.departments)

        incoming, present = self._scan(result)
        for i, inc in enumerate(incoming):
            self._read(inc, master, departments, rules)
            if i == 0:
                self._stage("parse")
        self._record_files(run_id, incoming, present, result)
        self._publish(master, result)
        if self.opts.move_processed and not self.dry:
            self._move_processed(result)
        return result

    # ---- inbox

    def _scan(self, result: BatchResult) -> tuple[list[_Incoming], set[str]]:
        """New files (by content) in arrival order, and the hashes of everything now in the inbox.

        A new file passes safety.check_file before its bytes are read into memory, as merge's reader
        does: one it refuses (too large, a zip bomb, not a spreadsheet…) is recorded with its finding and
        not read. A pipe or a device is never opened (a read would block the run forever)."""
        from ledgerxl.jobs.inputs import collect_inputs

        p = self.paths
        own = [p.master, p.db, p.lock, Path(f"{p.db}-wal"), Path(f"{p.db}-shm"), p.log]
        if self.cfg.source:
            own.append(self.cfg.source)
        files = [f for f in collect_inputs([p.inbox], skip=set(own)) if not f.name.startswith(p.log.name)]
        known = self.store.known_hashes()
        present: set[str] = set()
        incoming: list[_Incoming] = []
        for f in files:
            try:
                inc = self._look_at(f, lambda key: key in known or key in present)
            except OSError as e:
                # typically a file still being copied in, or open in another program on Windows
                log.warning("暂时无法读取 %s：%s", f.name, e)
                result.unreadable.append(f.name)
                self.hashes.pop(f, None)
                continue
            if inc is not None:
                incoming.append(inc)
                if inc.data is None:
                    log.warning("拒绝读取 %s：%s", f.name, inc.findings[0].message)
            present.add(self.hashes[f])
        result.files_seen = len(files) - len(result.unreadable)
        incoming.sort(key=lambda x: (x.mtime, x.path.name))
        log.info("收件箱 %s：%d 个文件，新文件 %d 个", p.inbox, len(files), len(incoming))
        return incoming, present

    def _look_at(self, f: Path, seen: Callable[[str], bool]) -> _Incoming | None:
        """The file as a new arrival, or None when it was recorded already; its hash goes to self.hashes.
        OSError: it cannot be read now (being copied in, open elsewhere); the next run tries again."""
        from ledgerxl.read.safety import check_file

        if not f.is_file():  # a pipe, a device, a folder: check_file refuses it without opening it
            try:
                check_file(f)
            except ReadError as e:
                return self._refused(f, e, _unread_key(f), seen)
        sha, size, mtime = _fingerprint(f)
        self.hashes[f] = sha
        if seen(sha):
            return None
        try:
            check_file(f)  # before reading it into memory: size limits, zip bombs, the real kind…
        except ReadError as e:
            return self._refused(f, e, sha, seen)
        data = f.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha:
            raise OSError("读取时文件正被改动（可能还在复制）")
        return _Incoming(f, data, sha, size, mtime)

    def _refused(self, f: Path, e: ReadError, key: str, seen: Callable[[str], bool]) -> _Incoming | None:
        """A file check_file refused: recorded once with that finding, its bytes never read."""
        if isinstance(e.__cause__, OSError):
            raise e.__cause__  # cannot be opened now: retried next run, like any unreadable file
        self.hashes[f] = key
        if seen(key):
            return None
        st = f.stat()
        return _Incoming(f, None, key, st.st_size, st.st_mtime, findings=[codes.unreadable(e, f.name)])

    def _read(self, inc: _Incoming, master: MasterList, departments: Departments, rules: FormRules) -> None:
        """Archive the file by its hash, read it from the archive, validate it."""
        from ledgerxl.jobs.check import check_files
        from ledgerxl.rules.previous_period import history_findings
        from ledgerxl.write.publish import write_atomic

        if inc.data is None:
            return  # refused unread: its finding is all there is
        path = inc.path
        if not self.dry:
            inc.archive = f"{inc.sha256}/{inc.path.name}"
            path = self.paths.archive / inc.archive
            write_atomic(path, inc.data)
            os.utime(path, (inc.mtime, inc.mtime))  # the reader records the sender's file time
        # one file at a time: the rules over the whole period (W305, W306) come from the database's state
        (checked,) = check_files([path], departments, rules)
        sub, findings = checked.submission, checked.read + checked.rules
        if sub is not None:
            sub.path = inc.path
            if sub.department:
                prev = self.store.previous_progress(sub.department, self.period)
                if prev is not None:
                    own = {it.number for it in master.items_of(sub.department)}
                    texts = {n: t for n, t in prev[1].items() if n in own}
                    findings += history_findings(sub, texts, prev[0])
        inc.submission, inc.findings = sub, findings
        log.info(
            "读取 %s（sha256 %s）：%s，错误 %d，警告 %d",
            inc.path.name,
            inc.sha256[:12],
            (sub.department or "单位未识别") if sub else "无法读取",
            sum(f.severity == "error" for f in findings),
            sum(f.severity == "warning" for f in findings),
        )

    # ---- database

    def _record_files(self, run_id: int, incoming: list[_Incoming], present: set[str], result: BatchResult) -> None:
        """One transaction: every new file with its submission and findings, and the current versions."""
        current = self.store.current(self.period)
        new_current: dict[str, NewFile] = {}
        with self.store.transaction():
            for inc in incoming:
                sub = inc.submission
                dept = sub.department if sub else None
                accepted = sub is not None and dept is not None and not any(f.severity == "error" for f in inc.findings)
                if accepted and dept in current:
                    _, old_name, old_at = current[dept]
                    inc.findings.append(
                        codes.make(
                            codes.W306,
                            f"{dept}再次报送：以本文件为准，替换此前的 {old_name}（{old_at[:19]} 收到）。",
                            file=inc.path.name,
                            sheet=sub.sheet if sub else "",
                            department=dept or "",
                            # not the default hint (delete the newer file): the database keeps every file
                            # it received, and a copy of the old file, same bytes, would be skipped
                            hint="如需以旧版为准：在 Excel/WPS 中打开旧版，另存为新文件后放入收件箱"
                            "（内容完全相同的文件不会再处理）。",
                        )
                    )
                sid = self.store.add_file(
                    run_id,
                    self.period,
                    sha256=inc.sha256,
                    name=inc.path.name,
                    size=inc.size,
                    mtime=inc.mtime,
                    archive=inc.archive,
                    submission=sub,
                    findings=inc.findings,
                    accepted=accepted,
                )
                nf = NewFile(inc.path.name, inc.sha256, inc.size, dept, inc.findings, accepted)
                result.new.append(nf)
                if accepted and dept and sid is not None:
                    self.store.set_current(self.period, dept, sid, run_id)
                    current[dept] = (sid, inc.path.name, now())
                    new_current[dept] = nf
                    log.info("%s 的当前版本：%s", dept, inc.path.name)
            self.store.set_presence(present)
            self._stage("db")
        for nf in new_current.values():
            nf.current = True

    # ---- outputs

    def _publish(self, master: MasterList, result: BatchResult) -> None:
        from ledgerxl.jobs.merge import render_outputs
        from ledgerxl.write.publish import Staged
        from ledgerxl.write.reminders import TEXT_NAME, XLSX_NAME, build_reminders, reminders_text, reminders_xlsx

        store, period, out = self.store, self.period, self.paths.out
        current = store.current(period)
        subs = store.current_submissions(period)
        ledger, outputs = render_outputs(master, subs, period, self.cfg, out)
        result.items = len(ledger.rows)
        result.items_with_progress = ledger.items_with_progress

        versions = store.versions(period)
        result.submitted = [d for d in master.departments if d in current]
        result.missing = [d for d in master.departments if d not in current]
        open_files = store.open_error_files(period)
        result.open_errors = store.findings_of(open_files, "error")
        result.findings = self._state_findings(master, subs, versions, result)

        rejected = Counter(v.department for v in versions if v.department and not v.accepted)
        contacts = {d: (c, p, str(parse_period(code))) for d, (c, p, code) in store.last_contacts().items()}
        reminders = build_reminders(master, set(current), contacts, rejected, str(period))
        title = self.cfg.ledger_title(period).removesuffix("台账") + "催报名单"
        as_of = f"{versions[-1].received_at[:16]}（最近一次收到报送）" if versions else "尚未收到任何报送"
        outputs[out / XLSX_NAME] = reminders_xlsx(reminders, title=title, as_of=as_of, date=self.cfg.date_for(period))
        outputs[out / TEXT_NAME] = reminders_text(
            reminders,
            title=title,
            period=str(period),
            as_of=as_of,
            total=len(master.departments),
            template=self.cfg.reminder_template,
        ).encode("utf-8")

        changed = {p: d for p, d in outputs.items() if _read_or_none(p) != d}
        result.outputs = [
            OutputFile(p, hashlib.sha256(d).hexdigest(), len(d), p in changed) for p, d in outputs.items()
        ]
        if self.dry:
            return
        _remove_stale_temps(out, [p.name for p in outputs])
        with Staged(changed) as staged:
            self._stage("write")
            staged.commit()
        for p in changed:
            log.info("已写出 %s", p)

    def _state_findings(
        self, master: MasterList, current: list[Submission], versions: list[Version], result: BatchResult
    ) -> list[Finding]:
        """What the published state carries: open errors, the current submissions' warnings, and the
        rules over the whole period applied to the current submissions (W305 for each department without one)."""
        from ledgerxl.rules.sets import check_set

        current_files = [v.file_id for v in versions if v.current]
        return [*result.open_errors, *self.store.findings_of(current_files, "warning"), *check_set(current, master)]

    def _move_processed(self, result: BatchResult) -> None:
        """Move recorded files to <inbox>/已处理/; a file not traced to any department stays for a person.

        Runs after the commit and the outputs: a file that cannot be moved (on Windows, one open in
        Excel/WPS) is left where it is and moved by a later run, never failing this one."""
        p = self.paths
        keep = {v.sha256 for v in self.store.versions(self.period) if v.department is None and v.errors}
        known = self.store.known_hashes()
        dest_dir = p.inbox / PROCESSED_DIR
        for f, sha in self.hashes.items():
            if sha not in known or sha in keep or not f.exists():
                continue
            try:
                dest_dir.mkdir(exist_ok=True)
                dest = dest_dir / f.name
                n = 2
                while dest.exists():
                    dest = dest_dir / f"{f.stem}（{n}）{f.suffix}"
                    n += 1
                shutil.move(str(f), dest)
            except OSError as e:
                log.warning("无法移入 %s：%s（%s），下次再试", PROCESSED_DIR, f.name, e)
                result.not_moved.append(f.name)
                continue
            result.moved.append(dest)
            log.info("已移入 %s：%s", PROCESSED_DIR, f.name)

    # ---- run record

    def _record(self, result: BatchResult, started: str) -> dict[str, object]:
        c = Counter(f.severity for f in result.findings)
        new_c = Counter(f.severity for n in result.new for f in n.findings)
        new_hashes = {n.sha256 for n in result.new}
        return {
            "ledgerxl": __version__,
            "run": result.run_id,
            "period": self.period.code,
            "dry_run": self.dry,
            "started": started,
            "finished": now(),
            "duration_seconds": round(result.duration, 3),
            "outcome": result.outcome,
            "exit_code": result.exit_code,
            "inputs": {
                "inbox": str(self.paths.inbox),
                "files": [
                    {"name": f.name, "sha256": h, "new": h in new_hashes} for f, h in sorted(self.hashes.items())
                ],
                "already_processed": result.files_seen - len(result.new),
                "new": [
                    {
                        "name": n.name,
                        "sha256": n.sha256,
                        "size": n.size,
                        "department": n.department,
                        "accepted": n.accepted,
                        "current": n.current,
                        "errors": n.errors,
                        "warnings": n.warnings,
                    }
                    for n in result.new
                ],
                "unreadable_now": result.unreadable,
                "moved": [str(m) for m in result.moved],
                "not_moved": result.not_moved,
            },
            "counts": {
                "items": result.items,
                "items_with_progress": result.items_with_progress,
                "departments": len(result.departments),
                "submitted": len(result.submitted),
                "missing": len(result.missing),
            },
            "missing": result.missing,
            "findings": {"error": c["error"], "warning": c["warning"]},
            "new_findings": {"error": new_c["error"], "warning": new_c["warning"]},
            "outputs": [
                {"path": o.path.name, "sha256": o.sha256, "bytes": o.size, "changed": o.changed} for o in result.outputs
            ],
        }


def _fingerprint(f: Path) -> tuple[str, int, float]:
    """sha256, size and modification time of a file, read in blocks (memory stays small whatever its size)."""
    h = hashlib.sha256()
    size = 0
    with open(f, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
            size += len(block)
        mtime = os.fstat(fh.fileno()).st_mtime
    return h.hexdigest(), size, mtime


def _unread_key(f: Path) -> str:
    """What stands for the content hash of a file that is never opened (a pipe, a device): its name and
    identity on disk, so that it is recorded once and not again while it stays in the inbox."""
    st = f.stat()
    return hashlib.sha256(f"unread\0{f.name}\0{st.st_dev}\0{st.st_ino}".encode()).hexdigest()


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _remove_stale_temps(out: Path, names: list[str]) -> None:
    """Temp files a killed run left beside our outputs (we hold the lock: no run of ours is writing)."""
    if not out.is_dir():
        return
    for name in names:
        for tmp in out.glob(f".{name}.*.tmp"):
            try:
                tmp.unlink()
                log.info("删除上次中断留下的临时文件 %s", tmp.name)
            except OSError:
                pass
