"""The bot's messages as it posts them: the welcome, an answer (typing first, at a human pace)
and a reply while the visitor waits for a person, each with the metadata the console and the
analytics read, and a ``clientMessageId`` derived from what it answers (a retry, or a second
bot racing this one, cannot post it twice)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from guiders.ai.answering import Answer, Turn
from guiders.ai.kb_model import Classification
from guiders.ai.metrics import BOT_REPLIES
from guiders.bot.conversation import Conversation
from guiders.bot.settings import BotSettings
from guiders.client import GuidersClient, Message
from guiders.domain.errors import GuidersError


class Replies:
    def __init__(
        self,
        client: GuidersClient,
        settings: BotSettings,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.client = client
        self.settings = settings
        self._sleep = sleep

    async def welcome(self, conv: Conversation, text: str, model: str) -> None:
        await self.client.send_message(
            conv.chat_id,
            text,
            type="ai-response",
            metadata={
                "isWelcome": True,
                "aiModel": model,
                "timestamp": datetime.now(UTC).isoformat(),
            },
            client_message_id=f"bot-welcome-{conv.chat_id}",
        )
        conv.welcomed = True
        BOT_REPLIES.labels("welcome").inc()

    async def answer(
        self,
        conv: Conversation,
        message: Message,
        answer: Answer,
        found: Classification,
        elapsed: float,
        language: str,
        extra: dict[str, Any] | None = None,
    ) -> None:
        await self.typing(conv.chat_id, True)
        delay = self.settings.reply_delay_s(answer.text, spent_s=max(elapsed, _since(message)))
        if delay > 0:
            await self._sleep(delay)
        if not conv.bot_may_answer:  # an agent took the chat while the bot was typing
            await self.typing(conv.chat_id, False)
            return
        metadata: dict[str, Any] = {
            "aiModel": answer.model,
            "confidence": round(found.confidence, 4),
            "intent": found.intent,
            "processingTime": round(elapsed * 1000, 2),
            "contextUsed": answer.context_used,
            "replyTo": message.id,
            "language": language,
        }
        if answer.fallback_reason:
            metadata |= {"isFallback": True, "fallbackReason": answer.fallback_reason}
        if extra:
            metadata |= extra
        await self.client.send_message(
            conv.chat_id,
            answer.text,
            type="ai-response",
            metadata=metadata,
            client_message_id=f"bot-reply-{message.id}",
        )
        conv.history.append(Turn("assistant", answer.text))
        await self.typing(conv.chat_id, False)
        BOT_REPLIES.labels("fallback" if answer.fallback_reason else "answer").inc()

    async def while_waiting(
        self,
        conv: Conversation,
        message: Message,
        content: str,
        found: Classification,
        language: str,
        *,
        answered: bool,
        model: str,
        extra: dict[str, Any],
    ) -> None:
        metadata: dict[str, Any] = {
            "aiModel": model,
            "confidence": round(found.confidence, 4),
            "intent": found.intent,
            "replyTo": message.id,
            "language": language,
            "isWaitingReply": True,
            "answered": answered,
            **extra,
        }
        await self.client.send_message(
            conv.chat_id,
            content,
            type="ai-response",
            metadata=metadata,
            client_message_id=f"bot-reply-{message.id}",
        )
        conv.history.append(Turn("assistant", content))
        BOT_REPLIES.labels("waiting").inc()

    async def typing(self, chat_id: str, on: bool) -> None:
        with contextlib.suppress(GuidersError, TimeoutError):
            await self.client.typing(chat_id, on, wait=False)  # a hint: not worth a round trip


def _since(message: Message) -> float:
    """Seconds since the server stored ``message``: the visitor has been waiting since they
    sent it, through its delivery to the bot and any job queued before it in this chat, not
    only while the bot decided. On another host's clock it may be off; the caller takes the
    larger of it and the bot's own measure, so a clock behind never lengthens the pause."""
    return (datetime.now(UTC) - message.sent_at).total_seconds()
