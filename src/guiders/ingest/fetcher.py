"""Fetching one URL for the crawler, safely: an operator's "crawl this site" must not become a
way to read the server's own network.

- The address is checked **after DNS resolution, at connect time**, on every connection and so
  on every redirect hop: loopback, private, link-local, shared and reserved addresses are
  refused unless ``allow_private`` (a setting) says otherwise. The connection goes to the very
  address that was checked, so a name that resolves differently a second time gains nothing.
- Redirects are followed by hand (at most ``max_redirects``), each to http(s) on the same site.
- The body is read as a stream and dropped past ``max_bytes``; the whole fetch has a deadline.
- Only text (HTML, plain text, Markdown, XML) is read, and PDF or DOCX when the bytes are one.
- Environment proxies are ignored (``trust_env=False``): a proxy would connect for us, out of
  reach of the address check.

httpx has no hook for the connect step, so the check is an httpcore network backend put in
the transport's pool (``_pool._network_backend``, stable across httpcore 1.x; pinned).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

TEXT_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "text/markdown",
    "text/x-markdown",
)
XML_TYPES = ("application/xml", "text/xml")
BINARY_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/octet-stream",
)


class FetchError(Exception):
    """This URL could not be fetched; ``str(exc)`` says why."""


class AddressRefused(FetchError):
    pass


def address_allowed(ip: str) -> bool:
    """Only globally routable unicast addresses (IPv4-mapped IPv6 judged as IPv4)."""
    try:
        address = ipaddress.ip_address(ip.split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, refuses non-public addresses, connects to a checked one."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend, *, allow_private: bool) -> None:
        self._inner = inner
        self._allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout
            )
        except (OSError, TimeoutError) as exc:
            raise FetchError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            raise FetchError(f"cannot resolve {host}")
        if not self._allow_private:
            refused = [a for a in addresses if not address_allowed(a)]
            if refused:
                raise AddressRefused(
                    f"{host} resolves to {refused[0]}, a private or local address; "
                    "set GUIDERS_KNOWLEDGE_ALLOW_PRIVATE_ADDRESSES=true to crawl it"
                )
        return await self._inner.connect_tcp(
            addresses[0], port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("unix sockets are not crawled")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    """Where the content came from, after redirects."""
    status: int
    content: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None


def same_site(a: str, b: str) -> bool:
    """Same host (a leading ``www.`` ignored) and port."""

    def key(url: str) -> tuple[str, int | None]:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.")
        return host, parts.port

    return key(a) == key(b)


class Fetcher:
    def __init__(
        self,
        *,
        allow_private: bool = False,
        max_bytes: int = 10 * 1024 * 1024,
        timeout_s: float = 15.0,
        max_redirects: int = 5,
        user_agent: str = "GuidersBot/1.0 (+https://github.com/guiders)",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        if transport is None:
            guarded = httpx.AsyncHTTPTransport(retries=0)
            pool = guarded._pool
            pool._network_backend = GuardedBackend(
                pool._network_backend,
                allow_private=allow_private,
            )
            transport = guarded
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,
            trust_env=False,
            headers={"user-agent": user_agent},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """The page, or a 304/404/410 status with no content; other failures raise."""
        try:
            async with asyncio.timeout(self.timeout_s * 2):
                return await self._follow(url, etag, last_modified)
        except TimeoutError as exc:
            raise FetchError(f"timed out after {self.timeout_s * 2:.0f} s") from exc
        except httpx.TimeoutException as exc:
            raise FetchError(f"timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot fetch: {exc!r}"[:300]) from exc

    async def _follow(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        current = url
        for _ in range(self.max_redirects + 1):
            if urlsplit(current).scheme not in ("http", "https"):
                raise FetchError(f"only http and https are fetched, not {current[:100]}")
            headers = {}
            if etag:
                headers["if-none-match"] = etag
            if last_modified:
                headers["if-modified-since"] = last_modified
            async with self._client.stream("GET", current, headers=headers) as response:
                if response.has_redirect_location:
                    location = response.headers.get("location", "")
                    target = urljoin(current, location)
                    if not same_site(target, url):
                        raise FetchError(f"redirected off the site to {target[:200]}")
                    current = target
                    continue
                return await self._read(current, response)
        raise FetchError(f"more than {self.max_redirects} redirects")

    async def _read(self, url: str, response: httpx.Response) -> FetchResult:
        status = response.status_code
        meta = {
            "etag": response.headers.get("etag"),
            "last_modified": response.headers.get("last-modified"),
        }
        if status in (304, 404, 410):
            return FetchResult(url, status, **meta)
        if status >= 400:
            raise FetchError(f"HTTP {status}")
        content_type = response.headers.get("content-type", "")
        mime = content_type.split(";")[0].strip().lower()
        binary = mime in BINARY_TYPES
        if not (mime.startswith("text/") or mime in TEXT_TYPES + XML_TYPES or binary):
            raise FetchError(f"not a text document ({mime or 'no content type'})")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"larger than the {self.max_bytes} byte limit")
        body = bytearray()
        async for piece in response.aiter_bytes():
            body.extend(piece)
            if len(body) > self.max_bytes:
                raise FetchError(f"larger than the {self.max_bytes} byte limit")
        content = bytes(body)
        if binary and not content.startswith((b"%PDF-", b"PK\x03\x04")):
            raise FetchError(f"{mime} that is neither a PDF nor a DOCX")
        return FetchResult(url, status, content, content_type, **meta)
