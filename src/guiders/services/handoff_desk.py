"""The server's side of the hand-off saga: its ``HandoffDesk`` over the use cases, and its
``SagaStore`` over the saga table.

The hand-off acts as the company's bot (an integration principal of its own, its messages signed
with the company's bot name like the bot's, ``bot_identity.py``), through
the same services and checks as a request would; its sagas are written as ``PUT
/v2/sagas/{id}`` writes them, so their steps and status changes are in the event log.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from guiders.domain.agent import AgentStatus
from guiders.domain.chat import OPEN_STATUSES
from guiders.domain.errors import NotFound
from guiders.domain.message import MessageType
from guiders.domain.saga import Saga, SagaStatus
from guiders.domain.settings import DEFAULT_BOT_NAME
from guiders.sagas import SagaState, SagaStore
from guiders.services.access import Principal, PrincipalKind
from guiders.services.agents import AgentService
from guiders.services.chats import ChatService
from guiders.services.handoff_saga import Agent, ChatState
from guiders.services.messages import MessageDraft, MessageService
from guiders.services.ports import Actor, UnitOfWorkFactory
from guiders.services.sagas import SagaWrite, write_saga

HANDOFF_SUBJECT = uuid.UUID("0b9f3a52-55d4-4c59-a1a7-3f0d6c1e4a20")
"""The id the hand-off acts under (its messages' sender, its events' actor)."""
HANDOFF_ACTOR = Actor(id=str(HANDOFF_SUBJECT), type="system")


def handoff_principal(company_id: UUID) -> Principal:
    return Principal(
        kind=PrincipalKind.INTEGRATION,
        company_id=company_id,
        subject_id=HANDOFF_SUBJECT,
        name=DEFAULT_BOT_NAME,  # its messages carry the company's own (``BotIdentity``)
    )


class ServiceDesk:
    """``HandoffDesk`` for one company, over the server's use cases."""

    def __init__(
        self,
        company_id: UUID,
        chats: ChatService,
        messages: MessageService,
        agents: AgentService,
    ) -> None:
        self._principal = handoff_principal(company_id)
        self._chats, self._messages, self._agents = chats, messages, agents

    async def chat(self, chat_id: str) -> ChatState:
        chat = (await self._chats.get(self._principal, UUID(chat_id))).chat
        assigned = chat.assigned_agent_id
        return ChatState(
            status=chat.status.value,
            is_open=chat.status in OPEN_STATUSES,
            assigned_to=str(assigned) if assigned else None,
        )

    async def available_agents(self) -> list[Agent]:
        ranked = await self._agents.assignable(self._principal.company_id)
        return [_agent(c.agent.id, c.agent.name, c.agent.status) for c in ranked]

    async def agent(self, agent_id: str) -> Agent | None:
        everyone = await self._agents.listing(self._principal, available_only=False, order_by=None)
        found = [c.agent for c in everyone if str(c.agent.id) == agent_id]
        return _agent(found[0].id, found[0].name, found[0].status) if found else None

    async def assign(self, chat_id: str, agent_id: str) -> None:
        await self._chats.assign(
            self._principal, UUID(chat_id), UUID(agent_id), reason="escalation"
        )

    async def release(self, chat_id: str, reason: str) -> None:
        await self._chats.release(self._principal, UUID(chat_id), reason)

    async def say(
        self, chat_id: str, content: str, *, internal: bool, metadata: dict[str, Any], key: str
    ) -> None:
        draft = MessageDraft(
            content=content,
            type=MessageType.INTERNAL if internal else MessageType.AI_RESPONSE,
            is_internal=internal,
            metadata=metadata,
            client_message_id=key,
        )
        await self._messages.send(self._principal, UUID(chat_id), draft)

    async def set_bot_muted(self, chat_id: str, muted: bool) -> None:
        await self._chats.set_custom_fields(self._principal, UUID(chat_id), {"botMuted": muted})


def _agent(id: UUID, name: str, status: AgentStatus) -> Agent:
    return Agent(id=str(id), name=name, status=status.value)


class SagaRecords(SagaStore):
    """The saga table, for sagas the server runs itself (every company's; the company is in
    the saga's context as ``companyId``)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def load(self, saga_id: str) -> SagaState | None:
        async with self._uow() as uow:
            saga = await uow.sagas.get(UUID(saga_id))
        return _state(saga) if saga is not None else None

    async def save(self, state: SagaState) -> SagaState:
        try:
            company_id = UUID(str(state.context["companyId"]))
        except (KeyError, ValueError) as exc:
            raise NotFound("Saga not found: no company", field="companyId") from exc
        write = SagaWrite(
            type=state.type,
            status=SagaStatus(state.status),
            steps=state.steps,
            context=state.context,
            expected_revision=state.revision,
            error=state.error,
            owner=state.owner,
            lease_expires_at=state.lease_expires_at,
        )
        saved = await write_saga(self._uow, company_id, HANDOFF_ACTOR, UUID(state.id), write)
        return _state(saved)

    async def unfinished(self, type: str | None = None) -> list[SagaState]:
        if type is None:
            raise ValueError("the server resumes its sagas one type at a time")
        async with self._uow() as uow:
            return [_state(s) for s in await uow.sagas.unfinished(type, limit=500)]


def _state(saga: Saga) -> SagaState:
    return SagaState(
        id=str(saga.id),
        type=saga.type,
        status=saga.status.value,
        steps=[dict(s) for s in saga.steps],
        context=dict(saga.context),
        revision=saga.revision,
        error=saga.error,
        owner=saga.owner,
        lease_expires_at=saga.lease_expires_at,
    )
