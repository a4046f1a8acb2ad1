"""The hand-off to a person as a saga: reserve an agent, brief them, mute the bot, tell the visitor.

Steps: ``find_agent`` (only for a hand-off waiting in the queue: an agent not tried yet is
free, else the saga waits, see ``StepWaiting``) -> ``reserve_agent`` (the least-loaded
available agent not tried yet is assigned the chat, which takes one of their slots) ->
``post_summary`` (an internal note) -> ``mute_bot`` (custom field ``botMuted``) ->
``tell_visitor`` (who is coming) -> ``await_answer`` (the agent's first message makes the chat
ACTIVE). If the agent does not answer before the deadline (kept in the saga, so a resumed run
waits for the same deadline) or goes offline, the saga compensates in reverse: tells the
visitor the agent could not come, unmutes the bot, releases the chat to the pending queue.
Then ``on_compensated`` hands the chat on: a follow-up saga (its id derived from this one's)
tries the next agent; when no agent is left, the visitor is told they are in the queue and a
*waiting* follow-up saga stays STARTED until an agent not tried yet is free.

The visitor hears each of these texts (joining, withdrawn, queued) at most once per hand-off,
however many agents let the chat wait: the keys already said are kept in the saga's context
(``told``) and handed to each follow-up, so a restarted server does not repeat them either.
Later rounds only brief the new agent (the internal note); the agent's first message is what
the visitor sees next.

The steps reach the chat system through ``HandoffDesk`` (the server's services in
``handoff_desk.py``; a fake in unit tests), so this module holds the process and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from guiders.domain.errors import Conflict
from guiders.domain.phrases import phrase
from guiders.sagas import (
    SagaDefinition,
    SagaState,
    SagaStore,
    Step,
    StepContext,
    StepFailed,
    StepWaiting,
)

TYPE = "escalation"
NAMESPACE = uuid.UUID("6f1c1e0e-7a53-4a8e-9d0b-1f3a5c2b7e10")

SUMMARY = "{summary}\nAssigned to: {agent}"


def text(key: str, language: str) -> str:
    """The visitor-facing text in ``language`` (English when we have none in it), from the
    translation files (``domain/locales/*.json``, keys ``handoff.*``)."""
    return phrase(f"handoff.{key}", language)


@dataclass(frozen=True, slots=True)
class HandoffSettings:
    answer_timeout_s: float = 120.0
    poll_s: float = 1.0
    scan_s: float = 5.0
    """How often unfinished hand-offs are looked at (orphans, a queue with a free agent);
    agent and chat events wake the scan sooner."""
    lease_s: float = 30.0
    """How long a server owns a hand-off without saving it: a dead server's hand-off is
    resumed by another this long after its last save (it renews while it waits)."""


@dataclass(frozen=True, slots=True)
class ChatState:
    status: str
    is_open: bool
    assigned_to: str | None


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    name: str
    status: str


class HandoffDesk(Protocol):
    """What the hand-off needs from the chat system, for one company."""

    async def chat(self, chat_id: str) -> ChatState: ...
    async def available_agents(self) -> list[Agent]:
        """Agents who may take a chat now, least loaded (then most senior) first."""

    async def agent(self, agent_id: str) -> Agent | None: ...
    async def assign(self, chat_id: str, agent_id: str) -> None: ...
    async def release(self, chat_id: str, reason: str) -> None: ...
    async def say(
        self, chat_id: str, content: str, *, internal: bool, metadata: dict[str, Any], key: str
    ) -> None:
        """Posts as the company's bot; ``key`` makes a repeat a no-op (client message id)."""

    async def set_bot_muted(self, chat_id: str, muted: bool) -> None: ...


@dataclass(slots=True)
class HandoffRequest:
    chat_id: str
    company_id: str
    reason: str
    summary: str
    language: str = "en"
    key: str | None = None
    """What this hand-off answers (a message id): asking twice with it hands over once."""
    answer_timeout_s: float | None = None
    reply_to: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    """Facts for the messages' metadata (intent, confidence, keywords, model)."""

    @property
    def saga_id(self) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.chat_id}:{self.key or self.reason}"))

    def context(self) -> dict[str, Any]:
        facts = {**self.metadata, "escalationReason": self.reason}
        context: dict[str, Any] = {
            "chatId": self.chat_id,
            "companyId": self.company_id,
            "summary": self.summary,
            "reason": self.reason,
            "language": self.language,
            "tried": [],
            "messageMetadata": {**facts, "language": self.language},
            "summaryMetadata": {**facts, "isEscalationSummary": True},
        }
        if self.answer_timeout_s is not None:
            context["answerTimeoutS"] = self.answer_timeout_s
        if self.reply_to:
            context["replyTo"] = self.reply_to
        return context


INHERITED = (
    "chatId", "companyId", "summary", "reason", "language", "tried", "answerTimeoutS",
    "messageMetadata", "summaryMetadata", "replyTo", "told",
)  # fmt: skip


def next_saga_id(saga_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{saga_id}:next"))


async def untried_agents(desk: HandoffDesk, context: dict[str, Any]) -> list[Agent]:
    tried = set(context.get("tried", []))
    return [a for a in await desk.available_agents() if a.id not in tried]


def handoff_saga(
    desk: HandoffDesk,
    store: SagaStore,
    settings: HandoffSettings | None = None,
    reserving: asyncio.Lock | None = None,
) -> SagaDefinition:
    """``reserving``: held while an agent is chosen and assigned, so that two hand-offs of
    this process do not both give the last free slot away (oldest first)."""
    cfg = settings or HandoffSettings()
    lock = reserving or asyncio.Lock()

    async def say(ctx: StepContext, key: str, extra: dict[str, Any], agent: str = "") -> None:
        """Tells the visitor ``key`` unless an earlier round of this hand-off did: the same
        "I'm passing you to..." per agent who lets the chat wait reads as a loop."""
        d = ctx.data
        if key in d.get("told", []):
            return
        metadata = {
            **(d.get("messageMetadata") or {}),
            "sagaId": ctx.saga_id,
            "isEscalation": True,
            **extra,
        }
        content = text(key, d.get("language", "en")).format(agent=agent)
        await desk.say(
            d["chatId"], content, internal=False, metadata=metadata, key=f"saga-{ctx.saga_id}-{key}"
        )
        d["told"] = [*d.get("told", []), key]  # saved with the step; a rerun's say is a no-op

    async def find_agent(ctx: StepContext) -> None:
        d = ctx.data
        if not d.get("waiting"):
            return
        chat = await desk.chat(d["chatId"])
        if not chat.is_open or chat.status != "PENDING":
            raise StepFailed(f"the chat is {chat.status}")  # taken by hand or closed meanwhile
        if not await untried_agents(desk, d):
            raise StepWaiting("no agent is available")

    async def reserve_agent(ctx: StepContext) -> None:
        async with lock:
            await reserve(ctx)

    async def reserve(ctx: StepContext) -> None:
        d = ctx.data
        chat = await desk.chat(d["chatId"])
        if d.get("agentId") and chat.assigned_to == d["agentId"]:
            return
        if not chat.is_open:
            raise StepFailed(f"the chat is {chat.status}")
        available = await desk.available_agents()
        chosen = [a for a in available if a.id == d.get("agentId")]  # resumed before assigning
        if not chosen:
            tried = set(d.get("tried", []))
            chosen = [a for a in available if a.id not in tried]
        if not chosen:
            raise StepFailed("no agent is available")
        agent = chosen[0]
        if d.get("agentId") != agent.id:
            d["agentId"], d["agentName"] = agent.id, agent.name
            d["tried"] = [*d.get("tried", []), agent.id]
            await ctx.heartbeat()  # who we are about to assign, saved before the effect
        try:
            await desk.assign(d["chatId"], agent.id)
        except Conflict:
            if (await desk.chat(d["chatId"])).assigned_to != agent.id:
                raise

    async def release(ctx: StepContext) -> None:
        d = ctx.data
        chat = await desk.chat(d["chatId"])
        if chat.is_open and chat.assigned_to == d.get("agentId"):
            await desk.release(d["chatId"], f"escalation: {d.get('failure', 'compensated')}"[:200])

    async def post_summary(ctx: StepContext) -> None:
        d = ctx.data
        await desk.say(
            d["chatId"],
            SUMMARY.format(summary=d.get("summary", ""), agent=d.get("agentName")),
            internal=True,
            metadata={**(d.get("summaryMetadata") or {}), "sagaId": ctx.saga_id},
            key=f"saga-{ctx.saga_id}-summary",
        )

    async def mute_bot(ctx: StepContext) -> None:
        await desk.set_bot_muted(ctx.data["chatId"], True)

    async def unmute_bot(ctx: StepContext) -> None:
        await desk.set_bot_muted(ctx.data["chatId"], False)

    async def tell_visitor(ctx: StepContext) -> None:
        d = ctx.data
        coming = {"assignedTo": {"id": d["agentId"], "name": d["agentName"]}}
        await say(ctx, "joining", coming, agent=d["agentName"])

    async def withdraw(ctx: StepContext) -> None:
        await say(ctx, "withdrawn", {"isEscalationWithdrawn": True}, agent=ctx.data["agentName"])

    async def await_answer(ctx: StepContext) -> None:
        d = ctx.data
        timeout = float(d.get("answerTimeoutS", cfg.answer_timeout_s))
        if "deadline" not in d:
            d["deadline"] = (datetime.now(UTC) + timedelta(seconds=timeout)).isoformat()
            await ctx.heartbeat()
        deadline = datetime.fromisoformat(d["deadline"])
        while True:
            chat = await desk.chat(d["chatId"])
            if not chat.is_open or chat.assigned_to != d["agentId"]:
                return  # closed, or moved by a supervisor: nothing left to wait for
            if chat.status == "ACTIVE":
                return
            agent = await desk.agent(d["agentId"])
            if agent is None or agent.status == "offline":
                raise StepFailed(f"{d['agentName']} went offline")
            if datetime.now(UTC) >= deadline:
                raise StepFailed(f"{d['agentName']} did not answer within {timeout:g} s")
            await ctx.heartbeat()
            await asyncio.sleep(cfg.poll_s)

    async def hand_on(ctx: StepContext) -> None:
        d = ctx.data
        failed = d.get("failedStep")
        if failed == "find_agent":
            return  # the chat was taken or closed while it waited
        no_agent = failed == "reserve_agent" and "no agent" in d.get("failure", "")
        if failed == "reserve_agent" and not no_agent:
            return  # the chat was closed
        if no_agent and not d.get("waiting"):
            queued = {
                "isEscalation": False,
                "isEscalationPending": True,
                "triedAgents": d.get("tried", []),
                "replyTo": d.get("replyTo"),
            }
            await say(ctx, "queued", queued)
            d["queued"] = True
        follow_up: dict[str, Any] = {k: d[k] for k in INHERITED if k in d}
        follow_up["waiting"] = no_agent
        next_id = next_saga_id(ctx.saga_id)
        d["next"] = next_id
        with contextlib.suppress(Conflict):  # created before a crash: it exists, enough
            await store.save(SagaState(id=next_id, type=TYPE, context=follow_up))

    return SagaDefinition(
        type=TYPE,
        steps=(
            Step("find_agent", find_agent),
            Step("reserve_agent", reserve_agent, release),
            Step("post_summary", post_summary),
            Step("mute_bot", mute_bot, unmute_bot),
            Step("tell_visitor", tell_visitor, withdraw),
            Step("await_answer", await_answer),
        ),
        on_compensated=hand_on,
    )
