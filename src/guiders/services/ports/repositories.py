"""The repositories the use cases read and write through, and the values they carry.

``store/`` implements them with SQLAlchemy; a unit of work (``unit_of_work.py``) holds one of
each, in one transaction.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

from guiders.domain.agent import Agent
from guiders.domain.analysis import Analysis, Conversion
from guiders.domain.chat import Chat, ChatStatus, Priority
from guiders.domain.company import ApiKey, Company, Site, StaffUser
from guiders.domain.events import DomainEvent, StoredEvent
from guiders.domain.login_throttle import Throttle
from guiders.domain.message import Message
from guiders.domain.saga import Saga, SagaStatus
from guiders.domain.visitor import TrackingEvent, Visitor, VisitorSession


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it; kept with every event (``performed_by``) so automations can skip their own."""

    id: str | None
    type: str  # visitor | agent | supervisor | admin | integration | system


SYSTEM = Actor(id=None, type="system")


T = TypeVar("T")


@dataclass(slots=True)
class ChatQuery:
    company_id: UUID
    status: list[ChatStatus] | None = None
    priority: list[Priority] | None = None
    visitor_id: UUID | None = None
    assigned_agent_id: UUID | None = None
    department: str | None = None
    tag: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    sort: str = "createdAt"
    descending: bool = True
    limit: int = 20
    cursor: tuple[str, str] | None = None  # (sort value, id) of the last item of the page


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    next_cursor: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class RefreshToken:
    id: UUID
    token_hash: str
    family_id: UUID
    subject_id: UUID
    subject_type: str
    company_id: UUID
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(slots=True)
class EventFilter:
    company_id: UUID
    aggregate_id: UUID | None = None
    from_version: int | None = None
    types: list[str] = field(default_factory=list)
    after_seq: int | None = None
    limit: int = 100


class Tenancy(abc.ABC):
    @abc.abstractmethod
    async def add_company(self, company: Company) -> None: ...
    @abc.abstractmethod
    async def get_company(self, company_id: UUID) -> Company | None: ...
    @abc.abstractmethod
    async def add_site(self, site: Site) -> None: ...
    @abc.abstractmethod
    async def site_by_key(self, site_key: str) -> Site | None: ...
    @abc.abstractmethod
    async def sites_of(self, company_id: UUID) -> list[Site]: ...
    @abc.abstractmethod
    async def get_site(self, site_id: UUID) -> Site | None: ...
    @abc.abstractmethod
    async def all_sites(self) -> list[Site]: ...
    @abc.abstractmethod
    async def save_site(self, site: Site) -> None:
        """Name, domain, aliases and revocation of a site of its company."""

    @abc.abstractmethod
    async def staff_of(self, company_id: UUID) -> list[StaffUser]: ...
    @abc.abstractmethod
    async def save_staff(self, user: StaffUser) -> None:
        """Name, role and deactivation of a staff member of its company."""

    @abc.abstractmethod
    async def add_staff(self, user: StaffUser) -> None: ...
    @abc.abstractmethod
    async def staff_by_email(self, email: str) -> StaffUser | None: ...
    @abc.abstractmethod
    async def get_staff(self, user_id: UUID) -> StaffUser | None: ...
    @abc.abstractmethod
    async def add_api_key(self, key: ApiKey) -> None: ...
    @abc.abstractmethod
    async def api_key_by_hash(self, key_hash: str) -> ApiKey | None: ...
    @abc.abstractmethod
    async def revoke_api_key(self, key_id: UUID, company_id: UUID, at: datetime) -> bool: ...
    @abc.abstractmethod
    async def list_api_keys(self, company_id: UUID | None) -> list[ApiKey]: ...
    @abc.abstractmethod
    async def add_refresh_token(self, token: RefreshToken) -> None: ...
    @abc.abstractmethod
    async def refresh_token_by_hash(self, token_hash: str) -> RefreshToken | None: ...
    @abc.abstractmethod
    async def mark_refresh_used(self, token_id: UUID, at: datetime) -> bool:
        """True only for the first caller: a second use of one token reveals a theft."""

    @abc.abstractmethod
    async def revoke_refresh_family(self, family_id: UUID, at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    """A staff member's second factor: the secret (encrypted at rest), whether it is confirmed,
    the last time step used (a code is good once) and the recovery codes' hashes."""

    staff_id: UUID
    secret_ciphertext: str
    confirmed_at: datetime | None = None
    last_step: int = 0
    recovery_hashes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Invitation:
    id: UUID
    token_hash: str
    company_id: UUID
    email: str
    role: str
    expires_at: datetime
    accepted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredSecret:
    company_id: UUID
    name: str
    ciphertext: str
    updated_at: datetime


class SecurityStore(abc.ABC):
    """Login throttles, second factors, invitations, companies' security settings and secrets."""

    @abc.abstractmethod
    async def throttle(self, key: str, *, for_update: bool = False) -> Throttle: ...
    @abc.abstractmethod
    async def save_throttle(self, throttle: Throttle) -> None:
        """Stores the state; a state with nothing to remember deletes the row."""

    @abc.abstractmethod
    async def prune_throttles(self, quiet_since: datetime) -> int:
        """Forgets keys with no failure and no lock since ``quiet_since``."""

    @abc.abstractmethod
    async def totp(self, staff_id: UUID) -> TotpEnrolment | None: ...
    @abc.abstractmethod
    async def save_totp(self, enrolment: TotpEnrolment) -> None: ...
    @abc.abstractmethod
    async def delete_totp(self, staff_id: UUID) -> None: ...
    @abc.abstractmethod
    async def use_totp_step(self, staff_id: UUID, step: int) -> bool:
        """True only when ``step`` is later than the last one used (atomically)."""

    @abc.abstractmethod
    async def add_invitation(self, invitation: Invitation) -> None: ...
    @abc.abstractmethod
    async def invitation_by_hash(self, token_hash: str) -> Invitation | None: ...
    @abc.abstractmethod
    async def accept_invitation(self, invitation_id: UUID, at: datetime) -> bool:
        """True only for the first caller: an invitation is used once."""

    @abc.abstractmethod
    async def admins_need_totp(self, company_id: UUID) -> bool: ...
    @abc.abstractmethod
    async def set_admins_need_totp(self, company_id: UUID, required: bool) -> None: ...
    @abc.abstractmethod
    async def secret(self, company_id: UUID, name: str) -> StoredSecret | None: ...
    @abc.abstractmethod
    async def secrets_of(self, company_id: UUID) -> list[StoredSecret]: ...
    @abc.abstractmethod
    async def save_secret(self, secret: StoredSecret) -> None: ...
    @abc.abstractmethod
    async def delete_secret(self, company_id: UUID, name: str) -> bool: ...


class ChatRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, chat: Chat) -> None: ...
    @abc.abstractmethod
    async def get(self, chat_id: UUID, *, for_update: bool = False) -> Chat | None: ...
    async def get_many(
        self, chat_ids: Sequence[UUID], *, for_update: bool = False
    ) -> dict[UUID, Chat]:
        """The chats found among ``chat_ids``, locked in id order (two batches locking the
        same chats never wait on each other crosswise)."""
        found = {cid: await self.get(cid, for_update=for_update) for cid in sorted(chat_ids)}
        return {cid: chat for cid, chat in found.items() if chat is not None}

    @abc.abstractmethod
    async def save(self, chat: Chat) -> None: ...
    @abc.abstractmethod
    async def find(self, query: ChatQuery) -> Page[Chat]: ...
    @abc.abstractmethod
    async def pending_queue(self, company_id: UUID, limit: int) -> list[Chat]: ...
    @abc.abstractmethod
    async def count_pending(self, company_id: UUID) -> int:
        """Chats waiting in the company's queue (a new chat's position)."""

    @abc.abstractmethod
    async def count_open_of_visitor(self, visitor_id: UUID) -> int:
        """The visitor's chats that are not over (``OPEN_STATUSES``): the per-visitor cap."""

    @abc.abstractmethod
    async def workloads(self, company_id: UUID) -> dict[UUID, int]: ...
    @abc.abstractmethod
    async def unread_counts(
        self, chat_ids: Sequence[UUID], reader_role: str
    ) -> dict[UUID, int]: ...


class MessageRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, message: Message) -> None: ...
    async def add_many(self, messages: Sequence[Message]) -> None:
        """One statement for many (a group commit's messages)."""
        for message in messages:
            await self.add(message)

    @abc.abstractmethod
    async def by_client_id(
        self, chat_id: UUID, sender_id: UUID, client_message_id: str
    ) -> Message | None: ...
    async def by_client_ids(
        self, keys: Sequence[tuple[UUID, UUID, str]]
    ) -> dict[tuple[UUID, UUID, str], Message]:
        """The messages stored under any of ``(chat_id, sender_id, client_message_id)``."""
        found = {key: await self.by_client_id(*key) for key in keys}
        return {key: m for key, m in found.items() if m is not None}

    @abc.abstractmethod
    async def page(
        self,
        chat_id: UUID,
        *,
        newest_first: bool,
        limit: int,
        cursor: tuple[str, str] | None,
        since: datetime | None,
        include_internal: bool,
    ) -> Page[Message]: ...
    @abc.abstractmethod
    async def unread(self, chat_id: UUID, *, reader_role: str) -> list[Message]: ...
    @abc.abstractmethod
    async def mark_read(self, chat_id: UUID, message_ids: Sequence[UUID], at: datetime) -> None: ...
    @abc.abstractmethod
    async def group_by_chat(self, message_ids: Sequence[UUID]) -> dict[UUID, list[UUID]]: ...


class VisitorRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, visitor: Visitor) -> None: ...
    @abc.abstractmethod
    async def get(self, visitor_id: UUID, *, for_update: bool = False) -> Visitor | None:
        """``for_update``: held until commit, so that one visitor's concurrent requests that
        count then add (the open-chat cap) run one after the other."""

    @abc.abstractmethod
    async def by_fingerprint(self, site_id: UUID, fingerprint: str) -> Visitor | None: ...
    @abc.abstractmethod
    async def save(self, visitor: Visitor) -> None: ...
    @abc.abstractmethod
    async def touch(self, visitor_id: UUID, at: datetime) -> None: ...
    @abc.abstractmethod
    async def add_session(self, session: VisitorSession) -> None: ...
    @abc.abstractmethod
    async def get_session(self, session_id: UUID) -> VisitorSession | None: ...
    @abc.abstractmethod
    async def save_session(self, session: VisitorSession) -> None: ...
    @abc.abstractmethod
    async def sessions(self, visitor_id: UUID, limit: int) -> list[VisitorSession]: ...
    @abc.abstractmethod
    async def add_tracking(self, events: Sequence[TrackingEvent]) -> None: ...
    @abc.abstractmethod
    async def tracking(self, visitor_id: UUID, limit: int) -> list[TrackingEvent]: ...


class AgentRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, agent: Agent) -> None: ...
    @abc.abstractmethod
    async def get(self, agent_id: UUID) -> Agent | None: ...
    @abc.abstractmethod
    async def save(self, agent: Agent) -> None: ...
    @abc.abstractmethod
    async def of_company(self, company_id: UUID) -> list[Agent]: ...
    async def not_offline(self, limit: int) -> list[Agent]:
        """Agents of every company whose status is not offline (presence's sweep)."""
        return []


class AnalysisRepository(abc.ABC):
    @abc.abstractmethod
    async def get(self, visitor_id: UUID) -> Analysis | None: ...
    @abc.abstractmethod
    async def save(self, analysis: Analysis) -> None:
        """Insert or replace the visitor's current analysis."""

    @abc.abstractmethod
    async def add_conversion(self, conversion: Conversion) -> None: ...
    @abc.abstractmethod
    async def conversions(self, visitor_id: UUID) -> list[Conversion]: ...


@dataclass(slots=True)
class DeadLetter:
    id: UUID
    company_id: UUID
    consumer: str
    event_id: UUID
    seq: int
    event: dict[str, object]
    error: str
    attempts: int
    status: str  # parked | retrying | resolved
    created_at: datetime
    updated_at: datetime


class SagaRepository(abc.ABC):
    @abc.abstractmethod
    async def get(self, saga_id: UUID) -> Saga | None: ...
    @abc.abstractmethod
    async def add(self, saga: Saga) -> None: ...
    @abc.abstractmethod
    async def save(self, saga: Saga, previous_revision: int) -> bool:
        """False when another writer changed it first (nothing is written then)."""

    @abc.abstractmethod
    async def find(
        self, company_id: UUID, statuses: list[SagaStatus], type: str | None, limit: int
    ) -> list[Saga]: ...
    @abc.abstractmethod
    async def unfinished(self, type: str, limit: int) -> list[Saga]:
        """STARTED or COMPENSATING sagas of every company, least recently moved first (the
        server's own workers resume them)."""


class ConsumerState(abc.ABC):
    """Where a stream consumer got to, and the events it gave up on (dead letters)."""

    @abc.abstractmethod
    async def position(self, company_id: UUID, consumer: str) -> int | None: ...
    @abc.abstractmethod
    async def set_position(
        self, company_id: UUID, consumer: str, seq: int, at: datetime
    ) -> None: ...
    @abc.abstractmethod
    async def park(self, letter: DeadLetter) -> DeadLetter:
        """Stores it, or updates the error and attempts of the same consumer and event."""

    @abc.abstractmethod
    async def dead_letters(
        self, company_id: UUID, consumer: str | None, status: str | None, limit: int
    ) -> list[DeadLetter]: ...
    @abc.abstractmethod
    async def get_dead_letter(self, letter_id: UUID) -> DeadLetter | None: ...
    @abc.abstractmethod
    async def set_dead_letter_status(self, letter_id: UUID, status: str, at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class EventGroup:
    """Events appended on behalf of one actor (one request), in their order."""

    events: Sequence[DomainEvent]
    actor: Actor
    correlation_id: str | None


class EventLog(abc.ABC):
    async def append(
        self, events: Sequence[DomainEvent], actor: Actor, correlation_id: str | None
    ) -> list[StoredEvent]:
        return await self.append_groups([EventGroup(events, actor, correlation_id)])

    @abc.abstractmethod
    async def append_groups(self, groups: Sequence[EventGroup]) -> list[StoredEvent]:
        """Every group's events numbered in order, group after group, in one go (a group
        commit appends the events of many requests, each with its own actor)."""

    @abc.abstractmethod
    async def read(self, query: EventFilter) -> list[StoredEvent]: ...
    @abc.abstractmethod
    async def last_seq(self, company_id: UUID) -> int: ...
