"""The LLM the bot answers with, kept in line with the company's settings without a restart.

The endpoint is ``GUIDERS_BOT_LLM_BASE_URL`` when set, else the one an admin set in the console
(Settings → Integrations: ``llm_base_url``, ``llm_model``). The key is
``GUIDERS_BOT_LLM_API_KEY`` when set, else the company secret ``llm_api_key``. Both are read
through the public API with the bot's integration key, at most every ``refresh_s`` seconds
before an answer, so a change in the console applies within that (plus the server's 2 s
settings cache). A failed read keeps the client in force: a network hiccup never drops the LLM.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

import structlog

from guiders.ai.answering import Answerer
from guiders.ai.llm import LlmClient, LlmConfig
from guiders.bot.settings import BotSettings
from guiders.domain.errors import Forbidden, NotFound

log = structlog.get_logger(__name__)
REFRESH_S = 5.0


class _Requests(Protocol):
    async def request(self, method: str, path: str) -> Any: ...


async def stored_llm_key(client: _Requests) -> str | None:
    """The company's LLM key as the server keeps it, encrypted (``llm_api_key``,
    docs/security.md#secrets-at-rest), or None when none is stored."""
    try:
        body = await client.request("GET", "/v2/company/secrets/llm_api_key/value")
    except (NotFound, Forbidden):
        return None
    value = body.get("value") if isinstance(body, dict) else None
    return str(value) if value else None


class LlmSource:
    def __init__(
        self,
        client: _Requests,
        settings: BotSettings,
        answerer: Answerer,
        *,
        refresh_s: float = REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._settings = settings
        self._answerer = answerer
        self._refresh_s = refresh_s
        self._clock = clock
        self._read_at: float | None = None
        self._retired: LlmClient | None = None
        """The client replaced last: closed at the next change (or at stop), not at once, so
        an answer it is still giving finishes."""

    @property
    def model(self) -> str:
        llm = self._answerer.llm
        return llm.model if llm is not None else "guiders-kb"

    async def refresh(self, *, force: bool = False) -> None:
        now = self._clock()
        if not force and self._read_at is not None and now - self._read_at < self._refresh_s:
            return
        self._read_at = now
        try:
            wanted = await self._wanted()
        except Exception:
            log.warning("could not read the LLM settings; keeping the ones in force")
            return
        current = self._answerer.llm
        if (current.config if current is not None else None) == wanted:
            return
        if self._retired is not None:
            await self._retired.aclose()
        self._retired = current
        self._answerer.llm = LlmClient(wanted) if wanted is not None else None
        log.info("the bot's LLM changed", model=wanted.model if wanted else None)

    async def _wanted(self) -> LlmConfig | None:
        settings = self._settings
        own_key = "llm_api_key" in settings.model_fields_set
        configured = settings.llm_config()
        if configured is not None:
            stored = None if own_key else await stored_llm_key(self._client)
            return replace(configured, api_key=stored) if stored else configured
        section = await self._client.request("GET", "/v2/settings/integrations")
        values = section["values"]
        if not values.get("llm_base_url"):
            return None
        update: dict[str, Any] = {"llm_base_url": values["llm_base_url"]}
        if values.get("llm_model"):
            update["llm_model"] = values["llm_model"]
        stored = None if own_key else await stored_llm_key(self._client)
        if stored:
            update["llm_api_key"] = stored
        return settings.model_copy(update=update).llm_config()

    async def aclose(self) -> None:
        for llm in (self._retired, self._answerer.llm):
            if llm is not None:
                await llm.aclose()
        self._retired = None
