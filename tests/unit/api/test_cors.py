"""The CORS rules, without I/O: origin parsing, same-origin, and the cached host list."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import pytest

from guiders.api.cors import SiteHosts, _same_origin, origin_host


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://localhost:3000", "localhost"),
        ("https://WWW.Shop.Example", "www.shop.example"),
        ("http://127.0.0.1", "127.0.0.1"),
        ("null", None),
        ("file://", None),
        ("chrome-extension://abc", None),
        ("", None),
    ],
)
def test_origin_host(origin: str, host: str | None) -> None:
    assert origin_host(origin) == host


def test_same_origin_compares_host_and_port_with_the_request() -> None:
    assert _same_origin("http://127.0.0.1:8000", {"host": "127.0.0.1:8000"})
    assert not _same_origin("http://127.0.0.1:9000", {"host": "127.0.0.1:8000"})
    assert _same_origin(
        "https://chat.example", {"host": "10.0.0.5", "x-forwarded-host": "chat.example"}
    )
    assert not _same_origin("null", {"host": "null"})


async def test_site_hosts_normalise_and_cache() -> None:
    calls = 0
    company = uuid.uuid4()
    hosts = [("www.Shop.example", company), ("127.0.0.1", company)]

    async def load() -> Iterable[tuple[str, uuid.UUID]]:
        nonlocal calls
        calls += 1
        return list(hosts)

    cache = SiteHosts(load, ttl_s=3600)
    assert await cache.contains("shop.example")
    assert await cache.contains("WWW.shop.example")
    assert await cache.contains("127.0.0.1")
    assert not await cache.contains("evil.example")
    hosts.append(("new.example", company))
    assert not await cache.contains("new.example")
    assert calls == 1
    cache.forget()
    assert await cache.contains("new.example") and calls == 2


async def test_a_failed_reload_keeps_the_last_list() -> None:
    company = uuid.uuid4()
    answers: list[Exception | list[tuple[str, uuid.UUID]]] = [
        [("shop.example", company)],
        RuntimeError("db down"),
    ]

    async def load() -> Iterable[tuple[str, uuid.UUID]]:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    cache = SiteHosts(load, ttl_s=3600)
    assert await cache.contains("shop.example")
    cache.forget()
    assert await cache.contains("shop.example")


async def test_site_hosts_know_each_hosts_company() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()

    async def load() -> Iterable[tuple[str, uuid.UUID]]:
        return [("a.example", a), ("b.example", b), ("shared.example", a), ("shared.example", b)]

    cache = SiteHosts(load, ttl_s=3600)
    assert await cache.owners("www.a.example") == {a}
    assert await cache.owners("b.example") == {b}
    assert await cache.owners("shared.example") == {a, b}
    assert await cache.owners("evil.example") == frozenset()
