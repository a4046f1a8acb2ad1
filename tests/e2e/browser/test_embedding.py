"""The widget embedded in another origin's page, as a customer's site would: one script tag."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


class ShopPage:
    """A third-party page on its own host and port, embedding the widget from the server."""

    def __init__(self, host: str, script_tag: str) -> None:
        body = (
            "<!doctype html><meta charset='utf-8'><title>Another shop</title>"
            f"<h1>Another shop</h1>{script_tag}"
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200 if self.path == "/" else 404)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.end_headers()
                if self.path == "/":
                    self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def shop(server: ServerProcess) -> Iterator[Any]:
    pages: list[ShopPage] = []

    def make(host: str) -> ShopPage:
        key = server.credentials()["siteKey"]
        tag = f'<script src="{server.base}/widget.js" data-site-key="{key}"></script>'
        page = ShopPage(host, tag)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.close()


def test_the_widget_works_embedded_in_a_registered_sites_page(
    server: ServerProcess, browser: Any, shop: Any, screenshots: Path
) -> None:
    # The demo site is registered for localhost; the server runs on 127.0.0.1: another origin.
    site = shop("localhost")
    page = browser.new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site.url)
    page.click("#guiders-widget .launcher")
    box = "#guiders-widget input[aria-label=Message]"
    page.fill(box, "Hello from another origin")
    page.press(box, "Enter")
    log = page.locator("#guiders-widget .log")
    expect(log.locator(".mine:not(.pending):not(.failed) .text")).to_have_text(
        ["Hello from another origin"]
    )
    expect(page.locator("#guiders-widget .offline")).to_have_count(0)
    page.screenshot(path=str(screenshots / "widget-embedded.png"))
    assert errors == [], errors


def test_a_page_on_an_unregistered_host_gets_no_chat(
    server: ServerProcess, browser: Any, shop: Any
) -> None:
    site = shop("127.0.0.2")
    page = browser.new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site.url)
    page.click("#guiders-widget .launcher")
    expect(page.locator("#guiders-widget .error")).to_be_visible()
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k !== 'guiders:fp')") == []
    assert errors == [], errors
