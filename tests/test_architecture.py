"""The package's shape (docs/architecture.md): stages import only earlier stages, and no module imports
itself back through others. Every import counts, lazy ones inside functions included."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from helpers import ROOT

PACKAGE = ROOT / "src" / "ledgerxl"
# What each stage may import besides itself; "" is the shared plain modules at the top (model, codes, …).
ALLOWED = {
    "": {""},
    "read": {""},
    "rules": {""},
    "write": {""},
    "master": {"", "read", "rules", "write"},
    "jobs": {"", "read", "rules", "write", "master"},
    "cli": {"", "read", "rules", "write", "master", "jobs", "web"},  # serve, links, desk-password call web/
    "web": {"", "read", "rules", "write", "master", "jobs"},
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The ledgerxl modules `name` imports anywhere in its file (a `from pkg import mod` counts as mod)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "ledgerxl")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            if base.split(".")[0] != "ledgerxl":
                continue
            for a in node.names:
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base)
    return found - {name}


def stage(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED and (len(parts) > 2 or parts[1] != "") else ""


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_the_stages_are_packages() -> None:
    for s in ("read", "rules", "write", "master", "jobs", "cli"):
        assert (PACKAGE / s / "__init__.py").is_file(), s
    # the top holds only shared plain modules: no reader, rule, writer or job hides there
    top = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert top == sorted(
        [
            "__init__",
            "__main__",
            "codes",
            "config",
            "contained",
            "departments",
            "errors",
            "ledger",
            "model",
            "periods",
            "targets",
            "text",
            "zips",
        ]
    ), top


def test_no_stage_imports_a_later_one() -> None:
    wrong = []
    for name, deps in _graph().items():
        if name in ("ledgerxl", "ledgerxl.__main__"):
            continue  # the package's public API and `python -m ledgerxl` gather every stage
        for dep in deps:
            if stage(dep) != stage(name) and stage(dep) not in ALLOWED[stage(name)]:
                wrong.append(f"{name} imports {dep}")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_cycle() -> None:
    graph = _graph()
    graph.pop("ledgerxl", None)  # __init__ re-exports the public API; nothing imports it back for code
    for deps in graph.values():
        deps.discard("ledgerxl")
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_the_checker_sees_lazy_imports(tmp_path: Path) -> None:
    """A function-level import counts like a top-level one (the review found cycles hidden that way)."""
    p = tmp_path / "m.py"
    p.write_text("def f() -> None:\n    from ledgerxl.jobs import merge\n    from ledgerxl.write.publish import x\n")
    mods = {"ledgerxl.jobs.merge": p, "ledgerxl.write.publish": p}
    assert imports_of("ledgerxl.read.m", p, mods) == {"ledgerxl.jobs.merge", "ledgerxl.write.publish"}


CODE_LITERAL = re.compile(r"^[EWM]\d{3}$")


def test_finding_codes_are_names_outside_the_registry() -> None:
    """codes.E101, never "E101": a misspelt name fails mypy, a misspelt string would not."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "codes.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE_LITERAL.match(node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert not found, "\n".join(found)


def test_every_code_has_its_name() -> None:
    from ledgerxl import codes

    names = {k: v for k, v in vars(codes).items() if CODE_LITERAL.match(k)}
    assert names == {c: c for c in codes.CODES}


def test_public_api_is_small_and_lazy() -> None:
    import subprocess
    import sys

    import ledgerxl

    assert set(ledgerxl.__all__) == {*ledgerxl._EXPORTS, "__version__"}
    for name in ledgerxl.__all__:
        assert getattr(ledgerxl, name) is not None, name
    # importing the package loads none of the stages: a name is imported when first used
    code = "import sys, ledgerxl; print(sorted(m for m in sys.modules if m.startswith('ledgerxl.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_no_code_is_registered_twice() -> None:
    import ast as _ast

    from ledgerxl import codes

    tree = _ast.parse((PACKAGE / "codes.py").read_text(encoding="utf-8"))
    registered = [
        n.args[0].id
        for n in _ast.walk(tree)
        if isinstance(n, _ast.Call) and getattr(n.func, "id", "") == "Code" and isinstance(n.args[0], _ast.Name)
    ]
    assert len(registered) == len(set(registered)) == len(codes.CODES), sorted(registered)
