"""The repository's promises: README quick start, CI command, lint and types."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from helpers import ROOT, invoke


def _quick_start_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", section, re.S)]


def test_quick_start_is_two_commands() -> None:
    blocks = _quick_start_blocks()
    assert len(blocks) == 2 and all("\n" not in b for b in blocks)
    assert "ledgerxl merge" in blocks[0] and "pytest" in blocks[1]


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


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff not installed")
def test_ruff_clean() -> None:
    r = subprocess.run(
        ["ruff", "check", "src", "tests", "scripts", "benchmarks"], cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_clean() -> None:
    pytest.importorskip("mypy")
    r = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
