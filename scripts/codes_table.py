"""Write the table of finding codes in docs/codes.md from ledgerxl.codes.CODES (the one source of the codes).

    python3 scripts/codes_table.py            # rewrite the table between the markers in docs/codes.md
    python3 scripts/codes_table.py --check    # exit 1 if docs/codes.md is not what this script writes

Only the text between `<!-- codes-table:start -->` and `<!-- codes-table:end -->` is generated; the
introduction above the markers is written by hand. The codes are grouped by family (the families of
ledgerxl/codes.py's docstring); a code of a family not listed in FAMILIES stops the script, so that a new
family gets a heading of its own instead of landing in the wrong table.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from ledgerxl.codes import CODES, Code  # noqa: E402

DOC = ROOT / "docs" / "codes.md"
START = "<!-- codes-table:start -->"
END = "<!-- codes-table:end -->"

# (prefix, heading): a code belongs to the family whose prefix it starts with (E1 → E1xx and so on).
FAMILIES: tuple[tuple[str, str], ...] = (
    ("E1", "E1xx: the file itself"),
    ("E2", "E2xx: the content of a submission"),
    ("W3", "W3xx: warnings (never block publishing)"),
    ("M1", "M1xx: the master list itself (`ledgerxl master check`; all errors)"),
)
SEVERITY = {"error": "错误", "warning": "警告"}


def _cell(text: str) -> str:
    """Text safe inside one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _family(code: str) -> str:
    for prefix, _ in FAMILIES:
        if code.startswith(prefix):
            return prefix
    raise SystemExit(f"{code}: no family in scripts/codes_table.py's FAMILIES starts like it; add one")


def render(codes: Iterable[Code]) -> str:
    """The generated part of docs/codes.md: one heading and table per family, codes in order."""
    by_family: dict[str, list[Code]] = {prefix: [] for prefix, _ in FAMILIES}
    for c in codes:
        by_family[_family(c.code)].append(c)
    lines: list[str] = []
    for prefix, heading in FAMILIES:
        members = sorted(by_family[prefix], key=lambda c: c.code)
        if not members:
            continue
        lines += ["", f"## {heading}", "", "| code | severity | title | slug | hint |", "|---|---|---|---|---|"]
        for c in members:
            cells = [c.code, SEVERITY[c.severity], _cell(c.title), f"`{c.slug}`", _cell(c.hint)]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n"


def update(text: str, table: str, name: str = "docs/codes.md") -> str:
    """`text` with everything between the markers replaced by `table`."""
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise SystemExit(f"{name}: the markers {START} and {END} are missing (one of each, start first)")
    return head + START + "\n" + table + END + tail


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only tell whether the file is up to date")
    parser.add_argument("--doc", type=Path, default=DOC, help=argparse.SUPPRESS)  # for the tests
    args = parser.parse_args(argv)
    path: Path = args.doc
    old = path.read_text(encoding="utf-8")
    new = update(old, render(CODES.values()), str(path))
    if args.check:
        if new != old:
            print(f"{path} is out of date with ledgerxl.codes: run python3 scripts/codes_table.py", file=sys.stderr)
            return 1
        print(f"{path} is up to date ({len(CODES)} codes)")
        return 0
    if new != old:
        path.write_text(new, encoding="utf-8", newline="\n")
        print(f"rewrote {path} ({len(CODES)} codes)")
    else:
        print(f"{path} already up to date ({len(CODES)} codes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
