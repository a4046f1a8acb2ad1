"""Tenancy: a company owns sites; a site is reached by its domain and public site key."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID


def normalise_domain(domain: str) -> str:
    """Lower-case host without scheme, port, path or a leading ``www.``."""
    host = domain.strip().lower()
    if "://" in host:
        host = host.split("://", 1)[1]
    host = host.split("/", 1)[0].split(":", 1)[0]
    return host.removeprefix("www.")


@dataclass(slots=True)
class Company:
    id: UUID
    name: str
    created_at: datetime


@dataclass(slots=True)
class Site:
    id: UUID
    company_id: UUID
    name: str
    domain: str
    site_key: str
    aliases: list[str] = field(default_factory=list)
    revoked_at: datetime | None = None
    """A revoked site key registers no visitor and its hosts leave the CORS list."""

    def serves(self, domain: str) -> bool:
        wanted = normalise_domain(domain)
        return wanted in {normalise_domain(d) for d in [self.domain, *self.aliases]}


class StaffRole(StrEnum):
    AGENT = "commercial"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


@dataclass(slots=True)
class StaffUser:
    id: UUID
    company_id: UUID
    email: str
    name: str
    role: StaffRole
    password_hash: str
    deactivated_at: datetime | None = None
    """A deactivated staff member cannot sign in (nor refresh a session)."""


@dataclass(slots=True)
class ApiKey:
    id: UUID
    company_id: UUID
    name: str
    prefix: str
    key_hash: str
    created_at: datetime
    revoked_at: datetime | None = None
