"""The batch job's history in SQLite (stdlib sqlite3): every file seen, every submission parsed from it
with its entries and findings, which submission is current per department and period, and every run.

WAL journal, synchronous=FULL: a process killed at any point leaves the last committed state, and a
reader (`ledgerxl status`) never blocks the writer. The schema version is PRAGMA user_version; each
migration runs in one transaction together with the version bump."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledgerxl.errors import ConfigError, os_reason
from ledgerxl.model import Entry, Finding, Submission
from ledgerxl.periods import KINDS, Period, parse_period

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        period TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        outcome TEXT NOT NULL DEFAULT 'running',  -- running / ok / errors / failed / interrupted
        record TEXT                               -- the JSON run record
    );
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,                   -- arrival order
        sha256 TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime REAL NOT NULL,
        period TEXT NOT NULL,                     -- the period of the run that received it
        received_at TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        archive TEXT NOT NULL,                    -- path under the archive folder
        in_inbox INTEGER NOT NULL DEFAULT 1       -- still in the inbox at the latest run
    );
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL UNIQUE REFERENCES files(id),
        period TEXT NOT NULL,
        department TEXT,                          -- canonical; NULL when not identified
        department_raw TEXT NOT NULL,
        department_cell TEXT NOT NULL,
        sheet TEXT NOT NULL,
        header_row INTEGER NOT NULL,
        columns TEXT NOT NULL,                    -- JSON: field -> column index
        period_raw TEXT NOT NULL,
        period_cell TEXT NOT NULL,
        contact TEXT NOT NULL,
        phone TEXT NOT NULL,
        filled_date TEXT NOT NULL,
        accepted INTEGER NOT NULL                 -- 1 when it has no errors
    );
    CREATE INDEX submissions_by_department ON submissions(department, period);
    CREATE TABLE entries (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        row INTEGER NOT NULL,
        number INTEGER,
        raw_number TEXT NOT NULL,
        item_text TEXT NOT NULL,
        progress TEXT NOT NULL,                   -- exactly as written
        status TEXT NOT NULL,
        note TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (submission_id, row)
    );
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL REFERENCES files(id),
        code TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        hint TEXT NOT NULL,
        file TEXT NOT NULL,
        sheet TEXT NOT NULL,
        cell TEXT NOT NULL,
        department TEXT NOT NULL
    );
    CREATE INDEX findings_by_file ON findings(file_id);
    CREATE TABLE current (
        period TEXT NOT NULL,
        department TEXT NOT NULL,
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        since TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        PRIMARY KEY (period, department)
    );
    """,
    # 2: the clerk's decisions about versions (use this one, withdraw that one), with who and when
    """
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        period TEXT NOT NULL,
        department TEXT NOT NULL,
        file_id INTEGER NOT NULL REFERENCES files(id),
        action TEXT NOT NULL CHECK (action IN ('use', 'withdraw')),
        reason TEXT NOT NULL,
        who TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX decisions_by_period ON decisions(period, department);
    """,
    # 3: indexes for a period's versions: without them listing 5,000 recorded files took 5.6 s (every
    # file looked for its current row by a scan of `current`), with them 0.02 s
    """
    CREATE INDEX files_by_period ON files(period);
    CREATE INDEX current_by_submission ON current(submission_id);
    -- what a period's outputs were rendered from (state_key) and what they said: a run whose state is
    -- the published one renders nothing (jobs.batch.unchanged)
    CREATE TABLE masters (                    -- the master list as read, by the sha256 of its file
        sha256 TEXT PRIMARY KEY,
        items TEXT NOT NULL                       -- JSON: [number, text, [departments], category, target]
    );
    CREATE TABLE published (
        period TEXT PRIMARY KEY,
        key TEXT NOT NULL,
        state TEXT NOT NULL,                      -- JSON: counts, findings, outputs with their sha256
        run_id INTEGER NOT NULL REFERENCES runs(id)
    );
    """,
    # 4: the web intake (ledgerxl serve): each department's private link (only a hash of its token is kept),
    # every upload through a link with what the department was shown, the desk's settings, the audit log
    """
    CREATE TABLE links (
        department TEXT PRIMARY KEY,
        generation INTEGER NOT NULL,              -- 1, 2, … : --rotate makes the next one
        token_sha256 TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        shown_at TEXT,                            -- last printed by `ledgerxl links` or shown on the desk
        opened_at TEXT                            -- last opened by the department
    );
    CREATE TABLE uploads (
        id INTEGER PRIMARY KEY,
        period TEXT NOT NULL,
        department TEXT NOT NULL,                 -- whose link it came through
        at TEXT NOT NULL,
        name TEXT NOT NULL,                       -- the file name the browser sent
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        file_id INTEGER REFERENCES files(id),     -- NULL: not received as a version (unreadable, not its form)
        findings TEXT NOT NULL                    -- JSON: what the page showed
    );
    CREATE INDEX uploads_by_department ON uploads(department, period);
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,                      -- a department's name, 督查室, or the command
        action TEXT NOT NULL,
        department TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT ''          -- the client's IP address
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def now() -> str:
    """Local time with its UTC offset, to the second: what status shows and the log records."""
    return dt.datetime.now().astimezone().isoformat(sep=" ", timespec="seconds")


@dataclass
class Version:
    """One file received for a period, with what became of it."""

    file_id: int
    name: str
    sha256: str
    received_at: str
    department: str | None
    accepted: bool
    current: bool
    errors: int
    warnings: int
    in_inbox: bool
    contact: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Decided:
    """A decision of the clerk's about one version."""

    action: str  # use / withdraw
    reason: str
    who: str
    at: str


@dataclass
class Upload:
    """One upload through a department's link, with the findings its page showed."""

    id: int
    department: str
    at: str
    name: str
    size: int
    sha256: str
    file_id: int | None
    findings: list[Finding]


@dataclass
class RunInfo:
    id: int
    period: str
    started_at: str
    ended_at: str | None
    outcome: str


def migrate(conn: sqlite3.Connection, where: str = "") -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise ConfigError(
            f"数据库 {where} 由更新版本的 ledgerxl 创建（结构版本 {version}，本程序支持到 {SCHEMA_VERSION}）。",
            "请升级 ledgerxl 后再运行。",
        )
    for v in range(version, SCHEMA_VERSION):
        # executescript commits anything pending first; the script is one transaction with its version bump
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{MIGRATIONS[v]}\nPRAGMA user_version = {v + 1};\nCOMMIT;")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path, threads: bool = False) -> Store:
        """Open (or create) the database at `path` for writing, migrated to the current schema.
        `threads`: the connection may be used from several threads, one at a time (the web intake's lock)."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=not threads)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            migrate(conn, str(path))
        except sqlite3.DatabaseError as e:
            raise ConfigError(
                f"无法打开批处理数据库 {path}：{e}。",
                "请确认它是 ledgerxl 的数据库、所在磁盘可写；数据库应放在本机磁盘上（不要放在网络共享目录）。",
            ) from e
        except OSError as e:
            raise ConfigError(f"无法创建批处理数据库 {path}：{os_reason(e)}。", "请检查目录是否可写。") from e
        return cls(conn, path)

    @classmethod
    def snapshot(cls, path: Path) -> Store:
        """An in-memory copy of the database at `path` (empty when there is none yet), migrated:
        for dry runs and status, which must never write to the real database."""
        mem = sqlite3.connect(":memory:", isolation_level=None)
        path = Path(path)
        if path.exists():
            try:
                # absolute(), not resolve(): on Windows resolve() turns a mapped drive (Z:) into a UNC path,
                # and SQLite rejects a file: URI with a host in it
                src = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=30)
                try:
                    src.backup(mem)
                finally:
                    src.close()
            except sqlite3.DatabaseError as e:
                raise ConfigError(f"无法读取批处理数据库 {path}：{e}。") from e
        mem.execute("PRAGMA foreign_keys=ON")
        migrate(mem, str(path))
        return cls(mem, path)

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; inside another one it is part of that one (the web intake records an upload's
        run, files, versions, upload and audit rows in one commit: one fsync, not five)."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # ---- runs

    def begin_run(self, period: Period) -> int:
        """A new run; runs still marked running were killed (the caller holds the lock)."""
        with self.transaction():
            self.conn.execute("UPDATE runs SET outcome = 'interrupted' WHERE outcome = 'running'")
            cur = self.conn.execute("INSERT INTO runs (period, started_at) VALUES (?, ?)", (period.code, now()))
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, outcome: str, record: dict[str, object] | None = None) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE runs SET ended_at = ?, outcome = ?, record = ? WHERE id = ?",
                (now(), outcome, json.dumps(record, ensure_ascii=False) if record else None, run_id),
            )

    def last_run(self, period: Period | None = None) -> RunInfo | None:
        sql = "SELECT id, period, started_at, ended_at, outcome FROM runs"
        args: tuple[str, ...] = ()
        if period is not None:
            sql += " WHERE period = ?"
            args = (period.code,)
        row = self.conn.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
        return RunInfo(*row) if row else None

    # ---- recording files and submissions (call inside one transaction)

    def known_hashes(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT sha256 FROM files")}

    def state_rows(self, period: Period) -> Iterator[tuple[object, ...]]:
        """Everything in the database a period's outputs depend on: its files and whether each is still
        in the inbox, each department's current version, the clerk's decisions, and the newest file of
        any period (last contacts in the 催报 list come from every period)."""
        yield from self.conn.execute("SELECT max(id) FROM files")
        yield from self.conn.execute("SELECT id, in_inbox FROM files WHERE period = ? ORDER BY id", (period.code,))
        yield from self.conn.execute(
            "SELECT department, submission_id FROM current WHERE period = ? ORDER BY department", (period.code,)
        )
        yield from self.conn.execute("SELECT id FROM decisions WHERE period = ? ORDER BY id", (period.code,))

    def cached_master(self, sha256: str) -> list[list[Any]] | None:
        row = self.conn.execute("SELECT items FROM masters WHERE sha256 = ?", (sha256,)).fetchone()
        return json.loads(row[0]) if row else None

    def cache_master(self, sha256: str, items: list[list[Any]]) -> None:
        """Only the latest master list is kept: an earlier one is read again if it comes back."""
        with self.transaction():
            self.conn.execute("DELETE FROM masters")
            self.conn.execute(
                "INSERT INTO masters (sha256, items) VALUES (?, ?)", (sha256, json.dumps(items, ensure_ascii=False))
            )

    def published(self, period: Period) -> tuple[str, dict[str, Any]] | None:
        row = self.conn.execute("SELECT key, state FROM published WHERE period = ?", (period.code,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def set_published(self, period: Period, key: str, state: dict[str, object], run_id: int) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO published (period, key, state, run_id) VALUES (?, ?, ?, ?)",
                (period.code, key, json.dumps(state, ensure_ascii=False), run_id),
            )

    def known_stats(self) -> dict[tuple[str, int, float], str]:
        """(name, size, modification time) -> sha256 of every recorded file: a file in the inbox that
        matches all three is not read again (hashing 5,000 recorded forms cost 0.3 s of every run)."""
        return {
            (n, size, mtime): sha
            for n, size, mtime, sha in self.conn.execute("SELECT name, size, mtime, sha256 FROM files")
        }

    def add_file(
        self,
        run_id: int,
        period: Period,
        *,
        sha256: str,
        name: str,
        size: int,
        mtime: float,
        archive: str,
        submission: Submission | None,
        findings: Iterable[Finding],
        accepted: bool,
    ) -> int | None:
        """Record a file, the submission read from it (if any) and its findings; the submission's id.
        `accepted`: the submission may become its department's current one (the caller's rule)."""
        c = self.conn
        file_id = c.execute(
            "INSERT INTO files (sha256, name, size, mtime, period, received_at, run_id, archive)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (sha256, name, size, mtime, period.code, now(), run_id, archive),
        ).lastrowid
        c.executemany(
            "INSERT INTO findings (file_id, code, severity, message, hint, file, sheet, cell, department)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(file_id, f.code, f.severity, f.message, f.hint, f.file, f.sheet, f.cell, f.department) for f in findings],
        )
        if submission is None:
            return None
        s = submission
        sub_id = c.execute(
            "INSERT INTO submissions (file_id, period, department, department_raw, department_cell, sheet,"
            " header_row, columns, period_raw, period_cell, contact, phone, filled_date, accepted)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                file_id,
                period.code,
                s.department,
                s.department_raw,
                s.department_cell,
                s.sheet,
                s.header_row,
                json.dumps(s.columns, sort_keys=True),
                s.period_raw,
                s.period_cell,
                s.contact,
                s.phone,
                s.filled_date,
                int(accepted),
            ),
        ).lastrowid
        c.executemany(
            "INSERT INTO entries (submission_id, row, number, raw_number, item_text, progress, status, note, value)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (sub_id, e.row, e.number, e.raw_number, e.item_text, e.progress, e.status, e.note, e.value)
                for e in s.entries
            ],
        )
        return int(sub_id or 0)

    def set_current(self, period: Period, department: str, submission_id: int, run_id: int) -> None:
        self.conn.execute(
            "INSERT INTO current (period, department, submission_id, since, run_id) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (period, department) DO UPDATE SET"
            " submission_id = excluded.submission_id, since = excluded.since, run_id = excluded.run_id",
            (period.code, department, submission_id, now(), run_id),
        )

    def set_presence(self, present: set[str]) -> None:
        """Mark which known files are still in the inbox (only rows that change are written)."""
        rows = self.conn.execute("SELECT id, sha256, in_inbox FROM files").fetchall()
        changes = [(int(sha in present), fid) for fid, sha, was in rows if bool(was) != (sha in present)]
        self.conn.executemany("UPDATE files SET in_inbox = ? WHERE id = ?", changes)

    # ---- reading back

    def current(self, period: Period) -> dict[str, tuple[int, str, str]]:
        """department -> (submission id, file name, received at) of its current submission."""
        rows = self.conn.execute(
            "SELECT c.department, s.id, f.name, f.received_at FROM current c"
            " JOIN submissions s ON s.id = c.submission_id JOIN files f ON f.id = s.file_id"
            " WHERE c.period = ?",
            (period.code,),
        )
        return {d: (sid, name, at) for d, sid, name, at in rows}

    def load_submission(self, submission_id: int) -> Submission:
        return self.load_submissions([submission_id])[0]

    def load_submissions(self, ids: list[int]) -> list[Submission]:
        """Submissions with their entries, in the order of `ids`, in two queries whatever their number
        (one query per submission cost 0.24 s for 5,000 of them)."""
        if not ids:
            return []
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (id INTEGER PRIMARY KEY)")
        self.conn.execute("DELETE FROM temp.wanted")
        self.conn.executemany("INSERT OR IGNORE INTO temp.wanted (id) VALUES (?)", ((i,) for i in ids))
        entries: dict[int, list[Entry]] = {}
        for sid, r, n, rn, t, p, st, no, v in self.conn.execute(
            "SELECT e.submission_id, row, number, raw_number, item_text, progress, status, note, value"
            " FROM entries e JOIN temp.wanted w ON w.id = e.submission_id ORDER BY e.submission_id, row"
        ):
            entries.setdefault(sid, []).append(
                Entry(row=r, number=n, raw_number=rn, item_text=t, progress=p, status=st, note=no, value=v)
            )
        subs: dict[int, Submission] = {}
        for row in self.conn.execute(
            "SELECT s.id, f.name, f.mtime, s.sheet, s.department, s.department_raw, s.department_cell,"
            " s.header_row, s.columns, s.period_raw, s.period_cell, s.contact, s.phone, s.filled_date"
            " FROM submissions s JOIN files f ON f.id = s.file_id JOIN temp.wanted w ON w.id = s.id"
        ):
            (
                sid,
                name,
                mtime,
                sheet,
                dept,
                dept_raw,
                dept_cell,
                header_row,
                columns,
                p_raw,
                p_cell,
                contact,
                phone,
                date,
            ) = row
            subs[sid] = Submission(
                path=Path(name),
                sheet=sheet,
                department=dept,
                department_raw=dept_raw,
                department_cell=dept_cell,
                header_row=header_row,
                columns=json.loads(columns),
                entries=entries.get(sid, []),
                period_raw=p_raw,
                period_cell=p_cell,
                contact=contact,
                phone=phone,
                filled_date=date,
                mtime=mtime,
            )
        self.conn.execute("DELETE FROM temp.wanted")
        return [subs[i] for i in ids]

    def current_submissions(self, period: Period) -> list[Submission]:
        return self.load_submissions([sid for _, (sid, _, _) in sorted(self.current(period).items())])

    def previous_progress(self, department: str, period: Period) -> tuple[Period, dict[int, str]] | None:
        """The department's current texts for the latest earlier period of the same year that has one.

        Only the same year: each year has its own master list, so item numbers mean other items."""
        rows = self.conn.execute(
            "SELECT period, submission_id FROM current WHERE department = ?", (department,)
        ).fetchall()
        earlier = []
        for code, sid in rows:
            p = parse_period(code)
            if p.year == period.year and KINDS.index(p.kind) < KINDS.index(period.kind):
                earlier.append((KINDS.index(p.kind), p, sid))
        if not earlier:
            return None
        _, p, sid = max(earlier)
        texts: dict[int, str] = {}
        for number, progress in self.conn.execute(
            "SELECT number, progress FROM entries WHERE submission_id = ? AND number IS NOT NULL ORDER BY row",
            (sid,),
        ):
            texts.setdefault(number, progress)
        return p, texts

    def versions(self, period: Period, department: str | None = None) -> list[Version]:
        """Every file received for the period (or only `department`'s), in arrival order."""
        where, args = _of_department(period, department)
        rows = self.conn.execute(
            "SELECT f.id, f.name, f.sha256, f.received_at, s.department, s.accepted,"
            " c.submission_id IS NOT NULL, f.in_inbox, s.contact, s.phone,"
            " (SELECT count(*) FROM findings x WHERE x.file_id = f.id AND x.severity = 'error'),"
            " (SELECT count(*) FROM findings x WHERE x.file_id = f.id AND x.severity = 'warning')"
            " FROM files f LEFT JOIN submissions s ON s.file_id = f.id"
            " LEFT JOIN current c ON c.submission_id = s.id AND c.period = f.period"
            f" WHERE {where} ORDER BY f.id",
            args,
        )
        return [
            Version(
                file_id=fid,
                name=name,
                sha256=sha,
                received_at=at,
                department=dept,
                accepted=bool(acc),
                current=bool(cur),
                errors=errs,
                warnings=warns,
                in_inbox=bool(inbox),
                contact=contact or "",
                phone=phone or "",
            )
            for fid, name, sha, at, dept, acc, cur, inbox, contact, phone, errs, warns in rows
        ]

    def findings_of(self, file_ids: Iterable[int], severity: str | None = None) -> list[Finding]:
        ids = list(file_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        sql = (
            "SELECT code, severity, message, hint, file, sheet, cell, department FROM findings"
            f" WHERE file_id IN ({marks})"
        )
        args: list[object] = list(ids)
        if severity:
            sql += " AND severity = ?"
            args.append(severity)
        return [
            Finding(code=c, severity=sv, message=m, hint=h, file=f, sheet=sh, cell=ce, department=d)
            for c, sv, m, h, f, sh, ce, d in self.conn.execute(sql + " ORDER BY file_id, id", args)
        ]

    def open_error_files(self, period: Period, versions: list[Version] | None = None) -> list[int]:
        """Files whose errors still need someone: a department's files newer than its current
        submission (all of them when it has none), and files not traced to a department that are
        still in the inbox."""
        latest_current: dict[str, int] = {}
        out: list[int] = []
        versions = self.versions(period) if versions is None else versions
        for v in versions:
            if v.current and v.department:
                latest_current[v.department] = v.file_id
        for v in versions:
            if not v.errors:
                continue
            if v.department is None:
                if v.in_inbox:
                    out.append(v.file_id)
            elif v.file_id >= latest_current.get(v.department, 0):  # the current one too: its rows with errors
                out.append(v.file_id)
        return out

    # ---- the clerk's decisions and the one rule

    def decide(self, period: Period, department: str, file_id: int, action: str, reason: str, who: str) -> None:
        self.conn.execute(
            "INSERT INTO decisions (period, department, file_id, action, reason, who, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (period.code, department, file_id, action, reason, who, now()),
        )

    def decisions(self, period: Period, department: str | None = None) -> dict[int, Decided]:
        """file id -> what counts of the clerk's decisions: a file's latest one, and of "use" only the
        department's latest (choosing another version replaces the earlier choice)."""
        out: dict[int, Decided] = {}
        used: dict[str, int] = {}
        sql = "SELECT file_id, department, action, reason, who, at FROM decisions WHERE period = ?"
        args: tuple[str, ...] = (period.code,)
        if department is not None:
            sql, args = sql + " AND department = ?", (period.code, department)
        for fid, dept, action, reason, who, at in self.conn.execute(sql + " ORDER BY id", args):
            out[fid] = Decided(action, reason, who, at)
            if action == "use":
                if dept in used and used[dept] != fid and out[used[dept]].action == "use":
                    del out[used[dept]]
                used[dept] = fid
        return out

    def warning_counts(self, period: Period, department: str | None = None) -> dict[int, int]:
        where, args = _of_department(period, department)
        return dict(
            self.conn.execute(
                "SELECT f.id, count(x.id) FROM files f JOIN findings x ON x.file_id = f.id"
                " LEFT JOIN submissions s ON s.file_id = f.id"
                f" WHERE {where} AND x.severity = 'warning' GROUP BY f.id",
                args,
            ).fetchall()
        )

    def current_files(self, period: Period) -> list[tuple[Submission, int]]:
        """The current submissions with their file ids, by department."""
        rows = self.conn.execute(
            "SELECT c.department, s.id, s.file_id FROM current c JOIN submissions s ON s.id = c.submission_id"
            " WHERE c.period = ? ORDER BY c.department",
            (period.code,),
        ).fetchall()
        subs = self.load_submissions([sid for _, sid, _ in rows])
        return [(sub, fid) for sub, (_, _, fid) in zip(subs, rows)]

    def current_errors(self, period: Period) -> dict[int, list[Finding]]:
        """file id -> its errors, for the period's current versions, in one query (indexed by
        findings_by_file): the rows with errors a current version leaves out."""
        out: dict[int, list[Finding]] = {}
        for fid, c, sv, m, h, f, sh, ce, d in self.conn.execute(
            "SELECT x.file_id, x.code, x.severity, x.message, x.hint, x.file, x.sheet, x.cell, x.department"
            " FROM current cur JOIN submissions s ON s.id = cur.submission_id JOIN findings x ON x.file_id = s.file_id"
            " WHERE cur.period = ? AND x.severity = 'error' ORDER BY x.file_id, x.id",
            (period.code,),
        ):
            out.setdefault(fid, []).append(
                Finding(code=c, severity=sv, message=m, hint=h, file=f, sheet=sh, cell=ce, department=d)
            )
        return out

    def version_heads(self, period: Period, department: str | None = None) -> list[tuple[int, int, Submission, int]]:
        """Every submission of the period (or only `department`'s) as (file id, submission id, the submission
        without its entries, errors): what the version rule needs, without loading thousands of entries."""
        where, args = _of_department(period, department)
        rows = self.conn.execute(
            "SELECT f.id, s.id, f.name, f.mtime, s.sheet, s.department, s.department_raw, s.filled_date,"
            " (SELECT count(*) FROM findings x WHERE x.file_id = f.id AND x.severity = 'error')"
            f" FROM files f JOIN submissions s ON s.file_id = f.id WHERE {where} ORDER BY f.id",
            args,
        )
        return [
            (
                fid,
                sid,
                Submission(
                    path=Path(name),
                    sheet=sheet,
                    department=dept,
                    department_raw=raw,
                    department_cell="",
                    header_row=0,
                    columns={},
                    entries=[],
                    filled_date=date,
                    mtime=mtime,
                ),
                errors,
            )
            for fid, sid, name, mtime, sheet, dept, raw, date, errors in rows
        ]

    def set_currents(self, period: Period, chosen: dict[str, int], run_id: int, department: str | None = None) -> None:
        """The current submission of each department (call inside a transaction); a department absent from
        `chosen` has none (the clerk withdrew every version). `department`: only that one's changed."""
        known = self.current(period)
        if department is not None:
            known = {d: v for d, v in known.items() if d == department}
        for dept in set(known) - set(chosen):
            self.conn.execute("DELETE FROM current WHERE period = ? AND department = ?", (period.code, dept))
        for dept, sid in chosen.items():
            if known.get(dept, (None,))[0] != sid:
                self.set_current(period, dept, sid, run_id)

    def last_contacts(self) -> dict[str, tuple[str, str, str]]:
        """department -> (contact, phone, period code) from its latest form that names a contact."""
        out: dict[str, tuple[str, str, str]] = {}
        for dept, contact, phone, period in self.conn.execute(
            "SELECT department, contact, phone, period FROM submissions"
            " WHERE department IS NOT NULL AND (contact != '' OR phone != '') ORDER BY file_id"
        ):
            out[dept] = (contact, phone, period)
        return out

    # ---- the web intake (jobs.intake, web/)

    def links(self) -> dict[str, tuple[int, str, str | None, str | None]]:
        """department -> (generation, created at, shown at, opened at) of its current link."""
        rows = self.conn.execute("SELECT department, generation, created_at, shown_at, opened_at FROM links")
        return {d: (g, c, s, o) for d, g, c, s, o in rows}

    def set_link(self, department: str, generation: int, token_sha256: str) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO links (department, generation, token_sha256, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (department) DO UPDATE SET generation = excluded.generation,"
                " token_sha256 = excluded.token_sha256, created_at = excluded.created_at,"
                " shown_at = NULL, opened_at = NULL",
                (department, generation, token_sha256, now()),
            )

    def link_department(self, token_sha256: str) -> str | None:
        row = self.conn.execute("SELECT department FROM links WHERE token_sha256 = ?", (token_sha256,)).fetchone()
        return str(row[0]) if row else None

    def mark_link(self, department: str, column: str) -> None:
        assert column in ("shown_at", "opened_at")
        self.conn.execute(f"UPDATE links SET {column} = ? WHERE department = ?", (now(), department))

    def add_upload(
        self,
        period: Period,
        department: str,
        *,
        name: str,
        size: int,
        sha256: str,
        file_id: int | None,
        findings: list[Finding],
    ) -> int:
        shown = [dataclasses.asdict(f) for f in findings]
        cur = self.conn.execute(
            "INSERT INTO uploads (period, department, at, name, size, sha256, file_id, findings)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (period.code, department, now(), name, size, sha256, file_id, json.dumps(shown, ensure_ascii=False)),
        )
        return int(cur.lastrowid or 0)

    def uploads(self, period: Period, department: str, limit: int = 50) -> list[Upload]:
        """A department's uploads of the period, newest first."""
        rows = self.conn.execute(
            "SELECT id, at, name, size, sha256, file_id, findings FROM uploads"
            " WHERE period = ? AND department = ? ORDER BY id DESC LIMIT ?",
            (period.code, department, limit),
        )
        return [
            Upload(i, department, at, name, size, sha, fid, [Finding(**f) for f in json.loads(found)])
            for i, at, name, size, sha, fid, found in rows
        ]

    def last_uploads(self, period: Period) -> dict[str, str]:
        """department -> when it last uploaded through its link in the period."""
        rows = self.conn.execute(
            "SELECT department, max(at) FROM uploads WHERE period = ? GROUP BY department", (period.code,)
        )
        return {d: at for d, at in rows}

    def file_of_sha(self, sha256: str) -> tuple[int, str, str | None] | None:
        """(file id, period, department) of a recorded file, by content."""
        row = self.conn.execute(
            "SELECT f.id, f.period, s.department FROM files f LEFT JOIN submissions s ON s.file_id = f.id"
            " WHERE f.sha256 = ?",
            (sha256,),
        ).fetchone()
        return (int(row[0]), str(row[1]), row[2]) if row else None

    def archive_of(self, file_id: int) -> tuple[str, str]:
        """(name as received, path under the archive) of a recorded file."""
        row = self.conn.execute("SELECT name, archive FROM files WHERE id = ?", (file_id,)).fetchone()
        return str(row[0]), str(row[1])

    def setting(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))

    def audit(self, actor: str, action: str, department: str = "", detail: str = "", address: str = "") -> None:
        self.conn.execute(
            "INSERT INTO audit (at, actor, action, department, detail, address) VALUES (?, ?, ?, ?, ?, ?)",
            (now(), actor, action, department, detail, address),
        )

    def audit_log(self, limit: int = 200) -> list[tuple[str, str, str, str, str, str]]:
        rows = self.conn.execute(
            "SELECT at, actor, action, department, detail, address FROM audit ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [tuple(map(str, r)) for r in rows]  # type: ignore[misc]

    def runs(self, period: Period, limit: int = 30) -> list[tuple[RunInfo, dict[str, Any]]]:
        """The period's runs, newest first, with their records."""
        rows = self.conn.execute(
            "SELECT id, period, started_at, ended_at, outcome, record FROM runs WHERE period = ?"
            " ORDER BY id DESC LIMIT ?",
            (period.code, limit),
        )
        return [(RunInfo(*r[:5]), json.loads(r[5]) if r[5] else {}) for r in rows]


def _of_department(period: Period, department: str | None) -> tuple[str, tuple[str, ...]]:
    """The WHERE clause (over files f and submissions s) of a period's files, or one department's."""
    if department is None:
        return "f.period = ?", (period.code,)
    return "f.period = ? AND s.department = ?", (period.code, department)
