"""The team and the site keys, as an admin manages them in the console (``docs/settings.md``).

Team: each staff member's role (admin, supervisor, agent — ``commercial`` on the wire), the
most chats they take at once, their skills (departments), and activation. A deactivated member
cannot sign in or refresh a session, and is never assigned (their agent profile is inactive).
An admin cannot deactivate or demote themselves, so a company always keeps an admin.

Site keys: a site is a public key (``gsk_…``) with the hosts it may be used from (its domain and
aliases: the allowed origins of CORS). Revoking one stops new visitors registering with it and
takes its hosts out of CORS (within the CORS cache's ten seconds).

Every change is an event in the log (``staff.updated``, ``site.created``, ``site.origins_changed``,
``site.revoked``) with who made it, and the value before and after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from guiders.domain.agent import Agent
from guiders.domain.company import Site, StaffRole, StaffUser, normalise_domain
from guiders.domain.errors import Forbidden, NotFound, ValidationFailed
from guiders.domain.events import Stream
from guiders.services.access import Principal
from guiders.services.ports import UnitOfWorkFactory
from guiders.services.tenancy import TenancyService

MAX_HOSTS = 20


@dataclass(frozen=True, slots=True)
class Member:
    user: StaffUser
    agent: Agent | None


@dataclass(frozen=True, slots=True)
class MemberChange:
    role: StaffRole | None = None
    max_chats: int | None = None
    skills: list[str] | None = None
    seniority: int | None = None
    active: bool | None = None


class TeamService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        tenancy: TenancyService,
        changed: Callable[[UUID], None] = lambda _: None,
    ) -> None:
        self._uow = uow
        self._tenancy = tenancy
        self._changed = changed
        """Told a member's id once their change is committed (drops their cached standing)."""

    async def members(self, principal: Principal) -> list[Member]:
        _require_admin(principal)
        async with self._uow() as uow:
            users = await uow.tenancy.staff_of(principal.company_id)
            agents = {c.id: c for c in await uow.agents.of_company(principal.company_id)}
        return [Member(u, agents.get(u.id)) for u in users]

    async def change(self, principal: Principal, user_id: UUID, change: MemberChange) -> Member:
        _require_admin(principal)
        if user_id == principal.subject_id and (
            change.active is False or change.role not in (None, StaffRole.ADMIN)
        ):
            raise ValidationFailed(
                "You cannot deactivate or demote yourself; another admin can",
                field="active" if change.active is False else "role",
            )
        now = datetime.now(UTC)
        async with self._uow() as uow:
            uow.actor = principal.actor
            user = await uow.tenancy.get_staff(user_id)
            if user is None or user.company_id != principal.company_id:
                raise NotFound("No such staff member", field="userId")
            agent = await uow.agents.get(user_id)
            before = _facts(user, agent)
            if change.role is not None:
                user.role = change.role
            if change.active is not None:
                user.deactivated_at = None if change.active else (user.deactivated_at or now)
            await uow.tenancy.save_staff(user)
            if agent is not None:
                agent.reprofile(
                    max_chats=agent.max_chats if change.max_chats is None else change.max_chats,
                    skills=agent.skills if change.skills is None else change.skills,
                    seniority=agent.seniority if change.seniority is None else change.seniority,
                    active=user.deactivated_at is None,
                    at=now,
                )
                uow.track(agent)
                await uow.agents.save(agent)
            after = _facts(user, agent)
            if after != before:
                uow.record_fact(
                    Stream("staff", user.id, user.company_id),
                    "staff.updated",
                    {"user_id": str(user.id), "before": before, "after": after},
                )
            await uow.commit()
        self._changed(user.id)
        return Member(user, agent)

    async def sites(self, principal: Principal) -> list[Site]:
        _require_admin(principal)
        async with self._uow() as uow:
            return await uow.tenancy.sites_of(principal.company_id)

    async def create_site(
        self, principal: Principal, *, name: str, domain: str, aliases: list[str]
    ) -> Site:
        _require_admin(principal)
        name = name.strip()
        if not 1 <= len(name) <= 200:
            raise ValidationFailed("a site name is 1 to 200 characters", field="name")
        domain, aliases = _hosts(domain, aliases)
        return await self._tenancy.add_site(
            principal.company_id, name=name, domain=domain, aliases=aliases
        )

    async def change_origins(
        self, principal: Principal, site_id: UUID, *, domain: str, aliases: list[str]
    ) -> Site:
        _require_admin(principal)
        domain, aliases = _hosts(domain, aliases)
        async with self._uow() as uow:
            uow.actor = principal.actor
            site = await _own_site(uow, principal, site_id)
            before = {"domain": site.domain, "aliases": site.aliases}
            site.domain, site.aliases = domain, aliases
            await uow.tenancy.save_site(site)
            uow.record_fact(
                Stream("site", site.id, site.company_id),
                "site.origins_changed",
                {
                    "site_id": str(site.id),
                    "before": before,
                    "after": {"domain": domain, "aliases": aliases},
                },
            )
            await uow.commit()
        return site

    async def revoke_site(self, principal: Principal, site_id: UUID) -> Site:
        _require_admin(principal)
        async with self._uow() as uow:
            uow.actor = principal.actor
            site = await _own_site(uow, principal, site_id)
            if site.revoked_at is None:
                site.revoked_at = datetime.now(UTC)
                await uow.tenancy.save_site(site)
                uow.record_fact(
                    Stream("site", site.id, site.company_id),
                    "site.revoked",
                    {"site_id": str(site.id), "domain": site.domain},
                )
                await uow.commit()
        return site


async def _own_site(uow: Any, principal: Principal, site_id: UUID) -> Site:
    site: Site | None = await uow.tenancy.get_site(site_id)
    if site is None or site.company_id != principal.company_id:
        raise NotFound("No such site", field="siteId")
    return site


def _hosts(domain: str, aliases: list[str]) -> tuple[str, list[str]]:
    """The site's hosts, normalised (``https://www.Shop.example/`` → ``shop.example``)."""
    main = normalise_domain(domain)
    if not _is_host(main):
        raise ValidationFailed("a host name such as shop.example", field="domain")
    if len(aliases) > MAX_HOSTS:
        raise ValidationFailed(f"at most {MAX_HOSTS} other hosts", field="aliases")
    others: list[str] = []
    for i, alias in enumerate(aliases):
        host = normalise_domain(alias)
        if not _is_host(host):
            raise ValidationFailed(f"{alias!r} is not a host name", field=f"aliases.{i}")
        if host != main and host not in others:
            others.append(host)
    return main, others


def _is_host(host: str) -> bool:
    if not 1 <= len(host) <= 253:
        return False
    labels = host.split(".")
    return all(label and len(label) <= 63 and label.replace("-", "").isalnum() for label in labels)


def _facts(user: StaffUser, agent: Agent | None) -> dict[str, Any]:
    facts: dict[str, Any] = {"role": user.role.value, "active": user.deactivated_at is None}
    if agent is not None:
        facts |= {
            "max_chats": agent.max_chats,
            "skills": agent.skills,
            "seniority": agent.seniority,
        }
    return facts


def _require_admin(principal: Principal) -> None:
    if not (principal.is_staff and principal.role == StaffRole.ADMIN):
        raise Forbidden("Only an admin manages the team and the site keys")
