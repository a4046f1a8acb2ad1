"""Request bodies (validated at the edge, unknown fields ignored) and response shapes."""

from __future__ import annotations

import base64
import functools
import json
import math
from datetime import UTC, datetime
from typing import Annotated, Any, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from guiders.domain.errors import ValidationFailed
from guiders.domain.message import MAX_CONTENT_LENGTH, MessageType
from guiders.domain.visitor import Visitor, VisitorSession
from guiders.services.chats import ChatView


def utc_datetime(value: datetime) -> datetime:
    """A date from a client, in UTC: without an offset it is UTC; one that leaves the years
    a datetime can hold (``0001-01-01T00:00+14:00``) is a validation error, not a 500."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        return aware.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("the date is out of range") from exc


UtcDateTime = Annotated[datetime, AfterValidator(utc_datetime)]
"""A ``datetime`` query parameter or field the database can take (a naive or an out-of-range
one reached it and answered 500)."""


def unstorable(data: Any) -> str | None:
    """What in a parsed JSON body no database column can hold, if anything: NaN or Infinity
    (Python's parser accepts them, PostgreSQL's JSON does not) or a NUL character (PostgreSQL
    text and JSON refuse it)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return "NaN and Infinity are not JSON numbers"
        if isinstance(item, str) and "\x00" in item:
            return "text must not contain NUL characters"
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        problem = unstorable(data)
        if problem:
            raise ValueError(problem)
        return data


class Lenient(Body):
    """A body of the contract's optional fields (``visitorInfo?``, ``type?``...), where JSON
    ``null`` means "not given": clients written in JavaScript or TypeScript send
    ``field: x ?? null`` as readily as they leave it out. A ``null`` for a field that cannot
    hold one is dropped, so its default applies (a required one is still refused by name)."""

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if not isinstance(data, dict) or None not in data.values():
            return data
        refuse_null = _not_nullable(cls)
        return {k: v for k, v in data.items() if v is not None or k not in refuse_null}


@functools.cache
def _not_nullable(model: type[BaseModel]) -> frozenset[str]:
    """Names and aliases of the fields that cannot hold ``None``."""
    names: set[str] = set()
    for name, field in model.model_fields.items():
        a = field.annotation
        if not (a is Any or a is None or type(None) in get_args(a)):
            names.update({name, field.alias or name})
    return frozenset(names)


class StaffLogin(Body):
    email: str = Field(min_length=3, max_length=255)
    password: str = Field(min_length=1, max_length=500)


class RefreshBody(Body):
    refresh_token: str = Field(alias="refreshToken", min_length=10, max_length=200)


class VisitorRegister(Body):
    api_key: str = Field(alias="apiKey", min_length=4, max_length=200)
    domain: str = Field(min_length=1, max_length=255)
    fingerprint: str | None = Field(default=None, max_length=200)
    user_agent: str | None = Field(default=None, alias="userAgent", max_length=1000)


class VisitorInfoBody(Lenient):
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=50)
    location: str | None = Field(default=None, max_length=200)


class ChatMetadataBody(Lenient):
    department: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=200)
    initial_url: str | None = Field(default=None, alias="initialUrl", max_length=2000)
    tags: list[str] = Field(default_factory=list, max_length=50)
    custom_fields: dict[str, Any] = Field(default_factory=dict, alias="customFields")

    def to_domain_dict(self) -> dict[str, Any]:
        return {
            "department": self.department,
            "source": self.source,
            "initialUrl": self.initial_url,
            "tags": self.tags,
            "customFields": self.custom_fields,
        }


class ChatCreate(Lenient):
    visitor_id: str | None = Field(default=None, alias="visitorId")
    visitor_info: VisitorInfoBody = Field(default_factory=VisitorInfoBody, alias="visitorInfo")
    metadata: ChatMetadataBody = Field(default_factory=ChatMetadataBody)
    priority: str | None = None


class MessageBody(Lenient):
    content: str = Field(max_length=MAX_CONTENT_LENGTH)
    type: MessageType = MessageType.TEXT
    metadata: dict[str, Any] = Field(default_factory=dict)
    client_message_id: str | None = Field(default=None, alias="clientMessageId", max_length=200)
    is_internal: bool = Field(default=False, alias="isInternal")


class ChatCloseBody(Lenient):
    reason: str | None = Field(default=None, max_length=500)
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    resolution: str | None = Field(default=None, max_length=500)
    metadata: dict[str, Any] = Field(default_factory=dict)


class RatingBody(Body):
    satisfaction: int = Field(ge=1, le=5)


class RequestAgentBody(Lenient):
    reason: str | None = Field(default=None, max_length=500)


class CommercialStatusBody(Body):
    status: str


class TrackingBody(Body):
    events: list[Any]


def encode_cursor(cursor: tuple[str, str] | None) -> str | None:
    if cursor is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(list(cursor)).encode()).decode().rstrip("=")


def decode_cursor(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        sort_value, item_id = str(raw[0]), str(raw[1])
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise ValidationFailed("cursor is not valid", field="cursor") from exc
    return sort_value, item_id


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def chat_response(view: ChatView) -> dict[str, Any]:
    chat = view.chat
    agent = None
    if chat.assigned_agent_id is not None:
        agent = {
            "id": str(chat.assigned_agent_id),
            "name": view.agent_name,
            "avatarUrl": view.agent_avatar,
        }
    body = {
        "id": str(chat.id),
        "chatId": str(chat.id),
        "status": chat.status.value,
        "priority": chat.priority.value,
        "visitorId": str(chat.visitor_id),
        "visitorInfo": chat.visitor_info.to_dict(),
        "assignedCommercialId": str(chat.assigned_agent_id) if chat.assigned_agent_id else None,
        "assignedCommercial": agent,
        "metadata": chat.metadata.to_dict(),
        "createdAt": iso(chat.created_at),
        "assignedAt": iso(chat.assigned_at),
        "closedAt": iso(chat.closed_at),
        "lastMessageDate": iso(chat.last_message_at),
        "lastMessagePreview": chat.last_message_preview,
        "totalMessages": chat.total_messages,
        "unreadMessagesCount": view.unread,
        "satisfactionRating": chat.satisfaction,
        "closeReason": chat.close_reason,
        "resolution": chat.resolution,
        "updatedAt": iso(chat.updated_at),
    }
    if view.position is not None:
        body["position"] = view.position
    return body


def visitor_response(v: Visitor, device: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(v.id),
        "visitorId": str(v.id),
        "siteId": str(v.site_id),
        "name": v.name,
        "email": v.email,
        "phone": v.phone,
        "lifecycle": v.lifecycle.value,
        "location": v.location,
        "timeZone": v.time_zone,
        "source": v.source,
        "campaign": v.campaign,
        "userAgent": v.user_agent,
        "device": device,
        "currentUrl": v.current_url,
        "referrer": v.referrer,
        "consentVersion": v.consent_version,
        "emailConsent": v.email_consent_at is not None,
        "createdAt": iso(v.created_at),
        "lastSeenAt": iso(v.last_seen_at),
    }


def session_response(s: VisitorSession) -> dict[str, Any]:
    return {
        "id": str(s.id),
        "sessionId": str(s.id),
        "visitorId": str(s.visitor_id),
        "startedAt": iso(s.started_at),
        "lastHeartbeatAt": iso(s.last_heartbeat_at),
        "endedAt": iso(s.ended_at),
        "currentUrl": s.current_url,
        "active": s.is_active,
    }
