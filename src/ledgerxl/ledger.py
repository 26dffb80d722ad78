"""Build the ledger: one row per master item, in master order."""

from __future__ import annotations

from ledgerxl.model import Ledger, LedgerRow, MasterList, Submission


def build_ledger(
    master: MasterList, submissions: list[Submission], title: str, progress_label: str, placeholder: str
) -> Ledger:
    """Join accepted submissions. Texts are kept as written; several departments on one item appear
    in the master's department order (lead first), whatever order the files were read in."""
    texts: dict[tuple[int, str], str] = {}
    statuses: dict[tuple[int, str], str] = {}
    values: dict[tuple[int, str], str] = {}
    for sub in submissions:
        if sub.department is None:
            continue
        for e in sub.entries:
            if e.number is None:
                continue
            key = (e.number, sub.department)
            # first row wins; duplicates are reported by validation
            if key not in texts and e.progress.strip():
                texts[key] = e.progress
                statuses[key] = e.status
                values[key] = e.value
    rows: list[LedgerRow] = []
    for item in master.items:
        parts = [(d, texts[(item.number, d)]) for d in item.departments if (item.number, d) in texts]
        missing = [d for d in item.departments if (item.number, d) not in texts]
        status = next((statuses[(item.number, d)] for d in item.departments if statuses.get((item.number, d))), "")
        got = [(d, values[(item.number, d)]) for d in item.departments if values.get((item.number, d))]
        rows.append(LedgerRow(item=item, parts=parts, missing=missing, status=status, values=got))
    return Ledger(title=title, progress_label=progress_label, rows=rows, placeholder=placeholder)
