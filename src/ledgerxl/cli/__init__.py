"""Command-line entry point. Commands live in their own modules and are imported only when run,
so `ledgerxl --help` stays fast and never pays for pandas, openpyxl or python-docx."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from ledgerxl import __version__

# command name -> "module:attribute"; each module imports only click at import time
COMMANDS: dict[str, str] = {
    "merge": "ledgerxl.cli.merge_cmd:merge",
    "batch": "ledgerxl.cli.batch_cmd:batch",
    "status": "ledgerxl.cli.status_cmd:status",
    "init": "ledgerxl.cli.init_cmd:init",
    "master": "ledgerxl.cli.master_cmd:master",
    "validate": "ledgerxl.cli.validate_cmd:validate",
    "forms": "ledgerxl.cli.forms_cmd:forms",
    "versions": "ledgerxl.cli.versions_cmd:versions",
    "use": "ledgerxl.cli.versions_cmd:use",
    "withdraw": "ledgerxl.cli.versions_cmd:withdraw",
    "next-period": "ledgerxl.cli.next_period_cmd:next_period",
    "serve": "ledgerxl.cli.serve_cmd:serve",
    "links": "ledgerxl.cli.serve_cmd:links",
    "desk-password": "ledgerxl.cli.serve_cmd:desk_password",
}
# one-line help shown by `ledgerxl --help` without importing the command modules
SHORT_HELP: dict[str, str] = {
    "merge": "校验并汇总各单位报送表，生成台账.xlsx 和附件.docx。",
    "batch": "定时批处理：收取新报送表、记录历史、重新发布台账和催报名单。",
    "status": "查看批处理记录的报送情况：已报送、当前版本、未报送、未解决的错误。",
    "init": "新建工作目录：ledgerxl.toml、挂牌事项清单.xlsx、inbox/、out/。",
    "master": "挂牌事项清单：从已发布的台账导入、检查、识别量化目标。",
    "validate": "校验报送表并列出问题；--annotate 生成带批注的校验意见表发回各单位。",
    "forms": "为每个责任单位生成预填的报送表。",
    "versions": "列出各单位本期收到的每一版报送表，★ 为当前采用的版本。",
    "use": "指定某单位采用某一版报送表（记入历史）。",
    "withdraw": "撤回某单位的某一版报送表（写明原因，记入历史）。",
    "next-period": "进入下一报告期：归档本期文件、生成下期预填报送表、更新 ledgerxl.toml。",
    "serve": "网上报送：各单位的专用上传页面和督查室工作台（默认只监听本机）。",
    "links": "列出每个单位的专用报送链接（--rotate 作废并重新生成）。",
    "desk-password": "设置督查室工作台的登录密码。",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        cmd: click.Command = getattr(importlib.import_module(module), attr)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SHORT_HELP.get(name, "")) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("命令"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ledgerxl")
@click.option("--debug", is_flag=True, help="出错时显示完整的 Python 调用栈（供维护人员排查）。")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """ledgerxl：政府工作报告挂牌事项台账的校验、汇总与发布工具。

    常用：ledgerxl merge（在含 ledgerxl.toml 的工作目录中运行）。
    每个命令加 --help 查看说明。
    """
    ctx.obj = {"debug": debug}
    _tolerant_stdio()


def _tolerant_stdio() -> None:
    # A Windows console redirected to a file may use GBK: never crash on a rare character.
    for stream in (sys.stdout, sys.stderr):
        reconfigure: Any = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # pragma: no cover - exotic streams
                pass
