"""`ledgerxl next-period`: move a working folder on to the next period of the same year.

A working folder is one year's: the year's master list (each 政府工作报告 has its own items and numbers)
and its four periods 一季度 → 上半年 → 三季度 → 全年, with one history database, so W301/W330 compare a
department's text with its own last period's. Moving on:

1. the finished period's inbox files are moved to periods/<code>/inbox/, its forms to periods/<code>/forms/,
   and copies of its outputs to periods/<code>/out/ (out/ itself is left as it was);
2. fresh forms for the next period are written into forms/, each department's progress cells pre-filled
   with the text of its current version (editing beats retyping; a text sent back unchanged is W301);
3. ledgerxl.toml gets the next period, `previous` pointing at the archived 台账.xlsx (merge and validate
   then give W301 without --previous), and the finished period's document_date and deadline commented out.

Everything is read and rendered first; the config is written last, so a failure part way leaves the
folder on the old period, and running the command again finishes the move.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ledgerxl.config import Config
from ledgerxl.errors import UsageError, os_reason
from ledgerxl.jobs.batch.job import batch_paths
from ledgerxl.jobs.lock import RunLock
from ledgerxl.periods import KINDS, Period

PERIODS_DIR = "periods"
FORMS_DIR = "forms"


@dataclass
class NextPeriodResult:
    finished: Period
    period: Period
    kept: Path  # periods/<code>/
    moved: list[Path] = field(default_factory=list)  # inbox and forms files, at their new place
    copied: list[Path] = field(default_factory=list)  # outputs copied
    forms: list[Path] = field(default_factory=list)
    prefilled: int = 0  # progress cells pre-filled
    config: Path | None = None
    previous: Path | None = None  # the archived 台账.xlsx now set as `previous`


def following(p: Period) -> Period | None:
    """The next period of the same year, None after 全年."""
    i = KINDS.index(p.kind)
    return Period(p.year, KINDS[i + 1]) if i + 1 < len(KINDS) else None


def next_period(cfg: Config, prefill: bool = True) -> NextPeriodResult:
    """Move the working folder of `cfg` on to the next period (see the module's text)."""
    from ledgerxl.jobs.forms import write_forms
    from ledgerxl.read.master import load_master

    if cfg.source is None or cfg.period is None:
        raise UsageError(
            "ledgerxl next-period 需要工作目录的 ledgerxl.toml，且其中设置了 period。",
            "请在工作目录中运行，或用 --config 指定 ledgerxl.toml。",
        )
    finished = cfg.period
    period = following(finished)
    if period is None:
        raise UsageError(
            f"{finished}是本年度的最后一期，工作目录按年度建立。",
            f"新的一年有新的挂牌事项清单：请用 ledgerxl init --year {finished.year + 1} 新建工作目录。",
        )
    _, paths = batch_paths(cfg)
    base = cfg.base_dir
    kept = base / PERIODS_DIR / finished.code
    if paths.inbox.resolve() == base.resolve():
        raise UsageError(
            f"收件目录（inbox）就是工作目录 {base}，无法把本期报送表单独移走。",
            '请在 ledgerxl.toml 中把 inbox 设为单独的目录（如 inbox = "inbox"），并把报送表移入后重新运行。',
        )
    with RunLock(paths.lock):
        texts = _current_texts(cfg) if prefill else {}
        from ledgerxl import contained

        master = contained.run(load_master, paths.master, what=f"挂牌事项清单 {paths.master}")
        result = NextPeriodResult(finished, period, kept)
        result.prefilled = sum(len(t) for t in texts.values())
        forms_dir = base / FORMS_DIR
        keep = {paths.master.resolve(), *(p.resolve() for p in (cfg.previous, cfg.source) if p)}
        result.moved += _move_all(paths.inbox, kept / "inbox", keep)
        result.moved += _move_all(forms_dir, kept / FORMS_DIR, keep)
        result.copied = _copy_all(paths.out, kept / "out")
        # the office's contact carries over; the deadline was the finished period's (commented out below)
        result.forms = write_forms(
            master, period, forms_dir, cfg.org, aliases=cfg.aliases, progress=texts, contact=cfg.contact
        )
        ledger = kept / "out" / "台账.xlsx"
        result.previous = ledger if ledger.is_file() else None
        result.config = cfg.source
        _rewrite_config(cfg.source, finished, period, result.previous, base)
    return result


def _current_texts(cfg: Config) -> dict[str, dict[int, str]]:
    """Each department's progress texts in its current version, by the folder's one rule (the history
    database when there is one, else the inbox as merge sees it)."""
    from ledgerxl.jobs.validate import ValidateOptions, run_validate

    if cfg.inbox is None or not cfg.inbox.is_dir() or not any(cfg.inbox.iterdir()):
        return {}
    r = run_validate(ValidateOptions(config=cfg))
    out: dict[str, dict[int, str]] = {}
    for sub in r.selection.chosen:
        if sub.department:
            mine = out.setdefault(sub.department, {})
            for e in sub.entries:
                if e.number is not None and e.progress.strip():
                    mine.setdefault(e.number, e.progress)
    return out


def _move_all(src: Path, dst: Path, keep: set[Path]) -> list[Path]:
    """Every file of `src` moved into `dst`, but those in `keep` (a master list kept in the inbox)."""
    if not src.is_dir():
        return []
    moved = []
    for f in sorted(src.iterdir()):
        if f.resolve() in keep:
            continue
        target = dst / f.name
        if target.exists():
            raise UsageError(
                f"{target} 已存在，未移动 {f}。",
                "上次的 next-period 可能只做了一半：请核对两个文件，删去多余的一份后重新运行。",
            )
        try:
            dst.mkdir(parents=True, exist_ok=True)
            shutil.move(str(f), str(target))
        except OSError as e:
            raise UsageError(f"无法移动 {f} 到 {dst}：{os_reason(e)}。", "请关闭打开这个文件的程序后重新运行。") from e
        moved.append(target)
    return moved


def _copy_all(src: Path, dst: Path) -> list[Path]:
    if not src.is_dir():
        return []
    copied = []
    for f in sorted(src.iterdir()):
        if f.is_file() and not f.name.startswith((".", "~$")):
            try:
                dst.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, dst / f.name)
            except OSError as e:
                raise UsageError(f"无法复制 {f} 到 {dst}：{os_reason(e)}。", "请检查磁盘空间和写权限。") from e
            copied.append(dst / f.name)
    return copied


def _key(name: str) -> re.Pattern[str]:
    """A top-level `name = value  # comment` line: group 1 up to the value, group 2 the value, 3 the rest."""
    return re.compile(rf'^([ \t]*{name}[ \t]*=[ \t]*)("[^"\n]*"|[^\s#]+)(.*)$', re.MULTILINE)


def _rewrite_config(path: Path, finished: Period, period: Period, previous: Path | None, base: Path) -> None:
    """The clerk's ledgerxl.toml with its comments kept: period replaced, the finished period's
    document_date and deadline commented out, `previous` set (or added)."""
    from ledgerxl.write.publish import write_atomic

    text = path.read_text(encoding="utf-8-sig")
    if not _key("period").search(text):
        raise UsageError(f"配置文件 {path} 中找不到 period 一行。", "请手动修改 period。")
    text = _key("period").sub(lambda m: f'{m.group(1)}"{period.code}"{m.group(3)}', text, count=1)
    for name in ("document_date", "deadline"):
        text = _key(name).sub(lambda m: f"# {finished}的设置：{m.group().strip()}", text)
    if previous is not None:
        rel = json.dumps(os.path.relpath(previous, base).replace(os.sep, "/"), ensure_ascii=False)
        line = f"previous = {rel}  # {finished}的台账（W301：进展与上期相同）"
        if _key("previous").search(text):
            text = _key("previous").sub(lambda m: f"{m.group(1)}{rel}{m.group(3)}", text, count=1)
        else:  # before any [section]: a key after one would belong to it
            head, sep, rest = text.partition("\n[")
            text = head.rstrip("\n") + "\n" + line + "\n" + (("\n" + sep.lstrip("\n") + rest) if sep else "")
    write_atomic(path, text.encode("utf-8"))
