"""`ledgerxl next-period` (issue 15): the working folder moves on to the next period of its year, the
finished period's files kept, fresh forms pre-filled, the config updated with its comments kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
from helpers import invoke

from ledgerxl.config import load_config
from ledgerxl.jobs.next_period import following
from ledgerxl.periods import parse_period


def test_following_stays_in_the_year() -> None:
    assert [str(following(parse_period(p))) for p in ("2025Q1", "2025H1", "2025Q3")] == [
        "2025年上半年",
        "2025年三季度",
        "2025年全年",
    ]
    assert following(parse_period("2025FY")) is None


def test_next_period_moves_the_folder_on(sample_dir: Path) -> None:
    toml = sample_dir / "ledgerxl.toml"
    toml.write_text("deadline = 2025-10-15\n" + toml.read_text(encoding="utf-8"), encoding="utf-8")
    (sample_dir / "forms").mkdir()
    (sample_dir / "forms" / "市科技局-2025年三季度.xlsx").write_bytes(b"the form sent out last quarter")
    assert invoke(["merge"], cwd=sample_dir).exit_code == 0
    q3_ledger = (sample_dir / "out" / "台账.xlsx").read_bytes()
    q3_forms = sorted(p.name for p in (sample_dir / "submissions").iterdir())
    keji_q3 = openpyxl.load_workbook(sample_dir / "submissions" / "市科技局-2025年三季度.xlsx")["填报表"]

    r = invoke(["next-period"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    assert r.output.startswith("已从2025年三季度转入2025年全年。\n")
    kept = sample_dir / "periods" / "2025Q3"
    assert sorted(p.name for p in (kept / "inbox").iterdir()) == q3_forms
    assert list((sample_dir / "submissions").iterdir()) == []
    assert (kept / "forms" / "市科技局-2025年三季度.xlsx").read_bytes() == b"the form sent out last quarter"
    assert (kept / "out" / "台账.xlsx").read_bytes() == q3_ledger
    assert (sample_dir / "out" / "台账.xlsx").read_bytes() == q3_ledger  # out/ itself untouched

    text = toml.read_text(encoding="utf-8")
    assert 'period = "2025FY"               # 报告期：' in text  # the clerk's comment stays
    assert "# 2025年三季度的设置：deadline = 2025-10-15" in text
    cfg = load_config(toml)
    assert str(cfg.period) == "2025年全年" and cfg.deadline is None
    assert cfg.previous == kept / "out" / "台账.xlsx"
    assert cfg.aliases["市发改委"] == "市发展改革委"  # the [aliases] section is still one

    # fresh annual forms, pre-filled with each department's current text
    forms = sorted(p.name for p in (sample_dir / "forms").iterdir())
    assert len(forms) == 22 and all(n.endswith("-2025年全年.xlsx") for n in forms)
    keji = openpyxl.load_workbook(sample_dir / "forms" / "市科技局-2025年全年.xlsx")["填报表"]
    assert keji["D5"].value == keji_q3["D5"].value and keji["D5"].value

    # sent back unchanged, every form is W301 against the archived ledger, without --previous
    for name in forms:
        shutil.copy(sample_dir / "forms" / name, sample_dir / "submissions" / name)
    r = invoke(["validate", "--format", "json"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    assert '"W301"' in r.output and '"E206"' not in r.output

    # the year's last period: a new year is a new folder
    r = invoke(["next-period"], cwd=sample_dir)
    assert r.exit_code == 2
    assert "2025年全年是本年度的最后一期" in r.output and "ledgerxl init --year 2026" in r.output
    assert "Traceback" not in r.output


def test_next_period_blank_and_without_outputs(sample_dir: Path) -> None:
    toml = sample_dir / "ledgerxl.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("2025Q3", "2025H1"), encoding="utf-8")
    shutil.rmtree(sample_dir / "submissions")
    r = invoke(["next-period", "--blank"], cwd=sample_dir)
    assert r.exit_code == 0, r.output
    assert "未设置 previous" in r.output
    cfg = load_config(toml)
    assert cfg.period is not None and cfg.period.code == "2025Q3" and cfg.previous is None
    keji = openpyxl.load_workbook(sample_dir / "forms" / "市科技局-2025年三季度.xlsx")["填报表"]
    assert keji["D5"].value is None
