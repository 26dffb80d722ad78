"""Small fixtures for reader and rule tests: a four-item master list, good forms, and edits to them."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import openpyxl

from ledgerxl.departments import Departments
from ledgerxl.jobs.check import read_all
from ledgerxl.model import Finding, Item, MasterList, Submission
from ledgerxl.periods import parse_period
from ledgerxl.read.submission import read_submission
from ledgerxl.rules.sets import validate
from ledgerxl.write.form import build_form

PERIOD = parse_period("2025Q3")
ITEMS = [
    (1, "新增省级以上企业技术中心和工程研究中心20家以上。", "市发展改革委"),
    (2, "抓好460个省市重点项目建设，完成投资2450亿元以上。", "市发展改革委"),
    (3, "滚动开展500个技改项目，技改投资增长8%以上。", "市发展改革委、市工业和信息化局"),
    (4, "新培育专精特新中小企业300家以上。", "市工业和信息化局"),
]
# long enough (W303), no period words (W302), distinct per item
PROGRESS = {
    1: "新认定省级以上企业技术中心12家、工程研究中心9家，合计21家，已完成年度目标。",
    2: "460个省市重点项目累计完成投资2059.8亿元，完成率84.9%，\n其中新开工项目132个。",
    3: "技改项目累计开工455个，已竣工80个，技改投资降幅持续收窄。",
    4: "新认定专精特新中小企业326家，提前完成年度目标任务。",
}
ALIASES = {"市发改委": "市发展改革委", "市工信局": "市工业和信息化局"}
DEPT = "市发展改革委"


def write_master(folder: Path) -> Path:
    path = folder / "清单.csv"
    lines = ["序号,事项内容,责任单位"] + [f'{n},{t},"{d}"' for n, t, d in ITEMS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def master_list(folder: Path | None = None) -> MasterList:
    """The fixture's master list (the same as write_master's file, built without one)."""
    return MasterList([Item(n, t, tuple(d.split("、"))) for n, t, d in ITEMS])


def form_path(folder: Path, dept: str = DEPT, name: str | None = None, **kw: Any) -> Path:
    """A good, filled form for `dept` (the reference progress), written to `folder`."""
    master = master_list(folder)
    items = master.items_of(dept)
    progress: Mapping[int, str] = kw.pop("progress", {it.number: PROGRESS[it.number] for it in items})
    path = folder / (name or f"{dept}-2025年三季度.xlsx")
    path.write_bytes(build_form(dept, items, PERIOD, progress, **kw))
    return path


def edit(path: Path, change: Callable[[Any], None], out: Path | None = None) -> Path:
    """Open a workbook with openpyxl, let `change(wb)` alter it, save (to `out` or in place)."""
    wb = openpyxl.load_workbook(path)
    change(wb)
    target = out or path
    wb.save(target)
    return target


def set_cells(path: Path, cells: Mapping[str, object], sheet: str = "填报表") -> Path:
    def change(wb: Any) -> None:
        for ref, v in cells.items():
            wb[sheet][ref] = v

    return edit(path, change)


def departments() -> Departments:
    return Departments([d for _, _, ds in ITEMS for d in ds.split("、")], ALIASES)


def read(path: Path) -> Submission:
    return read_submission(path, departments())


def findings_for(
    folder: Path, files: list[Path], missing: bool = False, previous: Mapping[int, str] | None = None
) -> list[Finding]:
    subs, found = read_all(files, departments())
    return found + validate(subs, master_list(folder), PERIOD, previous, missing=missing)


def touch(path: Path, when: dt.datetime) -> None:
    t = when.timestamp()
    os.utime(path, (t, t))


def put_formula(path: Path, ref: str, formula: str, cached: str) -> Path:
    """Make `ref` a formula with a cached text result, as Excel saves one (openpyxl cannot write results)."""
    import re
    import zipfile
    from xml.sax.saxutils import escape

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    name = "xl/worksheets/sheet1.xml"
    xml = parts[name].decode("utf-8")
    cell = re.search(rf'<c r="{ref}"([^>]*?)(/>|>.*?</c>)', xml, re.S)
    assert cell, ref
    style = re.search(r's="\d+"', cell.group(1))
    new = f'<c r="{ref}" {style.group(0) if style else ""} t="str"><f>{escape(formula)}</f><v>{escape(cached)}</v></c>'
    parts[name] = (xml[: cell.start()] + new + xml[cell.end() :]).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path
