"""`ledgerxl validate`: parse options, call intake.run_validate, print the findings (text or JSON)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledgerxl.cli.common import (
    config_option,
    echo,
    echo_block,
    handle_errors,
    inputs_argument,
    jobs_option,
    master_option,
    period_option,
    previous_option,
)

if TYPE_CHECKING:
    from ledgerxl.jobs.validate import ValidateResult

_BIDI = re.compile("[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\x7f-\x9f]")


@click.command(name="validate")
@inputs_argument
@master_option
@period_option
@config_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="输出格式：text 供阅读；json 输出一个 JSON 数组，每条问题一个对象"
    "（code、severity、file、sheet、cell、message、hint、department）。",
)
@click.option(
    "--annotate",
    type=click.Path(path_type=Path),
    help="把每份报送表复制一份到此目录，在有问题的单元格加批注和底色，并附“问题清单”工作表；原文件不改动。",
)
@previous_option
@jobs_option
@handle_errors
def validate(
    inputs: tuple[Path, ...],
    master: Path | None,
    period: str | None,
    config_path: Path | None,
    fmt: str,
    annotate: Path | None,
    previous: Path | None,
    jobs: int | None,
) -> None:
    """校验报送表，列出问题（不生成台账）。

    INPUTS 是报送表文件或目录；不给时用 ledgerxl.toml 中的 inbox。校验整个目录时还列出尚未报送的单位。
    有错误时退出码 1，没有错误时 0（警告不影响退出码）；用法或配置错误退出码 2。
    """
    import json

    from ledgerxl.cli.progress import FileProgress
    from ledgerxl.cli.summary import count_line, findings_report, inputs_report, sort_findings
    from ledgerxl.config import load_config
    from ledgerxl.jobs.validate import ValidateOptions, run_validate

    cfg = load_config(config_path)
    with FileProgress() as progress:
        opts = ValidateOptions(
            inputs=list(inputs),
            master=master,
            period=period,
            config=cfg,
            previous=previous,
            annotate=annotate,
            progress=progress,
            jobs=jobs,
        )
        r = run_validate(opts)
    findings = sort_findings(r.findings)
    if fmt == "json":
        # JSON escapes the C0 controls itself; the bidirectional overrides it leaves as they are
        text = json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2)
        click.echo(_BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text))
        for line in _annotate_report(r):
            echo(line, err=True)
        raise SystemExit(1 if r.errors else 0)
    for line in inputs_report(r, "校验", sheets=True):
        echo(line)
    for line in findings_report(r.findings) or ["未发现问题。"]:
        echo_block(line)
    for line in _annotate_report(r):
        echo(line)
    echo(f"校验完成：{count_line(r.findings)}。")
    raise SystemExit(1 if r.errors else 0)


def _annotate_report(r: ValidateResult) -> list[str]:
    if r.feedback is None:
        return []
    lines = []
    if r.annotated:
        lines.append("已写出校验意见（发给对应单位）：")
        lines += [f"  {path}" for path in r.annotated]
    lines += [f"未生成校验意见：{name}（{why}）" for name, why in r.not_annotated]
    if r.clean:
        lines.append(f"另有 {r.clean} 份报送表没有需要单位处理的问题，未生成校验意见。")
    lines.append(f"反馈清单（每段可直接发给对应单位）：{r.feedback}")
    return lines
