"""Console text for clerks: findings, what was read and written, and the one-line summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ledgerxl.model import Finding


def format_finding(f: Finding) -> str:
    label = "错误" if f.severity == "error" else "警告"
    where = f"{f.location}：" if f.location else ""
    line = f"[{label} {f.code}] {where}{f.message}"
    return f"{line}\n    处理办法：{f.hint}" if f.hint else line


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then by department and file, so a clerk can work through one department at a time."""
    return sorted(findings, key=lambda f: (f.severity != "error", f.department, f.file, f.code))


def count_line(findings: list[Finding]) -> str:
    c = Counter(f.severity for f in findings)
    return f"错误 {c['error']} 条，警告 {c['warning']} 条"


def tally(labels: Iterable[str], unit: str = "项") -> str:
    """“原文相同 30 项，相近 2 项”: how often each label occurs, in order of first appearance; “无” for none."""
    return "，".join(f"{label} {n} {unit}" for label, n in Counter(labels).items()) or "无"
