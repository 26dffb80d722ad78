"""Upgrade the pinned development tools in pyproject.toml to the newest releases the registry serves.

    python3 scripts/upgrade_dev_tools.py            # rewrite the pins, print what changed
    python3 scripts/upgrade_dev_tools.py --check    # only print what is out of date (exit 1 if any)

The tools in the `test` extra are pinned exactly (`name==version`) so that a new release of a linter or
type checker can never turn a fresh machine red. Staying current is this one deliberate step: run it,
reinstall (`python3 -m pip install -e ".[test]"`), run the suite, fix what the new versions find, and commit
the pins with the fixes. It asks the package index through pip (`pip index versions`), nothing else.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
PIN = re.compile(r'^(\s*)"([A-Za-z0-9_.\-]+)==([^"]+)",\s*$')


def latest(name: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", name], capture_output=True, text=True, check=True
    ).stdout
    m = re.search(r"^\S+ \(([^)]+)\)", out, re.M)
    if not m:
        raise SystemExit(f"pip did not say the newest version of {name}:\n{out}")
    return m.group(1)


def test_extra_lines(text: str) -> tuple[int, int]:
    """First and last line index (exclusive) of the `test = [...]` list in pyproject.toml."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("test = ["))
    end = next(i for i in range(start, len(lines)) if lines[i].strip() == "]")
    return start + 1, end


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report what is out of date")
    args = parser.parse_args(argv)
    text = PYPROJECT.read_text(encoding="utf-8")
    lines = text.splitlines()
    start, end = test_extra_lines(text)
    changed = []
    for i in range(start, end):
        m = PIN.match(lines[i])
        if not m:
            continue
        indent, name, pinned = m.groups()
        newest = latest(name)
        if newest != pinned:
            changed.append(f"{name}: {pinned} -> {newest}")
            lines[i] = f'{indent}"{name}=={newest}",'
    for line in changed:
        print(line)
    if not changed:
        print("every pinned development tool is the newest release")
        return 0
    if args.check:
        return 1
    PYPROJECT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print('pyproject.toml updated: reinstall with python3 -m pip install -e ".[test]", run the suite, commit.')
    return 0


if __name__ == "__main__":
    sys.exit(main())
