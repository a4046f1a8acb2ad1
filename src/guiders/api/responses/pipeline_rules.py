"""The pipeline's rules as the console's rules page reads them."""

from __future__ import annotations

from guiders.api.responses import Reply


class RulesProblem(Reply):
    line: int | None
    field: str
    message: str


class RulesCheck(Reply):
    valid: bool
    rules: int
    problems: list[RulesProblem]


class RulesDocument(Reply):
    yaml: str
    source: str
    """``console`` (saved here) or ``file`` (the rules file the server started with)."""
    revision: int
    updatedAt: str | None
    updatedBy: str | None
