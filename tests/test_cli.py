"""CLI behaviour: exact messages, exit codes, no tracebacks, nothing half-written."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import click
import pytest
from helpers import invoke

from ledgerxl.cli import COMMANDS, SHORT_HELP, main
from ledgerxl.periods import parse_period
from ledgerxl.read.master import load_master
from ledgerxl.write.form import build_form


def test_every_command_has_help() -> None:
    for name in COMMANDS:
        assert SHORT_HELP.get(name), f"{name} has no short help"
        r = invoke([name, "--help"])
        assert r.exit_code == 0
        cmd = main.get_command(click.Context(main), name)
        assert cmd is not None and cmd.help, f"{name} has no help text"
        for p in cmd.params:
            if isinstance(p, click.Option) and p.name != "help":
                assert p.help, f"{name} {p.opts} has no help text"


def test_merge_sample_from_config(sample_dir: Path) -> None:
    r = invoke(["merge"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    assert "读取报送文件 22 个：" in r.output
    assert "  市科技局-2025年三季度.xlsx  市科技局  6 项" in r.output
    assert r.output.rstrip().endswith("汇总完成：44 项事项，44 项有进展；22/22 个单位已报送；错误 0 条，警告 0 条。")
    assert (sample_dir / "out" / "台账.xlsx").is_file()
    assert (sample_dir / "out" / "附件.docx").is_file()


def test_merge_with_explicit_options(sample_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "发布 输出"
    r = invoke(
        [
            "merge",
            "--master",
            str(sample_dir / "挂牌事项清单.xlsx"),
            "--period",
            "2025年三季度",
            "--out",
            str(out),
            str(sample_dir / "submissions"),
        ]
    )
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["台账.xlsx", "校验报告.xlsx", "附件.docx"]


def test_missing_master(sample_dir: Path, tmp_path: Path) -> None:
    r = invoke(
        [
            "merge",
            "--master",
            str(tmp_path / "无此文件.xlsx"),
            "--period",
            "2025Q3",
            "--out",
            str(tmp_path / "out"),
            str(sample_dir / "submissions"),
        ]
    )
    assert r.exit_code == 2
    assert f"错误：找不到挂牌事项清单 {tmp_path / '无此文件.xlsx'}。" in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "out").exists()


def test_unknown_period(sample_dir: Path) -> None:
    r = invoke(["merge", "--period", "2025Q5"], cwd=sample_dir)
    assert r.exit_code == 2
    assert "错误：无法识别报告期“2025Q5”。" in r.output
    assert "Traceback" not in r.output
    assert not (sample_dir / "out").exists()


def _rewrite_form(path: Path, department: str, numbers: list[int], master_path: Path) -> None:
    master = load_master(master_path)
    items = [master.by_number[n] for n in numbers]
    path.write_bytes(build_form(department, items, parse_period("2025Q3"), {n: "已完成。" for n in numbers}))


def _hashes(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in d.iterdir()}


def test_unknown_department_blocks_and_keeps_earlier_outputs(sample_dir: Path) -> None:
    assert invoke(["merge"], cwd=sample_dir).exit_code == 0
    before = _hashes(sample_dir / "out")
    form = sample_dir / "submissions" / "市统计局-2025年三季度.xlsx"
    _rewrite_form(form, "市统计所", [1], sample_dir / "挂牌事项清单.xlsx")
    r = invoke(["merge"], cwd=sample_dir)
    assert r.exit_code == 1
    assert (
        "[错误 E207] 市统计局-2025年三季度.xlsx / 填报表 / B2：填报单位“市统计所”不在挂牌事项清单的责任单位中。"
        in r.output
    )
    assert "有 " in r.output and "未生成台账" in r.output
    assert "Traceback" not in r.output
    # the published ledger stays as it was; the report says what to fix (it is written when blocked too)
    after = _hashes(sample_dir / "out")
    assert {k: v for k, v in after.items() if k != "校验报告.xlsx"} == {
        k: v for k, v in before.items() if k != "校验报告.xlsx"
    }
    assert (
        after["校验报告.xlsx"] != before["校验报告.xlsx"]
        and f"已写出校验报告：{sample_dir / 'out' / '校验报告.xlsx'}" in r.output
    )


def test_item_of_another_department(sample_dir: Path, tmp_path: Path) -> None:
    form = sample_dir / "submissions" / "市统计局-2025年三季度.xlsx"
    _rewrite_form(form, "市统计局", [1, 2], sample_dir / "挂牌事项清单.xlsx")
    r = invoke(["merge", "--out", str(tmp_path / "out")], cwd=sample_dir)
    assert r.exit_code == 1
    assert (
        "[错误 E202] 市统计局-2025年三季度.xlsx / 填报表 / A6：第 2 项的责任单位是市财政局，不是市统计局。" in r.output
    )
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["校验报告.xlsx"]  # the report only


def test_allow_errors_publishes_the_good_items_of_a_faulty_form(sample_dir: Path) -> None:
    """An error about one row (E202: another department's item) leaves out that row, not the form."""
    form = sample_dir / "submissions" / "市统计局-2025年三季度.xlsx"
    _rewrite_form(form, "市统计局", [1, 2], sample_dir / "挂牌事项清单.xlsx")
    r = invoke(["merge", "--allow-errors"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    assert "以下事项的填报有错误，未纳入台账（台账中显示“（报送有误，待更正）”）：\n  市统计局  第 2 项" in r.output
    assert "22/22 个单位已报送" in r.output and "44 项有进展" in r.output


def test_allow_errors_leaves_out_a_form_with_an_error_about_the_file(sample_dir: Path) -> None:
    form = sample_dir / "submissions" / "市统计局-2025年三季度.xlsx"
    _rewrite_form(form, "市统计所", [1], sample_dir / "挂牌事项清单.xlsx")  # E207: whose form is it?
    r = invoke(["merge", "--allow-errors"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    assert "以下报送表有文件层面的错误，整份未纳入台账：市统计局-2025年三季度.xlsx" in r.output
    assert "21/22 个单位已报送" in r.output


def test_missing_department_is_a_warning(sample_dir: Path) -> None:
    (sample_dir / "submissions" / "市残联-2025年三季度.xlsx").unlink()
    r = invoke(["merge"], cwd=sample_dir)
    assert r.exit_code == 0
    assert "[警告 W305] 市残联尚未报送（负责 1 项）。" in r.output
    assert "43 项有进展；21/22 个单位已报送；错误 0 条，警告 1 条。" in r.output


def test_internal_error_has_no_traceback_unless_debug() -> None:
    """Every command is wrapped in handle_errors: a bug is exit 70 and one line, the traceback on --debug."""
    from click.testing import CliRunner

    from ledgerxl.cli.common import handle_errors

    @click.group()
    @click.option("--debug", is_flag=True)
    @click.pass_context
    def root(ctx: click.Context, debug: bool) -> None:
        ctx.obj = {"debug": debug}

    @root.command()
    @handle_errors
    def buggy() -> None:
        raise RuntimeError("boom")

    r = CliRunner().invoke(root, ["buggy"])
    assert r.exit_code == 70
    assert "程序内部错误（RuntimeError: boom）" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(root, ["--debug", "buggy"])
    assert r.exit_code == 70 and "Traceback" in r.output


@pytest.mark.subprocess
@pytest.mark.parametrize("command", [None, *sorted(COMMANDS)])
def test_help_does_not_import_heavy_modules(command: str | None) -> None:
    """`ledgerxl --help` and every `ledgerxl <command> --help` (which imports the command's module)."""
    import subprocess
    import sys

    args = [command, "--help"] if command else ["--help"]
    heavy = ("pandas", "openpyxl", "docx", "docxtpl", "xlsxwriter", "python_calamine", "lxml", "jinja2", "sqlite3")
    code = (
        "import sys; from click.testing import CliRunner; from ledgerxl.cli import main;"
        f"r = CliRunner().invoke(main, {args!r}); assert r.exit_code == 0, r.output;"
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    src = str(Path(__file__).resolve().parent.parent / "src")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": src}, check=True
    )
    assert out.stdout.strip() == "[]"


def test_outputs_are_readable_by_others(sample_dir: Path) -> None:
    old = os.umask(0o022)
    try:
        assert invoke(["merge"], cwd=sample_dir).exit_code == 0
    finally:
        os.umask(old)
    for p in (sample_dir / "out").iterdir():
        assert p.stat().st_mode & 0o777 == 0o644, p
