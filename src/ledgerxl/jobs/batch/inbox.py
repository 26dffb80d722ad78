"""The inbox side of a run: which files are new (by content), each one checked by the byte scan before
it is read, archived by its hash and read back from the archive, then checked with the rules that compare
it with the department's previous period."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from ledgerxl import codes
from ledgerxl.contained import Pool
from ledgerxl.departments import Departments
from ledgerxl.errors import ReadError
from ledgerxl.jobs.batch.logfile import log
from ledgerxl.jobs.batch.model import BatchResult, Incoming, RunState
from ledgerxl.model import MasterList
from ledgerxl.rules.form import FormRules


def scan(run: RunState, result: BatchResult) -> tuple[list[Incoming], set[str]]:
    """New files (by content) in arrival order, and the hashes of everything now in the inbox.

    A new file passes safety.check_file before its bytes are read into memory, as merge's reader
    does: one it refuses (too large, a zip bomb, not a spreadsheet…) is recorded with its finding and
    not read. A pipe or a device is never opened (a read would block the run forever)."""
    from ledgerxl.jobs.inputs import collect_inputs

    p = run.paths
    own = [p.master, p.db, p.lock, Path(f"{p.db}-wal"), Path(f"{p.db}-shm"), p.log]
    if run.cfg.source:
        own.append(run.cfg.source)
    files = [f for f in collect_inputs([p.inbox], skip=set(own)) if not f.name.startswith(p.log.name)]
    known = run.store.known_hashes()
    stats = {} if run.opts.rebuild else run.store.known_stats()
    present: set[str] = set()
    incoming: list[Incoming] = []
    for f in files:
        try:
            inc = look_at(run, f, lambda key: key in known or key in present, stats)
        except OSError as e:
            # typically a file still being copied in, or open in another program on Windows
            log.warning("暂时无法读取 %s：%s", f.name, e)
            result.unreadable.append(f.name)
            run.hashes.pop(f, None)
            continue
        if inc is not None:
            incoming.append(inc)
            if inc.data is None:
                log.warning("拒绝读取 %s：%s", f.name, inc.findings[0].message)
        present.add(run.hashes[f])
    result.files_seen = len(files) - len(result.unreadable)
    incoming.sort(key=lambda x: (x.mtime, x.path.name))
    log.info("收件箱 %s：%d 个文件，新文件 %d 个", p.inbox, len(files), len(incoming))
    return incoming, present


def scan_archive(run: RunState) -> list[Incoming]:
    """For a rebuild: every archived file (archive/<sha256>/<name>) as if it had just arrived, oldest first
    by the sender's file time (the archive keeps it). Files whose content no longer matches their folder's
    hash are left out and logged: the archive is what was read, or it is nothing."""
    archive = run.paths.archive
    found: list[Incoming] = []
    if not archive.is_dir():
        return found
    for folder in sorted(archive.iterdir()):
        for f in sorted(folder.iterdir()) if folder.is_dir() and not folder.is_symlink() else []:
            if f.is_symlink() or not f.is_file():
                continue
            data = f.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            if sha != folder.name:
                log.warning("存档中的 %s 与其目录名的 sha256 不符，重建时未采用", f)
                continue
            st = f.stat()
            found.append(Incoming(f, data, sha, st.st_size, st.st_mtime, archive=f"{folder.name}/{f.name}"))
    found.sort(key=lambda x: (x.mtime, x.path.name))
    log.info("从存档 %s 重建：%d 个文件", archive, len(found))
    return found


def look_at(
    run: RunState, f: Path, seen: Callable[[str], bool], stats: dict[tuple[str, int, float], str] | None = None
) -> Incoming | None:
    """The file as a new arrival, or None when it was recorded already; its hash goes to run.hashes.
    A file whose name, size and modification time are a recorded file's is that file (`stats`), as
    rsync and make judge: a different content under all three unchanged takes a deliberate touch.
    OSError: it cannot be read now (being copied in, open elsewhere); the next run tries again."""
    from ledgerxl.read.safety import check_stat

    try:
        # before the file is opened at all (a pipe, a device, a link out of the inbox: never opened); what
        # it holds is scanned by the worker that reads it
        st = check_stat(f)
    except ReadError as e:
        return refused(run, f, e, _unread_key(f), seen)
    known = stats.get((f.name, st.st_size, st.st_mtime)) if stats else None
    if known is not None:
        run.hashes[f] = known
        return None
    sha, size, mtime = _fingerprint(f)
    run.hashes[f] = sha
    if seen(sha):
        return None
    data = f.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        raise OSError("读取时文件正被改动（可能还在复制）")
    return Incoming(f, data, sha, size, mtime)


def refused(run: RunState, f: Path, e: ReadError, key: str, seen: Callable[[str], bool]) -> Incoming | None:
    """A file check_file refused: recorded once with that finding, its bytes never read."""
    if isinstance(e.__cause__, OSError):
        raise e.__cause__  # cannot be opened now: retried next run, like any unreadable file
    run.hashes[f] = key
    if seen(key):
        return None
    st = f.lstat()  # a link out of the inbox: its own size and time, never its target's
    return Incoming(f, None, key, st.st_size, st.st_mtime, findings=[codes.unreadable(e, f.name)])


def read_incoming(
    run: RunState, incoming: list[Incoming], master: MasterList, departments: Departments, rules: FormRules, pool: Pool
) -> None:
    """Archive each new file by its hash, then read them all from the archive and validate them in one
    pass of the pool (one file per pass sent the rules to the worker 5,000 times: 56 ms a file)."""
    from ledgerxl.jobs.check import check_files
    from ledgerxl.rules.previous_period import history_findings
    from ledgerxl.write.publish import write_atomic

    readable: list[tuple[Incoming, Path]] = []
    for inc in incoming:
        if inc.data is None:
            continue  # refused unread: its finding is all there is
        path = inc.path
        if inc.archive:  # a rebuild: read where it was kept
            path = run.paths.archive / inc.archive
        elif not run.dry:
            inc.archive = f"{inc.sha256}/{inc.path.name}"
            path = run.paths.archive / inc.archive
            write_atomic(path, inc.data)
            os.utime(path, (inc.mtime, inc.mtime))  # the reader records the sender's file time
            _same_permissions(path, run.paths.db)
        readable.append((inc, path))
    # each file is checked on its own: the rules over the whole period (W305, W306) come from the database
    paths = [path for _, path in readable]
    labels = {path: inc.path.name for inc, path in readable}
    for (inc, _), checked in zip(readable, check_files(paths, departments, rules, pool=pool, labels=labels)):
        sub, findings = checked.submission, checked.read + checked.rules
        if sub is not None:
            sub.path = inc.path
            if sub.department:
                prev = run.store.previous_progress(sub.department, run.period)
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
    if readable:
        run.stage("parse")


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
    st = f.lstat()  # the link itself, never its target
    return hashlib.sha256(f"unread\0{f.name}\0{st.st_dev}\0{st.st_ino}".encode()).hexdigest()


def _same_permissions(path: Path, db: Path) -> None:
    """An archived copy is as private as the history that records it: the database's permissions (a
    0600 database kept 0644 copies of every department's file)."""
    try:
        os.chmod(path, db.stat().st_mode & 0o777)
    except OSError:
        pass  # no database yet (its first run creates it), or a file system without modes
