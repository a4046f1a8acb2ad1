"""Whether a staff member's signed token still speaks for them: active, and in which role.

An access token carries the role it was issued with and lives its full time to live. Checking
the member's current standing on each request makes a deactivation (and a change of role) count
from the next request instead: a deactivated member's token is refused (401), a changed role
replaces the token's. Standings are cached per member for a few seconds; a change drops the
entry at once on the node that made it (``TeamService``) and, through the ``staff.updated``
event every node hears, on the others within the relay's delay.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from cachetools import TTLCache

from guiders.domain.company import StaffRole
from guiders.domain.errors import Unauthenticated
from guiders.domain.events import StoredEvent
from guiders.services.access import Principal
from guiders.services.ports import UnitOfWorkFactory

STANDING_EVENTS = frozenset({"staff.updated"})
"""What drops a cached standing on every node (``build_bus`` hears them node-wide)."""


@dataclass(frozen=True, slots=True)
class Standing:
    company_id: UUID
    role: StaffRole


class StaffStanding:
    def __init__(self, uow: UnitOfWorkFactory, *, ttl_s: float = 10.0, size: int = 10_000) -> None:
        self._uow = uow
        self._cache: TTLCache[UUID, Standing | None] = TTLCache(maxsize=size, ttl=ttl_s)
        """None: no such member, or deactivated. Bounded: a flood of tokens evicts."""

    async def check(self, principal: Principal) -> Principal:
        if not principal.is_staff:
            return principal
        key = principal.subject_id
        if key in self._cache:
            standing = self._cache[key]
        else:
            async with self._uow() as uow:
                user = await uow.tenancy.get_staff(key)
            standing = (
                Standing(user.company_id, user.role)
                if user is not None and user.deactivated_at is None
                else None
            )
            self._cache[key] = standing
        return _apply(principal, standing)

    def check_offline(self, principal: Principal) -> Principal | None:
        """Without the database: the cached standing, or None when it needs a look-up."""
        if not principal.is_staff:
            return principal
        if principal.subject_id not in self._cache:
            return None
        return _apply(principal, self._cache[principal.subject_id])

    def forget(self, user_id: UUID) -> None:
        self._cache.pop(user_id, None)

    async def on_event(self, event: StoredEvent) -> None:
        if event.type in STANDING_EVENTS:
            self.forget(event.aggregate_id)


def _apply(principal: Principal, standing: Standing | None) -> Principal:
    if standing is None or standing.company_id != principal.company_id:
        raise Unauthenticated("This account is deactivated")
    if standing.role != principal.role:
        return replace(principal, role=standing.role)
    return principal
