"""`ledgerxl master check`: the master list's own defects, each with a stable M1xx code.

Numbers (not integers, duplicated, gaps), texts (empty, duplicated), departments (none, unknown, an
alias instead of the canonical name, listed twice), aliases in ledgerxl.toml (one alias under two
departments, an alias that is another department's name) and unreadable 目标 cells.

The department registry is: ledgerxl.toml's [aliases] (names and aliases), the master workbook's
单位名单 sheet, and the city departments ledgerxl knows (known_departments.py).
"""

from __future__ import annotations

import difflib
import re
import sys
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledgerxl import codes, contained
from ledgerxl.config import CONFIG_NAME, Config, config_from_dict, find_config
from ledgerxl.departments import name_key
from ledgerxl.errors import ConfigError, UsageError
from ledgerxl.master.importer import norm_text
from ledgerxl.master.known_departments import CITY_DEPARTMENTS
from ledgerxl.model import Finding
from ledgerxl.read.master_rows import MasterTable, read_master_rows
from ledgerxl.targets import TargetSyntaxError, parse_target

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


@dataclass
class Registry:
    """Known department names: canonical name -> its aliases, merged from every source."""

    canonical: dict[str, set[str]] = field(default_factory=dict)

    def add(self, name: str, aliases: list[str] | tuple[str, ...] = ()) -> None:
        self.canonical.setdefault(name_key(name), set()).update(name_key(a) for a in aliases)

    def canonical_of(self, name: str) -> str | None:
        """The canonical name an alias stands for (None when `name` is canonical or unknown)."""
        k = name_key(name)
        if k in self.canonical:
            return None
        hits = sorted(c for c, al in self.canonical.items() if k in al)
        return hits[0] if hits else None

    def knows(self, name: str) -> bool:
        k = name_key(name)
        return k in self.canonical or self.canonical_of(k) is not None

    def close_to(self, name: str) -> list[str]:
        """Up to two canonical names that look like `name` (by their own name or an alias)."""
        names = list(self.canonical) + [a for al in self.canonical.values() for a in al]
        hits = difflib.get_close_matches(name_key(name), names, n=6, cutoff=0.6)
        return list(dict.fromkeys(self.canonical_of(h) or h for h in hits))[:2]


@dataclass
class CheckResult:
    master: Path
    table: MasterTable
    config: Path | None
    findings: list[Finding]
    registry_size: int

    @property
    def items(self) -> int:
        return sum(1 for r in self.table.rows if r.text)

    @property
    def departments(self) -> list[str]:
        return list(dict.fromkeys(d for r in self.table.rows for d in r.departments))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as e:
        raise ConfigError(f"配置文件 {path} 不是 UTF-8 编码。", "请用记事本“另存为 UTF-8”后再试。") from e
    except tomllib.TOMLDecodeError as e:
        # tomllib's message is English; only its position is worth passing on
        at = re.search(r"at line (\d+), column (\d+)", str(e))
        where = f"第 {at.group(1)} 行第 {at.group(2)} 列附近" if at else ""
        raise ConfigError(
            f"配置文件 {path} {where}格式有误。", "请对照 README 中的示例检查引号、括号和逗号；同一设置不要写两次。"
        ) from e
    return data


def load_raw_aliases(config_path: Path | None) -> tuple[Config, dict[str, list[str]]]:
    """The config without its aliases (so that conflicting aliases become findings, not a stop) and
    the raw [aliases] table: canonical name -> list of aliases as written."""
    if config_path is None:
        return Config(), {}
    if not config_path.is_file():
        raise ConfigError(f"找不到配置文件 {config_path}。", "请检查路径，或用 ledgerxl init 新建工作目录。")
    data = _read_toml(config_path)
    raw = data.pop("aliases", {})
    cfg = config_from_dict(data, config_path)
    aliases: dict[str, list[str]] = {}
    if isinstance(raw, dict):
        for canonical, names in raw.items():
            names = [names] if isinstance(names, str) else names
            aliases[str(canonical)] = [str(n) for n in names] if isinstance(names, list) else []
    return cfg, aliases


def check_aliases(aliases: Mapping[str, list[str]], departments: set[str], where: dict[str, str]) -> list[Finding]:
    """M109: an alias under two departments; M110: an alias that is another department's own name
    (a name of [aliases], of the master list, of its 单位名单 sheet or of the known city departments)."""
    out: list[Finding] = []
    owners: dict[str, list[str]] = defaultdict(list)
    canonical = {name_key(c): c for c in [*departments, *aliases]}
    for c, names in aliases.items():
        for n in names:
            if c not in owners[name_key(n)]:
                owners[name_key(n)].append(c)
    for alias, who in owners.items():
        if len(who) > 1:
            out.append(codes.make(codes.M109, f"别名“{alias}”同时写在“{who[0]}”和“{who[1]}”之下。", **where))
        other = canonical.get(alias)
        if other is not None and other not in who:
            out.append(codes.make(codes.M110, f"“{alias}”既是单位名称，又写作“{who[0]}”的别名。", **where))
    return out


def build_registry(aliases: Mapping[str, list[str]], names: list[str]) -> Registry:
    reg = Registry()
    for canonical, builtin in CITY_DEPARTMENTS.items():
        reg.add(canonical, builtin)
    for n in names:
        reg.add(n)
    for canonical, written in aliases.items():
        reg.add(canonical, written)
    # a name that is canonical somewhere is not also an alias elsewhere (M110 reports that case)
    for c in list(reg.canonical):
        for other, known in reg.canonical.items():
            if other != c:
                known.discard(c)
    return reg


def check_table(table: MasterTable, registry: Registry) -> list[Finding]:
    out: list[Finding] = []
    file, sheet = table.path.name, table.sheet

    def at(row: Any, fieldname: str) -> dict[str, str]:
        return {"file": file, "sheet": sheet, "cell": table.cell(row, fieldname)}

    first_row: dict[int, int] = {}
    texts: dict[str, int] = {}
    for r in table.rows:
        n = r.number
        label = f"第 {n} 项" if n else f"第 {r.row} 行"
        if n is None or n < 1:
            out.append(codes.make(codes.M101, f"序号“{r.raw_number or '（空）'}”不是正整数。", **at(r, "number")))
        elif n in first_row:
            out.append(
                codes.make(codes.M102, f"序号 {n} 在第 {first_row[n]} 行和第 {r.row} 行重复。", **at(r, "number"))
            )
        else:
            first_row[n] = r.row
        if not r.text:
            out.append(codes.make(codes.M104, f"{label}的事项内容为空。", **at(r, "text")))
        else:
            key = norm_text(r.text)
            if key in texts:
                out.append(
                    codes.make(codes.M105, f"{label}的事项内容与第 {texts[key]} 行相同：“{r.text}”。", **at(r, "text"))
                )
            else:
                texts[key] = r.row
        depts = r.departments
        if not depts:
            out.append(codes.make(codes.M106, f"{label}没有责任单位。", **at(r, "department")))
        named = re.split(r"[、，,；;/／\s]+", r.departments_raw.strip())
        repeated = sorted({d for d in named if d and named.count(d) > 1})
        if repeated:
            twice = "、".join(repeated)
            out.append(codes.make(codes.M112, f"{label}的责任单位中“{twice}”出现了两次。", **at(r, "department")))
        for d in depts:
            canonical = registry.canonical_of(d)
            if canonical:
                out.append(
                    codes.make(codes.M108, f"{label}的责任单位“{d}”是“{canonical}”的别名。", **at(r, "department"))
                )
            elif not registry.knows(d):
                close = registry.close_to(d)
                tip = f"是否应为“{'”或“'.join(close)}”？" if close else ""
                out.append(
                    codes.make(codes.M107, f"{label}的责任单位“{d}”不在单位名单中。{tip}", **at(r, "department"))
                )
        if r.target:
            try:
                parse_target(r.target)
            except TargetSyntaxError as e:
                out.append(codes.make(codes.M111, f"{label}的目标“{r.target}”无法识别：{e}。", **at(r, "target")))
    numbers = sorted(first_row)
    if numbers:
        missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
        if missing:
            shown = "、".join(str(n) for n in missing[:20]) + ("……" if len(missing) > 20 else "")
            out.append(
                codes.make(
                    codes.M103,
                    f"序号从 1 到 {numbers[-1]}，缺少第 {shown} 项（共 {len(missing)} 个）。",
                    file=file,
                    sheet=sheet,
                )
            )
    return out


def check_master(master: Path | None = None, config_path: Path | None = None) -> CheckResult:
    """Check the master list given, or the one ledgerxl.toml names (the config given, or the one in the
    current folder)."""
    config_path = config_path or find_config()
    cfg, aliases = load_raw_aliases(config_path)
    path = master or cfg.master
    if path is None:
        raise UsageError("没有指定挂牌事项清单。", f"请在命令后给出清单文件，或在含 {CONFIG_NAME} 的工作目录中运行。")
    table = contained.run(read_master_rows, path, what=f"挂牌事项清单 {path}")
    findings: list[Finding] = []
    if config_path is not None:
        written = {name_key(a) for al in aliases.values() for a in al}
        used = {d for r in table.rows for d in r.departments if name_key(d) not in written}  # M108 covers the rest
        names = used | set(table.names) | set(CITY_DEPARTMENTS)
        findings.extend(check_aliases(aliases, names, {"file": config_path.name, "sheet": "[aliases]"}))
    registry = build_registry(aliases, table.names)
    findings.extend(check_table(table, registry))
    return CheckResult(Path(path), table, config_path, findings, len(registry.canonical))
