"""Reading a rules file: YAML with line numbers, validated into a ``RuleSet``.

PyYAML's composer keeps each node's start mark, so a validation error's location
(``rules -> 2 -> then -> 0 -> template``) can be turned back into the line that holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from guiders.pipeline.rules import RuleSet

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    line: int | None
    field: str
    message: str


class RulesError(Exception):
    """A rules file that cannot be used; the message names the file, line and field."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(self.describe())

    def describe(self) -> str:
        lines = [f"{self.path}: {len(self.problems)} problem(s)"]
        for p in self.problems:
            lines.append(f"  {self.path}, line {p.line or '?'}, field '{p.field}': {p.message}")
        return "\n".join(lines)


def _plain(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> Any:
    """The node as Python data, recording the line (1-based) of every value by its path."""
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            if key in out:
                raise RulesError(
                    "", [Problem(key_node.start_mark.line + 1, str(key), "duplicate key")]
                )
            child: Loc = (*loc, key)
            out[key] = _plain(value_node, child, lines)
            lines.setdefault((*child, "__key__"), key_node.start_mark.line + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*loc, i), lines) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def _locate(loc: Loc, lines: dict[Loc, int]) -> tuple[int | None, str]:
    """The line and dotted field name of an error's path.

    Pydantic puts the union tag (``send_message``) into the path; it is not in the file, so
    parts that do not lead anywhere are skipped, except a missing field at the end.
    """
    known: Loc = ()
    best = lines.get(())
    for i, part in enumerate(loc):
        candidate = (*known, part)
        if candidate in lines:
            known = candidate
            best = lines[candidate]
        elif i == len(loc) - 1:
            known = candidate
    return best, ".".join(str(p) for p in known) or "-"


def parse_rules(text: str, path: str = "<rules>") -> RuleSet:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise RulesError(path, [Problem(line, "-", f"not valid YAML: {exc.problem}")]) from None
    if node is None:
        raise RulesError(path, [Problem(1, "-", "the file is empty")])
    lines: dict[Loc, int] = {}
    try:
        data = _plain(node, (), lines)
    except RulesError as exc:
        raise RulesError(path, exc.problems) from None
    if not isinstance(data, dict):
        raise RulesError(path, [Problem(1, "-", "the top level must be a mapping with 'rules'")])
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            line, name = _locate(tuple(err["loc"]), lines)
            problems.append(Problem(line, name, err["msg"].removeprefix("Value error, ")))
        raise RulesError(path, problems) from None


def load_rules(path: Path) -> RuleSet:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(str(path), [Problem(None, "-", f"cannot read the file: {exc}")]) from None
    return parse_rules(text, str(path))
