"""A company's outgoing webhooks on SQLite and PostgreSQL, against a real local HTTP server:
the delivery is signed (HMAC-SHA256 over timestamp and body), a 500 is retried with backoff,
every outcome lands in the delivery log, and a private address is refused unless allowed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from guiders.domain.errors import GuidersError, NotFound
from guiders.pipeline.company_webhooks import CompanyWebhooks, Target, guarded_client
from guiders.pipeline.webhooks import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)
from guiders.runtime import Runtime
from tests.integration.test_api import key_headers, visitor
from tests.integration.test_model_health_api import admin

SECRET = "whsec-test-0123456789"


class Receiver:
    """A local HTTP server answering 500 to the first ``fail_first`` requests, then 200."""

    def __init__(self, fail_first: int) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.requests.append(({k: v for k, v in self.headers.items()}, body))
                failing = len(receiver.requests) <= receiver.fail_first
                self.send_response(500 if failing else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first=1)
    yield r
    r.close()


class ApiClient:
    """What the sender needs of ``GuidersClient``, over the test's in-process API."""

    def __init__(self, api: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self._api, self._headers = api, headers

    async def request(self, method: str, path: str, *, json: Any = None) -> Any:
        r = await self._api.request(method, f"/api{path}", json=json, headers=self._headers)
        if r.status_code == 404:
            raise NotFound(r.text)
        if r.status_code >= 400:
            raise GuidersError(r.text)
        return r.json() if r.content else None


async def configure(api: httpx.AsyncClient, headers: dict[str, str], url: str) -> None:
    hooks = [{"name": "crm", "url": url, "events": ["chat.*"]}]
    r = await api.put(
        "/api/v2/settings/integrations", json={"values": {"webhooks": hooks}}, headers=headers
    )
    assert r.status_code == 200, r.text
    r = await api.put(
        "/api/v2/company/secrets/webhook:crm", json={"value": SECRET}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["masked"] != SECRET


async def a_chat_event(api: httpx.AsyncClient, demo: dict[str, Any]) -> dict[str, Any]:
    v = await visitor(api, demo, "hooks")
    assert (await api.post("/api/v2/chats", json={}, headers=v["headers"])).status_code == 201
    log = await api.get("/api/v2/events?type=chat.created", headers=key_headers(demo))
    event: dict[str, Any] = log.json()["events"][-1]
    return event


async def test_a_delivery_is_signed_retried_on_500_and_logged(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime, receiver: Receiver
) -> None:
    headers = await admin(api, runtime, demo)
    await configure(api, headers, receiver.url)
    event = await a_chat_event(api, demo)
    http = guarded_client(allow_private=True)
    try:
        hooks = CompanyWebhooks(ApiClient(api, key_headers(demo)), http, initial_wait_s=0.01)
        await hooks.handle(event)
    finally:
        await http.aclose()

    assert len(receiver.requests) == 2  # a 500, then the retry's 200
    for sent, body in receiver.requests:
        assert verify(SECRET, sent[TIMESTAMP_HEADER], body, sent[SIGNATURE_HEADER])
        assert not verify("another-secret", sent[TIMESTAMP_HEADER], body, sent[SIGNATURE_HEADER])
        assert sent[IDEMPOTENCY_HEADER] == event["eventId"]
    assert b'"type":"chat.created"' in receiver.requests[-1][1]

    log = await api.get("/api/v2/company/webhooks/deliveries", headers=headers)
    assert log.status_code == 200, log.text
    (delivery,) = log.json()["deliveries"]
    assert delivery["outcome"] == "delivered"
    assert (delivery["attempts"], delivery["statusCode"]) == (2, 200)
    assert delivery["eventId"] == event["eventId"]


async def test_a_private_address_is_refused_and_others_are_not_sent_what_they_filter_out(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime, receiver: Receiver
) -> None:
    headers = await admin(api, runtime, demo)
    await configure(api, headers, receiver.url)
    event = await a_chat_event(api, demo)
    http = guarded_client(allow_private=False)
    try:
        hooks = CompanyWebhooks(ApiClient(api, key_headers(demo)), http, initial_wait_s=0.01)
        await hooks.handle(event)
        await hooks.handle({**event, "type": "visitor.registered"})  # not in chat.*
    finally:
        await http.aclose()
    assert receiver.requests == []
    (delivery,) = (await api.get("/api/v2/company/webhooks/deliveries", headers=headers)).json()[
        "deliveries"
    ]
    assert delivery["outcome"] == "refused" and delivery["attempts"] == 1
    assert "private or local address" in delivery["error"]
    # only the company's key reports deliveries, only admins read them
    assert (
        await api.post("/api/v2/company/webhooks/deliveries", json={}, headers=headers)
    ).status_code == 422
    assert (
        await api.get("/api/v2/company/webhooks/deliveries", headers=key_headers(demo))
    ).status_code == 403


def test_the_events_filter_matches_types_and_prefixes_never_delivery_reports() -> None:
    hook = Target("crm", "https://crm.example/hook", ("chat.*", "visitor.converted"))
    assert hook.wants("chat.closed") and hook.wants("visitor.converted")
    assert not hook.wants("visitor.registered")
    everything = Target("all", "https://crm.example/hook", ())
    assert everything.wants("message.sent") and not everything.wants("webhook.delivery")
