"""A small website served on loopback for the crawler's tests: a sitemap, robots.txt, a
redirect, a 404, a page whose text the test changes, one it removes, ETag support."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


def page(title: str, body: str, links: list[str] = ()) -> str:  # type: ignore[assignment]
    anchors = "".join(f'<a href="{href}">{href}</a> ' for href in links)
    return (
        f"<html><head><title>{title}</title></head><body><nav>{anchors}</nav>"
        f"<main><h1>{title}</h1><p>{body}</p></main></body></html>"
    )


@dataclass
class Site:
    pages: dict[str, str] = field(default_factory=dict)
    robots: str = "User-agent: *\nDisallow: /private/\n"
    sitemap: list[str] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    not_modified: int = 0
    base: str = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.requests.append(path)
        if path == "/robots.txt":
            return web.Response(text=self.robots, content_type="text/plain")
        if path == "/sitemap.xml":
            urls = "".join(f"<url><loc>{self.base}{p}</loc></url>" for p in self.sitemap)
            xml = (
                '<?xml version="1.0" encoding="UTF-8"?>'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            )
            return web.Response(text=xml, content_type="application/xml")
        if path in self.redirects:
            raise web.HTTPFound(self.redirects[path])
        if path not in self.pages:
            raise web.HTTPNotFound()
        html = self.pages[path]
        etag = '"' + hashlib.sha256(html.encode()).hexdigest()[:16] + '"'
        if request.headers.get("if-none-match") == etag:
            self.not_modified += 1
            return web.Response(status=304, headers={"etag": etag})
        return web.Response(text=html, content_type="text/html", headers={"etag": etag})


@asynccontextmanager
async def serve(site: Site) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", site.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    server = web.TCPSite(runner, "127.0.0.1", 0)
    await server.start()
    port = runner.addresses[0][1]
    site.base = f"http://127.0.0.1:{port}"
    try:
        yield site.base
    finally:
        await runner.cleanup()
