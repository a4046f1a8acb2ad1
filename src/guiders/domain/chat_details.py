"""What a chat knows besides its status: who the visitor said they are and where it came from.

``to_dict``/``from_dict`` are the shape the chats table and the API keep (camelCase);
``facts``/``from_facts`` the shape of the ``chat.created`` event (domain names).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID


@dataclass(slots=True)
class VisitorInfo:
    id: UUID
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    location: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "location": self.location,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VisitorInfo:
        return cls(
            id=UUID(data["id"]),
            name=data.get("name"),
            email=data.get("email"),
            phone=data.get("phone"),
            location=data.get("location"),
        )


@dataclass(slots=True)
class ChatMetadata:
    department: str | None = None
    source: str | None = None
    initial_url: str | None = None
    tags: list[str] = field(default_factory=list)
    custom_fields: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "department": self.department,
            "source": self.source,
            "initialUrl": self.initial_url,
            "tags": list(self.tags),
            "customFields": dict(self.custom_fields),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChatMetadata:
        return cls(
            department=data.get("department"),
            source=data.get("source"),
            initial_url=data.get("initialUrl"),
            tags=list(data.get("tags") or []),
            custom_fields=dict(data.get("customFields") or {}),
        )

    def facts(self) -> dict[str, Any]:
        return {
            "department": self.department,
            "source": self.source,
            "initial_url": self.initial_url,
            "tags": list(self.tags),
            "custom_fields": dict(self.custom_fields),
        }

    @classmethod
    def from_facts(cls, data: dict[str, Any]) -> ChatMetadata:
        return cls(
            department=data.get("department"),
            source=data.get("source"),
            initial_url=data.get("initial_url"),
            tags=list(data.get("tags") or []),
            custom_fields=dict(data.get("custom_fields") or {}),
        )
