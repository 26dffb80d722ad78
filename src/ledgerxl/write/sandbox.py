"""Templates are data: the jinja2 environment every template a clerk supplies is rendered with.

A notice or 催报 template may come from anywhere (a "nicer" .docx from another office), so it must not be
able to run code: `{{ cycler.__init__.__globals__.os.popen('id').read() }}` ran as the batch user with a
plain Environment. Here it gets jinja2's SandboxedEnvironment (no attribute starting with "_", no unsafe
callables), StrictUndefined (a misspelt tag is an error, not a blank), no {% include %}, {% import %} or
{% extends %} (refused when the template is parsed, naming the tag), `range()` bounded to MAX_RANGE and the
text output to MAX_OUTPUT characters. What is left (a loop that never prints) is bounded by the worker it
is rendered in (ledgerxl.contained: memory and time).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

MAX_RANGE = 10_000  # range() in a template: a notice lists at most a few hundred departments
MAX_OUTPUT = 1_000_000  # characters of a text template's output (a 催报 list is a few KB)
_REFUSED = {
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}",
    nodes.Extends: "{% extends %}",
}


class TemplateRefused(jinja2.TemplateSyntaxError):
    """A tag a template may not use (it would read other files)."""


class _Sandbox(SandboxedEnvironment):
    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for kind, tag in _REFUSED.items():
            node = tree.find(kind)
            if node is not None:
                raise TemplateRefused(f"模板中不允许使用 {tag}", node.lineno, name, filename)
        return tree


def _range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise jinja2.exceptions.SecurityError(f"range() 最多 {MAX_RANGE} 个数")
    return r


def environment(**options: Any) -> SandboxedEnvironment:
    """A sandboxed environment with StrictUndefined and no loader; `options` as jinja2.Environment's."""
    env = _Sandbox(undefined=jinja2.StrictUndefined, **options)
    env.globals["range"] = _range
    return env


def render_text(template: jinja2.Template, **context: Any) -> str:
    """The template's text, refused past MAX_OUTPUT characters (as it is produced, not after)."""
    out: list[str] = []
    size = 0
    for piece in _pieces(template, context):
        size += len(piece)
        if size > MAX_OUTPUT:
            raise jinja2.exceptions.SecurityError(f"模板输出超过 {MAX_OUTPUT} 个字符")
        out.append(piece)
    return "".join(out)


def _pieces(template: jinja2.Template, context: dict[str, Any]) -> Iterator[str]:
    yield from template.generate(**context)
