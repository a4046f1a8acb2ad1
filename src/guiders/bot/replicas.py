"""The bot as N replicas: each logged event it acts on is handled by one of them.

``guiders bot --redis-url`` does not follow the socket's events (every replica would get every
one); it reads its share from a Redis consumer group fed from the event log
(``guiders.client.work_group``, the pipeline's mechanism). Per event a replica re-reads the chat
from the server and does what is still owed, so it holds no state another replica needs:

- ``chat.created``, ``chat.status_changed`` (back to PENDING): welcome if nobody did, answer
  the last visitor message if nothing answers it;
- ``message.sent`` by the visitor: answer that message unless an AI message already does
  (``replyTo``) or a hand-off spoke after it;
- ``chat.agent_requested``: ask the server for a person (the hand-off's key makes it once).

A replica killed mid-batch has its unacknowledged events handled again by another one. What it
had already sent is not sent twice: every bot message carries a ``clientMessageId`` derived
from what it answers (``bot-welcome-{chat}``, ``bot-reply-{message}``) and the server keeps one
message per chat, sender and ``clientMessageId`` (under the chat's row lock), returning the
first one to a repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from guiders.bot.bot import FirstLineBot
from guiders.bot.conversation import Conversation
from guiders.bot.decision import Decision, Reason
from guiders.client.models import Message
from guiders.client.work_group import joined, pump_until_stopped
from guiders.client.work_group_settings import WorkGroupSettings

BOT_EVENTS = ("chat.created", "chat.status_changed", "message.sent", "chat.agent_requested")
"""What the bot's group stream is fed with (``--redis-url``)."""


def chat_of(event: dict[str, Any]) -> str | None:
    """The chat an event is about: a replica handles one chat's events in order."""
    payload = event.get("payload") or {}
    if payload.get("chat_id"):
        return str(payload["chat_id"])
    if event.get("aggregateType") == "chat":
        return str(event["aggregateId"])
    return None


def answered(messages: list[Message]) -> set[str]:
    """Visitor messages something already answers: an AI reply naming it (``replyTo``), or a
    hand-off (the server's or the bot's pending one) that spoke after it."""
    done: set[str] = set()
    last: str | None = None
    for m in messages:
        if m.is_internal:
            continue
        if m.from_visitor:
            last = m.id
            continue
        meta = m.metadata
        if m.is_ai and meta.get("replyTo"):
            done.add(str(meta["replyTo"]))
        if m.is_ai and last and ("sagaId" in meta or meta.get("isEscalationPending")):
            done.add(last)
    return done


class SharedBot:
    """Handles one replica's share of the logged events with a started ``FirstLineBot``."""

    def __init__(self, bot: FirstLineBot) -> None:
        self.bot = bot

    async def handle(self, event: dict[str, Any]) -> None:
        chat_id = chat_of(event)
        if chat_id is None:
            return
        payload = event.get("payload") or {}
        kind = event["type"]
        if kind == "message.sent":
            if payload.get("sender_role") != "visitor" or payload.get("internal"):
                return
            await self.settle(chat_id, str(payload["message_id"]))
        elif kind == "chat.agent_requested":
            conv = await self.settle(chat_id)
            if conv is not None and conv.bot_may_answer:
                decision = Decision(True, Reason.AGENT_REQUESTED, "", 0.0)
                await self.bot._escalate(conv, decision, None, self.bot._page_language(conv))
        elif kind in ("chat.created", "chat.status_changed"):
            await self.settle(chat_id)

    async def settle(self, chat_id: str, message_id: str | None = None) -> Conversation | None:
        """Do what the chat is owed now (welcome, the answer to ``message_id`` or to the last
        visitor message), read from the server; None when the chat is not the bot's."""
        bot = self.bot
        chat = await bot.client.get_chat(chat_id)
        if chat.status != "PENDING":
            return None
        messages = await bot.client.all_messages(chat_id)
        whole = Conversation.from_server(chat, messages)
        conv = whole
        if message_id is not None:
            upto = next((i for i, m in enumerate(messages) if m.id == message_id), None)
            if upto is None:
                return whole
            conv = Conversation.from_server(chat, messages[: upto + 1])
            conv.welcomed, conv.pending = whole.welcomed, whole.pending
            conv.handed_over, conv.muted = whole.handed_over, whole.muted
        with contextlib.suppress(Exception):  # a hint's room: never worth failing the event
            await bot.client.join_chat(chat_id)  # the typing indicator goes through the socket
        bot.chats[chat_id] = conv
        try:
            if not conv.welcomed:
                await bot._welcome(conv)
            owed = conv.unanswered
            if owed is not None and owed.id not in answered(messages):
                await bot._on_visitor_message(chat_id, owed)
        finally:
            bot.chats.pop(chat_id, None)  # nothing kept: the next event re-reads the chat
            with contextlib.suppress(Exception):
                await bot.client.leave_chat(chat_id)
        return whole


async def run_replica(
    bot: FirstLineBot, group: WorkGroupSettings, stop: asyncio.Event, *, batch: int = 50
) -> None:
    """Pump this replica's share of the bot's events until ``stop``."""
    async with joined(
        group, bot.client, kind="bot", types=BOT_EVENTS, key_of=chat_of, batch=batch
    ) as source:
        await pump_until_stopped(source, SharedBot(bot).handle, stop)
