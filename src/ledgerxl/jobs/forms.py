"""`ledgerxl forms`: one pre-filled submission form per department of the master list (or the ones named),
written into a folder; write.form builds each form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from ledgerxl import contained
from ledgerxl.config import Config
from ledgerxl.departments import Departments
from ledgerxl.errors import UsageError
from ledgerxl.model import MasterList
from ledgerxl.periods import Period
from ledgerxl.read.master import load_master
from ledgerxl.write.form import build_form, form_name
from ledgerxl.write.publish import publish


def write_forms(
    master: MasterList,
    period: Period,
    out: Path,
    org: str = "市",
    departments: list[str] | None = None,
    force: bool = False,
    aliases: Mapping[str, str] | None = None,
    progress: Mapping[str, Mapping[int, str]] | None = None,
    deadline: dt.date | None = None,
    contact: str = "",
) -> list[Path]:
    """One form per department (all of the master list's, or the ones named, by name or alias) into `out`;
    `progress`: texts to pre-fill, by department and item number (next-period: last period's); `deadline`
    and `contact`: the config's 报送截止 and the 督查室's contact, shown on every form.

    Existing files are not overwritten unless `force`: a folder of forms may already hold filled ones."""
    known = master.departments
    names = Departments(known, aliases)
    wanted = list(dict.fromkeys(names.resolve(d) or d for d in departments or known))
    unknown = [d for d in wanted if d not in known]
    if unknown:
        tips = "".join(f"{d}：是否应为“{'”或“'.join(near)}”？" for d in unknown if (near := names.near(d)))
        raise UsageError(
            f"挂牌事项清单中没有这些责任单位：{'、'.join(unknown)}。",
            f"{tips}可用的单位：{'、'.join(known)}。",
        )
    outputs = {
        out / form_name(d, period): build_form(
            d, master.items_of(d), period, (progress or {}).get(d), title_org=org, deadline=deadline, contact=contact
        )
        for d in wanted
    }
    existing = [p.name for p in outputs if p.exists()]
    if existing and not force:
        raise UsageError(
            f"输出目录 {out} 中已有同名文件：{'、'.join(existing)}。",
            "请换一个输出目录，或加 --force 覆盖（已填写的表会被覆盖）。",
        )
    return publish(outputs)


def write_forms_for(
    cfg: Config,
    master: Path | None = None,
    period: str | Period | None = None,
    out: Path | None = None,
    departments: list[str] | None = None,
    force: bool = False,
) -> list[Path]:
    """`ledgerxl forms`: options first, then ledgerxl.toml; forms go to `out` (default: forms/)."""
    master_path, p = cfg.master_list(master), cfg.report_period(period)
    target = out or (cfg.base_dir / "forms" if cfg.source else Path("forms"))
    master_list = contained.run(load_master, master_path, what=f"挂牌事项清单 {master_path}")
    # the deadline is this period's: a form for another period (--period) is sent without one
    deadline = cfg.deadline if cfg.period in (None, p) else None
    return write_forms(
        master_list, p, Path(target), cfg.org, departments or None, force, cfg.aliases, None, deadline, cfg.contact
    )
