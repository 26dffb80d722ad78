"""反馈清单.txt: what each department must fix, one paragraph per department, ready to paste into its
chat group or e-mail, next to the marked-up copies of `validate --annotate`.

Only findings a department can act on are in it (codes.FOR_CLERK are left out: which version counts and
who is missing are the office's business). A form with errors is asked to be resubmitted; a form with
warnings only is told it is accepted and needs no resubmission; a clean form gets no paragraph.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ledgerxl.codes import FOR_CLERK
from ledgerxl.model import Finding
from ledgerxl.periods import Period
from ledgerxl.text import visible
from ledgerxl.write.report import report_order

FEEDBACK_NAME = "反馈清单.txt"
COPY_SUFFIX = "（校验意见）"
# a file name's bytes on most systems are at most 255; room is left for "-2" when two copies collide
_NAME_BYTES = 240


def for_department(findings: list[Finding]) -> list[Finding]:
    """The findings a department can act on."""
    return [f for f in findings if f.code not in FOR_CLERK]


def copy_name(path: Path, department: str = "") -> str:
    """The marked-up copy's name: 单位-原名（校验意见）.xlsx, so the clerk sees whom to send it to; the
    department is not repeated when the original name already starts with it. Shortened to fit a file
    name (a 245-byte name once made the whole --annotate run fail)."""
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    stem = path.stem
    if department and not stem.startswith(department):
        stem = f"{department}-{stem}"
    room = _NAME_BYTES - len(f"{COPY_SUFFIX}{suffix}".encode())
    if len(stem.encode()) > room:
        stem = stem.encode()[: room - 3].decode("utf-8", "ignore") + "…"
    return f"{stem}{COPY_SUFFIX}{suffix}"


@dataclass
class FileFeedback:
    """One form's feedback: the file as findings name it, its department ("" when unknown), the findings
    for the department, and the marked-up copy's name ("" when none was made)."""

    label: str
    department: str
    findings: list[Finding] = field(default_factory=list)
    copy: str = ""

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


def _line(n: int, f: Finding) -> list[str]:
    where = f"（单元格 {f.cell}）" if f.cell else ""
    out = [f"{n}. {where}{f.message}"]
    if f.hint:
        out.append(f"   处理办法：{f.hint}")
    return out


def _deadline(deadline: dt.date | None) -> str:
    return f"，请于 {deadline.month} 月 {deadline.day} 日前" if deadline else "，请"


def _paragraph(fb: FileFeedback, period: Period, deadline: dt.date | None) -> list[str]:
    errors = fb.errors
    warnings = [f for f in fb.findings if f.severity != "error"]
    name = fb.department or "（无法确定报送单位）"
    lines = [f"【{name}】"]
    copy = f"附件“{fb.copy}”中有问题的单元格已标色并加批注。" if fb.copy else ""
    if errors:
        lines.append(
            f"你单位报送的“{fb.label}”（{period}）经校验有 {len(errors)} 处错误"
            f"{_deadline(deadline)}按以下意见修改后重新报送。{copy}"
        )
        for n, f in enumerate(errors, start=1):
            lines += _line(n, f)
        if warnings:
            lines.append(f"另有 {len(warnings)} 条提示，请修改时一并核对：")
    else:
        lines.append(
            f"你单位报送的“{fb.label}”（{period}）已通过校验并采用，无须重新报送。"
            f"有 {len(warnings)} 条提示供参考，下期填报时请注意。{copy}"
        )
    for n, f in enumerate(warnings, start=1):
        lines += _line(n, f)
    return lines


def feedback_text(
    files: list[FileFeedback],
    period: Period,
    clean: list[str] | None = None,
    missing: list[str] | None = None,
    deadline: dt.date | None = None,
) -> str:
    """The whole 反馈清单: a paragraph per form with findings (in the order given: the master's department
    order), then, for the clerk, who passed and who has not sent anything. Input text is data here too:
    control characters are written out, so a pasted paragraph shows exactly what the form holds."""
    lines = [f"{period}报送校验反馈清单（每段可直接复制发给对应单位）", ""]
    for fb in files:
        fb = FileFeedback(fb.label, fb.department, report_order(fb.findings), fb.copy)
        lines += _paragraph(fb, period, deadline)
        lines.append("")
    if not files:
        lines += ["所有报送表均未发现需要单位处理的问题。", ""]
    if clean:
        lines.append(f"已通过校验、无须反馈的单位（{len(clean)} 个）：{'、'.join(clean)}。")
    if missing:
        lines.append(f"尚未报送的单位（{len(missing)} 个，请催报）：{'、'.join(missing)}。")
    text = "\n".join(visible(line) for line in lines).rstrip("\n") + "\n"
    # with a BOM and CRLF: Windows' Notepad of before 2019, and WPS, open it as UTF-8 text, not as GBK
    return "\ufeff" + text.replace("\n", "\r\n")
