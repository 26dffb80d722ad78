"""Regenerate docs/images/*.png, the README's pictures of the outputs, with the project's own scripts/render.

Merges the shipped sample with the notice, renders 附件.docx, 通知.docx and 台账.xlsx with LibreOffice and
keeps one page of each (the workbook twice: the ledger and the 汇总 sheet with its charts).
Run from anywhere:  python scripts/make_readme_images.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from ledgerxl.config import load_config  # noqa: E402
from ledgerxl.jobs.merge import MergeOptions, run_merge  # noqa: E402

IMAGES = ROOT / "docs" / "images"
DPI = "70"


def render(path: Path, out: Path) -> list[Path]:
    r = subprocess.run(
        ["bash", str(ROOT / "scripts" / "render"), "--dpi", DPI, "--out", str(out), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [Path(p) for p in r.stdout.split() if p.endswith(".png")]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cfg = load_config(ROOT / "sample_inputs" / "2025-q3" / "ledgerxl.toml")
        run_merge(MergeOptions(out=work / "out", config=cfg.with_outputs(notice=True)))
        pngs = {name: render(work / "out" / name, work / "png") for name in ("附件.docx", "通知.docx", "台账.xlsx")}
        pdf = work / "png" / "台账.pdf"
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        summary = next(i for i, page in enumerate(text.split("\f")) if "按责任单位统计" in page)
        IMAGES.mkdir(parents=True, exist_ok=True)
        for src, dst in (
            (pngs["附件.docx"][0], "attachment.png"),
            (pngs["通知.docx"][0], "notice.png"),
            (pngs["台账.xlsx"][0], "ledger.png"),
            (pngs["台账.xlsx"][summary], "summary.png"),
        ):
            shutil.copyfile(src, IMAGES / dst)
            print(f"wrote {IMAGES / dst}")


if __name__ == "__main__":
    main()
