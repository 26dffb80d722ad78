"""Helpers for the batch tests: run batch/status, build department forms, read outputs and the database."""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import sys
from pathlib import Path

import click
from click.testing import Result
from helpers import ROOT, invoke

from ledgerxl.config import load_config
from ledgerxl.departments import Departments
from ledgerxl.model import MasterList
from ledgerxl.periods import parse_period
from ledgerxl.read.grid import cell_text
from ledgerxl.read.master import load_master
from ledgerxl.read.submission import read_submission
from ledgerxl.write.form import build_form

OUTPUTS = ("台账.xlsx", "附件.docx", "催报名单.xlsx", "催报名单.txt")


def cli(*args: str) -> Result:
    return invoke(list(args))


def batch(work: Path, *args: str) -> click.testing.Result:
    return cli("batch", "--config", str(work / "ledgerxl.toml"), *args)


def status(work: Path, *args: str) -> click.testing.Result:
    return cli("status", "--config", str(work / "ledgerxl.toml"), *args)


def subprocess_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), **extra}


def batch_argv(work: Path) -> list[str]:
    return [sys.executable, "-m", "ledgerxl", "batch", "--config", str(work / "ledgerxl.toml")]


def set_period(work: Path, period: str) -> None:
    cfg = work / "ledgerxl.toml"
    lines = cfg.read_text(encoding="utf-8").splitlines()
    lines = [f'period = "{period}"' if ln.startswith("period") else ln for ln in lines]
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")


def master_of(work: Path) -> MasterList:
    return load_master(work / "挂牌事项清单.xlsx")


def sample_progress(work: Path, department: str) -> dict[int, str]:
    """The department's texts in the sample's Q3 form."""
    cfg = load_config(work / "ledgerxl.toml")
    m = master_of(work)
    path = work / "submissions" / f"{department}-2025年三季度.xlsx"
    sub = read_submission(path, Departments(m.departments, cfg.aliases))
    return {e.number: e.progress for e in sub.entries if e.number is not None}


def form(
    work: Path,
    department: str,
    period: str,
    progress: dict[int, str],
    only: list[int] | None = None,
    contact: str = "",
    phone: str = "",
) -> bytes:
    """A department's form built with ledgerxl.write.form.build_form; `only` keeps just those item rows;
    contact/phone fill the form's 联系人/联系电话 cells (B3/D3)."""
    items = [it for it in master_of(work).items_of(department) if only is None or it.number in only]
    data = build_form(department, items, parse_period(period), progress)
    if contact or phone:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(data))
        ws = wb["填报表"]
        ws["B3"] = contact
        ws["D3"] = phone
        buf = io.BytesIO()
        wb.save(buf)
        data = buf.getvalue()
    return data


def drop(work: Path, name: str, data: bytes) -> Path:
    p = work / "submissions" / name
    p.write_bytes(data)
    return p


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def output_hashes(work: Path) -> dict[str, str]:
    return {n: sha(work / "out" / n) for n in OUTPUTS}


def query(work: Path, sql: str, *args: object) -> list[tuple]:
    conn = sqlite3.connect(work / "ledgerxl.db")
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def count(work: Path, table: str) -> int:
    return int(query(work, f"SELECT count(*) FROM {table}")[0][0])


def ledger_rows(path: Path) -> list[list[str]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_name(wb.sheet_names[0]).to_python()
    return [[cell_text(v) for v in row] for row in rows]
