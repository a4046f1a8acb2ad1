"""Canned responses: snippets an agent types as ``/shortcut``, with variables filled in.

A response belongs to a company (everyone's) or to one agent (``owner_id``: theirs alone). An
agent's own shortcut hides a company one of the same name. A message may hold several
``/shortcut`` tokens; each known one is replaced by its text with the variables
(``{visitor.name}``, ``{agent.name}``...) filled in; an unknown token stays as typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from guiders.domain.errors import ValidationFailed

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
"""Lower-case letters, digits, ``_`` and ``-``; 1 to 32 characters; what follows the ``/``."""
TOKEN = re.compile(r"(?<![^\s(])/([a-z0-9][a-z0-9_-]{0,31})(?![a-z0-9_/-])", re.IGNORECASE)
"""A ``/shortcut`` at the start of the text or after a space (not inside a URL or a path)."""
VARIABLE = re.compile(r"\{([a-z]+\.[a-z]+)\}")
VARIABLES = (
    "visitor.name",
    "visitor.email",
    "agent.name",
    "agent.email",
    "company.name",
    "chat.id",
)
"""What a response may say in braces; anything else in braces is left as written."""
MAX_TITLE = 100
MAX_CONTENT = 2000
MAX_PER_OWNER = 200
"""Responses a company, or one agent, may keep."""


@dataclass(slots=True)
class CannedResponse:
    id: UUID
    company_id: UUID
    owner_id: UUID | None
    """None: the company's, every agent's; else one agent's own."""
    shortcut: str
    title: str
    content: str
    created_at: datetime
    updated_at: datetime

    @property
    def scope(self) -> str:
        return "company" if self.owner_id is None else "personal"

    def edit(self, *, shortcut: str, title: str, content: str, at: datetime) -> None:
        self.shortcut, self.title, self.content = checked(shortcut, title, content)
        self.updated_at = at


def checked(shortcut: str, title: str, content: str) -> tuple[str, str, str]:
    """The fields, trimmed; a ``ValidationFailed`` naming the field that is wrong."""
    shortcut = shortcut.strip().lstrip("/").lower()
    if not SHORTCUT.match(shortcut):
        raise ValidationFailed(
            "shortcut: 1 to 32 lower-case letters, digits, '_' or '-', starting with a letter "
            "or digit",
            field="shortcut",
        )
    title = title.strip()
    if len(title) > MAX_TITLE:
        raise ValidationFailed(f"title: at most {MAX_TITLE} characters", field="title")
    if not content.strip() or len(content) > MAX_CONTENT:
        raise ValidationFailed(f"content: 1 to {MAX_CONTENT} characters", field="content")
    return shortcut, title or shortcut, content.strip()


def visible(responses: Iterable[CannedResponse], agent_id: UUID) -> dict[str, CannedResponse]:
    """The responses one agent may use, by shortcut: their own win over the company's."""
    chosen: dict[str, CannedResponse] = {}
    for response in responses:
        if response.owner_id not in (None, agent_id):
            continue
        current = chosen.get(response.shortcut)
        if current is None or (current.owner_id is None and response.owner_id is not None):
            chosen[response.shortcut] = response
    return dict(sorted(chosen.items()))


def fill(content: str, variables: Mapping[str, str | None]) -> str:
    """``{visitor.name}`` and the others replaced; an unknown or empty one stays as written."""

    def value(match: re.Match[str]) -> str:
        found = variables.get(match.group(1))
        return found if found else match.group(0)

    return VARIABLE.sub(value, content)


def expand(
    text: str, responses: Mapping[str, CannedResponse], variables: Mapping[str, str | None]
) -> tuple[str, list[str]]:
    """Every known ``/shortcut`` of ``text`` replaced by its filled-in response.

    Returns the text and the shortcuts used, in order. Expansion runs once: a response whose
    text holds ``/another`` is not expanded again.
    """
    used: list[str] = []

    def replace(match: re.Match[str]) -> str:
        response = responses.get(match.group(1).lower())
        if response is None:
            return match.group(0)
        used.append(response.shortcut)
        return fill(response.content, variables)

    return TOKEN.sub(replace, text), used
