"""The naive pipeline the harness compares ledgerxl with: what one writes first with pandas and python-docx.

pandas.read_excel (openpyxl) for every workbook, concat, the same checks as pandas operations, a groupby
for the merge, DataFrame.to_excel for the ledger and python-docx `add_row` for the Word table. It does the
same job as `ledgerxl merge` on the generated inputs (read master and forms, check item numbers and
departments, join texts in the master's department order, write both files) without ledgerxl's care for
messages, cells or layout, so its time is a fair "library defaults" baseline.

Run by the runner in a fresh subprocess:  python -m benchmarks.naive CONFIG OUTDIR [wall|cpu]
Prints one JSON object with the seconds of each stage (imports included in `read`).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _find_header(raw: Any) -> int:
    for i, row in enumerate(raw.itertuples(index=False)):
        cells = {str(v).strip() for v in row}
        if "序号" in cells and ("进展情况" in cells or "全年完成情况" in cells):
            return i
    raise ValueError("no header")


def _department(raw: Any, header: int) -> str:
    for row in raw.iloc[:header].itertuples(index=False):
        cells = [str(v).strip() for v in row]
        if "填报单位" in cells:
            return cells[cells.index("填报单位") + 1]
    return ""


def run(config: Path, out: Path, clock: Callable[[], float] = time.perf_counter) -> dict[str, float]:
    t0 = clock()
    import pandas as pd

    cfg = tomllib.loads(config.read_text(encoding="utf-8"))
    base = config.parent
    master = pd.read_excel(base / cfg["master"], engine="openpyxl", dtype=str)
    frames = []
    for f in sorted((base / cfg["inbox"]).glob("*.xlsx")):
        raw = pd.read_excel(f, engine="openpyxl", header=None, dtype=str).fillna("")
        h = _find_header(raw)
        df = raw.iloc[h + 1 :].copy()
        df.columns = [str(c).strip() for c in raw.iloc[h]]
        df = df.rename(columns={"全年完成情况": "进展情况"})[["序号", "进展情况"]]
        df["填报单位"] = _department(raw, h)
        df["文件"] = f.name
        frames.append(df)
    entries = pd.concat(frames, ignore_index=True)
    t1 = clock()

    # the checks: known item, item of this department, no duplicates, progress not empty
    master["序号"] = master["序号"].astype(int)
    pairs = master.assign(责任单位=master["责任单位"].str.split("、")).explode("责任单位")
    pairs["顺序"] = pairs.groupby("序号").cumcount()
    entries["序号"] = pd.to_numeric(entries["序号"], errors="coerce")
    checked = entries.merge(
        pairs[["序号", "责任单位", "顺序"]], left_on=["序号", "填报单位"], right_on=["序号", "责任单位"], how="left"
    )
    problems = (
        int((~entries["序号"].isin(master["序号"])).sum())
        + int(checked["顺序"].isna().sum())
        + int(entries.duplicated(["序号", "填报单位"]).sum())
        + int((entries["进展情况"].str.strip() == "").sum())
    )
    t2 = clock()

    ok = checked.dropna(subset=["顺序"]).sort_values(["序号", "顺序"])
    joined = ok.groupby("序号")["进展情况"].agg("\n".join)
    ledger = master.set_index("序号").join(joined).reset_index()
    ledger["进展情况"] = ledger["进展情况"].fillna(cfg.get("placeholder", "（未报送）"))
    ledger = ledger[["序号", "事项内容", "责任单位", "进展情况"]]
    t3 = clock()

    out.mkdir(parents=True, exist_ok=True)
    ledger.to_excel(out / "台账.xlsx", index=False, sheet_name="台账", engine="openpyxl")
    t4 = clock()

    import docx

    doc = docx.Document()
    doc.add_paragraph("附件")
    doc.add_paragraph("台账")
    table = doc.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ("序号", "事项内容", "进展情况")):
        cell.text = text
    for number, text, progress in ledger[["序号", "事项内容", "进展情况"]].itertuples(index=False):
        cells = table.add_row().cells
        cells[0].text = str(number)
        cells[1].text = text
        cells[2].text = progress
    doc.save(str(out / "附件.docx"))
    t5 = clock()
    return {
        "read": t1 - t0,
        "validate": t2 - t1,
        "merge": t3 - t2,
        "xlsx": t4 - t3,
        "docx": t5 - t4,
        "rows": float(len(ledger)),
        "problems": float(problems),
    }


def main(argv: list[str]) -> int:
    clock = time.process_time if len(argv) > 2 and argv[2] == "cpu" else time.perf_counter
    print(json.dumps(run(Path(argv[0]), Path(argv[1]), clock)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
