"""The bot's pause before an answer counts from when the visitor sent the message."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from guiders.ai.answering import Answer
from guiders.ai.kb_model import Classification
from guiders.bot.conversation import Conversation
from guiders.bot.replies import Replies
from guiders.bot.settings import BotSettings
from guiders.client import Message

TEXT = "x" * 1000  # the pause is the cap, 1.5 s


class Client:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def typing(self, chat_id: str, on: bool, *, wait: bool) -> None:
        pass

    async def send_message(self, chat_id: str, content: str, **_: Any) -> None:
        self.sent.append(content)


def pause_before_answer(sent_ago_s: float, elapsed_s: float) -> float:
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    async def run() -> Client:
        client = Client()
        replies = Replies(client, BotSettings(), sleep)  # type: ignore[arg-type]
        message = Message.model_validate(
            {
                "id": "m1",
                "chatId": "c1",
                "sender": {"id": "v1", "role": "visitor"},
                "content": "Do you ship to Chile?",
                "sentAt": (datetime.now(UTC) - timedelta(seconds=sent_ago_s)).isoformat(),
            }
        )
        found = Classification("shipping", 0.9, out_of_scope=False, answer=None)
        conv = Conversation("c1", "v1", None, "PENDING")
        await replies.answer(conv, message, Answer(TEXT, "m"), found, elapsed_s, "en")
        return client

    client = asyncio.run(run())
    assert client.sent == [TEXT]
    return sum(pauses)


def test_the_time_since_the_message_was_sent_comes_off_the_pause() -> None:
    # delivered 0.4 s after it was sent, decided in 0.1 s: the visitor has waited 0.5 s already
    assert pause_before_answer(sent_ago_s=0.5, elapsed_s=0.1) == pytest.approx(1.0, abs=0.05)


def test_a_bot_clock_behind_the_servers_never_lengthens_the_pause() -> None:
    # "sent" 3 s in the future on the bot's clock: the bot's own measure still counts
    assert pause_before_answer(sent_ago_s=-3.0, elapsed_s=0.2) == pytest.approx(1.3)


def test_a_message_waited_on_longer_than_the_pause_is_answered_at_once() -> None:
    assert pause_before_answer(sent_ago_s=2.0, elapsed_s=0.1) == 0.0
