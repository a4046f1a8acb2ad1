"""What the use cases need from the outside world, as small abstract interfaces.

``store/`` implements them with SQLAlchemy; ``bus/`` implements ``EventBus``.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from uuid import UUID

from guiders.domain.analysis import Analysis, Conversion
from guiders.domain.chat import Chat, ChatStatus, Priority
from guiders.domain.commercial import Commercial
from guiders.domain.company import ApiKey, Company, Site, StaffUser
from guiders.domain.events import Aggregate, DomainEvent, StoredEvent
from guiders.domain.login_throttle import Throttle
from guiders.domain.message import Message
from guiders.domain.saga import Saga, SagaStatus
from guiders.domain.visitor import TrackingEvent, Visitor, VisitorSession
from guiders.services.knowledge_ports import KnowledgeRepository


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it; kept with every event (``performed_by``) so automations can skip their own."""

    id: str | None
    type: str  # visitor | commercial | supervisor | admin | integration | system


SYSTEM = Actor(id=None, type="system")


T = TypeVar("T")


@dataclass(slots=True)
class ChatQuery:
    company_id: UUID
    status: list[ChatStatus] | None = None
    priority: list[Priority] | None = None
    visitor_id: UUID | None = None
    assigned_commercial_id: UUID | None = None
    department: str | None = None
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
    async def workloads(self, company_id: UUID) -> dict[UUID, int]: ...
    @abc.abstractmethod
    async def unread_counts(
        self, chat_ids: Sequence[UUID], reader_role: str
    ) -> dict[UUID, int]: ...


class MessageRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, message: Message) -> None: ...
    @abc.abstractmethod
    async def by_client_id(
        self, chat_id: UUID, sender_id: UUID, client_message_id: str
    ) -> Message | None: ...
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
    async def get(self, visitor_id: UUID) -> Visitor | None: ...
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


class CommercialRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, commercial: Commercial) -> None: ...
    @abc.abstractmethod
    async def get(self, commercial_id: UUID) -> Commercial | None: ...
    @abc.abstractmethod
    async def save(self, commercial: Commercial) -> None: ...
    @abc.abstractmethod
    async def of_company(self, company_id: UUID) -> list[Commercial]: ...


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
class QueuedEmail:
    id: UUID
    company_id: UUID
    visitor_id: UUID
    kind: str
    to_address: str
    subject: str
    body: str
    created_at: datetime
    next_attempt_at: datetime
    status: str = "pending"  # pending | sent | failed
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None


class MailQueue(abc.ABC):
    """The e-mail outbox: rows written in the deciding transaction, sent later, retried."""

    @abc.abstractmethod
    async def add(self, email: QueuedEmail) -> None: ...
    @abc.abstractmethod
    async def last_queued_at(self, visitor_id: UUID, kind: str) -> datetime | None: ...
    @abc.abstractmethod
    async def claim_due(self, now: datetime, lease_s: float, limit: int) -> list[QueuedEmail]:
        """Due pending rows, leased so that no other process sends them meanwhile."""

    @abc.abstractmethod
    async def mark_sent(self, email_id: UUID, at: datetime) -> None: ...
    @abc.abstractmethod
    async def mark_failed(
        self, email_id: UUID, error: str, next_attempt_at: datetime, final: bool
    ) -> None: ...
    @abc.abstractmethod
    async def of_visitor(self, visitor_id: UUID) -> list[QueuedEmail]: ...
    @abc.abstractmethod
    async def get(self, email_id: UUID) -> QueuedEmail | None: ...


class MailSender(abc.ABC):
    """Hands one e-mail to the mail server; raises on failure (the caller retries)."""

    @abc.abstractmethod
    async def send(self, email: QueuedEmail) -> None: ...


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


class EventLog(abc.ABC):
    @abc.abstractmethod
    async def append(
        self, events: Sequence[DomainEvent], actor: Actor, correlation_id: str | None
    ) -> list[StoredEvent]: ...
    @abc.abstractmethod
    async def read(self, query: EventFilter) -> list[StoredEvent]: ...
    @abc.abstractmethod
    async def last_seq(self, company_id: UUID) -> int: ...


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
    commercials: CommercialRepository
    events: EventLog
    analyses: AnalysisRepository
    mail: MailQueue
    sagas: SagaRepository
    consumers: ConsumerState
    knowledge: KnowledgeRepository
    security: SecurityStore

    def __init__(self, after_commit: AfterCommit | None = None) -> None:
        self._after_commit = after_commit
        self.actor: Actor = SYSTEM
        self.correlation_id: str | None = correlation_id_var.get()
        self.committed_events: list[StoredEvent] = []
        self._tracked: list[Aggregate] = []
        self._loose: list[DomainEvent] = []

    def track(self, aggregate: Aggregate) -> None:
        """Collect the aggregate's new events at commit."""
        if not any(a is aggregate for a in self._tracked):
            self._tracked.append(aggregate)

    def record(self, event: DomainEvent) -> None:
        """A fact that belongs to no aggregate here (company created, key revoked...)."""
        self._loose.append(event)

    async def commit(self) -> None:
        new_events = list(self._loose)
        for aggregate in self._tracked:
            new_events.extend(aggregate.take_events())
        self._loose.clear()
        stored = (
            await self.events.append(new_events, self.actor, self.correlation_id)
            if new_events
            else []
        )
        await self._commit()
        self.committed_events.extend(stored)

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


class EventBus(abc.ABC):
    """Publishes committed events to subscribers (in process, or through Redis)."""

    @abc.abstractmethod
    async def publish(self, events: Sequence[StoredEvent]) -> None: ...

    @abc.abstractmethod
    def subscribe(self, handler: Callable[[StoredEvent], Awaitable[None]]) -> None: ...

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def ping(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class Typing:
    user_id: str
    user_type: str
    since: datetime


class PresenceStore(abc.ABC):
    """Open sockets per user and who is typing in which chat, as every node sees them.

    Ephemeral by design: nothing here is in the event log. Entries expire by themselves
    (``ttl_s``), so a node that dies without closing its sockets stops counting for them.
    """

    @abc.abstractmethod
    async def socket_opened(self, user_id: str, socket_id: str, ttl_s: float) -> int:
        """Returns how many sockets the user now has open, across all nodes."""

    @abc.abstractmethod
    async def socket_closed(self, user_id: str, socket_id: str) -> int: ...

    @abc.abstractmethod
    async def socket_count(self, user_id: str) -> int: ...

    @abc.abstractmethod
    async def refresh(self, sockets: Sequence[tuple[str, str]], ttl_s: float) -> None:
        """Keeps this node's ``(user_id, socket_id)`` entries alive for another ``ttl_s``."""

    @abc.abstractmethod
    async def staff_seen(self, key: str, at: float) -> None:
        """Records that a staff member (``companyId:userId``) had a socket at ``at`` (epoch s)."""

    @abc.abstractmethod
    async def staff_gone(self, key: str) -> None: ...

    @abc.abstractmethod
    async def staff_last_seen(self) -> dict[str, float]: ...

    @abc.abstractmethod
    async def claim(self, name: str, ttl_s: float) -> bool:
        """True for only one caller (of any node) per ``ttl_s``: who does a periodic chore."""

    @abc.abstractmethod
    async def set_typing(self, chat_id: str, typing: Typing, ttl_s: float) -> None: ...

    @abc.abstractmethod
    async def clear_typing(self, chat_id: str, user_id: str) -> None: ...

    @abc.abstractmethod
    async def typing(self, chat_id: str) -> list[Typing]: ...

    async def close(self) -> None:
        return None


class Cache(abc.ABC):
    """Short-lived copies of reads (JSON values) with a time to live: in memory for one process,
    in Redis when several nodes share it. A miss is never an error; writers delete what they
    change."""

    @abc.abstractmethod
    async def get(self, key: str) -> Any | None: ...

    @abc.abstractmethod
    async def set(self, key: str, value: Any, ttl_s: float) -> None: ...

    @abc.abstractmethod
    async def delete(self, key: str) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None:
        """Releases connections, if any."""
