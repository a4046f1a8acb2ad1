"""Login throttles, second factors, invitations, company security settings and secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.login_throttle import Throttle
from guiders.services.ports import Invitation, SecurityStore, StoredSecret, TotpEnrolment
from guiders.store.tables import (
    company_secrets,
    company_security,
    invitations,
    login_throttles,
    staff_totp,
)


class SqlSecurityStore(SecurityStore):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _one(self, stmt: Any) -> Any:
        row = (await self._conn.execute(stmt)).first()
        return row._mapping if row else None

    async def throttle(self, key: str, *, for_update: bool = False) -> Throttle:
        stmt = select(login_throttles).where(login_throttles.c.key == key)
        if for_update and self._conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        r = await self._one(stmt)
        if r is None:
            return Throttle(key=key)
        return Throttle(
            key=key,
            failures=r["failures"],
            window_started_at=r["window_started_at"],
            locked_until=r["locked_until"],
            lockouts=r["lockouts"],
        )

    async def save_throttle(self, throttle: Throttle) -> None:
        values = {
            "failures": throttle.failures,
            "window_started_at": throttle.window_started_at,
            "locked_until": throttle.locked_until,
            "lockouts": throttle.lockouts,
        }
        if throttle.window_started_at is None and throttle.locked_until is None:
            await self._conn.execute(
                delete(login_throttles).where(login_throttles.c.key == throttle.key)
            )
            return
        # an upsert: two nodes counting a first failure of one key at once must not collide
        insert = pg_insert if self._conn.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(login_throttles).values(key=throttle.key, **values)
        await self._conn.execute(
            stmt.on_conflict_do_update(index_elements=[login_throttles.c.key], set_=values)
        )

    async def prune_throttles(self, quiet_since: datetime) -> int:
        """Forget keys with no failure and no lock since ``quiet_since``."""
        result = await self._conn.execute(
            delete(login_throttles).where(
                login_throttles.c.window_started_at < quiet_since,
                (login_throttles.c.locked_until.is_(None))
                | (login_throttles.c.locked_until < quiet_since),
            )
        )
        return int(result.rowcount or 0)

    async def totp(self, staff_id: UUID) -> TotpEnrolment | None:
        r = await self._one(select(staff_totp).where(staff_totp.c.staff_id == staff_id))
        if r is None:
            return None
        return TotpEnrolment(
            staff_id=r["staff_id"],
            secret_ciphertext=r["secret_ciphertext"],
            confirmed_at=r["confirmed_at"],
            last_step=int(r["last_step"]),
            recovery_hashes=tuple(r["recovery_hashes"] or ()),
        )

    async def save_totp(self, enrolment: TotpEnrolment) -> None:
        await self.delete_totp(enrolment.staff_id)
        await self._conn.execute(
            staff_totp.insert().values(
                staff_id=enrolment.staff_id,
                secret_ciphertext=enrolment.secret_ciphertext,
                confirmed_at=enrolment.confirmed_at,
                last_step=enrolment.last_step,
                recovery_hashes=list(enrolment.recovery_hashes),
            )
        )

    async def delete_totp(self, staff_id: UUID) -> None:
        await self._conn.execute(delete(staff_totp).where(staff_totp.c.staff_id == staff_id))

    async def use_totp_step(self, staff_id: UUID, step: int) -> bool:
        result = await self._conn.execute(
            update(staff_totp)
            .where(staff_totp.c.staff_id == staff_id, staff_totp.c.last_step < step)
            .values(last_step=step)
        )
        return bool(result.rowcount)

    async def add_invitation(self, invitation: Invitation) -> None:
        await self._conn.execute(
            invitations.insert().values(
                id=invitation.id,
                token_hash=invitation.token_hash,
                company_id=invitation.company_id,
                email=invitation.email,
                role=invitation.role,
                expires_at=invitation.expires_at,
                accepted_at=invitation.accepted_at,
            )
        )

    async def invitation_by_hash(self, token_hash: str) -> Invitation | None:
        r = await self._one(select(invitations).where(invitations.c.token_hash == token_hash))
        if r is None:
            return None
        return Invitation(
            id=r["id"],
            token_hash=r["token_hash"],
            company_id=r["company_id"],
            email=r["email"],
            role=r["role"],
            expires_at=r["expires_at"],
            accepted_at=r["accepted_at"],
        )

    async def accept_invitation(self, invitation_id: UUID, at: datetime) -> bool:
        result = await self._conn.execute(
            update(invitations)
            .where(invitations.c.id == invitation_id, invitations.c.accepted_at.is_(None))
            .values(accepted_at=at)
        )
        return bool(result.rowcount)

    async def admins_need_totp(self, company_id: UUID) -> bool:
        r = await self._one(
            select(company_security.c.admins_need_totp).where(
                company_security.c.company_id == company_id
            )
        )
        return bool(r["admins_need_totp"]) if r else False

    async def set_admins_need_totp(self, company_id: UUID, required: bool) -> None:
        result = await self._conn.execute(
            update(company_security)
            .where(company_security.c.company_id == company_id)
            .values(admins_need_totp=required)
        )
        if not result.rowcount:
            await self._conn.execute(
                company_security.insert().values(company_id=company_id, admins_need_totp=required)
            )

    async def secret(self, company_id: UUID, name: str) -> StoredSecret | None:
        r = await self._one(
            select(company_secrets).where(
                company_secrets.c.company_id == company_id, company_secrets.c.name == name
            )
        )
        return _secret(r) if r else None

    async def secrets_of(self, company_id: UUID) -> list[StoredSecret]:
        rows = await self._conn.execute(
            select(company_secrets)
            .where(company_secrets.c.company_id == company_id)
            .order_by(company_secrets.c.name)
        )
        return [_secret(r._mapping) for r in rows]

    async def save_secret(self, secret: StoredSecret) -> None:
        await self.delete_secret(secret.company_id, secret.name)
        await self._conn.execute(
            company_secrets.insert().values(
                company_id=secret.company_id,
                name=secret.name,
                ciphertext=secret.ciphertext,
                updated_at=secret.updated_at,
            )
        )

    async def delete_secret(self, company_id: UUID, name: str) -> bool:
        result = await self._conn.execute(
            delete(company_secrets).where(
                company_secrets.c.company_id == company_id, company_secrets.c.name == name
            )
        )
        return bool(result.rowcount)


def _secret(r: Any) -> StoredSecret:
    return StoredSecret(
        company_id=r["company_id"],
        name=r["name"],
        ciphertext=r["ciphertext"],
        updated_at=r["updated_at"],
    )
