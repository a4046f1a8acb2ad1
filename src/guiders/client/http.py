"""REST transport: bearer auth, JSON errors as domain errors, retries on 5xx/429/network.

Retries use tenacity: a 429 or 503 with ``Retry-After`` waits what the server asked (capped),
anything else retried waits exponentially with jitter. 4xx other than 429 are never retried:
repeating a refused request cannot make it succeed.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx
import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from guiders import __version__
from guiders.client.errors import error_from_response
from guiders.domain.errors import RateLimited, Unavailable

log = structlog.get_logger(__name__)


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` is either seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, RateLimited | Unavailable)


class RetryPolicy:
    """How many attempts and how long to wait between them."""

    def __init__(self, attempts: int = 5, initial_s: float = 0.2, max_wait_s: float = 30.0) -> None:
        self.attempts = attempts
        self.max_wait_s = max_wait_s
        self._backoff = wait_exponential_jitter(initial=initial_s, max=max_wait_s, jitter=initial_s)

    def wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = getattr(exc, "retry_after", None)
        if isinstance(asked, int | float) and asked > 0:
            return min(float(asked), self.max_wait_s)
        return float(self._backoff(state))


class HttpTransport:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={
                "authorization": f"Bearer {api_key}",
                "user-agent": f"guiders-client/{__version__}",
            },
            timeout=timeout_s,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """The decoded JSON body; raises the domain error of a non-2xx answer."""
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        retrying = AsyncRetrying(
            retry=retry_if_exception(_retryable),
            stop=stop_after_attempt(self.retry.attempts),
            wait=self.retry.wait,
            before_sleep=self._log_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._once(method, path, json, clean)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    async def upload(
        self, path: str, files: list[tuple[str, bytes, str]], data: dict[str, str]
    ) -> Any:
        """One multipart POST; not retried (an upload is not idempotent)."""
        parts = [("files", (name, content, kind)) for name, content, kind in files]
        try:
            response = await self._http.post(path, files=parts, data=data)
        except httpx.TransportError as exc:
            raise Unavailable(f"cannot reach {self._http.base_url}: {exc!r}") from exc
        return self._decode(response)

    async def _once(self, method: str, path: str, json: Any, params: dict[str, Any]) -> Any:
        try:
            response = await self._http.request(method, path, json=json, params=params)
        except httpx.TransportError as exc:
            raise Unavailable(f"cannot reach {self._http.base_url}: {exc!r}") from exc
        return self._decode(response)

    @staticmethod
    def _decode(response: httpx.Response) -> Any:
        if response.is_success:
            return response.json() if response.content else None
        try:
            body = response.json()
        except ValueError:
            body = None
        raise error_from_response(
            response.status_code, body, parse_retry_after(response.headers.get("retry-after"))
        )

    @staticmethod
    def _log_retry(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "guiders request retried",
            attempt=state.attempt_number,
            error=getattr(exc, "code", type(exc).__name__),
            wait_s=round(state.upcoming_sleep, 2),
        )


__all__ = ["HttpTransport", "RetryPolicy", "parse_retry_after"]
