"""Item 6: security headers everywhere, /docs with a CSP and no CDN, /metrics behind a token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.runtime import Runtime

SECRET = "test-secret-of-at-least-thirty-two-bytes"


async def _serve(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    runtime = Runtime.build(settings)
    await runtime.db.create_schema()
    await runtime.start()
    try:
        transport = httpx.ASGITransport(app=create_app(settings, runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    finally:
        await runtime.stop()


@pytest.fixture
async def production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.delenv("GUIDERS_REDIS_URL", raising=False)
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        environment="production",
        jwt_secret=SECRET,
        metrics_token="scrape-token-0123456789",
    )
    async for http in _serve(settings):
        yield http


@pytest.mark.parametrize("path", ["/api/health", "/api/v2/chats", "/", "/docs", "/openapi.json"])
async def test_every_answer_carries_nosniff_and_a_referrer_policy(
    api: httpx.AsyncClient, path: str
) -> None:
    r = await api.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in r.headers  # not on a development server


async def test_production_answers_carry_hsts(production: httpx.AsyncClient) -> None:
    for path in ("/api/health", "/api/v2/chats", "/"):
        r = await production.get(path)
        assert r.headers["strict-transport-security"].startswith("max-age="), path
        assert r.headers["x-content-type-options"] == "nosniff"


async def test_docs_are_served_locally_under_a_csp(api: httpx.AsyncClient) -> None:
    page = await api.get("/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "cdn" not in page.text.lower() and "http" not in page.text.split("<body>")[1]
    for asset in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"):
        assert (await api.get(asset)).status_code == 200, asset
    init = await api.get("/docs/init.js")
    assert "SwaggerUIBundle" in init.text and "/openapi.json" in init.text


async def test_the_widget_page_keeps_its_own_csp(api: httpx.AsyncClient) -> None:
    r = await api.get("/")
    if r.status_code == 200:  # served when the web assets are built
        assert "content-security-policy" in r.headers


async def test_metrics_need_the_token_in_production(production: httpx.AsyncClient) -> None:
    assert (await production.get("/metrics/")).status_code == 401
    wrong = await production.get("/metrics/", headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthorized"
    ok = await production.get(
        "/metrics/", headers={"authorization": "Bearer scrape-token-0123456789"}
    )
    assert ok.status_code == 200 and "guiders_http_requests_total" in ok.text


async def test_production_without_a_metrics_token_serves_no_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GUIDERS_REDIS_URL", raising=False)
    settings = Settings(
        _env_file=None, data_dir=tmp_path, environment="production", jwt_secret=SECRET
    )
    async for http in _serve(settings):
        r = await http.get("/metrics/")
        assert r.status_code == 401 and "GUIDERS_METRICS_TOKEN" in r.json()["message"]
