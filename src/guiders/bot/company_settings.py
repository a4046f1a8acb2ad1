"""The bot settings an admin edits in the console (``bot`` and ``company`` sections), read
through the public API with the bot's integration key and refreshed every few seconds.

A company that never saved its ``bot`` section (revision 0) keeps the bot's own configuration
(``BotSettings``: defaults, YAML, ``GUIDERS_BOT_*``), as does a bot that cannot read the
settings (an older server, a network hiccup: the last values read stay in force). The name is
the exception: it is always the company's (``bot.name``, its default until an admin saves
one), because the server signs the bot's messages with it and the welcome must say the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import structlog

from guiders.bot.settings import BotSettings

log = structlog.get_logger(__name__)
REFRESH_S = 5.0


class _Requests(Protocol):
    async def request(self, method: str, path: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class BotBehaviour:
    """What the bot does, whichever source it came from."""

    enabled: bool
    name: str
    welcome: dict[str, str]
    escalation_keywords: list[str]
    max_messages: int
    threshold: float
    default_language: str
    from_console: bool = False
    disclosure: dict[str, str] = field(default_factory=dict)

    def welcome_text(self, language: str, visitor: str) -> str:
        base = language.split("-")[0]
        text = next(
            (self.welcome[t] for t in (language, base, self.default_language) if t in self.welcome),
            next(iter(self.welcome.values()), ""),
        )
        # only these two placeholders: an admin's stray brace is text, not a format error
        return text.replace("{name}", visitor).replace("{bot}", self.name)


def from_config(settings: BotSettings) -> BotBehaviour:
    return BotBehaviour(
        enabled=True,
        name=settings.bot_name,
        welcome={settings.default_language: settings.welcome_message},
        escalation_keywords=list(settings.escalation_keywords),
        max_messages=settings.max_messages_before_escalation,
        threshold=settings.auto_respond_threshold,
        default_language=settings.default_language,
    )


def from_sections(bot: dict[str, Any], company: dict[str, Any]) -> BotBehaviour:
    return BotBehaviour(
        enabled=bool(bot["enabled"]),
        name=str(bot["name"]),
        welcome={str(k): str(v) for k, v in dict(bot["welcome"]).items()},
        escalation_keywords=[str(k) for k in bot["escalation_keywords"]],
        max_messages=int(bot["max_bot_messages"]),
        threshold=float(bot["answer_threshold"]),
        default_language=str(company.get("default_language") or "en"),
        from_console=True,
        disclosure={str(k): str(v) for k, v in dict(bot.get("disclosure") or {}).items()},
    )


class CompanyBotSettings:
    """The behaviour in force: the console's, refreshed at most every ``refresh_s``."""

    def __init__(
        self,
        client: _Requests,
        config: BotSettings,
        *,
        refresh_s: float = REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._fallback = from_config(config)
        self._current = self._fallback
        self._refresh_s = refresh_s
        self._clock = clock
        self._read_at: float | None = None

    async def current(self) -> BotBehaviour:
        now = self._clock()
        if self._read_at is None or now - self._read_at >= self._refresh_s:
            self._read_at = now
            self._current = await self._read()
        return self._current

    async def _read(self) -> BotBehaviour:
        try:
            reply = await self._client.request("GET", "/v2/settings")
            sections = {s["section"]: s for s in reply["sections"]}
            bot = sections["bot"]
            if not bot["revision"]:
                return replace(self._fallback, name=str(bot["values"]["name"]))
            return from_sections(bot["values"], sections.get("company", {}).get("values", {}))
        except Exception:
            log.warning("could not read the company's bot settings; keeping the last ones")
            return self._current
