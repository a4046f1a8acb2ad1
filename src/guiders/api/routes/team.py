"""The team and the site keys, for a company's admins (``docs/settings.md``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.team import SiteKey, SiteKeyList, TeamList, TeamMember
from guiders.api.schemas import Body, iso
from guiders.domain.company import Site, StaffRole
from guiders.services.team import Member, MemberChange

router = APIRouter(prefix="/v2/company", tags=["team"], route_class=WireRoute)


class MemberBody(Body):
    role: StaffRole | None = None
    max_chats: int | None = Field(None, alias="maxChats", ge=1, le=50)
    skills: list[str] | None = Field(None, max_length=30)
    seniority: int | None = Field(None, ge=1, le=10)
    active: bool | None = None


class SiteBody(Body):
    name: str = Field(min_length=1, max_length=200)
    domain: str = Field(min_length=1, max_length=255)
    aliases: list[str] = Field(default_factory=list, max_length=20)


class OriginsBody(Body):
    domain: str = Field(min_length=1, max_length=255)
    aliases: list[str] = Field(default_factory=list, max_length=20)


def _member(m: Member) -> dict[str, Any]:
    agent = m.agent
    return {
        "id": str(m.user.id),
        "email": m.user.email,
        "name": m.user.name,
        "role": m.user.role.value,
        "active": m.user.deactivated_at is None,
        "deactivatedAt": iso(m.user.deactivated_at),
        "maxChats": agent.max_chats if agent else None,
        "skills": agent.skills if agent else [],
        "seniority": agent.seniority if agent else None,
    }


def _site(s: Site) -> dict[str, Any]:
    return {
        "id": str(s.id),
        "name": s.name,
        "siteKey": s.site_key,
        "domain": s.domain,
        "aliases": s.aliases,
        "revoked": s.revoked_at is not None,
        "revokedAt": iso(s.revoked_at),
    }


def _forget_hosts(request: Request) -> None:
    """This node's CORS list reloads at once; the others within their cache's seconds."""
    hosts = getattr(request.app.state, "site_hosts", None)
    if hosts is not None:
        hosts.forget()


@router.get("/team", response_model=TeamList)
async def team(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    return {"members": [_member(m) for m in await services.team.members(principal)]}


@router.patch("/team/{user_id}", response_model=TeamMember)
async def change_member(
    user_id: UUID, body: MemberBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """Role, capacity, skills (departments), seniority, or ``active: false`` to deactivate."""
    change = MemberChange(
        role=body.role,
        max_chats=body.max_chats,
        skills=body.skills,
        seniority=body.seniority,
        active=body.active,
    )
    return _member(await services.team.change(principal, user_id, change))


@router.get("/sites", response_model=SiteKeyList)
async def list_sites(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    return {"sites": [_site(s) for s in await services.team.sites(principal)]}


@router.post("/sites", status_code=201, response_model=SiteKey)
async def create_site(
    body: SiteBody, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    site = await services.team.create_site(
        principal, name=body.name, domain=body.domain, aliases=body.aliases
    )
    _forget_hosts(request)
    return _site(site)


@router.put("/sites/{site_id}/origins", response_model=SiteKey)
async def change_origins(
    site_id: UUID,
    body: OriginsBody,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> dict[str, Any]:
    site = await services.team.change_origins(
        principal, site_id, domain=body.domain, aliases=body.aliases
    )
    _forget_hosts(request)
    return _site(site)


@router.post("/sites/{site_id}/revoke", response_model=SiteKey)
async def revoke_site(
    site_id: UUID, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    site = await services.team.revoke_site(principal, site_id)
    _forget_hosts(request)
    return _site(site)
