"""The workbooks as printed (issue 17): every title line of a form and of 台账.xlsx, rendered by LibreOffice,
ends between two words of jieba's segmentation; a form opens with a prefilled long text whole.

Three cases: the 2025 Q3 sample (org 市), a 2024 annual run of the same list (org 青岛市; the forms carry
annual texts) and an org long enough that every title wraps, so that the breaks are really put to the test.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import DATA, ROOT, SAMPLE
from pdf_helpers import column_text, lines, needs_tools, page_texts, pages_words, squeeze

from ledgerxl.config import load_config
from ledgerxl.jobs.merge import MergeOptions, run_merge
from ledgerxl.periods import parse_period
from ledgerxl.read.master import load_master
from ledgerxl.write.form import build_form, form_title

pytestmark = [pytest.mark.render, pytest.mark.slow, pytest.mark.subprocess, needs_tools]

LONG_ORG = "中国（山东）自由贸易试验区青岛片区管理委员会与青岛前湾保税港区管理委员会"
CASES = {"2025Q3": ("市", "2025Q3"), "2024FY": ("青岛市", "2024FY"), "long": (LONG_ORG, "2025Q3")}
DEPT = "市发展改革委"
# about 600 characters in one cell: far more than the 51 pt an empty progress cell opens with
LONG_TEXT = "；".join(
    f"第{n}批新认定省级以上企业技术中心{n + 3}家、工程研究中心{n + 1}家，均已通过复核" for n in range(1, 16)
)


def _annual(text: str) -> str:
    """A 2025 Q3 text as a 2024 annual one would say it (the rendering test needs annual forms, not facts)."""
    return re.sub(r"1-9月|前三季度|截至9月底|截至8月底|三季度", "全年", text).replace("2025年", "2024年")


def _progress(annual: bool) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {}
    with open(DATA / "progress.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            text = _annual(row["进展情况"]) if annual else row["进展情况"]
            out.setdefault(row["填报单位"], {})[int(row["序号"])] = text
    return out


def _render(files: list[Path], out: Path) -> dict[str, Path]:
    r = subprocess.run(
        ["bash", str(ROOT / "scripts" / "render"), "--pdf-only", "--out", str(out), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    return {Path(p).stem: Path(p) for p in r.stdout.split()}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, Path]]:
    """case/output -> (the title ledgerxl meant, the rendered PDF)."""
    root = tmp_path_factory.mktemp("titles")
    master = load_master(SAMPLE / "挂牌事项清单.xlsx")
    files, titles = [], {}
    for case, (org, code) in CASES.items():
        period = parse_period(code)
        work = root / case
        shutil.copytree(SAMPLE, work, ignore=shutil.ignore_patterns("out", "submissions"))
        (work / "submissions").mkdir()
        progress = _progress(period.is_annual)
        for dept in master.departments:
            data = build_form(dept, master.items_of(dept), period, progress[dept], title_org=org)
            (work / "submissions" / f"{dept}.xlsx").write_bytes(data)
        toml = work / "ledgerxl.toml"
        text = toml.read_text(encoding="utf-8").replace('org = "市"', f'org = "{org}"')
        toml.write_text(text.replace('period = "2025Q3"', f'period = "{code}"'), encoding="utf-8")
        cfg = load_config(toml)
        r = run_merge(MergeOptions(out=work / "out", config=cfg))
        assert not r.errors, r.errors
        ledger = work / f"{case}-台账.xlsx"
        shutil.copyfile(work / "out" / "台账.xlsx", ledger)
        # the department's form, its first item prefilled with a long text
        texts = {**progress[DEPT], master.items_of(DEPT)[0].number: LONG_TEXT}
        form = work / f"{case}-填报表.xlsx"
        form.write_bytes(build_form(DEPT, master.items_of(DEPT), period, texts, title_org=org))
        files += [ledger, form]
        titles[f"{case}-台账"] = cfg.ledger_title(period)
        titles[f"{case}-填报表"] = form_title(period, org)
    pdfs = _render(files, root / "pdf")
    return {name: (titles[name], pdf) for name, pdf in pdfs.items()}


def _words(title: str) -> list[str]:
    import jieba

    jieba.setLogLevel(60)  # its "Building prefix dict" chatter
    return list(jieba.cut(title))


def _title_lines(page: str, title: str) -> list[str]:
    """The page's first lines until they make up `title` (spaces squeezed out, as pdftotext spaces them)."""
    got: list[str] = []
    for line in lines(page):
        got.append(squeeze(line))
        if "".join(got) == title or len("".join(got)) >= len(title):
            break
    assert "".join(got) == title, got
    return got


def _check_breaks(title: str, got: list[str], where: str) -> None:
    words = _words(title)
    ends = {sum(len(w) for w in words[: i + 1]) for i in range(len(words))}
    at = 0
    for line in got[:-1]:
        at += len(line)
        assert at in ends, f"{where}: “{line}” ends inside a word of {words}"


@pytest.mark.parametrize("case", list(CASES))
def test_ledger_titles_break_between_words(rendered: dict[str, tuple[str, Path]], case: str) -> None:
    title, pdf = rendered[f"{case}-台账"]
    pages = page_texts(pdf)
    got = _title_lines(pages[0], title)
    _check_breaks(title, got, "台账")
    summary = next(p for p in pages if "按责任单位统计" in p)
    total = _title_lines(summary, f"{title}（汇总）")
    _check_breaks(f"{title}（汇总）", total, "汇总")
    if case == "long":  # wider than its cell: the title is wrapped
        assert len(got) >= 2 and len(total) >= 2, (got, total)
    else:
        assert len(got) == 1, got


@pytest.mark.parametrize("case", list(CASES))
def test_form_titles_break_between_words(rendered: dict[str, tuple[str, Path]], case: str) -> None:
    title, pdf = rendered[f"{case}-填报表"]
    pages = page_texts(pdf)
    got = _title_lines(pages[0], title)
    _check_breaks(title, got, "填报表")
    guide = next(p for p in pages if "一、本表列出" in p)
    said = _title_lines(guide, f"{title}填报说明")
    _check_breaks(f"{title}填报说明", said, "填报说明")
    assert (len(got) > 1) == (case == "long"), got


def test_form_opens_with_a_prefilled_long_text_whole(rendered: dict[str, tuple[str, Path]]) -> None:
    """LibreOffice prints only what fits a row: the whole text printed means the row opened tall enough
    (its height is stored, though not as a fixed one)."""
    _, pdf = rendered["2025Q3-填报表"]
    words = pages_words(pdf)
    heads = {w.text: w for w in words[0].words if w.text in ("责任单位", "完成状态")}
    # the progress column: right of the (centred) 责任单位 heading, left of 完成状态's
    progress = column_text(words, heads["责任单位"].x1 + 5, heads["完成状态"].x0 - 5)
    assert squeeze(LONG_TEXT) in progress
