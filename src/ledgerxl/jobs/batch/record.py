"""The database side of a run: its one transaction (every new file, its submission and findings, the
current versions), and the run record kept in the database and in run.json."""

from __future__ import annotations

from collections import Counter

from ledgerxl import __version__
from ledgerxl.jobs.batch.logfile import log
from ledgerxl.jobs.batch.model import BatchResult, Incoming, NewFile, RunState
from ledgerxl.jobs.store import now


def record_files(
    run: RunState,
    run_id: int,
    incoming: list[Incoming],
    present: set[str] | None,
    result: BatchResult,
    department: str | None = None,
) -> None:
    """One transaction: every new file with its submission and findings, then each department's current
    version by the one rule (jobs.history), which the clerk's decisions and the forms' dates govern, not the
    order the files happened to arrive in. `present`: the hashes of everything in the inbox (None: an
    upload through the web intake, which did not look at the inbox); `department`: the one department
    the files are of (the web intake), whose current version alone is chosen again."""
    from ledgerxl.jobs.history import refresh_current

    with run.store.transaction():
        new: dict[int, NewFile] = {}
        for inc in incoming:
            sub = inc.submission
            dept = sub.department if sub else None
            accepted = sub is not None and dept is not None and not any(f.severity == "error" for f in inc.findings)
            sid = run.store.add_file(
                run_id,
                run.period,
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
            if sid is not None:
                new[sid] = nf
        stored = refresh_current(run.store, run.period, run_id, department)
        if present is not None:
            run.store.set_presence(present)
        run.stage("db")
    run.selection_findings = stored.findings
    for dept, sid in stored.current.items():
        if sid in new:
            new[sid].current = True
            log.info("%s 的当前版本：%s", dept, new[sid].name)


def run_record(run: RunState, result: BatchResult, started: str) -> dict[str, object]:
    c = Counter(f.severity for f in result.findings)
    new_c = Counter(f.severity for n in result.new for f in n.findings)
    new_hashes = {n.sha256 for n in result.new}
    return {
        "ledgerxl": __version__,
        "run": result.run_id,
        "period": run.period.code,
        "dry_run": run.dry,
        "started": started,
        "finished": now(),
        "duration_seconds": round(result.duration, 3),
        "outcome": result.outcome,
        "exit_code": result.exit_code,
        "inputs": {
            "inbox": str(run.paths.inbox),
            "files": [{"name": f.name, "sha256": h, "new": h in new_hashes} for f, h in sorted(run.hashes.items())],
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
