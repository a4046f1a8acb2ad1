"""Answers from the company's documents, asked of the server (``POST /v2/knowledge/answer``):
the server nodes hold the index; the bot stays a client of the public API.

In the bot's order of things (``bot.py``): escalation keywords, the message cap and a visitor
asking for a person come first, as before. Then the documents: ``answer`` sends their text
with its citations, ``clarify`` sends the clarifying question, and ``handoff`` (the documents
do not say) leaves the message to the intent knowledge base if it is confident, else to the
escalation to an agent. A document answer that cannot be had (the server away, an old server
without the endpoint) is treated as a hand-off: the bot still answers from its intents.

The decision is recorded twice: the server logs a ``knowledge.answered`` event for every
question it was asked (with scores and citations) and puts hand-offs on the content-gap list;
the bot's message carries the same figures plus what the bot did (``decision``) in its
metadata.
"""

from __future__ import annotations

import time
from typing import Any

import structlog

from guiders.ai.answering import Turn
from guiders.client import GuidersClient
from guiders.client.models import GroundedReply
from guiders.domain.errors import GuidersError

log = structlog.get_logger(__name__)
SENT_ACTIONS = ("answer", "clarify")
_SPEAKERS = {"visitor": "user", "assistant": "agent", "agent": "agent"}


def history_turns(history: list[Turn]) -> list[dict[str, str]]:
    """The conversation as the engine reads it: ``{speaker: user|agent, text}``."""
    return [{"speaker": _SPEAKERS.get(t.role, "agent"), "text": t.content} for t in history]


def safe_links(reply: GroundedReply) -> list[dict[str, Any]]:
    """Citations as the widget shows them: only http(s) links, one per document."""
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for c in reply.citations:
        if c.document_id in seen:
            continue
        seen.add(c.document_id)
        url = c.url if c.url and c.url.lower().startswith(("http://", "https://")) else None
        out.append({"title": c.title or url or "Source", "url": url, "documentId": c.document_id})
    return out


def knowledge_metadata(reply: GroundedReply, decision: str) -> dict[str, Any]:
    """What the log keeps about a document answer (the message's ``metadata``)."""
    return {
        "citations": safe_links(reply),
        "retrievalScores": reply.retrieval_scores[:10],
        "answerability": reply.answerability,
        "grounding": reply.grounding,
        "decision": decision,
        "reason": reply.reason,
    }


class GroundedReplies:
    def __init__(self, client: GuidersClient, *, enabled: bool = True) -> None:
        self.client = client
        self.enabled = enabled

    async def ask(
        self, chat_id: str, question: str, history: list[Turn], language: str
    ) -> GroundedReply | None:
        """The documents' reply, or None when they could not be asked (treated as a
        hand-off by the caller)."""
        if not self.enabled:
            return None
        started = time.perf_counter()
        try:
            reply = await self.client.knowledge_answer(
                question, history_turns(history), language=language, chat_id=chat_id
            )
        except (GuidersError, TimeoutError) as exc:
            log.warning("document answer unavailable", chat_id=chat_id, error=repr(exc))
            return None
        log.debug(
            "document answer",
            chat_id=chat_id,
            action=reply.action,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return reply
