"""`ledgerxl init`: parse options, call workdir.init_workdir, print what was created and what next."""

from __future__ import annotations

from pathlib import Path

import click

from ledgerxl.cli.common import echo, handle_errors


@click.command(name="init")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--org", default="市", show_default=True, help="标题中的机关，如 市、市北区（“2026年市政府……”）。")
@click.option("--year", type=int, help="年度（默认今年）。")
@click.option(
    "--period",
    help="当前报告期，如 2026Q1、2026Q3（默认：该年度最近结束的报告期，年初为一季度）。",
)
@handle_errors
def init(directory: Path, org: str, year: int | None, period: str | None) -> None:
    """新建一个工作目录：ledgerxl.toml、待填写的挂牌事项清单.xlsx、inbox/ 和 out/。

    DIRECTORY 不存在时会新建；其中已有 ledgerxl.toml 或挂牌事项清单.xlsx 时不做任何改动（退出码 2）。
    """
    from ledgerxl.jobs.init import init_workdir

    r = init_workdir(directory, org=org, year=year, period=period)
    echo(f"已新建工作目录 {r.root}（{org}，报告期 {r.period}）：")
    for p in r.created:
        echo(f"  {p.relative_to(r.root)}{'/' if p.is_dir() else ''}")
    if r.departments:
        echo(f"挂牌事项清单的责任单位下拉列表已列出 {r.departments} 个单位，ledgerxl.toml 中已登记其简称和全称。")
    else:
        echo("请在挂牌事项清单的“单位名单”表中列出本级的责任单位，在 ledgerxl.toml 的 [aliases] 中登记简称。")
    echo(f"下一步（在 {r.root} 中运行）：")
    echo("  1. 填写挂牌事项清单.xlsx，或从已发布的台账导入：")
    echo("     ledgerxl master import 附件.docx --out 挂牌事项清单.xlsx")
    echo("  2. 检查清单：ledgerxl master check")
    echo("  3. 各单位报送表放入 inbox/ 后汇总：ledgerxl merge")
