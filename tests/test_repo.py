"""The repository's promises: README quick start, CI command, lint and types."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT, invoke

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _quick_start_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", section, re.S)]


def test_quick_start_is_two_commands() -> None:
    blocks = _quick_start_blocks()
    assert len(blocks) == 2 and all("\n" not in b for b in blocks)
    assert "ledgerxl merge" in blocks[0] and "pytest" in blocks[1]


@pytest.mark.subprocess
def test_ci_runs_the_readme_test_command() -> None:
    out = subprocess.run(
        ["awk", r"/<!-- test-command -->/{f=1;next} f&&/^```bash/{g=1;next} g&&/^```/{exit} g{print}", "README.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == _quick_start_blocks()[1]
    assert 'eval "$cmd"' in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_quick_start_merge_runs() -> None:
    merge_part = _quick_start_blocks()[0].split("&&", 1)[1].split()
    assert merge_part[:2] == ["ledgerxl", "merge"]
    r = invoke(merge_part[1:], cwd=ROOT)
    assert r.exit_code == 0, r.output
    assert "汇总完成：44 项事项" in r.output


@pytest.mark.subprocess
def test_ruff_clean() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests", "scripts", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.slow
@pytest.mark.subprocess
def test_mypy_clean() -> None:
    r = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_ci_builds_its_own_venv() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # made anew, without the machine's site packages, and first on PATH for README's command
    assert 'python3 -m venv --clear "$venv"' in script and "system-site-packages" not in script
    assert script.index('export PATH="$venv/bin:$PATH"') < script.index('eval "$cmd"')


def test_suite_runs_in_the_ci_venv() -> None:
    """Under .ci/run the suite's interpreter is the fresh venv's, which sees no system site packages."""
    venv = os.environ.get("LEDGERXL_CI_VENV")
    if not venv:
        pytest.skip("only under .ci/run")
    assert Path(sys.prefix).resolve() == Path(venv).resolve()
    cfg = (Path(venv) / "pyvenv.cfg").read_text(encoding="utf-8")
    assert re.search(r"include-system-site-packages\s*=\s*false", cfg)
    # ledgerxl itself comes from this clone, installed into that venv
    import ledgerxl

    assert Path(ledgerxl.__file__).resolve().is_relative_to(ROOT.resolve())


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_development_tools_are_pinned_exactly() -> None:
    """A new linter release must not turn a fresh machine red: every tool the suite runs is `==`."""
    tools = [r for r in _pyproject()["project"]["optional-dependencies"]["test"] if not r.startswith("ledgerxl[")]
    assert tools and all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][^,;<>=!~ ]*", r) for r in tools), tools
    names = {r.split("==")[0].lower() for r in tools}
    assert {"pytest", "hypothesis", "mypy", "ruff"} <= names
    # the upgrade path is one documented command
    assert "python3 scripts/upgrade_dev_tools.py" in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_runtime_dependencies_are_bounded_and_need_no_pandas() -> None:
    deps = _pyproject()["project"]["dependencies"]
    for dep in deps:
        assert "<" in dep or "python_version" in dep, f"{dep}: give it a ceiling (the next major release)"
    assert not any(d.lower().startswith("pandas") for d in deps), "pandas is the bench extra, not a runtime need"
    # and no module of the package imports it, even lazily
    import ast

    for path in (ROOT / "src" / "ledgerxl").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n.split(".")[0] == "pandas" for n in names), f"{path} imports pandas"
