"""The team and the site keys as the console's settings pages read them (``docs/settings.md``)."""

from __future__ import annotations

from guiders.api.responses import Reply


class TeamMember(Reply):
    id: str
    email: str
    name: str
    role: str
    """``admin``, ``supervisor`` or ``commercial`` (an agent)."""
    active: bool
    deactivatedAt: str | None
    maxChats: int | None
    skills: list[str]
    seniority: int | None


class TeamList(Reply):
    members: list[TeamMember]


class SiteKey(Reply):
    id: str
    name: str
    siteKey: str
    domain: str
    aliases: list[str]
    """With ``domain``: the hosts (origins) the key is accepted from."""
    revoked: bool
    revokedAt: str | None


class SiteKeyList(Reply):
    sites: list[SiteKey]
