"""One transaction over every repository, with the events it appends (``store/`` implements it)."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from guiders.domain.chat import Chat
from guiders.domain.events import Aggregate, DomainEvent, StoredEvent, Stream
from guiders.domain.message import Message
from guiders.services.knowledge_ports import KnowledgeRepository
from guiders.services.ports.agent_tools import (
    CannedRepository,
    ConversationSearch,
    DepartmentRepository,
)
from guiders.services.ports.attachments import AttachmentRepository
from guiders.services.ports.chat_mail import ChatMailRecords
from guiders.services.ports.mail import MailQueue
from guiders.services.ports.repositories import (
    SYSTEM,
    Actor,
    AgentRepository,
    AnalysisRepository,
    ChatRepository,
    ConsumerState,
    EventGroup,
    EventLog,
    MessageRepository,
    SagaRepository,
    SecurityStore,
    Tenancy,
    VisitorRepository,
)
from guiders.services.ports.service_levels import ServiceLevelStore
from guiders.services.ports.settings import SettingsStore
from guiders.services.privacy_ports import PrivacyStore

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
"""Set per request by the API; every event appended during it carries the same id."""

AfterCommit = Callable[[list[StoredEvent]], Awaitable[None]]


class UnitOfWork(abc.ABC):
    """One transaction: repositories see it, events are appended in it, all or nothing.

    Leaving the ``async with`` block without ``commit()`` rolls back. What a commit stored is
    handed to ``after_commit`` (the relay) once the block is left and the connection released,
    so subscribers can open units of work of their own.
    """

    tenancy: Tenancy
    chats: ChatRepository
    messages: MessageRepository
    visitors: VisitorRepository
    agents: AgentRepository
    events: EventLog
    analyses: AnalysisRepository
    mail: MailQueue
    sagas: SagaRepository
    consumers: ConsumerState
    knowledge: KnowledgeRepository
    security: SecurityStore
    settings: SettingsStore
    chat_mail: ChatMailRecords
    canned: CannedRepository
    departments: DepartmentRepository
    search: ConversationSearch
    attachments: AttachmentRepository
    privacy: PrivacyStore
    service_levels: ServiceLevelStore

    def __init__(self, after_commit: AfterCommit | None = None) -> None:
        self._after_commit = after_commit
        self.actor: Actor = SYSTEM
        self.correlation_id: str | None = correlation_id_var.get()
        self.committed_events: list[StoredEvent] = []
        self._tracked: list[Aggregate] = []
        self._loose: list[DomainEvent] = []
        self._groups: list[EventGroup] = []

    def track(self, aggregate: Aggregate) -> None:
        """Collect the aggregate's new events at commit."""
        if not any(a is aggregate for a in self._tracked):
            self._tracked.append(aggregate)

    def record(self, event: DomainEvent) -> None:
        """A fact that belongs to no aggregate here (company created, key revoked...)."""
        self._loose.append(event)

    def record_fact(self, stream: Stream, type: str, payload: dict[str, Any]) -> None:
        """A loose fact of its own stream, happening now: the first version of that stream
        (a company, a site, a key, a staff member created or changed by an admin)."""
        self.record(stream.event(type, datetime.now(UTC), payload, version=1))

    def record_for(
        self, events: list[DomainEvent], actor: Actor, correlation_id: str | None
    ) -> None:
        """Events appended at commit on behalf of another actor than this unit's (a group
        commit: each request's events keep its caller and correlation id), after this unit's own.
        """
        if events:
            self._groups.append(EventGroup(events, actor, correlation_id))

    async def commit(self) -> None:
        new_events = list(self._loose)
        for aggregate in self._tracked:
            new_events.extend(aggregate.take_events())
        self._loose.clear()
        groups = [EventGroup(new_events, self.actor, self.correlation_id)] if new_events else []
        groups.extend(self._groups)
        self._groups = []
        stored = await self.events.append_groups(groups) if groups else []
        await self._commit()
        self.committed_events.extend(stored)

    async def commit_batch(self, messages: Sequence[Message], chats: Iterable[Chat]) -> None:
        """A group commit's writes, then ``commit``: its new messages and each chat it changed.
        A store may send them with the events in fewer statements (PostgreSQL does)."""
        await self.messages.add_many(messages)
        for chat in chats:
            await self.chats.save(chat)
        await self.commit()

    @abc.abstractmethod
    async def _commit(self) -> None: ...

    @abc.abstractmethod
    async def rollback(self) -> None: ...

    @abc.abstractmethod
    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()
        if self.committed_events and self._after_commit is not None:
            published, self.committed_events = self.committed_events, []
            await self._after_commit(published)

    @abc.abstractmethod
    async def _close(self) -> None:
        """Roll back anything uncommitted and release the connection."""


UnitOfWorkFactory = Callable[[], UnitOfWork]
