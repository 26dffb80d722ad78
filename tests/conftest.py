from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import SAMPLE  # noqa: E402


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    """A private copy of sample_inputs/2025-q3 (without any earlier out/), safe to modify."""
    dst = tmp_path / "2025-q3"
    shutil.copytree(SAMPLE, dst, ignore=shutil.ignore_patterns("out"))
    return dst


@pytest.fixture(scope="session")
def sample_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample merged once for the whole session (read-only use)."""
    from ledgerxl.config import load_config
    from ledgerxl.jobs.merge import MergeOptions, run_merge

    out = tmp_path_factory.mktemp("sample-out")
    cfg = load_config(SAMPLE / "ledgerxl.toml")
    r = run_merge(MergeOptions(out=out, config=cfg))
    assert not r.errors, r.errors
    return out


@pytest.fixture(scope="session")
def unchanged_h1_ledger(sample_outputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's 台账.xlsx retitled 上半年: as `--previous`, every sample form repeats it word for word,
    so every form gets W301 warnings (and so a marked-up copy from validate --annotate)."""
    import openpyxl

    wb = openpyxl.load_workbook(sample_outputs / "台账.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows(max_row=3):
            for c in row:
                if isinstance(c.value, str) and "三季度" in c.value:
                    c.value = c.value.replace("三季度", "上半年")
    path = tmp_path_factory.mktemp("h1") / "台账.xlsx"
    wb.save(path)
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A rendering test runs LibreOffice: it must be marked slow and subprocess too, so that
    `-m "not slow"` stays a quick loop."""
    unmarked = [
        item.nodeid
        for item in items
        if item.get_closest_marker("render")
        and not (item.get_closest_marker("slow") and item.get_closest_marker("subprocess"))
    ]
    if unmarked:
        raise pytest.UsageError("render tests not also marked slow and subprocess: " + ", ".join(unmarked))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One closing line when rendering tests were skipped, and how to get them (they skip without LibreOffice)."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "render" in getattr(r, "keywords", {})]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} rendering tests skipped: they need LibreOffice and poppler "
            "(apt-get install libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk poppler-utils, "
            "or run bash .ci/run, which installs them)",
            yellow=True,
        )
