"""Walking a site: from its start page and ``sitemap.xml``, breadth first, same host only,
as ``robots.txt`` allows, up to a page count and a link depth.

The walk does not parse pages itself: it yields each fetched page and the caller, having
parsed it (in a worker process), hands its links back with ``follow``. A page the server says
is unchanged (304 to our ETag / Last-Modified) yields its stored links instead, so a re-crawl
reaches every page the previous one did.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from guiders.ingest.fetcher import AddressRefused, Fetcher, FetchError, FetchResult, same_site

MAX_SITEMAP_URLS = 5000
_SKIP_SUFFIXES = (
    ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".css", ".js", ".zip", ".gz",
    ".mp3", ".mp4", ".avi", ".mov", ".woff", ".woff2", ".ttf", ".exe", ".dmg",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Known:
    """What the previous crawl stored about a URL."""

    etag: str | None
    last_modified: str | None
    links: tuple[str, ...]


@dataclass(slots=True)
class CrawledPage:
    url: str
    """The URL as queued (the document's key); ``result.url`` is where it ended up."""
    depth: int
    result: FetchResult | None = None
    error: str | None = None

    @property
    def gone(self) -> bool:
        return self.result is not None and self.result.status in (404, 410)

    @property
    def unchanged(self) -> bool:
        return self.result is not None and self.result.status == 304


def normalise(url: str, base: str | None = None) -> str | None:
    """Absolute http(s) URL without fragment; None for anything else."""
    try:
        absolute = urljoin(base, url.strip()) if base else url.strip()
        absolute, _ = urldefrag(absolute)
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path.lower().endswith(_SKIP_SUFFIXES):
        return None
    return absolute if parts.path else absolute + "/"


class Crawl:
    def __init__(
        self,
        fetcher: Fetcher,
        start_url: str,
        *,
        max_pages: int,
        max_depth: int,
        known: dict[str, Known] | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.start_url = normalise(start_url) or start_url
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.known = known or {}
        self.robots: RobotFileParser | None = None
        self._queue: deque[tuple[str, int]] = deque()
        self._seen: set[str] = set()
        self.fetched = 0

    @property
    def queued(self) -> int:
        return len(self._queue)

    async def prepare(self) -> None:
        """Reads ``robots.txt`` and the sitemaps; raises ``FetchError`` when the site itself
        cannot be reached (the start page's host refused, or unresolvable)."""
        parts = urlsplit(self.start_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        self.robots = await self._robots(origin)
        is_sitemap = parts.path.lower().endswith(".xml")
        if not is_sitemap:
            self._add(self.start_url, 0)
        sitemaps = [self.start_url] if is_sitemap else [f"{origin}/sitemap.xml"]
        sitemaps += [s for s in (self.robots.site_maps() or []) if s not in sitemaps]
        for url in await self._sitemap_urls(sitemaps):
            self._add(url, 1)
        if not self._queue:
            raise FetchError("nothing to crawl: the start page is not allowed or the sitemap empty")

    def follow(self, page: CrawledPage, links: Iterable[str]) -> None:
        if page.depth >= self.max_depth:
            return
        base = page.result.url if page.result else page.url
        for link in links:
            url = normalise(link, base)
            if url is not None:
                self._add(url, page.depth + 1)

    def _add(self, url: str, depth: int) -> None:
        if url in self._seen or not same_site(url, self.start_url):
            return
        if self.robots is not None and not self.robots.can_fetch(self.fetcher.user_agent, url):
            return
        self._seen.add(url)
        self._queue.append((url, depth))

    async def pages(self) -> AsyncIterator[CrawledPage]:
        while self._queue and self.fetched < self.max_pages:
            url, depth = self._queue.popleft()
            self.fetched += 1
            known = self.known.get(url)
            page = CrawledPage(url, depth)
            try:
                page.result = await self.fetcher.fetch(
                    url,
                    etag=known.etag if known else None,
                    last_modified=known.last_modified if known else None,
                )
            except FetchError as exc:
                page.error = str(exc)
            if page.result is not None and page.result.url != url:
                final = normalise(page.result.url)
                if final is not None and final in self._seen and final != url:
                    continue  # a redirect to a page already queued: crawled under its own URL
                if final is not None:
                    self._seen.add(final)
            if page.unchanged and known is not None:
                self.follow(page, known.links)
            yield page

    async def _robots(self, origin: str) -> RobotFileParser:
        parser = RobotFileParser()
        try:
            result = await self.fetcher.fetch(f"{origin}/robots.txt")
        except AddressRefused:
            raise
        except FetchError:
            result = FetchResult(f"{origin}/robots.txt", 404)
        if result.status >= 400 or not result.content:
            parser.parse([])  # no robots.txt: everything is allowed
        else:
            parser.parse(result.content.decode("utf-8", "replace").splitlines())
        return parser

    async def _sitemap_urls(self, sitemaps: list[str]) -> list[str]:
        found: list[str] = []
        pending = deque(sitemaps[:10])
        visited: set[str] = set()
        while pending and len(found) < MAX_SITEMAP_URLS and len(visited) < 20:
            url = pending.popleft()
            if url in visited or not same_site(url, self.start_url):
                continue
            visited.add(url)
            try:
                result = await self.fetcher.fetch(url)
            except FetchError:
                continue
            if result.status != 200 or not result.content:
                continue
            nested, pages = parse_sitemap(result.content)
            pending.extend(nested)
            found.extend(u for p in pages if (u := normalise(p)) is not None)
        return found[:MAX_SITEMAP_URLS]


def parse_sitemap(content: bytes) -> tuple[list[str], list[str]]:
    """(nested sitemaps, page URLs) of a sitemap or sitemap index; ([], []) when unreadable.

    The standard library's expat refuses entity expansion bombs (expat >= 2.4) and never
    fetches external entities; the input is already size-limited by the fetcher.
    """
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError:
        return [], []
    nested: list[str] = []
    pages: list[str] = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] != "loc" or not element.text:
            continue
        target = nested if root.tag.endswith("sitemapindex") else pages
        target.append(element.text.strip())
    return nested, pages
