"""The escalation hand-off as a saga: reserve an agent, brief them, mute the bot, tell the visitor.

Steps: ``reserve_agent`` (the least-loaded available agent not tried yet is assigned the chat,
which takes one of their slots) -> ``post_summary`` (an internal note) -> ``mute_bot`` (custom
field ``botMuted``) -> ``tell_visitor`` (who is coming) -> ``await_answer`` (the agent's first
message makes the chat ACTIVE). If the agent does not answer before the deadline (default
120 s, kept in the saga so a resumed worker waits for the same deadline) or goes offline, the
saga compensates in reverse: tells the visitor the agent could not come, unmutes the bot,
releases the chat to the pending queue. Then ``on_compensated`` hands the chat on: a follow-up
saga (its id derived from this one's) tries the next agent; when no agent is left, the
visitor is told they are in the queue.

A caller (the bot) can shape what is said through the saga's context: ``texts`` replaces the
``joining`` / ``withdrawn`` / ``queued`` / ``summary`` templates (in the visitor's language),
``messageMetadata`` and ``summaryMetadata`` are added to the metadata of what the visitor and
the agent see, and ``tried`` names agents not to try. Every follow-up saga inherits them.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from guiders.client import GuidersClient
from guiders.domain.errors import Conflict
from guiders.pipeline import templates
from guiders.pipeline.saga_store import SagaState, SagaStore
from guiders.pipeline.sagas import SagaDefinition, SagaRunner, Step, StepContext, StepFailed

TYPE = "escalation"
NAMESPACE = uuid.UUID("6f1c1e0e-7a53-4a8e-9d0b-1f3a5c2b7e10")


@dataclass(frozen=True, slots=True)
class EscalationSettings:
    answer_timeout_s: float = 120.0
    poll_s: float = 1.0
    joining: str = "{{ agent }} is joining the conversation and will answer you in a moment."
    withdrawn: str = "{{ agent }} could not join right now. Let me find someone else for you."
    queued: str = (
        "All our agents are busy at the moment. You are in the queue and the next free agent "
        "will answer you here."
    )
    summary: str = "Escalated by the AI assistant ({{ reason }}) to {{ agent }}.\n{{ summary }}"


def next_saga_id(saga_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{saga_id}:next"))


def escalation_saga(
    client: GuidersClient, store: SagaStore, settings: EscalationSettings | None = None
) -> SagaDefinition:
    cfg = settings or EscalationSettings()

    def text(ctx: StepContext, key: str, default: str) -> str:
        given = (ctx.data.get("texts") or {}).get(key)
        return str(given) if given else default

    async def say(
        ctx: StepContext,
        key: str,
        template: str,
        extra: dict[str, Any] | None = None,
        **variables: Any,
    ) -> None:
        metadata = {
            **(ctx.data.get("messageMetadata") or {}),
            "sagaId": ctx.saga_id,
            "isEscalation": True,
            **(extra or {}),
        }
        await client.send_message(
            ctx.data["chatId"],
            templates.render(text(ctx, key, template), variables),
            type="ai-response",
            metadata=metadata,
            client_message_id=f"saga-{ctx.saga_id}-{key}",
        )

    async def reserve_agent(ctx: StepContext) -> None:
        d = ctx.data
        chat = await client.get_chat(d["chatId"])
        if d.get("agentId") and chat.assigned_commercial_id == d["agentId"]:
            return
        if not chat.is_open:
            raise StepFailed(f"the chat is {chat.status}")
        available = await client.available_commercials()
        chosen = [c for c in available if c.id == d.get("agentId")]  # resumed before assigning
        if not chosen:
            tried = set(d.get("tried", []))
            chosen = [c for c in available if c.id not in tried]
        if not chosen:
            raise StepFailed("no agent is available")
        agent = chosen[0]
        if d.get("agentId") != agent.id:
            d["agentId"], d["agentName"] = agent.id, agent.name
            d["tried"] = [*d.get("tried", []), agent.id]
            await ctx.heartbeat()  # who we are about to assign, saved before the effect
        try:
            await client.assign(d["chatId"], agent.id)
        except Conflict:
            chat = await client.get_chat(d["chatId"])
            if chat.assigned_commercial_id != agent.id:
                raise

    async def release(ctx: StepContext) -> None:
        d = ctx.data
        chat = await client.get_chat(d["chatId"])
        if chat.is_open and chat.assigned_commercial_id == d.get("agentId"):
            await client.request(
                "PUT",
                f"/v2/chats/{d['chatId']}/release",
                json={"reason": f"escalation: {d.get('failure', 'compensated')}"[:200]},
            )

    async def post_summary(ctx: StepContext) -> None:
        d = ctx.data
        variables = {
            "reason": d.get("reason", "escalation"),
            "summary": d.get("summary"),
            "agent": d.get("agentName"),
        }
        await client.send_message(
            d["chatId"],
            templates.render(text(ctx, "summary", cfg.summary), variables),
            type="internal",
            metadata={**(d.get("summaryMetadata") or {}), "sagaId": ctx.saga_id},
            client_message_id=f"saga-{ctx.saga_id}-summary",
        )

    async def set_muted(ctx: StepContext, muted: bool) -> None:
        await client.request(
            "PATCH",
            f"/v2/chats/{ctx.data['chatId']}/custom-fields",
            json={"customFields": {"botMuted": muted}},
        )

    async def mute_bot(ctx: StepContext) -> None:
        await set_muted(ctx, True)

    async def unmute_bot(ctx: StepContext) -> None:
        await set_muted(ctx, False)

    async def tell_visitor(ctx: StepContext) -> None:
        d = ctx.data
        coming = {"assignedTo": {"id": d["agentId"], "name": d["agentName"]}}
        await say(ctx, "joining", cfg.joining, coming, agent=d["agentName"])

    async def withdraw(ctx: StepContext) -> None:
        await say(
            ctx,
            "withdrawn",
            cfg.withdrawn,
            {"isEscalationWithdrawn": True},
            agent=ctx.data["agentName"],
        )

    async def await_answer(ctx: StepContext) -> None:
        d = ctx.data
        timeout = float(d.get("answerTimeoutS", cfg.answer_timeout_s))
        if "deadline" not in d:
            d["deadline"] = (datetime.now(UTC) + timedelta(seconds=timeout)).isoformat()
            await ctx.heartbeat()
        deadline = datetime.fromisoformat(d["deadline"])
        while True:
            chat = await client.get_chat(d["chatId"])
            if not chat.is_open or chat.assigned_commercial_id != d["agentId"]:
                return  # closed, or moved by a supervisor: nothing left to wait for
            if chat.status == "ACTIVE":
                return
            agents = {c.id: c for c in await client.list_commercials()}
            agent = agents.get(d["agentId"])
            if agent is None or agent.status == "offline":
                raise StepFailed(f"{d['agentName']} went offline")
            if datetime.now(UTC) >= deadline:
                raise StepFailed(f"{d['agentName']} did not answer within {timeout:g} s")
            await ctx.heartbeat()
            await asyncio.sleep(cfg.poll_s)

    async def hand_on(ctx: StepContext) -> None:
        d = ctx.data
        if d.get("failedStep") == "reserve_agent":
            if "no agent" in d.get("failure", ""):
                queued = {
                    "isEscalation": False,
                    "isEscalationPending": True,
                    "triedAgents": d.get("tried", []),
                }
                await say(ctx, "queued", cfg.queued, queued)
                d["queued"] = True
            return
        keep = (
            "chatId", "summary", "reason", "tried", "answerTimeoutS",
            "texts", "messageMetadata", "summaryMetadata",
        )  # fmt: skip
        follow_up: dict[str, Any] = {k: d[k] for k in keep if k in d}
        next_id = next_saga_id(ctx.saga_id)
        d["next"] = next_id
        with contextlib.suppress(Conflict):  # created before a crash: it exists, enough
            await store.save(SagaState(id=next_id, type=TYPE, context=follow_up))

    return SagaDefinition(
        type=TYPE,
        steps=(
            Step("reserve_agent", reserve_agent, release),
            Step("post_summary", post_summary),
            Step("mute_bot", mute_bot, unmute_bot),
            Step("tell_visitor", tell_visitor, withdraw),
            Step("await_answer", await_answer),
        ),
        on_compensated=hand_on,
    )


async def escalate(
    runner: SagaRunner,
    chat_id: str,
    *,
    summary: str,
    reason: str,
    saga_id: str | None = None,
    answer_timeout_s: float | None = None,
    extra: dict[str, Any] | None = None,
) -> SagaState:
    """Hands a chat to a human; follows the chain of attempts until one completes or none is
    left. The id defaults to one per chat and reason, so asking twice escalates once.
    ``extra``: more context (``texts``, ``messageMetadata``, ``summaryMetadata``, ``tried``)."""
    context: dict[str, Any] = {
        **(extra or {}),
        "chatId": chat_id,
        "summary": summary,
        "reason": reason,
    }
    if answer_timeout_s is not None:
        context["answerTimeoutS"] = answer_timeout_s
    sid = saga_id or str(uuid.uuid5(NAMESPACE, f"{chat_id}:{reason}"))
    state = await runner.start(TYPE, sid, context)
    return await follow(runner, state)


async def follow(runner: SagaRunner, state: SagaState) -> SagaState:
    """From a finished escalation saga to the last one of its chain of attempts."""
    while state.status == "FAILED" and state.context.get("next"):
        nxt = await runner.store.load(state.context["next"])
        if nxt is None:
            break
        state = await runner.run(nxt)
    return state
