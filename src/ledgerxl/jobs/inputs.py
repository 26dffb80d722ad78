"""Which files a run reads and how findings name them: the inputs of merge, validate and batch, and the
options all of them resolve the same way (command line first, then ledgerxl.toml)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ledgerxl.config import Config
from ledgerxl.errors import UsageError
from ledgerxl.periods import Period
from ledgerxl.read.grid import TABLE_SUFFIXES

# Told (files read so far, files in all) after each file, e.g. to move a progress bar.
ReadProgress = Callable[[int, int], None]


def collect_inputs(paths: list[Path], skip: set[Path] | None = None) -> list[Path]:
    """Submission files under the given files/folders, sorted by name so every run reads the same list.

    Excel/WPS lock files (~$…) and hidden files are skipped; other files are kept so that a wrong
    format is reported rather than silently ignored."""
    skip = {_resolved(p) for p in (skip or set())}
    # only a file named like one to skip, or a link, can be it: resolving 5,000 inbox files cost batch
    # 0.22 s a run
    skip_names = {p.name for p in skip}
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(c for c in p.iterdir() if c.is_file() or c.suffix.lower() in TABLE_SUFFIXES)
        elif p.exists() or p.is_symlink():
            found.append(p)
        else:
            raise UsageError(f"找不到报送文件或目录 {p}。", "请检查路径；目录名含空格时请加引号。")
    keep = [
        f
        for f in found
        if not f.name.startswith(("~$", "."))
        and not ((f.name in skip_names or f.is_symlink()) and _resolved(f) in skip)
    ]
    return sorted(dict.fromkeys(keep), key=lambda f: (f.name, str(f)))


def _resolved(p: Path) -> Path:
    """resolve() raises on a symlink loop; such a file is still listed so that it is reported (E112)."""
    try:
        return p.resolve()
    except (OSError, RuntimeError):
        return p.absolute()


def input_labels(files: list[Path]) -> dict[Path, str]:
    """How findings and messages name each input: its file name, or the path as given when several
    inputs share that name (from two folders), so that every finding points at one file."""
    names = Counter(f.name for f in files)
    return {f: f.name if names[f.name] == 1 else str(f) for f in files}


class InputOptions(Protocol):
    """What merge and validate both take from the command line, each falling back to ledgerxl.toml."""

    master: Path | None
    period: str | Period | None
    inputs: list[Path]
    config: Config


def resolve_options(opts: InputOptions) -> tuple[Path, Period, list[Path]]:
    """The master list, the period and the submission files/folders: options first, then ledgerxl.toml."""
    cfg = opts.config
    inputs = [Path(p) for p in opts.inputs] or ([cfg.inbox] if cfg.inbox else [])
    master, period = cfg.master_list(opts.master), cfg.report_period(opts.period)
    if not inputs:
        raise UsageError("没有指定报送文件。", "请在命令末尾给出文件或目录，或在 ledgerxl.toml 中设置 inbox。")
    return master, period, inputs
