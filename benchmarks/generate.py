"""Synthetic but realistic inputs: a master list of N items and D department forms, filled in.

Forms are the real ones (`ledgerxl.write.form.build_form`), so the reader sees what departments send.
Progress texts are 150–400 characters of Chinese built from the sentences of the published 2025 Q3
ledger (figures varied so no two texts are alike); about one in eight items has two or three departments.
Everything is seeded: the same size gives the same files.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "qingdao-2025-q3"
SAMPLE = ROOT / "sample_inputs" / "2025-q3"
PERIOD = "2025Q3"
# Bump when the generated files change, so cached data sets are rebuilt.
VERSION = 2
MIN_TEXT, MAX_TEXT = 150, 400

AREAS = (
    "市",
    "市南区",
    "市北区",
    "李沧区",
    "崂山区",
    "西海岸新区",
    "城阳区",
    "即墨区",
    "胶州市",
    "平度市",
    "莱西市",
    "高新区",
    "胶东临空经济示范区",
    "上合示范区",
    "董家口经济区",
    "蓝谷管理局",
    "中德生态园",
    "自贸片区",
    "保税港区",
    "邮轮母港区",
    "前海经济区",
)
BUREAUS = (
    "发展改革局",
    "教育局",
    "科技局",
    "工业和信息化局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源社会保障局",
    "自然资源和规划局",
    "生态环境局",
    "住房城乡建设局",
    "城市管理局",
    "交通运输局",
    "水务管理局",
    "农业农村局",
    "海洋发展局",
    "商务局",
    "文化和旅游局",
    "卫生健康委",
    "退役军人事务局",
    "应急管理局",
    "审计局",
    "国资委",
    "市场监管局",
    "体育局",
    "统计局",
    "医保局",
    "园林和林业局",
    "大数据局",
    "行政审批局",
    "民营经济局",
    "地方金融管理局",
    "口岸办",
    "粮食和物资储备局",
    "人防办",
    "信访局",
    "机关事务服务中心",
    "供销社",
    "残联",
    "总工会",
    "团委",
    "妇联",
    "科协",
    "侨联",
    "红十字会",
    "住房公积金中心",
    "社会保险事业中心",
    "公共资源交易中心",
    "融媒体中心",
)


@dataclass(frozen=True)
class Size:
    """A data set: `entries` filled rows spread over `files` department forms."""

    name: str
    entries: int
    files: int

    @property
    def label(self) -> str:
        return f"{self.entries:,} entries / {self.files} files"


PRESETS: dict[str, Size] = {
    "tiny": Size("tiny", 60, 6),
    "10k": Size("10k", 10_000, 500),
    "20k": Size("20k", 20_000, 1_000),
    "40k": Size("40k", 40_000, 20),
}


def parse_size(text: str) -> Size | None:
    """A preset name, `sample` (None: the shipped sample), or ENTRIES:FILES such as 5000:250."""
    if text == "sample":
        return None
    if text in PRESETS:
        return PRESETS[text]
    m = re.fullmatch(r"(\d+):(\d+)", text)
    if not m or int(m.group(2)) < 1 or int(m.group(1)) < int(m.group(2)):
        raise ValueError(f"unknown size {text!r}: use sample, {', '.join(PRESETS)} or ENTRIES:FILES (e.g. 5000:250)")
    return Size(text, int(m.group(1)), int(m.group(2)))


def department_names(n: int) -> list[str]:
    names = [a + b for a in AREAS for b in BUREAUS]
    k = 2
    while len(names) < n:  # more units than the table holds: numbered branches
        names.extend(f"{a}{b}第{k}分局" for a in AREAS for b in BUREAUS)
        k += 1
    return names[:n]


def _corpus() -> tuple[list[str], list[str]]:
    """Sentences of real progress texts, and real item texts."""
    with open(CORPUS / "progress.csv", encoding="utf-8", newline="") as f:
        texts = [r["进展情况"] for r in csv.DictReader(f)]
    with open(CORPUS / "master.csv", encoding="utf-8", newline="") as f:
        items = [r["事项内容"] for r in csv.DictReader(f)]
    sentences = [s + "。" for t in texts for s in re.split(r"[。；\n]", t) if len(s) >= 8]
    return sentences, items


# Dates and periods (2025年, 1-9月, 6月份) stay as written: varying them would make texts quote other periods.
_DIGIT_OR_DATE = re.compile(r"(\d{4}年|\d{1,2}(?:[-—至]\d{1,2})?月)|\d")


def _vary_digits(rng: random.Random, sentence: str) -> str:
    return _DIGIT_OR_DATE.sub(lambda m: m.group(1) or str(rng.randint(0, 9)), sentence)


def progress_text(rng: random.Random, sentences: list[str]) -> str:
    """150–400 characters of sentences, figures varied, sometimes in two or three paragraphs."""
    target = rng.randint(MIN_TEXT, MAX_TEXT)
    out = ""
    while len(out) < target:
        s = _vary_digits(rng, rng.choice(sentences))
        sep = "\n" if out and rng.random() < 0.08 else ""
        out += sep + s
    out = out[:MAX_TEXT].rstrip("\n")
    return out if out.endswith("。") else out[:-1] + "。"


def plan(size: Size, seed: int = 2025) -> tuple[list[tuple[int, str, tuple[str, ...]]], dict[tuple[int, str], str]]:
    """Items (number, text, departments) and progress per (number, department), exactly `size.entries`."""
    rng = random.Random(f"{seed}:{size.entries}:{size.files}")
    sentences, item_texts = _corpus()
    depts = department_names(size.files)
    items: list[tuple[int, str, tuple[str, ...]]] = []
    progress: dict[tuple[int, str], str] = {}
    total = 0
    n = 0
    while total < size.entries:
        n += 1
        lead = (n - 1) % len(depts)  # round robin keeps every form about the same length
        k = 1 if len(depts) < 2 or rng.random() > 0.12 else rng.choice((2, 2, 3))
        k = min(k, size.entries - total, len(depts))
        others = rng.sample([i for i in range(len(depts)) if i != lead], k - 1) if k > 1 else []
        names = tuple(depts[i] for i in (lead, *others))
        items.append((n, rng.choice(item_texts), names))
        for d in names:
            progress[(n, d)] = progress_text(rng, sentences)
        total += k
    return items, progress


def master_xlsx(items: list[tuple[int, str, tuple[str, ...]]]) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("挂牌事项清单")
    for c, h in enumerate(("序号", "事项内容", "责任单位", "分类")):
        ws.write_string(0, c, h)
    for r, (n, text, depts) in enumerate(items, start=1):
        ws.write_number(r, 0, n)
        ws.write_string(r, 1, text)
        ws.write_string(r, 2, "、".join(depts))
        ws.write_string(r, 3, "基准测试")
    wb.close()
    return buf.getvalue()


CONFIG = """\
# generated by benchmarks/generate.py
org = "市"
period = "{period}"
master = "挂牌事项清单.xlsx"
inbox = "submissions"
out = "out"
"""


def generate(size: Size, dest: Path) -> Path:
    """Write the data set into `dest` (master, submissions/, ledgerxl.toml); returns the config path."""
    from ledgerxl.model import Item
    from ledgerxl.periods import parse_period
    from ledgerxl.write.form import build_form

    period = parse_period(PERIOD)
    items, progress = plan(size)
    inbox = dest / "submissions"
    inbox.mkdir(parents=True, exist_ok=True)
    (dest / "挂牌事项清单.xlsx").write_bytes(master_xlsx(items))
    by_dept: dict[str, list[Item]] = {}
    for n, text, depts in items:
        for d in depts:
            by_dept.setdefault(d, []).append(Item(number=n, text=text, departments=depts))
    for d, its in by_dept.items():
        texts = {it.number: progress[(it.number, d)] for it in its}
        (inbox / f"{d}-{period.year}年{period.label}.xlsx").write_bytes(build_form(d, its, period, texts))
    config = dest / "ledgerxl.toml"
    config.write_text(CONFIG.format(period=PERIOD), encoding="utf-8")
    return config


def dataset_dir(size: Size, data_dir: Path) -> Path:
    return data_dir / f"{size.entries}x{size.files}-v{VERSION}"


def is_cached(size: Size | None, data_dir: Path) -> bool:
    return size is None or (dataset_dir(size, data_dir) / "complete.json").is_file()


def ensure(size: Size | None, data_dir: Path, fresh: bool = False) -> Path:
    """The config of a data set, generating it unless an identical one is already in `data_dir`.

    None is the shipped 2025 Q3 sample (44 items, 22 departments), used as it is."""
    if size is None:
        return SAMPLE / "ledgerxl.toml"
    dest = dataset_dir(size, data_dir)
    marker = dest / "complete.json"
    if is_cached(size, data_dir) and not fresh:
        return dest / "ledgerxl.toml"
    if dest.exists():
        import shutil

        shutil.rmtree(dest)
    config = generate(size, dest)
    marker.write_text(json.dumps({"entries": size.entries, "files": size.files, "version": VERSION}), encoding="utf-8")
    return config
