"""The documentation keeps its promises: the generated code table is current, relative links lead to files
that exist, and CHANGELOG.md has a section for the version pyproject.toml gives."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote

import pytest
from helpers import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SCRIPT = ROOT / "scripts" / "codes_table.py"
CODES_DOC = ROOT / "docs" / "codes.md"
DOCUMENTS = [
    ROOT / "README.md",
    ROOT / "CONTRIBUTING.md",
    ROOT / "CHANGELOG.md",
    *sorted((ROOT / "docs").rglob("*.md")),
]

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1[`~]*[ \t]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1", re.S)
# [text](target "title") and ![alt](target); the text may hold one level of brackets
INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>\n]*>|[^\s()]+)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
# [label]: target, at the start of a line
DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>\n]*>|\S+)", re.M)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.\-]*:|//)", re.I)  # http:, https:, mailto:, any scheme


def _codes_table() -> ModuleType:
    spec = importlib.util.spec_from_file_location("codes_table", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_codes_doc_is_what_the_script_writes() -> None:
    script = _codes_table()
    text = CODES_DOC.read_text(encoding="utf-8")
    expected = script.update(text, script.render(script.CODES.values()))
    assert text == expected, "docs/codes.md is out of date: run python3 scripts/codes_table.py"


def test_codes_doc_lists_every_code_once() -> None:
    from ledgerxl.codes import CODES

    text = CODES_DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([EWM]\d{3}) \|", text, re.M)
    assert sorted(rows) == sorted(CODES) and len(rows) == len(set(rows))


def test_codes_table_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "codes.md"
    text = CODES_DOC.read_text(encoding="utf-8")
    stale.write_text(re.sub(r"^\| E101 \|.*\n", "", text, count=1, flags=re.M), encoding="utf-8")

    def check(path: Path) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, str(SCRIPT), "--check", "--doc", str(path)]
        return subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)

    ok = check(CODES_DOC)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    r = check(stale)
    assert r.returncode == 1 and "out of date" in r.stderr and "scripts/codes_table.py" in r.stderr, r.stderr
    assert stale.read_text(encoding="utf-8") != text  # --check never writes


def relative_links(markdown: str) -> list[str]:
    """The targets of the relative links and images of a Markdown text, without #fragments (code blocks and
    code spans are not Markdown, so their brackets are not links; http(s), mailto and #anchors are left out)."""
    text = CODE_SPAN.sub("code", FENCE.sub("", markdown))
    targets = [m.group(1) for m in INLINE.finditer(text)] + [m.group(1) for m in DEFINITION.finditer(text)]
    out = []
    for target in targets:
        target = target.removeprefix("<").removesuffix(">")
        if EXTERNAL.match(target) or target.startswith("#"):
            continue
        out.append(unquote(target.split("#", 1)[0].split("?", 1)[0]))
    return out


def test_relative_links_are_found() -> None:
    text = (
        "[a](CONTRIBUTING.md) ![b](docs/images/x.png) [`c`](src/c.py#L1) [d](https://e.org/x) [e](#top)\n"
        '[f](<docs/a b.md> "title") [g](mailto:x@y.z) [h [i]](h.md)\n\n```\n[not](a-link.md)\n```\n'
        "`[code](span.md)`\n[ref]: docs/ref.md\n"
    )
    assert relative_links(text) == [
        "CONTRIBUTING.md",
        "docs/images/x.png",
        "src/c.py",
        "docs/a b.md",
        "h.md",
        "docs/ref.md",
    ]


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc: Path) -> None:
    """Every relative link leads to a file (or folder) in the repository, as GitHub would resolve it."""
    missing = []
    for target in relative_links(doc.read_text(encoding="utf-8")):
        path = (ROOT / target.lstrip("/")) if target.startswith("/") else (doc.parent / target)
        resolved = path.resolve()
        if not resolved.is_relative_to(ROOT.resolve()) or not resolved.exists():
            missing.append(target)
    assert not missing, f"{doc.relative_to(ROOT)} links to what does not exist: {missing}"


def _changelog_sections() -> list[str]:
    return re.findall(r"^## (.+?)\s*$", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.M)


def test_changelog_has_unreleased_and_the_current_version() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    sections = _changelog_sections()
    assert sections and sections[0] == "[Unreleased]", sections
    releases = [re.fullmatch(r"\[(\d+\.\d+\.\d+[^\]]*)\] - (\d{4}-\d{2}-\d{2})", s) for s in sections[1:]]
    assert all(releases), f"a release heading is `## [X.Y.Z] - YYYY-MM-DD`: {sections[1:]}"
    versions = [m.group(1) for m in releases if m]
    assert "0.1.0" in versions and version in versions, (version, versions)


def test_changelog_uses_the_keep_a_changelog_kinds() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    kinds = set(re.findall(r"^### (.+?)\s*$", text, re.M))
    assert kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}, kinds


def test_every_command_is_documented_in_readme() -> None:
    """As sqlite-utils does: a command nobody can find in the README does not exist for a clerk."""
    import click

    from ledgerxl.cli import COMMANDS, main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in COMMANDS if f"ledgerxl {name}" not in readme]
    group = main.get_command(click.Context(main), "master")
    assert isinstance(group, click.Group)
    missing += [f"master {sub}" for sub in group.commands if f"ledgerxl master {sub}" not in readme]
    assert not missing, missing
