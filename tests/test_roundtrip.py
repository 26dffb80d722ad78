"""Acceptance 3: `forms` -> every form filled with the reference progress -> `merge` gives the golden
附件.docx text; also after LibreOffice converts every filled form to .xls and to .ods."""

from __future__ import annotations

import csv
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest
from helpers import DATA, SAMPLE, docx_lines, expected_lines, invoke

MASTER = SAMPLE / "挂牌事项清单.xlsx"


def _progress() -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = defaultdict(dict)
    with open(DATA / "progress.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out[row["填报单位"]][int(row["序号"])] = row["进展情况"]
    return out


def _fill(folder: Path) -> int:
    """Type the reference progress into each form, as a department would (openpyxl, then save)."""
    progress = _progress()
    filled = 0
    for path in sorted(folder.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        ws = wb["填报表"]
        dept = ws["B2"].value
        for r in range(5, ws.max_row + 1):
            number = ws.cell(r, 1).value
            if isinstance(number, int) and number in progress[dept]:
                ws.cell(r, 4).value = progress[dept][number]
                ws.cell(r, 5).value = "序时推进"
                filled += 1
        ws["B3"] = "张三"
        ws["D3"] = "0532-85910000"
        wb.save(path)
    return filled


def _merge(inbox: Path, out: Path) -> list[str]:
    r = invoke(["merge", "--master", str(MASTER), "--period", "2025Q3", "--out", str(out), str(inbox)])
    assert r.exit_code == 0, r.output
    assert r.output.rstrip().endswith("44 项有进展；22/22 个单位已报送；错误 0 条，警告 0 条。"), r.output
    return docx_lines(out / "附件.docx")


@pytest.fixture(scope="module")
def filled_forms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    forms = tmp_path_factory.mktemp("forms")
    r = invoke(["forms", "--master", str(MASTER), "--period", "2025Q3", "--out", str(forms)])
    assert r.exit_code == 0, r.output
    assert _fill(forms) == 45  # 44 items, item 7 reported by two departments
    return forms


def test_filled_forms_merge_to_the_golden_attachment(filled_forms: Path, tmp_path: Path) -> None:
    assert _merge(filled_forms, tmp_path / "out")[1:] == expected_lines()


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.render
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_after_libreoffice_conversion(filled_forms: Path, tmp_path: Path, fmt: str) -> None:
    converted = tmp_path / fmt
    files = sorted(str(p) for p in filled_forms.glob("*.xlsx"))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", fmt]
        + ["--outdir", str(converted), *files],
        check=True,
        capture_output=True,
        timeout=600,
    )
    assert len(list(converted.glob(f"*.{fmt}"))) == 22
    assert _merge(converted, tmp_path / "out")[1:] == expected_lines()
