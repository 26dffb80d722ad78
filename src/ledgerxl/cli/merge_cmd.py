"""`ledgerxl merge`: parse options, call pipeline.run_merge, print what happened."""

from __future__ import annotations

from pathlib import Path

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


@click.command(name="merge")
@inputs_argument
@master_option
@period_option
@click.option("--out", "-o", type=click.Path(path_type=Path), help="输出目录（默认 out）。")
@config_option
@click.option("--allow-errors", is_flag=True, help="有错误时仍然生成台账：有错误的报送表不纳入，并列出。")
@click.option("--notice", is_flag=True, help="同时生成通知.docx（按通知模板填入本期数字）。")
@click.option(
    "--notice-template",
    type=click.Path(path_type=Path),
    help="自己的通知模板（Word .docx，含 {{ office }} 等标签）；给出时即生成通知.docx。",
)
@click.option("--attachment-label", help="附件.docx 左上角的附件标识，如 附件2（默认“附件”）。")
@click.option("--no-attachment-label", is_flag=True, help="附件.docx 不加“附件”标识。")
@click.option("--with-departments", is_flag=True, help="附件.docx 表格增加“责任单位”列。")
@click.option("--table-font-size", help="附件.docx 表格文字字号：磅值如 12，或 四号、小四（默认 14 磅即四号）。")
@click.option("--pdf", is_flag=True, help="同时把附件.docx（和通知.docx）转成 PDF，写在旁边（需要安装 LibreOffice）。")
@previous_option
@click.option(
    "--with-previous",
    is_flag=True,
    help="台账.xlsx 在本期进展情况旁列出上期进展情况（取自 --previous 或 ledgerxl.toml 的 previous）。",
)
@jobs_option
@handle_errors
def merge(
    inputs: tuple[Path, ...],
    master: Path | None,
    period: str | None,
    out: Path | None,
    config_path: Path | None,
    allow_errors: bool,
    notice: bool,
    notice_template: Path | None,
    attachment_label: str | None,
    no_attachment_label: bool,
    with_departments: bool,
    table_font_size: str | None,
    pdf: bool,
    previous: Path | None,
    with_previous: bool,
    jobs: int | None,
) -> None:
    """校验并汇总各单位报送表，生成台账.xlsx 和附件.docx。

    INPUTS 是报送表所在的目录或文件；不给时用 ledgerxl.toml 中的 inbox。
    加 --notice（或在 ledgerxl.toml 中写 [notice] 小节）时同时生成通知.docx。
    有错误时不生成台账（退出码 1），除非加 --allow-errors；用法或配置错误退出码 2。
    """
    from ledgerxl.cli.progress import FileProgress
    from ledgerxl.cli.summary import count_line, findings_report, inputs_report
    from ledgerxl.config import load_config
    from ledgerxl.jobs.merge import MergeOptions, run_merge

    if no_attachment_label and attachment_label:
        raise click.UsageError("--attachment-label 和 --no-attachment-label 只能选一个。")
    cfg = load_config(config_path).with_outputs(  # before any reading, so a bad option stops the run at once
        attachment_label="" if no_attachment_label else attachment_label,
        with_departments=with_departments,
        table_font_size=table_font_size,
        notice=notice,
        notice_template=notice_template,
        with_previous=with_previous,
    )
    with FileProgress() as progress:
        opts = MergeOptions(
            master=master,
            period=period,
            out=out,
            inputs=list(inputs),
            allow_errors=allow_errors,
            config=cfg,
            previous=previous,
            progress=progress,
            jobs=jobs,
            pdf=pdf,
        )
        r = run_merge(opts)
    for line in inputs_report(r, "读取"):
        echo(line)
    for line in findings_report(r.findings):
        echo_block(line)
    if r.blocked:
        echo(
            f"有 {len(r.errors)} 条错误，未生成台账。请按提示修改后重新报送，"
            "或加 --allow-errors 先汇总没有错误的报送表。"
        )
        for p in r.written:
            echo(f"已写出校验报告：{p}")
        echo(f"汇总未完成：{count_line(r.findings)}。")
        raise SystemExit(1)
    if r.excluded:
        echo("以下报送表有文件层面的错误，整份未纳入台账：" + "、".join(s.name for s in r.excluded))
    if r.left_out:
        echo(f"以下事项的填报有错误，未纳入台账（台账中显示“{r.ledger.error_placeholder if r.ledger else ''}”）：")
        for name, number, dept in r.left_out:
            echo(f"  {dept}  第 {number} 项  （{name}）")
    echo("已写出：")
    for p in r.written:
        echo(f"  {p}")
    if r.date is not None:
        echo(f"文件日期：{r.date.year}年{r.date.month}月{r.date.day}日。")
    echo(
        f"汇总完成：{len(r.master.items)} 项事项，{r.items_with_progress} 项有进展；"
        f"{len(r.reported)}/{len(r.master.departments)} 个单位已报送；{count_line(r.findings)}。"
    )
