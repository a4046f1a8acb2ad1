"""Issue 14: the per-company CORS check reads a request's credential, and an anonymous
cross-origin client must not get a database look-up per request for it. The check sits inside
the rate limiter, so made-up session ids (header or cookie) cost at most the failed-credential
or per-address limit in look-ups, whatever path they are sent to."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.runtime import Runtime
from tests.security.test_credential_flood import counting_queries

LIMIT = 10
FLOOD = 150
ORIGIN = "https://alpha.example"


@pytest.fixture
async def limited(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient, dict[str, Any]]]:
    monkeypatch.delenv("GUIDERS_REDIS_URL", raising=False)
    tight = settings.model_copy(
        update={"failed_auth_per_minute": LIMIT, "public_rate_limit_per_minute": LIMIT}
    )
    runtime = Runtime.build(tight)
    await runtime.db.create_schema()
    await runtime.start()
    try:
        tenant = await runtime.services.onboarding.create_tenant(
            name="Alpha", domain="alpha.example", admin_email="admin@alpha.example"
        )
        transport = httpx.ASGITransport(app=create_app(tight, runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            # the site hosts are loaded once (and cached) by the first cross-origin request
            first = await http.options(
                "/api/v2/chats",
                headers={"origin": ORIGIN, "access-control-request-method": "GET"},
            )
            assert first.status_code == 204
            yield runtime, http, {"siteKey": tenant.site.site_key}
    finally:
        await runtime.stop()


async def _flood(
    runtime: Runtime, http: httpx.AsyncClient, path: str, credential: str
) -> tuple[list[int], list[str]]:
    codes: list[int] = []
    with counting_queries(runtime) as queries:
        for _ in range(FLOOD):
            sid = str(uuid.uuid4())
            headers = {"origin": ORIGIN}
            if credential == "header":
                headers["x-guiders-sid"] = sid
            else:
                headers["cookie"] = f"x-guiders-sid={sid}"
            codes.append((await http.get(path, headers=headers)).status_code)
    return codes, queries


@pytest.mark.parametrize("credential", ["header", "cookie"])
@pytest.mark.parametrize("path", ["/api/v2/chats", "/api/health"])
async def test_made_up_session_ids_from_a_registered_origin_are_throttled_before_the_database(
    limited: tuple[Runtime, httpx.AsyncClient, dict[str, Any]], credential: str, path: str
) -> None:
    runtime, http, _ = limited
    codes, queries = await _flood(runtime, http, path, credential)
    print("measured:", path, credential, len(queries), "queries", codes.count(429), "refused")
    assert 429 in codes, codes
    # a sliding-window counter lets up to one more window's worth through at a minute boundary
    assert codes.count(429) >= FLOOD - 2 * LIMIT, codes
    # one session look-up per try that was let in (the site hosts' own reload, every 10 s on
    # a slow machine, is not what is measured)
    lookups = [q for q in queries if "visitor_sessions" in q or "FROM visitors" in q]
    assert 0 < len(lookups) <= 2 * LIMIT, f"{len(lookups)} session look-ups for {FLOOD} made-up ids"
    assert len(queries) <= 3 * LIMIT, f"{len(queries)} queries for {FLOOD} made-up session ids"


async def test_a_real_visitor_still_gets_its_answer_with_one_look_up(
    limited: tuple[Runtime, httpx.AsyncClient, dict[str, Any]],
) -> None:
    """The check and the route share the credential's look-up (the scope keeps it)."""
    runtime, http, tenant = limited
    r = await http.post(
        "/api/auth/visitor/register",
        json={"apiKey": tenant["siteKey"], "domain": "alpha.example", "fingerprint": "fp"},
        headers={"origin": ORIGIN},
    )
    assert r.status_code == 200, r.text
    sid = {"x-guiders-sid": r.json()["sessionId"], "origin": ORIGIN}
    with counting_queries(runtime) as queries:
        listed = await http.get("/api/v2/chats", headers=sid)
    assert listed.status_code == 200, listed.text
    assert listed.headers["access-control-allow-origin"] == ORIGIN
    session_reads = [q for q in queries if "visitor_sessions" in q and "SELECT" in q.upper()]
    assert len(session_reads) == 1, session_reads
