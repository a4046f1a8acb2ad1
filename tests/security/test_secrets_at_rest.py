"""Company secrets are stored encrypted, shown masked, and readable in full only by the
company's own integration key."""

from __future__ import annotations

import stat
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from guiders.api.app import create_app
from guiders.bot.runner import stored_llm_key
from guiders.client import GuidersClient
from guiders.config import Settings
from guiders.runtime import Runtime
from guiders.services.secret_box import KEY_FILE, SecretBox, mask, new_key
from guiders.store.tables import company_secrets
from tests.security.conftest import new_tenant

LLM_KEY = "sk-live-0123456789abcdefghijklmnopqrstuvwxyzABCD"


async def test_a_secret_is_stored_encrypted_and_shown_masked(
    open_api: httpx.AsyncClient, runtime: Runtime, settings: Settings
) -> None:
    api = open_api
    tenant = await new_tenant(api, runtime, "Acme", "acme.example", "boss@acme.example")
    admin = tenant["headers"]
    put = await api.put(
        "/api/v2/company/secrets/llm_api_key", json={"value": LLM_KEY}, headers=admin
    )
    assert put.status_code == 200, put.text
    assert put.json()["masked"] == "sk-…ABCD"
    await api.put(
        "/api/v2/company/secrets/webhook:crm", json={"value": "whsec-xyz-123456"}, headers=admin
    )
    listed = (await api.get("/api/v2/company/secrets", headers=admin)).json()["secrets"]
    assert [s["name"] for s in listed] == ["llm_api_key", "webhook:crm"]
    assert LLM_KEY not in str(listed)

    async with runtime.db.engine.connect() as conn:
        raw = [r.ciphertext for r in await conn.execute(select(company_secrets))]
    assert len(raw) == 2
    assert all(LLM_KEY not in c and "whsec-xyz" not in c for c in raw)
    assert (settings.data_dir / KEY_FILE).exists()
    assert stat.S_IMODE((settings.data_dir / KEY_FILE).stat().st_mode) == 0o600

    # the company's own automation reads it; nobody else
    plain, _ = await runtime.services.tenancy.create_api_key(tenant["company"], "bot")
    value = await api.get(
        "/api/v2/company/secrets/llm_api_key/value", headers={"authorization": f"Bearer {plain}"}
    )
    assert value.status_code == 200 and value.json()["value"] == LLM_KEY
    assert (
        await api.get("/api/v2/company/secrets/llm_api_key/value", headers=admin)
    ).status_code == 403
    other = await new_tenant(api, runtime, "Other", "other.example", "boss@other.example")
    assert (await api.get("/api/v2/company/secrets", headers=other["headers"])).json()[
        "secrets"
    ] == []
    assert await runtime.services.secrets.value(tenant["company"], "llm_api_key") == LLM_KEY

    # the bot (an API client with the integration key) picks the stored key up
    app = open_api._transport.app  # type: ignore[attr-defined]
    async with GuidersClient(
        "http://testserver", plain, transport=httpx.ASGITransport(app=app)
    ) as client:
        assert await stored_llm_key(client) == LLM_KEY
        await api.delete("/api/v2/company/secrets/llm_api_key", headers=admin)
        assert await stored_llm_key(client) is None

    bad = await api.put("/api/v2/company/secrets/anything", json={"value": "x"}, headers=admin)
    assert bad.status_code == 422


def test_the_box_refuses_a_tampered_or_foreign_ciphertext() -> None:
    box = SecretBox([new_key()])
    sealed = box.encrypt("hunter2")
    assert box.decrypt(sealed) == "hunter2"
    with pytest.raises(Exception, match="decrypted"):
        SecretBox([new_key()]).decrypt(sealed)
    rotated = SecretBox([new_key(), box_key := new_key()])
    old = SecretBox([box_key]).encrypt("old")
    assert rotated.decrypt(old) == "old"
    assert mask("sk-abcdefghijkl") == "sk-…ijkl"
    assert "abcd" not in mask("abcd")


def test_the_key_can_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    key = new_key()
    monkeypatch.setenv("GUIDERS_SECRETS_KEY", key)
    box = SecretBox.from_settings(Settings(data_dir=tmp_path).secrets_key, tmp_path)
    assert SecretBox([key]).decrypt(box.encrypt("v")) == "v"
    assert not (tmp_path / KEY_FILE).exists()


STORED_RULES = """
rules:
  - name: refund-hook
    when: {event: [message.sent], sender: [visitor], keywords: [refund]}
    then:
      - {type: webhook, url: "http://crm.test/hook", secret: "stored:webhook:crm", attempts: 1}
"""


async def test_a_pipeline_webhook_signs_with_the_stored_secret(
    runtime: Runtime,
    settings: Settings,
    demo: dict[str, Any],
    api: httpx.AsyncClient,
    tmp_path: Any,
) -> None:
    import uuid

    from guiders.client import RetryPolicy
    from guiders.domain.company import StaffRole
    from guiders.pipeline.dispatcher import Dispatcher
    from guiders.pipeline.processor import Processor
    from guiders.pipeline.reload import RulesWatcher
    from guiders.pipeline.saga_api import ApiSagaStore
    from guiders.pipeline.sources import LogSource
    from guiders.sagas import SagaRunner
    from guiders.services.access import Principal, PrincipalKind
    from tests.integration.test_api import visitor
    from tests.integration.test_pipeline_processor import Hooks

    admin = Principal(
        PrincipalKind.STAFF, uuid.UUID(demo["companyId"]), uuid.uuid4(), role=StaffRole.ADMIN
    )
    await runtime.services.secrets.put(admin, "webhook:crm", "webhook-secret")
    rules = tmp_path / "rules.yaml"
    rules.write_text(STORED_RULES)
    hooks = Hooks()
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    async with GuidersClient(
        "http://testserver",
        demo["integrationKey"],
        transport=transport,
        retry=RetryPolicy(attempts=2, initial_s=0.01, max_wait_s=0.05),
    ) as client:
        processor = Processor(
            client,
            RulesWatcher(rules),
            SagaRunner(ApiSagaStore(client), {}),
            dispatcher=Dispatcher(client, httpx.AsyncClient(transport=httpx.MockTransport(hooks))),
            consumer="pipeline",
            attempts=1,
            backoff_s=0.01,
        )
        source = LogSource(client, "pipeline")
        assert await source.pump(processor.process) == 0
        v = await visitor(api, demo, fp="hook")
        chat = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
        r = await api.post(
            f"/api/v2/chats/{chat}/messages",
            json={"content": "refund please"},
            headers=v["headers"],
        )
        assert r.status_code == 201
        await source.pump(processor.process)
    assert len(hooks.received) == 1, "the webhook is signed with the stored secret (Hooks checks)"
