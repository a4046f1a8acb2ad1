"""While a visitor waits for a person, the bot keeps answering what it can from the knowledge,
and says so; what it cannot answer gets an honest "still waiting", never silence."""

from __future__ import annotations

from typing import Any, Protocol

from guiders.domain.errors import GuidersError
from guiders.domain.phrases import phrase


class _Requests(Protocol):
    async def request(self, method: str, path: str) -> Any: ...


async def queue_position(client: _Requests, chat_id: str) -> int | None:
    try:
        body = await client.request("GET", f"/v2/chats/{chat_id}/wait")
    except (GuidersError, OSError):
        return None
    position = body.get("position") if isinstance(body, dict) else None
    return position if isinstance(position, int) else None


def while_waiting(answer: str, language: str) -> str:
    return phrase("bot.while_waiting", language, answer=answer)


def still_waiting(language: str, position: int | None) -> str:
    where = phrase("bot.still_waiting_position", language, position=position) if position else ""
    return phrase("bot.still_waiting", language, position=where)
