"""The crawler against a site on loopback: robots.txt, the sitemap, redirects, 404s, ETags;
and its refusal of private addresses."""

from __future__ import annotations

import pytest

from guiders.ingest.crawler import Crawl, Known, parse_sitemap
from guiders.ingest.fetcher import AddressRefused, Fetcher, FetchError, address_allowed
from guiders.ingest.parsers import parse
from tests.site import Site, page, serve


def demo_site() -> Site:
    return Site(
        pages={
            "/": page(
                "Home", "Welcome.", ["/a", "/old", "/missing", "/private/x", "http://other.test/"]
            ),
            "/a": page("A", "Page A.", ["/a/deep"]),
            "/a/deep": page("Deep", "Deep page."),
            "/new": page("New", "Where old went."),
            "/listed": page("Listed", "Only in the sitemap."),
            "/private/x": page("Secret", "Disallowed by robots."),
        },
        sitemap=["/listed"],
        redirects={"/old": "/new"},
    )


async def crawl_all(crawl: Crawl) -> dict[str, str]:
    outcome: dict[str, str] = {}
    await crawl.prepare()
    async for p in crawl.pages():
        if p.result is None:
            outcome[p.url] = f"error: {p.error}"
            continue
        outcome[p.url] = str(p.result.status)
        if p.result.status == 200:
            crawl.follow(p, parse(p.result.content, p.result.content_type, p.url).links)
    return outcome


async def test_a_site_is_walked_from_its_start_page_and_sitemap_as_robots_allows() -> None:
    site = demo_site()
    async with serve(site) as base:
        fetcher = Fetcher(allow_private=True)
        try:
            outcome = await crawl_all(Crawl(fetcher, base + "/", max_pages=20, max_depth=3))
        finally:
            await fetcher.aclose()
    short = {url.removeprefix(base): status for url, status in outcome.items()}
    assert short == {
        "/": "200",
        "/listed": "200",
        "/a": "200",
        "/old": "200",  # followed to /new
        "/missing": "404",
        "/a/deep": "200",
    }
    assert "/private/x" not in site.requests  # robots.txt said no
    assert "/new" in site.requests


async def test_depth_and_page_limits_stop_the_walk() -> None:
    site = demo_site()
    async with serve(site) as base:
        fetcher = Fetcher(allow_private=True)
        try:
            shallow = await crawl_all(Crawl(fetcher, base + "/", max_pages=20, max_depth=1))
            few = await crawl_all(Crawl(fetcher, base + "/", max_pages=2, max_depth=3))
        finally:
            await fetcher.aclose()
    assert base + "/a/deep" not in shallow and base + "/a" in shallow
    assert len(few) == 2


async def test_an_unchanged_page_answers_304_and_its_stored_links_are_followed() -> None:
    site = demo_site()
    async with serve(site) as base:
        fetcher = Fetcher(allow_private=True)
        try:
            first = Crawl(fetcher, base + "/", max_pages=20, max_depth=3)
            etags: dict[str, Known] = {}
            await first.prepare()
            async for p in first.pages():
                if p.result is not None and p.result.status == 200:
                    links = parse(p.result.content, p.result.content_type, p.url).links
                    first.follow(p, links)
                    etags[p.url] = Known(p.result.etag, None, tuple(links))
            again = await crawl_all(
                Crawl(fetcher, base + "/", max_pages=20, max_depth=3, known=etags)
            )
        finally:
            await fetcher.aclose()
    assert again[base + "/"] == "304" and again[base + "/a"] == "304"
    assert again[base + "/a/deep"] == "304"  # reached through /a's stored links
    assert site.not_modified >= 4


async def test_the_crawler_refuses_loopback_by_default_and_names_the_setting() -> None:
    site = demo_site()
    async with serve(site) as base:
        fetcher = Fetcher()
        try:
            with pytest.raises(AddressRefused, match="GUIDERS_KNOWLEDGE_ALLOW_PRIVATE"):
                await fetcher.fetch(base + "/")
            with pytest.raises(AddressRefused):
                await Crawl(fetcher, base + "/", max_pages=5, max_depth=1).prepare()
        finally:
            await fetcher.aclose()
    assert site.requests == []


async def test_a_redirect_to_a_private_address_is_refused() -> None:
    """A public host that redirects inwards: another host, so refused before connecting (a
    same-host redirect connects again, and the address check runs on that connection). The
    public host is a transport that answers without a network."""
    import httpx

    hops: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hops.append(str(request.url))
        return httpx.Response(302, headers={"location": "http://127.0.0.1:9/admin"})

    fetcher = Fetcher(transport=httpx.MockTransport(handler))
    try:
        with pytest.raises(FetchError, match="off the site"):
            await fetcher.fetch("http://example.com/")
    finally:
        await fetcher.aclose()
    assert hops == ["http://example.com/"]


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
    ],
)
def test_only_public_unicast_addresses_are_allowed(address: str, allowed: bool) -> None:
    assert address_allowed(address) is allowed


async def test_a_name_that_resolves_to_a_private_address_is_refused_after_resolution() -> None:
    fetcher = Fetcher()
    try:
        with pytest.raises(AddressRefused, match=r"resolves to 127\.0\.0\.1"):
            await fetcher.fetch("http://localhost:9/")
    finally:
        await fetcher.aclose()


async def test_a_redirect_that_leaves_the_site_or_loops_fails_the_page() -> None:
    site = Site(pages={}, redirects={"/out": "http://elsewhere.test/", "/loop": "/loop"})
    async with serve(site) as base:
        fetcher = Fetcher(allow_private=True, max_redirects=3)
        try:
            with pytest.raises(FetchError, match="off the site"):
                await fetcher.fetch(base + "/out")
            with pytest.raises(FetchError, match="more than 3 redirects"):
                await fetcher.fetch(base + "/loop")
        finally:
            await fetcher.aclose()


async def test_oversized_and_non_text_responses_fail_the_page() -> None:
    site = Site(pages={"/big": "x" * 5000})
    async with serve(site) as base:
        fetcher = Fetcher(allow_private=True, max_bytes=1000)
        try:
            with pytest.raises(FetchError, match="byte limit"):
                await fetcher.fetch(base + "/big")
        finally:
            await fetcher.aclose()


def test_sitemaps_and_sitemap_indexes_are_read() -> None:
    index = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://x.test/s1.xml</loc></sitemap></sitemapindex>"
    )
    assert parse_sitemap(index) == (["https://x.test/s1.xml"], [])
    assert parse_sitemap(b"not xml") == ([], [])
