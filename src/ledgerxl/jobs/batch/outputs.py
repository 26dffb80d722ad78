"""The output side of a run: merge the current submissions, render the ledger, the attachment and the
催报 lists, and publish only the files whose bytes changed (two phases); then, when asked, move the
recorded files out of the inbox."""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from ledgerxl import contained
from ledgerxl.jobs.batch.logfile import log
from ledgerxl.jobs.batch.model import PROCESSED_DIR, BatchResult, OutputFile, RunState
from ledgerxl.jobs.store import Version
from ledgerxl.ledger import accepted_part
from ledgerxl.model import Finding, MasterList, Submission
from ledgerxl.periods import parse_period


def publish(run: RunState, master: MasterList, result: BatchResult) -> None:
    from ledgerxl.jobs.merge import document_date, render_outputs
    from ledgerxl.write.publish import Staged
    from ledgerxl.write.reminders import TEXT_NAME, XLSX_NAME, build_reminders, reminders_text, reminders_xlsx

    store, period, out = run.store, run.period, run.paths.out
    subs: list[Submission] = []
    refused_items: set[tuple[int, str]] = set()
    current = store.current_files(period)
    errors = store.current_errors(period)
    for sub, file_id in current:
        # a current version with errors in some rows (every version has errors): its good rows count
        part, refused = accepted_part(sub, errors.get(file_id, []))
        if part is not None:
            subs.append(part)
            refused_items |= refused
    date = document_date(run.cfg, period, subs)
    ledger, outputs = render_outputs(master, subs, period, run.cfg, out, refused_items, date)
    log.info("文件日期：%s", date.isoformat())
    result.items = len(ledger.rows)
    result.items_with_progress = ledger.items_with_progress

    versions = store.versions(period)
    # a department whose current version has errors (every version it sent has some) must send again
    good = {v.department for v in versions if v.current and v.department and not v.errors}
    result.submitted = [d for d in master.departments if d in good]
    result.missing = [d for d in master.departments if d not in good]
    open_files = store.open_error_files(period, versions)
    result.open_errors = store.findings_of(open_files, "error")
    result.findings = state_findings(run, master, subs, versions, result)

    rejected = Counter(v.department for v in versions if v.department and not v.accepted)
    contacts = {d: (c, p, str(parse_period(code))) for d, (c, p, code) in store.last_contacts().items()}
    reminders = build_reminders(master, good, contacts, rejected, str(period))
    title = run.cfg.ledger_title(period).removesuffix("台账") + "催报名单"
    as_of = f"{versions[-1].received_at[:16]}（最近一次收到报送）" if versions else "尚未收到任何报送"
    outputs[out / XLSX_NAME] = reminders_xlsx(reminders, title=title, as_of=as_of, date=date)
    template = run.cfg.reminder_template
    text_args: dict[str, Any] = {"title": title, "period": str(period), "as_of": as_of}
    text_args["total"] = len(master.departments)
    if template is None:  # ledgerxl's own template: nothing to contain
        text = reminders_text(reminders, **text_args)
    else:  # the clerk's: sandboxed, and rendered in a worker (a loop that never ends is bounded there)
        text = contained.run(reminders_text, reminders, what=f"催报模板 {template}", template=template, **text_args)
    outputs[out / TEXT_NAME] = text.encode("utf-8")

    changed = {p: d for p, d in outputs.items() if _read_or_none(p) != d}
    result.outputs = [OutputFile(p, hashlib.sha256(d).hexdigest(), len(d), p in changed) for p, d in outputs.items()]
    if run.dry:
        return
    _remove_stale_temps(out, [p.name for p in outputs])
    with Staged(changed) as staged:
        run.stage("write")
        staged.commit()
    for p in changed:
        log.info("已写出 %s", p)


def state_findings(
    run: RunState, master: MasterList, current: list[Submission], versions: list[Version], result: BatchResult
) -> list[Finding]:
    """What the published state carries: open errors, the current submissions' warnings, and the
    rules over the whole period applied to the current submissions (W305 for each department without one)."""
    from ledgerxl.rules.sets import check_joined, check_missing

    current_files = [v.file_id for v in versions if v.current]
    warnings = run.store.findings_of(current_files, "warning")
    # the choice among versions was this run's (selection_findings); the other rules across forms apply to it
    across = check_missing(current, master) + check_joined(current, master)
    return [*result.open_errors, *warnings, *run.selection_findings, *across]


def move_processed(run: RunState, result: BatchResult) -> None:
    """Move recorded files to <inbox>/已处理/; a file not traced to any department stays for a person.

    Runs after the commit and the outputs: a file that cannot be moved (on Windows, one open in
    Excel/WPS) is left where it is and moved by a later run, never failing this one."""
    p = run.paths
    keep = {v.sha256 for v in run.store.versions(run.period) if v.department is None and v.errors}
    known = run.store.known_hashes()
    dest_dir = p.inbox / PROCESSED_DIR
    for f, sha in run.hashes.items():
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
