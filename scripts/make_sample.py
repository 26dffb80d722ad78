"""Build sample_inputs/2025-q3/ from the published Qingdao 2025 Q3 ledger kept in tests/data/.

Writes the master list (挂牌事项清单.xlsx), one filled submission form per department (22 files, named
after the department) and a ledgerxl.toml. Run from the repository root:  python scripts/make_sample.py
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from ledgerxl.periods import parse_period  # noqa: E402
from ledgerxl.read.master import load_master  # noqa: E402
from ledgerxl.write.form import build_form  # noqa: E402
from ledgerxl.write.publish import write_atomic  # noqa: E402

DATA = ROOT / "tests" / "data" / "qingdao-2025-q3"
OUT = ROOT / "sample_inputs" / "2025-q3"

CONFIG = """\
# ledgerxl 工作目录配置（路径相对于本文件所在目录）
org = "市"                      # 标题中的机关：2025年“市”政府工作报告公开挂牌事项……
period = "2025Q3"               # 报告期：2025Q1 / 2025H1 / 2025Q3 / 2025FY
master = "挂牌事项清单.xlsx"     # 挂牌事项清单
inbox = "submissions"           # 各单位报送表所在目录
out = "out"                     # 输出目录
placeholder = "（未报送）"        # 没有任何单位报送的事项在台账中显示的文字

[aliases]                       # 单位别名：规范名称 = [别名, …]
"市发展改革委" = ["市发改委", "青岛市发展和改革委员会"]
"市工业和信息化局" = ["市工信局"]
"""


def master_xlsx(rows: list[dict[str, str]]) -> bytes:
    import io

    import xlsxwriter

    from ledgerxl.write.zip import normalize_zip

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    import datetime as dt

    wb.set_properties({"author": "ledgerxl", "created": dt.datetime(2025, 1, 10, 9)})
    head = wb.add_format({"bold": True, "border": 1, "align": "center", "font_name": "黑体"})
    cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top", "font_name": "宋体"})
    ws = wb.add_worksheet("挂牌事项清单")
    cols = ["序号", "事项内容", "责任单位", "分类"]
    for c, (h, w) in enumerate(zip(cols, (6, 60, 30, 28))):
        ws.set_column(c, c, w)
        ws.write_string(0, c, h, head)
    for r, row in enumerate(rows, start=1):
        ws.write_number(r, 0, int(row["序号"]), cell)
        for c, h in enumerate(cols[1:], start=1):
            ws.write_string(r, c, row[h], cell)
    ws.freeze_panes(1, 0)
    wb.close()
    return normalize_zip(buf.getvalue())


def main() -> None:
    with open(DATA / "master.csv", encoding="utf-8", newline="") as f:
        master_rows = list(csv.DictReader(f))
    with open(DATA / "progress.csv", encoding="utf-8", newline="") as f:
        progress_rows = list(csv.DictReader(f))
    write_atomic(OUT / "挂牌事项清单.xlsx", master_xlsx(master_rows))
    master = load_master(OUT / "挂牌事项清单.xlsx")
    period = parse_period("2025Q3")
    progress: dict[str, dict[int, str]] = defaultdict(dict)
    for row in progress_rows:
        progress[row["填报单位"]][int(row["序号"])] = row["进展情况"]
    for dept in master.departments:
        data = build_form(dept, master.items_of(dept), period, progress[dept])
        write_atomic(OUT / "submissions" / f"{dept}-2025年三季度.xlsx", data)
    (OUT / "ledgerxl.toml").write_text(CONFIG, encoding="utf-8")
    print(f"wrote {OUT} ({len(master.departments)} submissions)")


if __name__ == "__main__":
    main()
