"""Fixtures of the attack tests: an app with the general rate limits out of the way (so what
refuses is the defence under test), and tenants made the way operators make them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.runtime import Runtime

PASSWORD = "correct horse battery staple"


def open_settings(settings: Settings, **more: Any) -> Settings:
    return settings.model_copy(
        update={
            "rate_limit_per_minute": 1_000_000,
            "public_rate_limit_per_minute": 1_000_000,
            **more,
        }
    )


@pytest.fixture
async def open_api(runtime: Runtime, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The REST app without the general per-address limiter in the way."""
    app = create_app(open_settings(settings), runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def new_tenant(
    api: httpx.AsyncClient, runtime: Runtime, name: str, domain: str, admin_email: str
) -> dict[str, Any]:
    """A company made by the onboarding service, its admin signed up through the invitation
    and signed in: what ``guiders company create`` and the invitation link do."""
    tenant = await runtime.services.onboarding.create_tenant(
        name=name, domain=domain, admin_email=admin_email
    )
    r = await api.post(
        f"/api/user/auth/invitations/{tenant.invitation.token}/accept",
        json={"password": PASSWORD, "name": f"{name} admin"},
    )
    assert r.status_code == 201, r.text
    r = await api.post("/api/user/auth/login", json={"email": admin_email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {
        "company": tenant.company.id,
        "siteKey": tenant.site.site_key,
        "domain": domain,
        "email": admin_email,
        "headers": {"authorization": f"Bearer {r.json()['accessToken']}"},
        "refreshToken": r.json()["refreshToken"],
    }
