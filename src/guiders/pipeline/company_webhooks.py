"""A company's outgoing webhooks (console: Settings → Integrations), sent from the event log.

Each event of the log (read through the API under the consumer ``company-webhooks``, so a
restart resumes where it stopped) is POSTed to every enabled webhook whose ``events`` filter
matches its type (``chat.closed``, ``chat.*``; empty: every event), as JSON signed like the
pipeline's own webhooks (``pipeline/webhooks.py``): ``X-Guiders-Signature: sha256=<HMAC-SHA256
of timestamp + "." + body>`` with the webhook's secret (the company secret ``webhook:<name>``),
``X-Guiders-Timestamp`` and ``X-Guiders-Idempotency-Key`` (the event id). Network errors and
5xx answers are retried with exponential backoff (tenacity); each outcome is reported to the
delivery log the Integrations page shows.

Addresses are checked as the knowledge crawler checks them (``ingest/fetcher.py``): a webhook
that resolves to a private, loopback or link-local address is refused, unless
``GUIDERS_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES`` is set (tests deliver to a local server).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import structlog

from guiders.domain.errors import GuidersError
from guiders.ingest.fetcher import AddressRefused, FetchError, GuardedBackend
from guiders.pipeline.webhooks import WebhookFailed, deliver

log = structlog.get_logger(__name__)
CONSUMER = "company-webhooks"
REFRESH_S = 5.0
_CHANGES = frozenset({"settings.changed", "company.secret_changed"})
SKIPPED_PREFIX = "webhook."
"""Delivery reports are events too: never sent, or every delivery would make another."""


class _Requests(Protocol):
    async def request(self, method: str, path: str, *, json: Any = None) -> Any: ...


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    url: str
    events: tuple[str, ...]

    def wants(self, event_type: str) -> bool:
        if event_type.startswith(SKIPPED_PREFIX):
            return False
        if not self.events:
            return True
        return any(
            event_type == e or (e.endswith("*") and event_type.startswith(e[:-1]))
            for e in self.events
        )


def guarded_client(*, allow_private: bool, timeout_s: float = 5.0) -> httpx.AsyncClient:
    """An HTTP client that connects only to public addresses (unless ``allow_private``)."""
    transport = httpx.AsyncHTTPTransport(retries=0)
    pool = transport._pool
    pool._network_backend = GuardedBackend(pool._network_backend, allow_private=allow_private)
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(timeout_s),
        follow_redirects=False,
        trust_env=False,
    )


class CompanyWebhooks:
    def __init__(
        self,
        client: _Requests,
        http: httpx.AsyncClient,
        *,
        attempts: int = 4,
        initial_wait_s: float = 0.5,
        refresh_s: float = REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._http = http
        self._attempts = attempts
        self._initial_wait_s = initial_wait_s
        self._refresh_s = refresh_s
        self._clock = clock
        self._targets: list[Target] = []
        self._secrets: dict[str, str | None] = {}
        self._read_at: float | None = None

    async def targets(self) -> list[Target]:
        now = self._clock()
        if self._read_at is None or now - self._read_at >= self._refresh_s:
            self._read_at = now
            try:
                section = await self._client.request("GET", "/v2/settings/integrations")
                hooks = section["values"].get("webhooks", [])
                self._targets = [
                    Target(h["name"], h["url"], tuple(h.get("events") or ()))
                    for h in hooks
                    if h.get("enabled", True)
                ]
                self._secrets = {}
            except Exception:
                log.warning("could not read the company's webhooks; keeping the last ones")
        return self._targets

    async def _secret(self, name: str) -> str | None:
        if name not in self._secrets:
            try:
                body = await self._client.request(
                    "GET", f"/v2/company/secrets/webhook:{name}/value"
                )
                self._secrets[name] = str(body["value"])
            except GuidersError:  # not set (404), or the key may not read it
                self._secrets[name] = None
        return self._secrets[name]

    async def handle(self, event: dict[str, Any]) -> None:
        """Send one event of the log to every webhook that wants it."""
        event_type = str(event.get("type", ""))
        if event_type in _CHANGES:
            # the log is read in order: a change of the webhooks or of their secrets applies
            # from the very next event, not when the cached copy expires
            self._read_at = None
        for target in await self.targets():
            if target.wants(event_type):
                await self._send(target, event)

    async def _send(self, target: Target, event: dict[str, Any]) -> None:
        event_id = str(event.get("eventId", ""))
        secret = await self._secret(target.name)
        attempts = 0
        status: int | None = None
        error: str | None = None
        outcome = "failed"
        if secret is None:
            error = f"no secret webhook:{target.name}; set it on the Integrations page"
        else:
            payload = {"event": event}

            async def counted(*args: Any, **kwargs: Any) -> httpx.Response:
                nonlocal attempts
                attempts += 1
                return await self._http.post(*args, **kwargs)

            counting = _Counting(self._http, counted)
            try:
                status = await deliver(
                    counting,  # type: ignore[arg-type]
                    target.url,
                    secret,
                    payload,
                    idempotency_key=event_id,
                    attempts=self._attempts,
                    initial_wait_s=self._initial_wait_s,
                )
                outcome = "delivered"
            except AddressRefused as exc:
                outcome, error = "refused", str(exc)
            except (WebhookFailed, FetchError, httpx.HTTPError) as exc:
                error = str(exc) or type(exc).__name__
                status = _status_in(error)
        await self._report(target, event, outcome, attempts, status, error)

    async def _report(
        self,
        target: Target,
        event: dict[str, Any],
        outcome: str,
        attempts: int,
        status: int | None,
        error: str | None,
    ) -> None:
        body = {
            "webhook": target.name,
            "url": target.url[:500],
            "eventId": str(event.get("eventId", ""))[:80] or "-",
            "eventType": str(event.get("type", ""))[:80] or "-",
            "outcome": outcome,
            "attempts": attempts,
            "statusCode": status,
            "error": error[:500] if error else None,
        }
        try:
            await self._client.request("POST", "/v2/company/webhooks/deliveries", json=body)
        except GuidersError:
            log.warning("could not record a webhook delivery", webhook=target.name)
        log.info("webhook.delivery", webhook=target.name, outcome=outcome, attempts=attempts)


class _Counting:
    """The HTTP client ``deliver`` posts through, counting the attempts."""

    def __init__(self, http: httpx.AsyncClient, post: Callable[..., Any]) -> None:
        self._http = http
        self.post = post


def _status_in(message: str) -> int | None:
    marker = "status "
    if marker in message:
        digits = message.split(marker, 1)[1][:3]
        return int(digits) if digits.isdigit() else None
    return None
