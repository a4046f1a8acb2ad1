"""Typed views of the API's JSON: what the bot, analytics and pipeline read.

Field names are the API's camelCase as aliases; unknown fields are kept (``extra="allow"``)
so a newer server never breaks an older client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

T = TypeVar("T")


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class Sender(ApiModel):
    id: str
    name: str | None = None
    role: str


class Message(ApiModel):
    id: str
    chat_id: str
    sender: Sender
    content: str
    type: str = "text"
    is_internal: bool = False
    is_ai: bool = Field(default=False, alias="isAI")
    metadata: dict[str, Any] = Field(default_factory=dict)
    sent_at: datetime
    client_message_id: str | None = None
    seq: int | None = None

    @property
    def from_visitor(self) -> bool:
        return self.sender.role == "visitor"


class VisitorInfo(ApiModel):
    id: str | None = None
    name: str | None = None
    email: str | None = None


class AssignedAgent(ApiModel):
    id: str
    name: str | None = None
    avatar_url: str | None = None


class Chat(ApiModel):
    id: str
    status: str
    priority: str = "NORMAL"
    visitor_id: str
    visitor_info: VisitorInfo = Field(default_factory=VisitorInfo)
    assigned_agent_id: str | None = Field(default=None, alias="assignedCommercialId")
    assigned_agent: AssignedAgent | None = Field(default=None, alias="assignedCommercial")
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    total_messages: int = 0

    @property
    def is_open(self) -> bool:
        return self.status not in ("CLOSED", "ABANDONED")


class Agent(ApiModel):
    id: str
    name: str
    status: str
    workload: int = 0
    max_chats: int = 0
    skills: list[str] = Field(default_factory=list)
    seniority: int = 0
    available: bool = False


class Visitor(ApiModel):
    id: str
    name: str | None = None
    email: str | None = None
    lifecycle: str | None = None


class Session(ApiModel):
    id: str
    visitor_id: str
    started_at: datetime
    ended_at: datetime | None = None
    active: bool = False


class Event(ApiModel):
    """One entry of the event log (``GET /api/v2/events``)."""

    event_id: str
    seq: int
    company_id: str
    type: str
    aggregate_type: str
    aggregate_id: str
    version: int
    payload: dict[str, Any]
    """Domain facts in the schema ``schema_version`` (``docs/events.md``)."""
    occurred_at: datetime
    schema_version: int = 2


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int | None = None
    has_more: bool = False
    next_cursor: str | None = None


class EventPage(BaseModel):
    events: list[Event]
    last_seq: int
    has_more: bool


class Citation(ApiModel):
    document_id: str
    chunk_id: str | None = None
    title: str = ""
    url: str | None = None
    heading_path: list[str] = Field(default_factory=list)
    score: float = 0.0


class GroundedReply(ApiModel):
    """``POST /v2/knowledge/answer``: ``action`` is answer, handoff or clarify."""

    action: str
    text: str = ""
    citations: list[Citation] = Field(default_factory=list)
    retrieval_scores: list[float] = Field(default_factory=list)
    answerability: float | None = None
    grounding: float | None = None
    reason: str | None = None
    language: str | None = None
