"""Shadow mode on the bot's side: for a topic in shadow, draft for the agent, say nothing.

``shadowTopics`` (bot settings) lists the KB intents whose answers are drafts: the bot posts its
answer as an internal note (``type: internal``, metadata ``{isDraft, topic, replyTo, intent,
confidence, language}``) that only staff see, and the visitor's chat stays waiting for a person.
The console shows the note as a draft the agent sends, edits or discards, and records that
(``POST /api/v2/bot/shadow/reviews``). A topic an admin has graduated
(``GET /api/v2/bot/shadow`` lists them) is answered normally again; the list is re-read at most
every ``refresh_s`` seconds, so a graduation takes effect without a restart.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import structlog

from guiders.client import GuidersClient
from guiders.domain.errors import GuidersError

log = structlog.get_logger(__name__)


class ShadowTopics:
    def __init__(
        self, client: GuidersClient, topics: Iterable[str], refresh_s: float = 30.0
    ) -> None:
        self._client = client
        self.topics = frozenset(topics)
        self.refresh_s = refresh_s
        self.graduated: frozenset[str] = frozenset()
        self._read_at: float | None = None

    async def in_shadow(self, topic: str | None) -> bool:
        if not topic or topic not in self.topics:
            return False
        if self._read_at is None or time.monotonic() - self._read_at >= self.refresh_s:
            try:
                view = await self._client.request("GET", "/v2/bot/shadow")
                self.graduated = frozenset(str(t) for t in view.get("graduated", []))
                self._read_at = time.monotonic()
            except GuidersError as exc:  # keep the last known list: shadow is the safe side
                log.warning("shadow topics not refreshed", error=exc.message)
        return topic not in self.graduated

    async def draft(
        self,
        chat_id: str,
        reply_to: str,
        text: str,
        *,
        topic: str,
        confidence: float,
        language: str,
        model: str,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """``extra``: a document answer's citations and scores, kept with the draft."""
        await self._client.send_message(
            chat_id,
            text,
            type="internal",
            metadata=(extra or {})
            | {
                "isDraft": True,
                "topic": topic,
                "intent": topic,
                "confidence": round(confidence, 4),
                "replyTo": reply_to,
                "language": language,
                "aiModel": model,
            },
            client_message_id=f"bot-draft-{reply_to}",
        )
