"""Secrets: password hashes, integration keys, signed access tokens, rotating refresh tokens.

Passwords use Argon2id (memory-hard); integration keys and refresh tokens are 256-bit random
strings, so a plain SHA-256 is enough to store them and lets us look them up by hash.

Integration keys read ``gdr_live_<43 base62>_<6 base62>``: the tail is the CRC-32 of the rest,
so a mistyped or random key is refused without the database (the checksum is public: it filters
noise, not a determined attacker, whom the per-address limit of failed requests stops). Keys made
before the checksum (``gdr_live_<43 base64url>``) are refused unless ``GUIDERS_LEGACY_API_KEYS``
is on (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cachetools import TTLCache

from guiders.domain.company import ApiKey, StaffRole
from guiders.domain.errors import Unauthenticated
from guiders.services.access import Principal, PrincipalKind
from guiders.services.ports import RefreshToken, UnitOfWorkFactory
from guiders.services.staff_standing import StaffStanding

_hasher = PasswordHasher()
KEY_PREFIXES = ("gdr_live_", "gdr_test_")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


_BASE62 = string.digits + string.ascii_letters
KEY_RANDOM_CHARS = 43  # 62**43 ~ 2**256
CHECKSUM_CHARS = 6  # 62**6 > 2**32
_KEY_SHAPE = re.compile(r"gdr_(?:live|test)_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}")
_LEGACY_KEY_SHAPE = re.compile(r"gdr_(?:live|test)_[0-9A-Za-z_-]{43}")


def _base62(value: int, width: int) -> str:
    digits = []
    for _ in range(width):
        value, rest = divmod(value, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits))


def key_checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), CHECKSUM_CHARS)


def key_is_well_formed(plain: str, *, legacy: bool = False) -> bool:
    """A key of today's shape whose checksum matches (or, with ``legacy``, an old-shape key)."""
    if len(plain) == 9 + KEY_RANDOM_CHARS + 1 + CHECKSUM_CHARS and _KEY_SHAPE.fullmatch(plain):
        body, _, check = plain.rpartition("_")
        return hmac.compare_digest(check, key_checksum(body))
    return legacy and _LEGACY_KEY_SHAPE.fullmatch(plain) is not None


def new_api_key(company_id: UUID, name: str, *, live: bool = True) -> tuple[str, ApiKey]:
    """The plain key (shown once) and what is stored of it."""
    body = (KEY_PREFIXES[0] if live else KEY_PREFIXES[1]) + "".join(
        secrets.choice(_BASE62) for _ in range(KEY_RANDOM_CHARS)
    )
    plain = f"{body}_{key_checksum(body)}"
    key = ApiKey(
        id=uuid.uuid4(),
        company_id=company_id,
        name=name,
        prefix=plain[:13],
        key_hash=digest(plain),
        created_at=datetime.now(UTC),
    )
    return plain, key


def looks_like_api_key(token: str) -> bool:
    return token.startswith(KEY_PREFIXES)


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


KeyCheckObserver = Callable[[str], None]
"""Told how each integration key check ended: ``malformed`` (refused without the database),
``cached`` or ``database`` (a look-up); the composition root counts them as a metric."""


class TokenService:
    """Issues and checks credentials. Integration keys are cached briefly to keep the send path
    off the database; revoking through this service drops the cached entry at once. The cache
    (known and unknown keys alike) is bounded: a flood of keys evicts, never grows."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        secret: str,
        access_ttl_s: int,
        visitor_ttl_s: int,
        refresh_ttl_s: int,
        key_cache_ttl_s: float = 5.0,
        key_cache_size: int = 4096,
        legacy_keys: bool = False,
        on_key_check: KeyCheckObserver | None = None,
    ) -> None:
        self._uow = uow_factory
        self._secret = secret
        self.access_ttl_s = access_ttl_s
        self.visitor_ttl_s = visitor_ttl_s
        self._refresh_ttl = timedelta(seconds=refresh_ttl_s)
        self._key_cache: TTLCache[str, Principal | None] = TTLCache(
            maxsize=key_cache_size, ttl=key_cache_ttl_s
        )
        self._legacy_keys = legacy_keys
        self._on_key_check = on_key_check or (lambda _: None)
        self.standing = StaffStanding(uow_factory)
        """A staff token counts only while its member is active, with the member's role now."""

    @property
    def mail_secret(self) -> bytes:
        """The key of the e-mailed reply addresses and chat links (``domain/mail_links.py``):
        derived from the signing secret, so it is never the JWT key itself."""
        return hmac.new(self._secret.encode(), b"guiders mail links", hashlib.sha256).digest()

    def sign(self, principal: Principal, *, ttl_s: int | None = None) -> str:
        now = int(time.time())
        ttl = (
            ttl_s
            if ttl_s is not None
            else (self.visitor_ttl_s if principal.is_visitor else self.access_ttl_s)
        )
        claims: dict[str, Any] = {
            "sub": str(principal.subject_id),
            "companyId": str(principal.company_id),
            "typ": principal.kind.value,
            "role": principal.role.value if principal.role else principal.kind.value,
            "iat": now,
            "exp": now + ttl,
        }
        if principal.name:
            claims["name"] = principal.name
        if principal.site_id:
            claims["siteId"] = str(principal.site_id)
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                options={"require": ["exp", "sub", "typ"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("The access token has expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("The access token is not valid") from exc
        kind = PrincipalKind(claims["typ"])
        role = StaffRole(claims["role"]) if kind == PrincipalKind.STAFF else None
        site = claims.get("siteId")
        return Principal(
            kind=kind,
            company_id=UUID(claims["companyId"]),
            subject_id=UUID(claims["sub"]),
            role=role,
            name=claims.get("name"),
            site_id=UUID(site) if site else None,
        )

    async def authenticate(self, token: str) -> Principal:
        """An integration key or a signed access token."""
        if looks_like_api_key(token):
            return await self.authenticate_key(token)
        return await self.standing.check(self.verify(token))

    def key_is_well_formed(self, plain: str) -> bool:
        return key_is_well_formed(plain, legacy=self._legacy_keys)

    def authenticate_offline(self, token: str) -> Principal | None:
        """What can be checked without the database: a signed token, or a key in the cache.
        ``None`` when the answer needs a look-up (for callers that may not make one now)."""
        if not looks_like_api_key(token):
            return self.standing.check_offline(self.verify(token))
        if not self.key_is_well_formed(token):
            self._on_key_check("malformed")
            raise Unauthenticated("The API key is not valid")
        key_hash = digest(token)
        if key_hash not in self._key_cache:
            return None
        self._on_key_check("cached")
        principal = self._key_cache[key_hash]
        if principal is None:
            raise Unauthenticated("The API key is unknown or revoked")
        return principal

    async def authenticate_key(self, plain: str) -> Principal:
        if not self.key_is_well_formed(plain):
            self._on_key_check("malformed")
            raise Unauthenticated("The API key is not valid")
        key_hash = digest(plain)
        if key_hash in self._key_cache:
            self._on_key_check("cached")
            principal = self._key_cache[key_hash]
        else:
            self._on_key_check("database")
            async with self._uow() as uow:
                key = await uow.tenancy.api_key_by_hash(key_hash)
            principal = None
            if key is not None and key.revoked_at is None:
                principal = Principal(
                    kind=PrincipalKind.INTEGRATION,
                    company_id=key.company_id,
                    subject_id=key.id,
                    name=key.name,
                )
            self._key_cache[key_hash] = principal
        if principal is None:
            raise Unauthenticated("The API key is unknown or revoked")
        return principal

    def forget_key(self, key_hash: str) -> None:
        self._key_cache.pop(key_hash, None)

    async def issue_refresh(self, principal: Principal, family_id: UUID | None = None) -> str:
        plain = secrets.token_urlsafe(32)
        token = RefreshToken(
            id=uuid.uuid4(),
            token_hash=digest(plain),
            family_id=family_id or uuid.uuid4(),
            subject_id=principal.subject_id,
            subject_type=principal.kind.value,
            company_id=principal.company_id,
            expires_at=datetime.now(UTC) + self._refresh_ttl,
        )
        async with self._uow() as uow:
            await uow.tenancy.add_refresh_token(token)
            await uow.commit()
        return plain

    async def rotate_refresh(self, plain: str, kind: PrincipalKind) -> tuple[RefreshToken, str]:
        """Uses a refresh token once and hands out its successor.

        A second use of the same token means it leaked: the whole family is revoked.
        """
        now = datetime.now(UTC)
        async with self._uow() as uow:
            token = await uow.tenancy.refresh_token_by_hash(digest(plain))
            if token is None or token.subject_type != kind.value:
                raise Unauthenticated("The refresh token is not valid")
            if token.revoked_at is not None or token.expires_at <= now:
                raise Unauthenticated("The refresh token has expired or was revoked")
            if not await uow.tenancy.mark_refresh_used(token.id, now):
                await uow.tenancy.revoke_refresh_family(token.family_id, now)
                await uow.commit()
                raise Unauthenticated("The refresh token was already used; its family is revoked")
            successor = secrets.token_urlsafe(32)
            await uow.tenancy.add_refresh_token(
                RefreshToken(
                    id=uuid.uuid4(),
                    token_hash=digest(successor),
                    family_id=token.family_id,
                    subject_id=token.subject_id,
                    subject_type=token.subject_type,
                    company_id=token.company_id,
                    expires_at=now + self._refresh_ttl,
                )
            )
            await uow.commit()
        return token, successor
