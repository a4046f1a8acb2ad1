"""The bot's part of a hand-off to a person: say why, and ask the server to do it.

The server runs the hand-off (``POST /v2/chats/{id}/handoff``, ``services/handoff.py``): it
reserves the least-loaded agent, posts the summary, mutes the bot, tells the visitor in their
language, tries the next agent when one does not answer, queues the chat when nobody is free,
and resumes all of that after a crash. The bot gives it the facts it decided on.
"""

from __future__ import annotations

from guiders.bot import texts
from guiders.bot.conversation import Conversation
from guiders.bot.decision import Decision
from guiders.bot.settings import BotSettings
from guiders.client import GuidersClient, Message


async def hand_over(
    client: GuidersClient,
    conv: Conversation,
    decision: Decision,
    message: Message | None,
    language: str,
    settings: BotSettings,
    model: str,
    bot_name: str | None = None,
) -> None:
    """``bot_name``: the company's (``BotBehaviour.name``), else the bot's configuration's."""
    reason = decision.reason.value if decision.reason else "escalation"
    name = bot_name or settings.bot_name
    summary = texts.summary(conv, decision, name, conv.history[-6:], None)
    conv.handed_over = True  # quiet from now on, whatever the server's hand-off meets
    await client.request_handoff(
        conv.chat_id,
        reason=reason,
        summary=summary,
        language=language,
        key=message.id if message else "agent-requested",
        answer_timeout_s=settings.escalation_timeout_s,
        reply_to=message.id if message else None,
        metadata={
            "intent": decision.intent,
            "confidence": round(decision.confidence, 4),
            "keywords": decision.keywords,
            "aiModel": model,
        },
    )
