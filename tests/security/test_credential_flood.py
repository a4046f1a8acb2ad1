"""Item 2: random credentials are refused before the database, throttled per address, and
limits are kept per principal."""

from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.demo import seed_demo
from guiders.domain.company import StaffRole
from guiders.runtime import Runtime
from guiders.services.access import Principal, PrincipalKind

ALPHABET = string.ascii_letters + string.digits


def random_key() -> str:
    """What an attacker sends: the right prefix, random characters."""
    return "gdr_live_" + "".join(secrets.choice(ALPHABET) for _ in range(43))


def checksummed_key() -> str:
    """An attacker who read the docs: the checksum matches, the key does not exist."""
    from guiders.services.credentials import key_checksum

    body = "gdr_live_" + "".join(secrets.choice(ALPHABET) for _ in range(43))
    return f"{body}_{key_checksum(body)}"


BACKGROUND = ("FROM knowledge_sources", "FROM company_settings", "FROM chats", "FROM mail_outbox")
"""What the runtime's own pollers read (ingestion, SLA monitor, mail dispatcher) on their first
pass right after start: not the requests a test counts."""


@contextmanager
def counting_queries(runtime: Runtime) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not any(table in statement for table in BACKGROUND):
            statements.append(statement)

    engine = runtime.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _client(settings: Settings, runtime: Runtime) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def test_keys_carry_a_checksum_that_the_shape_check_verifies() -> None:
    from guiders.services.credentials import key_is_well_formed, new_api_key

    plain, stored = new_api_key(uuid.uuid4(), "k")
    assert key_is_well_formed(plain)
    assert plain.startswith("gdr_live_") and stored.key_hash not in plain
    broken = plain[:-1] + ("A" if plain[-1] != "A" else "B")
    assert not key_is_well_formed(broken)
    assert not key_is_well_formed(random_key())
    legacy = "gdr_live_" + secrets.token_urlsafe(32)
    assert not key_is_well_formed(legacy) and key_is_well_formed(legacy, legacy=True)


async def test_a_random_key_flood_never_reaches_the_database(
    runtime: Runtime, settings: Settings, demo: dict[str, Any]
) -> None:
    async with await _client(settings, runtime) as http:
        known = {"authorization": f"Bearer {demo['integrationKey']}"}
        assert (await http.get("/api/v2/chats", headers=known)).status_code == 200
        with counting_queries(runtime) as queries:
            statuses = set()
            for _ in range(150):
                r = await http.get(
                    "/api/v2/chats", headers={"authorization": f"Bearer {random_key()}"}
                )
                statuses.add(r.status_code)
        assert statuses <= {401, 429}
        assert queries == [], f"{len(queries)} queries for malformed keys"
        # the address's own known client (its key cached) carries on
        ok = await http.get("/api/v2/chats", headers=known)
        assert ok.status_code == 200, ok.text


async def test_checksummed_unknown_keys_are_throttled_per_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each failed look-up counts against the address; past the limit, no more look-ups."""
    monkeypatch.delenv("GUIDERS_REDIS_URL", raising=False)
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        environment="test",
        jwt_secret="test-secret-of-at-least-thirty-two-bytes",
        failed_auth_per_minute=10,
    )
    runtime = Runtime.build(settings)
    await runtime.db.create_schema()
    await runtime.start()
    try:
        async with await _client(settings, runtime) as http:
            with counting_queries(runtime) as queries:
                codes = [
                    (
                        await http.get(
                            "/api/v2/chats",
                            headers={"authorization": f"Bearer {checksummed_key()}"},
                        )
                    ).status_code
                    for _ in range(200)
                ]
        assert codes[:10] == [401] * 10
        assert set(codes[10:]) == {429}
        assert len(queries) <= 10 * 2, f"{len(queries)} queries for 200 unknown keys"
    finally:
        await runtime.stop()


def test_the_key_cache_is_bounded() -> None:
    from guiders.services.credentials import TokenService

    service = TokenService(
        lambda: None,  # type: ignore[arg-type, return-value]
        secret="s" * 32,
        access_ttl_s=60,
        visitor_ttl_s=60,
        refresh_ttl_s=60,
        key_cache_size=100,
    )
    for _ in range(1000):
        service._key_cache[secrets.token_hex(32)] = None
    assert len(service._key_cache) <= 100


async def test_two_tokens_of_one_user_share_one_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per principal, not per credential: minting more tokens buys no more requests."""
    monkeypatch.delenv("GUIDERS_REDIS_URL", raising=False)
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        environment="test",
        jwt_secret="test-secret-of-at-least-thirty-two-bytes",
        rate_limit_per_minute=4,
    )
    runtime = Runtime.build(settings)
    await runtime.db.create_schema()
    await runtime.start()
    try:
        demo = await seed_demo(runtime.services, tmp_path)
        async with await _client(settings, runtime) as http:
            key = demo["integrationKey"]
            codes = []
            for i in range(6):
                headers = {"authorization": f"Bearer {key}"} if i % 2 else {"x-api-key": key}
                codes.append((await http.get("/api/v2/chats", headers=headers)).status_code)
            assert codes == [200, 200, 200, 200, 429, 429]
            refused = await http.get("/api/v2/chats", headers={"x-api-key": key})
            assert refused.json()["error"] == "rate_limited"
            assert int(refused.headers["retry-after"]) >= 1
            assert refused.headers["x-ratelimit-limit"] == "4"
            assert refused.headers["x-ratelimit-remaining"] == "0"
            # signed tokens of one staff member: each token is a new credential, one principal
            staff = demo["staff"][0]
            principal = Principal(
                kind=PrincipalKind.STAFF,
                company_id=uuid.UUID(demo["companyId"]),
                subject_id=uuid.UUID(staff["commercialId"]),
                role=StaffRole(staff["role"]),
            )
            tokens = [runtime.services.tokens.sign(principal, ttl_s=600 + i) for i in range(6)]
            staff_codes = [
                (
                    await http.get("/api/v2/chats", headers={"authorization": f"Bearer {t}"})
                ).status_code
                for t in tokens
            ]
            assert staff_codes == [200, 200, 200, 200, 429, 429]
    finally:
        await runtime.stop()


async def test_anonymous_requests_are_limited_per_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GUIDERS_REDIS_URL", raising=False)
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        environment="test",
        jwt_secret="test-secret-of-at-least-thirty-two-bytes",
        public_rate_limit_per_minute=3,
    )
    runtime = Runtime.build(settings)
    await runtime.db.create_schema()
    await runtime.start()
    try:
        async with await _client(settings, runtime) as http:
            codes = [(await http.get("/api/v2/chats")).status_code for _ in range(5)]
            assert codes == [401, 401, 401, 429, 429]
            r = await http.get("/api/v2/chats")
            assert r.json() == {"error": "rate_limited", "message": "Too many requests; slow down"}
            assert "retry-after" in r.headers
    finally:
        await runtime.stop()


async def test_socket_handshakes_with_unknown_keys_are_throttled_per_address(
    runtime: Runtime,
) -> None:
    from limits.aio.storage import MemoryStorage

    from guiders.api.ratelimit import RateLimits
    from guiders.domain.errors import RateLimited, Unauthenticated
    from guiders.realtime.server import RealtimeServer

    limits = RateLimits(MemoryStorage(), per_minute=100, public_per_minute=100, failed_per_minute=3)
    realtime = RealtimeServer(runtime.realtime_ports(), limits)
    environ = {"asgi.scope": {"type": "websocket", "client": ("198.51.100.7", 5555)}}
    outcomes = []
    with counting_queries(runtime) as queries:
        for _ in range(50):
            try:
                await realtime.handshake.authenticate({"token": checksummed_key()}, dict(environ))
            except (Unauthenticated, RateLimited) as exc:
                outcomes.append(exc.code)
    assert outcomes[:3] == ["unauthorized"] * 3
    assert set(outcomes[3:]) == {"rate_limited"}
    assert len(queries) <= 3 * 2, f"{len(queries)} queries for 50 handshakes"
