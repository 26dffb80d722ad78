"""Console text for clerks: findings, what was read and written, and the one-line summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ledgerxl.model import Finding
from ledgerxl.text import visible

if TYPE_CHECKING:
    from ledgerxl.jobs.check import Checked


def format_finding(f: Finding, indent: str = "") -> str:
    label = "错误" if f.severity == "error" else "警告"
    where = f"{visible(f.location)}：" if f.location else ""
    line = f"[{label} {f.code}] {where}{visible(f.message)}"
    text = f"{line}\n    处理办法：{visible(f.hint)}" if f.hint else line
    return indent + text.replace("\n", "\n" + indent)


def inputs_report(result: Checked, verb: str, sheets: bool = False) -> list[str]:
    """What merge and validate print first: the master list, the period, then each input file with who
    sent it and how many items (`sheets`: and which sheet was read), or that it could not be read."""
    m = result.master
    lines = [
        f"挂牌事项清单：{m.source}（{len(m.items)} 项，{len(m.departments)} 个责任单位）",
        f"报告期：{result.period}",
        f"{verb}报送文件 {len(result.files)} 个：",
    ]
    replaced = {s.path for s in result.superseded}
    for label, s in result.inputs:
        label = visible(label)
        if s is None:
            lines.append(f"  {label}  （无法读取）")
            continue
        who = visible(s.department or s.department_raw or "（单位未识别）")
        sheet = f"  工作表“{visible(s.sheet)}”" if sheets else ""
        later = "  （已有较新的报送，未采用）" if s.path in replaced else ""
        lines.append(f"  {label}  {who}{sheet}  {len(s.entries)} 项{later}")
    return lines


def findings_report(findings: list[Finding]) -> list[str]:
    """The 校验发现 block of merge and validate: sorted findings under a heading, or nothing."""
    ordered = sort_findings(findings)
    return ["校验发现：", *(format_finding(f, "  ") for f in ordered)] if ordered else []


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then by department and file, so a clerk can work through one department at a time."""
    return sorted(findings, key=lambda f: (f.severity != "error", f.department, f.file, f.code))


def count_line(findings: list[Finding]) -> str:
    c = Counter(f.severity for f in findings)
    return f"错误 {c['error']} 条，警告 {c['warning']} 条"


def tally(labels: Iterable[str], unit: str = "项") -> str:
    """“原文相同 30 项，相近 2 项”: how often each label occurs, in order of first appearance; “无” for none."""
    return "，".join(f"{label} {n} {unit}" for label, n in Counter(labels).items()) or "无"
