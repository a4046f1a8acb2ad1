"""The first-line bot: welcome, decide, answer or escalate, using only ``GuidersClient``.

Its memory is a cache of the server's state (see ``conversation.py``): on start it loads
every PENDING chat and its messages, so a restarted bot neither welcomes twice nor drops a
reply it owed. Every message it sends has a ``clientMessageId`` derived from what it answers,
so a retry or a second bot racing it cannot post the same message twice.

Here: the bot's life (start, events, each chat's queue) and what it decides for each visitor
message; ``replies.py`` posts what it decided, ``classifier.py`` runs the knowledge base.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from guiders.ai.answering import Answer, Answerer, Turn
from guiders.ai.kb_model import Classification
from guiders.ai.metrics import BOT_DECISION_SECONDS, BOT_REPLIES
from guiders.bot.classifier import CachedClassifier, Classifier
from guiders.bot.company_settings import CompanyBotSettings
from guiders.bot.company_texts import CompanyTexts
from guiders.bot.conversation import Conversation
from guiders.bot.decision import Decision, Reason, decide
from guiders.bot.grounded import SENT_ACTIONS, GroundedReplies, knowledge_metadata
from guiders.bot.handover import hand_over
from guiders.bot.language import detect_language
from guiders.bot.llm_source import LlmSource
from guiders.bot.replies import Replies
from guiders.bot.settings import BotSettings
from guiders.bot.shadow import ShadowTopics
from guiders.bot.waiting import queue_position, still_waiting, while_waiting
from guiders.bot.workers import ChatWorkers
from guiders.client import GuidersClient, Message
from guiders.domain.errors import GuidersError
from guiders.domain.phrases import base_language

log = structlog.get_logger(__name__)

__all__ = ["Classifier", "FirstLineBot"]


class FirstLineBot:
    def __init__(
        self,
        client: GuidersClient,
        kb: Classifier,
        settings: BotSettings,
        answerer: Answerer,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.kb = kb
        self.settings = settings
        self.answerer = answerer
        self.llm = LlmSource(client, settings, answerer)
        """The LLM in force: the environment's or the console's, re-read every few seconds."""
        self.grounded = GroundedReplies(client, enabled=settings.knowledge_enabled)
        self.chats: dict[str, Conversation] = {}
        self.workers = ChatWorkers()
        self.classifier = CachedClassifier(kb, settings.kb_cache_ttl_s)
        self.replies = Replies(client, settings, sleep)
        self.shadow = ShadowTopics(client, settings.shadow_topics)
        self.behaviour = CompanyBotSettings(client, settings)
        """The console's bot settings (on/off, name, welcome, keywords, cap, threshold)."""
        self.texts = CompanyTexts(client)

    @property
    def model_name(self) -> str:
        return self.llm.model

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self, *, wait_for_server_s: float = 0.0, listen: bool = True) -> None:
        """Connect; with ``listen`` follow the socket's events and load the open chats.
        Without it (a replica, ``bot/replicas.py``) the events come from a consumer group."""
        if not listen:
            await self.client.connect(wait_for_server_s=wait_for_server_s)
            log.info("bot replica started", server=self.client.base_url)
            return
        self.client.on("chat:created", self._on_chat_created)
        self.client.on("message:new", self._on_message)
        self.client.on("chat:assigned", self._on_chat_left)
        self.client.on("chat:closed", self._on_chat_left)
        self.client.on("chat:status-changed", self._on_status_changed)
        self.client.on("chat:agent-requested", self._on_agent_requested)
        self.client.on("client:ready", self._on_reconnected)
        await self.client.connect(wait_for_server_s=wait_for_server_s)
        async for chat in self.client.iter_chats(status="PENDING"):
            self._submit_open(chat.id)
        log.info("bot started", server=self.client.base_url, chats=len(self.chats))

    async def stop(self) -> None:
        await self.workers.cancel()
        self.classifier.close()

    async def idle(self) -> None:
        """Wait until every event received so far has been handled (for tests)."""
        await self.workers.idle()

    # -- events (short: hand the work to the chat's queue) --------------------------------

    async def _on_chat_created(self, event: dict[str, Any]) -> None:
        self._submit_open(str(event["chatId"]))

    def _submit_open(self, chat_id: str) -> None:
        async def job() -> None:
            await self._open(chat_id)

        self.workers.submit(chat_id, job)

    async def _on_message(self, event: dict[str, Any]) -> None:
        sender = event.get("sender") or {}
        if sender.get("role") != "visitor" or event.get("isInternal"):
            return
        # Queued even when the chat is not known yet: its opening job may be running, and the
        # queue runs this after it (an unknown chat's job does nothing).
        chat_id = str(event["chatId"])
        message = Message.model_validate(event)
        self.workers.submit(chat_id, lambda: self._on_visitor_message(chat_id, message))

    async def _on_chat_left(self, event: dict[str, Any]) -> None:
        """Assigned or closed: the chat is no longer the bot's."""
        chat_id = str(event["chatId"])
        conv = self.chats.pop(chat_id, None)
        if conv is not None:
            conv.status = str(event.get("status") or "ASSIGNED")
            with contextlib.suppress(GuidersError):
                await self.client.leave_chat(chat_id)

    async def _on_status_changed(self, event: dict[str, Any]) -> None:
        """A chat back in the queue (released by an agent, or by the server's hand-off on its
        way to the next agent) is the bot's to watch again; muted or handed over, it stays
        quiet (``Conversation.from_server``)."""
        chat_id = str(event["chatId"])
        if event.get("status") == "PENDING" and chat_id not in self.chats:
            self._submit_open(chat_id)

    async def _on_reconnected(self, event: dict[str, Any]) -> None:
        """After a reconnect, re-read every chat: a reply whose request failed while the
        server was away is owed, and the server knows it (see conversation.py)."""
        if event.get("connects", 1) <= 1:
            return
        for chat_id in list(self.chats):
            self._submit_reopen(chat_id)

    def _submit_reopen(self, chat_id: str) -> None:
        async def job() -> None:
            self.chats.pop(chat_id, None)
            await self._open(chat_id)

        self.workers.submit(chat_id, job)

    async def _on_agent_requested(self, event: dict[str, Any]) -> None:
        """The visitor pressed "talk to a person": hand over as for any escalation."""
        chat_id = str(event["chatId"])

        async def job() -> None:
            conv = self.chats.get(chat_id)
            if conv is None or not conv.bot_may_answer:
                return
            decision = Decision(True, Reason.AGENT_REQUESTED, "", 0.0)
            await self._escalate(conv, decision, None, self._page_language(conv))

        self.workers.submit(chat_id, job)

    # -- per chat ------------------------------------------------------------------------

    async def _open(self, chat_id: str) -> None:
        """Join the chat and rebuild what the bot knows of it from the server."""
        if chat_id in self.chats:
            return
        await self.client.join_chat(chat_id)
        chat = await self.client.get_chat(chat_id)
        if chat.status != "PENDING":
            await self.client.leave_chat(chat_id)
            return
        conv = Conversation.from_server(chat, await self.client.all_messages(chat_id))
        self.chats[chat_id] = conv
        if not conv.welcomed:
            await self._welcome(conv)
        if conv.unanswered is not None:
            await self._on_visitor_message(chat_id, conv.unanswered)

    def _page_language(self, conv: Conversation) -> str:
        """The page's language (the widget sends it), else the bot's default."""
        return base_language(conv.language) if conv.language else self.settings.default_language

    def _language(self, conv: Conversation, text: str) -> str:
        """The language of this message; when it cannot tell, the page's."""
        return detect_language(text, self._page_language(conv))

    async def _welcome(self, conv: Conversation) -> None:
        behaviour = await self.behaviour.current()
        if not behaviour.enabled:
            return
        name = conv.visitor_name or self.settings.visitor_fallback_name
        if behaviour.from_console:
            # the widget shows the AI disclosure itself, before this first AI message
            language = self._page_language(conv) if conv.language else behaviour.default_language
            text = behaviour.welcome_text(language, name)
        elif conv.language:  # the widget told us the page's language: welcome in it
            text = await self.texts.welcome(conv.language, conv.visitor_name, behaviour.name)
        else:
            text = self.settings.welcome_message.format(name=name, bot=behaviour.name)
        await self.replies.welcome(conv, text, self.model_name)

    async def _on_visitor_message(self, chat_id: str, message: Message) -> None:
        conv = self.chats.get(chat_id)
        if conv is None or message.id in conv.handled:
            return
        conv.handled.add(message.id)
        previous = conv.visitor_messages
        conv.visitor_messages += 1
        keep = self.settings.history_messages
        history = conv.history[-keep:] if keep else []
        conv.history.append(Turn("visitor", message.content))
        if conv.waiting:
            await self._reply_while_waiting(conv, message, history)
            return
        if not conv.bot_may_answer:
            return
        behaviour = await self.behaviour.current()
        if not behaviour.enabled:
            return
        await self.llm.refresh()
        started = time.perf_counter()
        language = self._language(conv, message.content)
        found = await self._classify(message.content, language)
        decision = decide(
            message.content,
            previous,
            found,
            keywords=behaviour.escalation_keywords,
            max_messages=behaviour.max_messages,
            threshold=behaviour.threshold,
            escalation_intents=self.settings.escalation_intents,
        )
        if decision.escalate and decision.reason is not Reason.TOO_COMPLEX:
            await self._escalate(conv, decision, message, language)
            return
        # the company's documents next (bot/grounded.py); a hand-off falls through to intents
        grounded = await self.grounded.ask(chat_id, message.content, history, language)
        extra = knowledge_metadata(grounded, "intent") if grounded else None
        if grounded is not None and grounded.action in SENT_ACTIONS:
            answer = Answer(grounded.text, "guiders-knowledge")
            extra = knowledge_metadata(grounded, grounded.action)
        elif decision.escalate:
            await self._escalate(conv, decision, message, language)
            return
        else:
            answer = await self.answerer.answer(message.content, found, history, language)
        elapsed = time.perf_counter() - started
        BOT_DECISION_SECONDS.observe(elapsed)
        if await self.shadow.in_shadow(found.intent):
            await self.shadow.draft(
                chat_id,
                message.id,
                answer.text,
                topic=str(found.intent),
                confidence=found.confidence,
                language=language,
                model=answer.model,
                extra=extra,
            )
            return
        await self.replies.answer(conv, message, answer, found, elapsed, language, extra)

    async def _reply_while_waiting(
        self, conv: Conversation, message: Message, history: list[Turn]
    ) -> None:
        """Waiting for a person: answer from the knowledge when it can, saying the person is
        still coming; otherwise say the visitor is still in the queue. Never silence."""
        await self.llm.refresh()
        language = self._language(conv, message.content)
        found = await self._classify(message.content, language)
        extra: dict[str, Any] = {}
        text: str | None = None
        grounded = await self.grounded.ask(conv.chat_id, message.content, history, language)
        if grounded is not None and grounded.action in SENT_ACTIONS:
            text = grounded.text
            extra = knowledge_metadata(grounded, grounded.action)
        elif (
            not found.out_of_scope
            and found.confidence >= self.settings.auto_respond_threshold
            and found.intent not in self.settings.escalation_intents
        ):
            answer = await self.answerer.answer(message.content, found, history, language)
            if not answer.fallback_reason:
                text = answer.text
        if text is not None:
            content = while_waiting(text, language)
        else:
            content = still_waiting(language, await queue_position(self.client, conv.chat_id))
        await self.replies.while_waiting(
            conv,
            message,
            content,
            found,
            language,
            answered=text is not None,
            model=self.model_name,
            extra=extra,
        )

    async def _classify(self, text: str, language: str) -> Classification:
        return await self.classifier.classify(text, language)

    # -- escalation ----------------------------------------------------------------------

    async def _escalate(
        self, conv: Conversation, decision: Decision, message: Message | None, language: str
    ) -> None:
        """The server hands the chat over (``POST /v2/chats/{id}/handoff``); the bot only
        asks, and stays quiet in the chat from now on."""
        name = (await self.behaviour.current()).name
        await hand_over(
            self.client, conv, decision, message, language, self.settings, self.model_name, name
        )
        BOT_REPLIES.labels("escalation").inc()
