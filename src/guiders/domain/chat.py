"""The chat aggregate and its status machine (the only place that decides a transition)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from guiders.domain.chat_details import ChatMetadata, VisitorInfo
from guiders.domain.errors import Conflict, InvalidTransition, ValidationFailed
from guiders.domain.events import Aggregate, DomainEvent, Stream
from guiders.domain.message import Message


class ChatStatus(StrEnum):
    PENDING = "PENDING"
    ASSIGNED = "ASSIGNED"
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"
    TRANSFERRED = "TRANSFERRED"
    ABANDONED = "ABANDONED"


class Priority(StrEnum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    URGENT = "URGENT"

    @property
    def rank(self) -> int:
        return list(Priority).index(self)


OPEN_STATUSES = frozenset(
    {ChatStatus.PENDING, ChatStatus.ASSIGNED, ChatStatus.ACTIVE, ChatStatus.TRANSFERRED}
)
WORKLOAD_STATUSES = frozenset({ChatStatus.ASSIGNED, ChatStatus.ACTIVE, ChatStatus.TRANSFERRED})
MAX_TAGS = 30
MAX_TRANSFER_NOTE = 1000

S = ChatStatus
TRANSITIONS: dict[ChatStatus, frozenset[ChatStatus]] = {
    S.PENDING: frozenset({S.ASSIGNED, S.CLOSED, S.ABANDONED}),
    S.ASSIGNED: frozenset({S.ACTIVE, S.TRANSFERRED, S.PENDING, S.CLOSED, S.ABANDONED}),
    S.ACTIVE: frozenset({S.TRANSFERRED, S.PENDING, S.CLOSED, S.ABANDONED}),
    S.TRANSFERRED: frozenset({S.ACTIVE, S.TRANSFERRED, S.PENDING, S.CLOSED, S.ABANDONED}),
    S.CLOSED: frozenset(),
    S.ABANDONED: frozenset(),
}
"""Allowed moves. ASSIGNED is a first assignment; a re-assignment is TRANSFERRED; the assigned
agent's first message makes the chat ACTIVE; CLOSED and ABANDONED are final."""


def check_transition(current: ChatStatus, target: ChatStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(
            f"A chat in status {current} cannot become {target}",
            current=current.value,
            target=target.value,
        )


@dataclass(slots=True)
class Chat(Aggregate):
    id: UUID
    company_id: UUID
    visitor_id: UUID
    status: ChatStatus
    priority: Priority
    visitor_info: VisitorInfo
    metadata: ChatMetadata
    created_at: datetime
    updated_at: datetime
    assigned_agent_id: UUID | None = None
    assigned_at: datetime | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    resolution: str | None = None
    satisfaction: int | None = None
    last_message_at: datetime | None = None
    last_message_preview: str | None = None
    total_messages: int = 0
    agent_requested_at: datetime | None = None

    @classmethod
    def open(
        cls,
        *,
        id: UUID,
        company_id: UUID,
        visitor_info: VisitorInfo,
        metadata: ChatMetadata,
        priority: Priority,
        at: datetime,
    ) -> Chat:
        chat = cls(
            id=id,
            company_id=company_id,
            visitor_id=visitor_info.id,
            status=ChatStatus.PENDING,
            priority=priority,
            visitor_info=visitor_info,
            metadata=metadata,
            created_at=at,
            updated_at=at,
        )
        chat.version = 0
        chat._emit(
            "chat.created",
            at,
            {
                "chat_id": str(id),
                "visitor_id": str(visitor_info.id),
                "status": "PENDING",
                "priority": priority.value,
                "visitor_info": visitor_info.to_dict(),
                "metadata": metadata.facts(),
                "created_at": at.isoformat(),
            },
        )
        return chat

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def assign(
        self, agent_id: UUID, *, reason: str, at: datetime, by_supervisor: bool = False
    ) -> None:
        """First assignment from PENDING; a different agent later only by a supervisor."""
        if self.status == ChatStatus.PENDING:
            target = ChatStatus.ASSIGNED
        elif self.assigned_agent_id == agent_id:
            raise Conflict(
                "The chat is already assigned to this commercial", current=self.status.value
            )
        elif by_supervisor and self.status in WORKLOAD_STATUSES:
            target = ChatStatus.TRANSFERRED
        else:
            raise InvalidTransition(
                f"A chat in status {self.status} cannot be assigned"
                + ("" if by_supervisor else " (re-assignment needs a supervisor)"),
                current=self.status.value,
                target=ChatStatus.ASSIGNED.value,
            )
        self._change_status(
            target, at, agent_id=str(agent_id), assigned_at=at.isoformat(), reason=reason
        )

    def activate(self, at: datetime) -> None:
        self._change_status(ChatStatus.ACTIVE, at)

    def release_to_queue(self, *, reason: str, at: datetime) -> None:
        self._change_status(ChatStatus.PENDING, at, reason=reason)

    def close(
        self, *, reason: str | None, satisfaction: int | None, resolution: str | None, at: datetime
    ) -> None:
        if satisfaction is not None and not 1 <= satisfaction <= 5:
            raise ValidationFailed("satisfaction must be between 1 and 5", field="satisfaction")
        self._change_status(
            ChatStatus.CLOSED,
            at,
            reason=reason,
            satisfaction=satisfaction,
            resolution=resolution,
            closed_at=at.isoformat(),
        )

    def rate(self, satisfaction: int, at: datetime) -> None:
        """The visitor's 1-5 rating after someone else closed the chat; given once."""
        if not 1 <= satisfaction <= 5:
            raise ValidationFailed("satisfaction must be between 1 and 5", field="satisfaction")
        if self.status not in (ChatStatus.CLOSED, ChatStatus.ABANDONED):
            raise InvalidTransition(
                f"A chat in status {self.status} is rated when it closes",
                current=self.status.value,
            )
        if self.satisfaction is not None:
            raise Conflict("The chat is already rated", field="satisfaction")
        payload = {
            "chat_id": str(self.id),
            "visitor_id": str(self.visitor_id),
            "satisfaction": satisfaction,
            "rated_at": at.isoformat(),
        }
        self._emit("chat.rated", at, payload)

    def abandon(self, at: datetime) -> None:
        self._change_status(ChatStatus.ABANDONED, at, closed_at=at.isoformat())

    def request_agent(self, *, reason: str, at: datetime) -> None:
        if not self.is_open:
            raise InvalidTransition(
                f"A chat in status {self.status} cannot request an agent", current=self.status.value
            )
        self._emit(
            "chat.agent_requested",
            at,
            {
                "chat_id": str(self.id),
                "visitor_id": str(self.visitor_id),
                "reason": reason,
                "priority": Priority.URGENT.value,
                "previous_priority": self.priority.value,
            },
        )

    def change_priority(self, priority: Priority, at: datetime) -> None:
        if priority == self.priority:
            return
        self._emit(
            "chat.priority_changed",
            at,
            {
                "chat_id": str(self.id),
                "priority": priority.value,
                "previous_priority": self.priority.value,
            },
        )

    def post_message(self, message: Message) -> None:
        """Messages are events of their chat: the chat is where ordering and status are decided."""
        if self.status in (ChatStatus.CLOSED, ChatStatus.ABANDONED):
            raise Conflict(
                f"The chat is {self.status}; it accepts no messages", current=self.status.value
            )
        payload = message.facts() | {"visitor_id": str(self.visitor_id)}
        self._emit("message.sent", message.sent_at, payload)

    def mark_read(self, message_ids: list[UUID], *, reader_id: UUID, at: datetime) -> None:
        if message_ids:
            self._emit(
                "message.read",
                at,
                {
                    "chat_id": str(self.id),
                    "message_ids": [str(m) for m in message_ids],
                    "reader_id": str(reader_id),
                    "read_at": at.isoformat(),
                },
            )

    def tag(self, tags: list[str], at: datetime) -> None:
        """Adds tags it does not have yet; adding nothing records nothing (idempotent)."""
        new = [t for t in dict.fromkeys(tags) if t not in self.metadata.tags]
        if len(self.metadata.tags) + len(new) > MAX_TAGS:
            raise ValidationFailed(f"a chat holds at most {MAX_TAGS} tags", field="tags")
        if new:
            self._emit("chat.tagged", at, {"chat_id": str(self.id), "tags": new})

    def untag(self, tags: list[str], at: datetime) -> None:
        """Removes the tags it has; removing one it lacks records nothing (idempotent)."""
        gone = [t for t in dict.fromkeys(tags) if t in self.metadata.tags]
        if gone:
            self._emit("chat.untagged", at, {"chat_id": str(self.id), "tags": gone})

    def transfer(
        self,
        *,
        to_agent_id: UUID | None,
        department: str | None,
        note: str | None,
        at: datetime,
    ) -> None:
        """Hands the chat on: to an agent (it becomes theirs) or to a department's queue.

        ``chat.transferred`` says who from, to whom, and the note for the receiving agent; the
        status change that follows is the usual ``chat.status_changed`` (assigned or queued).
        """
        if not self.is_open:
            raise InvalidTransition(
                f"A chat in status {self.status} cannot be transferred", current=self.status.value
            )
        if to_agent_id is None and not department:
            raise ValidationFailed("name an agent or a department", field="commercialId")
        if to_agent_id is not None and to_agent_id == self.assigned_agent_id:
            raise Conflict("The chat is already assigned to this commercial", field="commercialId")
        note = (note or "").strip()
        if len(note) > MAX_TRANSFER_NOTE:
            raise ValidationFailed(f"note: at most {MAX_TRANSFER_NOTE} characters", field="note")
        previous = self.assigned_agent_id
        payload = {
            "chat_id": str(self.id),
            "visitor_id": str(self.visitor_id),
            "from_agent_id": str(previous) if previous else None,
            "to_agent_id": str(to_agent_id) if to_agent_id else None,
            "department": department,
            "note": note or None,
            "transferred_at": at.isoformat(),
        }
        self._emit("chat.transferred", at, payload)
        if to_agent_id is not None:
            target = ChatStatus.ASSIGNED if self.status == ChatStatus.PENDING else S.TRANSFERRED
            self._change_status(
                target, at, agent_id=str(to_agent_id), assigned_at=at.isoformat(), reason="transfer"
            )
        elif self.status != ChatStatus.PENDING:
            self._change_status(ChatStatus.PENDING, at, reason="transfer")

    def set_custom_fields(self, fields: dict[str, Any], at: datetime) -> None:
        changed = {k: v for k, v in fields.items() if self.metadata.custom_fields.get(k) != v}
        if changed:
            self._emit(
                "chat.custom_fields_changed",
                at,
                {"chat_id": str(self.id), "custom_fields": changed},
            )

    def _change_status(self, target: ChatStatus, at: datetime, **details: Any) -> None:
        check_transition(self.status, target)
        payload = {
            "chat_id": str(self.id),
            "visitor_id": str(self.visitor_id),
            "from": self.status.value,
            "to": target.value,
            **details,
        }
        self._emit("chat.status_changed", at, payload)

    @property
    def stream(self) -> Stream:
        return Stream("chat", self.id, self.company_id)

    def apply(self, event: DomainEvent) -> None:
        p = event.payload
        self.updated_at = event.occurred_at
        if event.type == "chat.status_changed":
            self.status = ChatStatus(p["to"])
            if "agent_id" in p:
                self.assigned_agent_id = UUID(p["agent_id"])
                self.assigned_at = event.occurred_at
            if self.status == ChatStatus.PENDING:
                self.assigned_agent_id = None
                self.assigned_at = None
            if self.status in (ChatStatus.CLOSED, ChatStatus.ABANDONED):
                self.closed_at = event.occurred_at
                self.close_reason = p.get("reason")
                self.satisfaction = p.get("satisfaction")
                self.resolution = p.get("resolution")
        elif event.type == "chat.agent_requested":
            self.priority = Priority.URGENT
            self.agent_requested_at = event.occurred_at
        elif event.type == "chat.priority_changed":
            self.priority = Priority(p["priority"])
        elif event.type == "chat.rated":
            self.satisfaction = p["satisfaction"]
        elif event.type == "chat.tagged":
            self.metadata.tags = [*self.metadata.tags, *p["tags"]]
        elif event.type == "chat.untagged":
            self.metadata.tags = [t for t in self.metadata.tags if t not in p["tags"]]
        elif event.type == "chat.transferred":
            if p.get("department"):
                self.metadata.department = p["department"]
        elif event.type == "chat.custom_fields_changed":
            self.metadata.custom_fields = {**self.metadata.custom_fields, **p["custom_fields"]}
        elif event.type == "message.sent":
            if not p["internal"]:
                self.total_messages += 1
                self.last_message_at = event.occurred_at
                self.last_message_preview = p["content"][:120]
        elif event.type not in ("chat.created", "message.read"):
            raise ValueError(f"chat cannot apply {event.type}")

    @classmethod
    def from_created(cls, event: DomainEvent) -> Chat:
        p = event.payload
        chat = cls(
            id=event.aggregate_id,
            company_id=event.company_id,
            visitor_id=UUID(p["visitor_id"]),
            status=ChatStatus(p["status"]),
            priority=Priority(p["priority"]),
            visitor_info=VisitorInfo.from_dict(p["visitor_info"]),
            metadata=ChatMetadata.from_facts(p["metadata"]),
            created_at=event.occurred_at,
            updated_at=event.occurred_at,
        )
        chat.version = event.version
        return chat
