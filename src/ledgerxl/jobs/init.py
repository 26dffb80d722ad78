"""`ledgerxl init`: a working folder a clerk can use at once.

DIR/ledgerxl.toml (commented), DIR/挂牌事项清单.xlsx (blank, with drop-downs and instructions),
DIR/inbox/ for the departments' forms and DIR/out/ for what ledgerxl writes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from ledgerxl.config import CONFIG_NAME, DEFAULT_PLACEHOLDER
from ledgerxl.errors import UsageError, os_reason
from ledgerxl.master.known_departments import CITY_DEPARTMENTS
from ledgerxl.periods import KINDS, Period, parse_period
from ledgerxl.write.publish import write_atomic

MASTER_NAME = "挂牌事项清单.xlsx"
INBOX = "inbox"
OUT = "out"


@dataclass
class InitResult:
    root: Path
    period: Period
    created: list[Path] = field(default_factory=list)
    departments: int = 0  # names offered in the master list's drop-down


def current_period(year: int, today: dt.date) -> Period:
    """The period a clerk works on now: the last one that has ended in `year`, or Q1 before any has.

    In a January (or December for next year) that is Q1; in October 2025, 2025Q3; for a past year, FY."""
    if year > today.year:
        return Period(year, "Q1")
    if year < today.year:
        return Period(year, "FY")
    ended = [k for k in KINDS if Period(year, k).end_date <= today]
    return Period(year, ended[-1] if ended else "Q1")


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def config_text(org: str, period: Period) -> str:
    """The commented ledgerxl.toml of a new working folder (only keys config.py knows; the optional ones
    commented out with their defaults)."""
    y = period.year
    lines = [
        "# ledgerxl 工作目录配置。路径相对于本文件所在的目录；以 # 开头的行是说明。",
        "# 每个报告期只需改 period，其余设置一年不变。",
        "",
        f"# 标题中的机关：{y}年“{org}”政府工作报告公开挂牌事项……",
        f"org = {_toml_str(org)}",
        f"# 报告期：{y}Q1 一季度、{y}H1 上半年、{y}Q3 三季度、{y}FY 全年（也可写 {y}年三季度）",
        f'period = "{period.code}"',
        "# 挂牌事项清单：序号、事项内容、责任单位，可选分类、目标",
        f'master = "{MASTER_NAME}"',
        "# 各单位的报送表放在这个目录（每单位一个文件）",
        f'inbox = "{INBOX}"',
        "# 台账.xlsx、附件.docx 写到这个目录",
        f'out = "{OUT}"',
        "# 没有任何单位报送的事项，在台账中显示的文字",
        f"placeholder = {_toml_str(DEFAULT_PLACEHOLDER)}",
        "",
        "# 台账标题模板，可用 {year} {org} {period} {kind}：",
        '# title = "{year}年{org}政府工作报告公开挂牌事项{period}{kind}台账"',
        "# 文件上的日期；不设则取报告期的最后一天（同样的输入总得到完全相同的文件）：",
        f"# document_date = {period.end_date.isoformat()}",
        "# 报送截止日期：写在填报表上，也写进反馈清单.txt：",
        f"# deadline = {(period.end_date + dt.timedelta(days=15)).isoformat()}",
        "# 督查室的联系方式：写在填报表表尾和“填报说明”中，各单位有疑问时联系：",
        f'# contact = "{org}政府督查室 张三 0532-12345678"',
        "",
        "# 定时批处理（ledgerxl batch）的文件，不设则放在本目录：",
        '# db = "ledgerxl.db"                  # 报送历史（SQLite，请放在本机磁盘）',
        '# archive = "archive"                 # 收到的原始文件',
        '# log = "ledgerxl.log"                # 运行日志',
        '# reminder_template = "催报.txt.j2"   # 自定义催报名单的文字',
        "",
        "# 附件.docx 的版式，不设则为：标签“附件”、表格四号字、不含责任单位列：",
        "# [attachment]",
        '# label = "附件2"                     # "" 为不加标签',
        '# font_size = "小四"                  # 磅值（14）或 五号/小四/四号/小三/三号',
        "# with_departments = true",
        "",
        "# 台账.xlsx 在本期进展情况旁加一列上期进展情况（上期台账由 previous 或 merge --previous 给出）：",
        "# [ledger]",
        "# with_previous = true",
        "",
        "# 每次汇总同时写通知.docx（去掉下面几行的 #）：",
        "# [notice]",
        f'# office = "{org}政府办公室"',
        f'# number = "〔{y}〕1号"',
        '# template = "通知模板.docx"          # 自己的通知模板（默认用内置模板）',
        "# 内置模板的版头和版记（不设则不排，通知可粘贴到本单位的红头文件中）：",
        f'# masthead = "{org}人民政府办公室文件"   # 发文机关标志：红色版头，下有红色分隔线',
        f'# cc = ["{org}委各部门", "{org}人大常委会办公室", "{org}政协办公室"]   # 抄送机关',
        f'# printed_by = "{org}政府办公室"       # 印发机关；印发日期即成文日期',
        "",
        "# 单位别名：规范名称 = [简称、全称……]。报送表“填报单位”写其中任何一个名称都认作该单位。",
        "# 规范名称应与挂牌事项清单“责任单位”列一致；一个别名只能属于一个单位。",
        "[aliases]",
    ]
    if org == "市":
        for canonical, aliases in CITY_DEPARTMENTS.items():
            lines.append(f"{_toml_str(canonical)} = [{', '.join(_toml_str(a) for a in aliases)}]")
    else:
        lines.append('# "区发展和改革局" = ["区发改局"]')
    return "\n".join(lines) + "\n"


def init_workdir(
    root: Path, org: str = "市", year: int | None = None, period: str | None = None, today: dt.date | None = None
) -> InitResult:
    """Create the working folder. Refuses to overwrite an existing config or master list."""
    from ledgerxl.write.master_xlsx import build_master_xlsx

    today = today or dt.date.today()
    org = org.strip()
    if not org:
        raise UsageError("--org 不能为空。", "例如 --org 市，或 --org 市北区。")
    if period:
        p = parse_period(period)
        if year is not None and p.year != year:
            raise UsageError(f"--year {year} 与 --period {period} 的年份不一致。", "只给其中一个即可。")
    else:
        p = current_period(year or today.year, today)
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} 已存在且不是目录。", "请换一个目录名。")
    config, master = root / CONFIG_NAME, root / MASTER_NAME
    existing = [f.name for f in (config, master) if f.exists()]
    if existing:
        raise UsageError(
            f"{root} 中已有 {'、'.join(existing)}，未做任何改动。",
            "这已经是一个工作目录；如需重建，请换一个空目录。",
        )
    departments = list(CITY_DEPARTMENTS) if org == "市" else []
    master_bytes = build_master_xlsx([], departments, dt.datetime(p.year, 1, 1, 9))
    result = InitResult(root=root, period=p, departments=len(departments))
    for d in (root / INBOX, root / OUT):
        if not d.is_dir():
            try:
                d.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise UsageError(f"无法创建目录 {d}：{os_reason(e)}。", "请检查路径和写权限。") from e
            result.created.append(d)
    write_atomic(master, master_bytes)
    result.created.append(master)
    write_atomic(config, config_text(org, p).encode("utf-8"))
    result.created.append(config)
    return result


def ensure_ready(master: Path, inputs: list[Path], files: list[Path]) -> None:
    """Before a merge: say at once everything a fresh working folder still lacks (a master list with
    items, submissions in the inbox), instead of stopping at the first. Cheap when all is there."""
    if files:
        return  # load_master reports a missing or empty master list by itself
    problems = []
    if not master.exists():
        problems.append(f"挂牌事项清单 {master} 不存在：新的一年请用 ledgerxl init 建立工作目录")
    else:
        from ledgerxl import contained
        from ledgerxl.errors import MasterError

        try:
            empty = contained.run(_no_items, master, what=f"挂牌事项清单 {master}")
        except (MasterError, contained.UnsafeInput):
            empty = False  # load_master says what is wrong with it
        if empty:
            problems.append(
                f"挂牌事项清单 {master} 中还没有事项：请填写，"
                "或用 ledgerxl master import 从已发布的台账导入，再运行 ledgerxl master check"
            )
    where = "、".join(str(p) for p in inputs)
    problems.append(f"{where} 中还没有报送表：请把各单位的报送表放入后再汇总")
    lines = "\n".join(f"  {n}. {p}。" for n, p in enumerate(problems, start=1))
    raise UsageError(f"还不能汇总，缺少：\n{lines}", "准备好后重新运行 ledgerxl merge。")


def _no_items(master: Path) -> bool:
    """In a worker: the master list holds no item yet (a blank one from `init`)."""
    from ledgerxl.read.master_rows import read_master_rows

    return not any(r.text for r in read_master_rows(master).rows)
