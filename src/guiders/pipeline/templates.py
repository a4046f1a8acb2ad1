"""Response templates: Jinja2 in a sandbox, because rule files are data an operator edits.

The sandbox refuses attribute tricks (``__class__``, ``mro``...) that would reach Python
internals; undefined names render empty rather than failing a whole event.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment

_env = SandboxedEnvironment(autoescape=False, trim_blocks=True, lstrip_blocks=True)


class TemplateFailed(Exception):
    """A template that could not be compiled or rendered."""


@lru_cache(maxsize=512)
def _compiled(source: str) -> Any:
    return _env.from_string(source)


def check(source: str) -> str | None:
    """The syntax error in ``source``, or None; used when a rules file is validated."""
    try:
        parsed: nodes.Template = _env.parse(source)
        _env.compile(parsed)
    except TemplateError as exc:
        return str(exc)
    return None


def render(source: str, variables: dict[str, Any]) -> str:
    try:
        return str(_compiled(source).render(**variables))
    except TemplateError as exc:
        raise TemplateFailed(f"template failed: {exc}") from exc
