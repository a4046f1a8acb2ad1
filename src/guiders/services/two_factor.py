"""Two-factor sign-in for staff: TOTP (RFC 6238, ``pyotp``) with single-use recovery codes.

Enrolment shows the secret once (as an ``otpauth://`` URI for an authenticator app) and keeps
it only encrypted (``SecretBox``); it counts once a first code confirms it. A code is good once:
the last accepted time step is stored and an older or equal one is refused, so a code seen over
a shoulder cannot be replayed within its 30 seconds. Recovery codes are 10 random strings of 50
bits, stored as SHA-256 (random, so no slow hash is needed), each removed when used.

Between the password and the code, the client holds a *challenge*: a Fernet token (encrypted,
authenticated, dated) naming the staff member, good for five minutes. It is no access token:
``TokenService`` would not accept it.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from uuid import UUID

import pyotp
from cryptography.fernet import InvalidToken

from guiders.domain.company import StaffRole
from guiders.domain.errors import Conflict, Forbidden, Unauthenticated, ValidationFailed
from guiders.services.access import Principal
from guiders.services.credentials import digest
from guiders.services.ports import TotpEnrolment, UnitOfWorkFactory
from guiders.services.secret_box import SecretBox

ISSUER = "Guiders"
CHALLENGE_TTL_S = 300
RECOVERY_CODES = 10
STEP_S = 30


@dataclass(frozen=True, slots=True)
class Enrolment:
    secret: str
    uri: str


@dataclass(frozen=True, slots=True)
class Challenge:
    staff_id: UUID
    enrol: bool


class TwoFactorService:
    def __init__(self, uow: UnitOfWorkFactory, box: SecretBox, *, issuer: str = ISSUER) -> None:
        self._uow = uow
        self._box = box
        self._issuer = issuer

    # -- challenges between the password and the code -----------------------------------

    def challenge(self, staff_id: UUID, *, enrol: bool) -> str:
        body = json.dumps({"purpose": "totp", "sub": str(staff_id), "enrol": enrol})
        return self._box.encrypt(body)

    def open_challenge(self, token: str) -> Challenge:
        try:
            raw = self._box.open_dated(token, ttl_s=CHALLENGE_TTL_S)
            data = json.loads(raw)
            if data.get("purpose") != "totp":
                raise ValueError("not a challenge")
            return Challenge(UUID(data["sub"]), bool(data.get("enrol")))
        except (InvalidToken, ValueError, KeyError, TypeError) as exc:
            raise Unauthenticated(
                "The sign-in challenge is not valid or has expired; sign in again",
                field="challenge",
            ) from exc

    # -- state ---------------------------------------------------------------------------

    async def enabled(self, staff_id: UUID) -> bool:
        async with self._uow() as uow:
            enrolment = await uow.security.totp(staff_id)
        return enrolment is not None and enrolment.confirmed_at is not None

    async def required(self, company_id: UUID, role: StaffRole) -> bool:
        if role != StaffRole.ADMIN:
            return False
        async with self._uow() as uow:
            return await uow.security.admins_need_totp(company_id)

    async def set_required_for_admins(self, principal: Principal, required: bool) -> None:
        if not principal.is_staff or principal.role != StaffRole.ADMIN:
            raise Forbidden("Only an admin changes the company's sign-in policy")
        async with self._uow() as uow:
            await uow.security.set_admins_need_totp(principal.company_id, required)
            await uow.commit()

    async def status(self, principal: Principal) -> dict[str, object]:
        _require_staff(principal)
        async with self._uow() as uow:
            enrolment = await uow.security.totp(principal.subject_id)
            required = await uow.security.admins_need_totp(principal.company_id)
        confirmed = enrolment is not None and enrolment.confirmed_at is not None
        return {
            "enabled": confirmed,
            "recoveryCodesLeft": len(enrolment.recovery_hashes) if confirmed and enrolment else 0,
            "requiredForAdmins": required,
        }

    # -- enrolment -----------------------------------------------------------------------

    async def begin(self, staff_id: UUID, email: str) -> Enrolment:
        """A fresh secret, replacing an unconfirmed one; refused when one is already on."""
        secret = pyotp.random_base32()
        async with self._uow() as uow:
            current = await uow.security.totp(staff_id)
            if current is not None and current.confirmed_at is not None:
                raise Conflict("Two-factor sign-in is already on; turn it off first")
            await uow.security.save_totp(
                TotpEnrolment(staff_id=staff_id, secret_ciphertext=self._box.encrypt(secret))
            )
            await uow.commit()
        uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=self._issuer)
        return Enrolment(secret, uri)

    async def confirm(self, staff_id: UUID, code: str) -> list[str]:
        """Turns the pending secret on with its first code; returns the recovery codes."""
        codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
        async with self._uow() as uow:
            current = await uow.security.totp(staff_id)
            if current is None:
                raise Conflict("Start the enrolment first", field="code")
            if current.confirmed_at is not None:
                raise Conflict("Two-factor sign-in is already on")
            step = self._matching_step(current, code)
            if step is None:
                raise ValidationFailed(
                    "The code is not right; check the device's clock", field="code"
                )
            await uow.security.save_totp(
                replace(
                    current,
                    confirmed_at=datetime.now(UTC),
                    last_step=step,
                    recovery_hashes=tuple(digest(_normal(c)) for c in codes),
                )
            )
            await uow.commit()
        return codes

    async def disable(self, principal: Principal, code: str) -> None:
        _require_staff(principal)
        if await self.required(principal.company_id, principal.role or StaffRole.AGENT):
            raise Forbidden("The company requires two-factor sign-in for admins")
        if not await self.check(principal.subject_id, code):
            raise ValidationFailed("The code is not right", field="code")
        async with self._uow() as uow:
            await uow.security.delete_totp(principal.subject_id)
            await uow.commit()

    # -- sign-in -------------------------------------------------------------------------

    async def check(self, staff_id: UUID, code: str) -> bool:
        """A current TOTP code (once) or an unused recovery code (then spent)."""
        async with self._uow() as uow:
            current = await uow.security.totp(staff_id)
            if current is None or current.confirmed_at is None:
                return False
            step = self._matching_step(current, code)
            if step is not None:
                ok = await uow.security.use_totp_step(staff_id, step)
                await uow.commit()
                return ok
            hashed = digest(_normal(code))
            if any(hmac.compare_digest(hashed, h) for h in current.recovery_hashes):
                left = tuple(h for h in current.recovery_hashes if h != hashed)
                await uow.security.save_totp(replace(current, recovery_hashes=left))
                await uow.commit()
                return True
        return False

    def _matching_step(self, enrolment: TotpEnrolment, code: str) -> int | None:
        """The time step (now, or one either side for clock drift) whose code this is."""
        code = code.strip().replace(" ", "")
        if not (code.isdigit() and len(code) == 6):
            return None
        totp = pyotp.TOTP(self._box.decrypt(enrolment.secret_ciphertext))
        now = int(time.time())
        for offset in (0, -1, 1):
            at = now + offset * STEP_S
            if hmac.compare_digest(totp.at(at), code):
                step = at // STEP_S
                return step if step > enrolment.last_step else None
        return None


def _require_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("Two-factor sign-in is for staff members")


def _recovery_code() -> str:
    raw = secrets.token_hex(5)
    return f"{raw[:5]}-{raw[5:]}"


def _normal(code: str) -> str:
    return code.strip().lower().replace("-", "").replace(" ", "")
