"""`ledgerxl master import|check|targets`: parse options, call one library function each, print."""

from __future__ import annotations

from pathlib import Path

import click

from ledgerxl.cli.common import config_option, echo, echo_block, handle_errors


@click.group(name="master")
def master() -> None:
    """挂牌事项清单：从已发布的台账导入（import）、检查（check）、识别量化目标（targets）。"""


@master.command(name="import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "--out", "-o", type=click.Path(path_type=Path), required=True, help="写出的挂牌事项清单，如 挂牌事项清单.xlsx。"
)
@click.option(
    "--previous",
    type=click.Path(path_type=Path),
    help="已有的（如去年的）挂牌事项清单：按事项内容匹配，沿用其责任单位和分类。",
)
@click.option("--force", is_flag=True, help="--out 文件已有事项时也覆盖。")
@config_option
@handle_errors
def import_(source: Path, out: Path, previous: Path | None, force: bool, config_path: Path | None) -> None:
    """从已发布的台账生成挂牌事项清单。

    SOURCE 可以是 Word 附件（.docx）、台账（.xlsx/.xls/.ods/.csv）或其文本副本（.txt）。
    取序号、事项内容（和责任单位，如有），并从事项内容识别量化目标填入“目标”列。
    """
    from ledgerxl.cli.summary import tally
    from ledgerxl.config import load_config
    from ledgerxl.master.importer import import_master

    known = load_config(config_path).aliased_departments
    r = import_master(source, out, previous=previous, force=force, known_departments=known)
    echo(f"读取 {r.source}（{r.kind}）：{len(r.items)} 项事项。")
    if r.duplicates:
        echo(f"注意：序号 {'、'.join(map(str, sorted(set(r.duplicates))))} 重复出现，请核对。")
    if previous is not None:
        echo(f"按事项内容与 {previous} 匹配：{tally(m.label for m in r.matches)}。")
        for m in r.matches:
            if m.how == "similar":
                echo(f"  第 {m.number} 项 ≈ 原第 {m.previous} 项（相似度 {m.ratio:.2f}），请核对责任单位。")
        if r.unmatched:
            echo(f"未匹配、需手工填写责任单位的事项：第 {'、'.join(map(str, r.unmatched))} 项。")
        if r.unused_previous:
            echo(f"原清单中没有对应新事项的：第 {'、'.join(map(str, r.unused_previous))} 项。")
    targets = sum(1 for it in r.items if it.target)
    echo(f"识别出量化目标 {targets}/{len(r.items)} 项。")
    for n, reason in r.unparsed_targets:
        echo(f"  第 {n} 项未识别目标：{reason}")
    echo(f"已写出：{r.written}")
    missing = r.without_department
    if missing:
        echo(f"还有 {len(missing)} 项没有责任单位，请在清单中填写后运行 ledgerxl master check。")
    else:
        echo("请核对后运行 ledgerxl master check。")


SAME_CODE_SHOWN = 3  # findings of one code printed in full; the others by their cells


@master.command(name="check")
@click.argument("master_path", required=False, type=click.Path(path_type=Path))
@config_option
@handle_errors
def check(master_path: Path | None, config_path: Path | None) -> None:
    """检查挂牌事项清单：序号、事项内容、责任单位、别名和目标。

    MASTER_PATH 不给时用 ledgerxl.toml 中的 master。有问题时退出码 1。
    """
    from ledgerxl.cli.summary import format_finding
    from ledgerxl.master.check import check_master

    r = check_master(master_path, config_path)
    echo(f"挂牌事项清单：{r.master}（{r.items} 项，{len(r.departments)} 个责任单位）")
    if r.config:
        echo(f"单位别名：{r.config}")
    from ledgerxl.codes import CODES

    # a list imported from a published attachment lacks every 责任单位: 38 M106 blocks told one thing
    shown: dict[str, int] = {}
    rest: dict[str, list[str]] = {}
    for f in r.findings:
        shown[f.code] = shown.get(f.code, 0) + 1
        if shown[f.code] <= SAME_CODE_SHOWN:
            echo_block(format_finding(f, "  "))
        else:
            rest.setdefault(f.code, []).append(f.cell or f.message)
    for code, cells in rest.items():
        echo(f"  …另有 {len(cells)} 处同类问题（{code} {CODES[code].title}）：{'、'.join(cells)}。")
    if r.findings:
        counts = "，".join(f"{code} {n} 个" for code, n in shown.items())
        echo(f"检查未通过：{len(r.findings)} 个问题（{counts}）。")
        raise SystemExit(1)
    echo("检查通过。")


@master.command(name="targets")
@click.argument("master_path", required=False, type=click.Path(path_type=Path))
@click.option("--out", "-o", type=click.Path(path_type=Path), help="另存一份填好“目标”列的清单（.xlsx）。")
@config_option
@handle_errors
def targets(master_path: Path | None, out: Path | None, config_path: Path | None) -> None:
    """列出从每个事项内容识别出的量化目标，以及未识别的原因。

    已填写的“目标”保留不变。加 --out 另存一份填好“目标”列的清单；输入文件不会被改动。
    """
    from ledgerxl.config import named_master
    from ledgerxl.master.targets import item_targets

    r = item_targets(named_master(master_path, config_path), out)
    for row in r.rows:
        note = "（清单中已填写）" if row.kept and row.target != row.parsed else ""
        echo(f"{row.number}\t{row.target or '—'}{note}\t{row.text}")
    echo(f"识别出量化目标 {len(r.rows) - len(r.unparsed)}/{len(r.rows)} 项。")
    for row in r.unparsed:
        echo(f"  第 {row.number} 项未识别目标：{row.reason}")
    if r.written:
        echo(f"已写出：{r.written}")
