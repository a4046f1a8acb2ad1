"""The company's own texts for the bot (``bot`` settings section, per language), read through
the public API and kept for a short while; the translation files (``domain/phrases.py``) fill
in what the company did not write."""

from __future__ import annotations

import time
from typing import Any, Protocol

import structlog

from guiders.domain.errors import GuidersError
from guiders.domain.phrases import base_language, phrase

log = structlog.get_logger(__name__)


class _Requests(Protocol):
    async def request(self, method: str, path: str) -> Any: ...


class CompanyTexts:
    def __init__(self, client: _Requests, ttl_s: float = 30.0) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._bot: dict[str, Any] | None = None
        self._read_at = 0.0

    async def bot_section(self) -> dict[str, Any]:
        if self._bot is not None and time.monotonic() - self._read_at < self._ttl_s:
            return self._bot
        try:
            body = await self._client.request("GET", "/v2/settings/bot")
            values = body.get("values") if isinstance(body, dict) else None
            self._bot = values if isinstance(values, dict) else {}
        except (GuidersError, OSError) as exc:
            log.warning("could not read the company's bot settings", error=repr(exc))
            self._bot = self._bot or {}
        self._read_at = time.monotonic()
        return self._bot

    async def welcome(self, language: str, name: str | None, bot: str) -> str:
        """The company's welcome in the visitor's language, else the translation file's."""
        texts = (await self.bot_section()).get("welcome") or {}
        lang = language if language in texts else base_language(language)
        template = texts.get(lang) if isinstance(texts, dict) else None
        who = name or phrase("bot.visitor_fallback_name", language)
        if isinstance(template, str) and template:
            try:
                return template.format(name=who, bot=bot)
            except (KeyError, IndexError, ValueError):
                return template
        return phrase("bot.welcome", language, name=who, bot=bot)
