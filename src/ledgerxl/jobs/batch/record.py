"""The database side of a run: its one transaction (every new file, its submission and findings, the
current versions), and the run record kept in the database and in run.json."""

from __future__ import annotations

from collections import Counter

from ledgerxl import __version__, codes
from ledgerxl.jobs.batch.logfile import log
from ledgerxl.jobs.batch.model import BatchResult, Incoming, NewFile, RunState
from ledgerxl.jobs.store import now


def record_files(run: RunState, run_id: int, incoming: list[Incoming], present: set[str], result: BatchResult) -> None:
    """One transaction: every new file with its submission and findings, and the current versions."""
    current = run.store.current(run.period)
    new_current: dict[str, NewFile] = {}
    with run.store.transaction():
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
            if accepted and dept and sid is not None:
                run.store.set_current(run.period, dept, sid, run_id)
                current[dept] = (sid, inc.path.name, now())
                new_current[dept] = nf
                log.info("%s 的当前版本：%s", dept, inc.path.name)
        run.store.set_presence(present)
        run.stage("db")
    for nf in new_current.values():
        nf.current = True


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
