"""Attachments both ways, on SQLite and PostgreSQL: type by content, size limit, only the
chat's participants may fetch, the message carries the metadata, erasure by visitor."""

from __future__ import annotations

import io
import zlib
from typing import Any
from uuid import UUID

import httpx
import pytest

from guiders.config import Settings
from guiders.runtime import Runtime
from guiders.services.ports import EventFilter
from tests.integration.test_api import key_headers, staff, visitor

LIMIT = 64 * 1024


def png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"attachment_max_bytes": LIMIT, "attachment_max_files_per_visitor": 3}
    )


def upload(
    api: httpx.AsyncClient, chat: str, name: str, data: bytes, headers: dict[str, str]
) -> Any:
    return api.post(
        "/api/v2/attachments",
        data={"chatId": chat},
        files={"file": (name, io.BytesIO(data), "image/png")},
        headers=headers,
    )


async def open_chat(api: httpx.AsyncClient, demo: dict[str, Any], fp: str) -> tuple[str, Any]:
    v = await visitor(api, demo, fp)
    r = await api.post("/api/v2/chats", json={}, headers=v["headers"])
    return r.json()["chatId"], v


async def test_a_visitor_sends_an_image_and_the_agent_a_pdf(
    runtime: Runtime, api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    chat, alice = await open_chat(api, demo, "att-alice")
    r = await upload(api, chat, "../../etc/My photo.png", png(), alice["headers"])
    assert r.status_code == 201, r.text
    sent = r.json()
    info = sent["attachment"]
    assert info["contentType"] == "image/png" and info["name"] == "My photo.png"
    assert sent["message"]["type"] == "image"
    assert sent["message"]["metadata"]["attachment"] == info
    got = await api.get(info["url"], headers=alice["headers"])
    assert got.status_code == 200 and got.content == png()
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith('inline; filename="My photo.png"')
    agent = await staff(api, demo, 1)
    ben = demo["staff"][1]["commercialId"]
    assert (await api.put(f"/api/v2/chats/{chat}/assign/{ben}", headers=agent)).status_code == 200
    r = await upload(api, chat, "quote", PDF, agent)
    assert r.status_code == 201, r.text
    pdf = r.json()["attachment"]
    assert pdf["contentType"] == "application/pdf" and pdf["name"] == "quote.pdf"
    assert r.json()["message"]["type"] == "file"
    got = await api.get(pdf["url"], headers=alice["headers"])
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-disposition"].startswith('attachment; filename="quote.pdf"')
    listed = await api.get(f"/api/v2/chats/{chat}/messages", headers=alice["headers"])
    kinds = [
        (m["type"], m["metadata"].get("attachment", {}).get("id"))
        for m in listed.json()["messages"]
    ]
    assert ("image", info["id"]) in kinds and ("file", pdf["id"]) in kinds
    async with runtime.services.uow() as uow:  # a domain fact in the log
        events = await uow.events.read(
            EventFilter(company_id=UUID(demo["companyId"]), types=["message.sent"])
        )
    facts = [e.payload.get("metadata", {}).get("attachment") for e in events]
    assert any(f and f["id"] == info["id"] for f in facts)


async def test_too_large_and_wrong_type_are_refused(
    api: httpx.AsyncClient, demo: dict[str, Any], settings: Settings
) -> None:
    chat, alice = await open_chat(api, demo, "att-bad")
    big = png() + b"\x00" * LIMIT
    r = await upload(api, chat, "big.png", big, alice["headers"])
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    html = b"<!doctype html><script>alert(document.cookie)</script>"
    r = await upload(api, chat, "cat.png", html, alice["headers"])
    assert r.status_code == 415 and r.json()["error"] == "unsupported_media_type"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
    assert (await upload(api, chat, "x.svg", svg, alice["headers"])).status_code == 415
    assert (await upload(api, chat, "empty.png", b"", alice["headers"])).status_code == 415
    listed = await api.get(f"/api/v2/chats/{chat}/messages", headers=alice["headers"])
    assert listed.json()["messages"] == []  # nothing refused was sent
    assert not any(p.is_file() for p in (settings.data_dir / "attachments").rglob("*"))
    for i in range(3):  # the visitor's chats hold at most three files here
        assert (await upload(api, chat, f"{i}.png", png(), alice["headers"])).status_code == 201
    full = await upload(api, chat, "more.png", png(), alice["headers"])
    assert full.status_code == 413 and "files" in full.json()["message"]
    missing = await api.post("/api/v2/attachments", data={"chatId": chat}, headers=alice["headers"])
    assert missing.status_code == 422


async def test_strangers_cannot_send_or_fetch_someone_elses_file(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    chat, alice = await open_chat(api, demo, "att-owner")
    url = (await upload(api, chat, "a.png", png(), alice["headers"])).json()["attachment"]["url"]
    bob = await visitor(api, demo, "att-bob")
    assert (await api.get(url, headers=bob["headers"])).status_code == 404
    assert (await upload(api, chat, "b.png", png(), bob["headers"])).status_code == 404
    assert (await api.get(url)).status_code == 401
    assert (await api.get(url, headers=key_headers(demo))).status_code == 200
    # another company: its integration key and its own visitor
    other = await runtime.services.tenancy.create_company("Other Inc")
    site = await runtime.services.tenancy.add_site(
        other.id, name="o", domain="other.example", aliases=[]
    )
    other_key, _ = await runtime.services.tenancy.create_api_key(other.id, "other")
    outsider = {"authorization": f"Bearer {other_key}"}
    assert (await api.get(url, headers=outsider)).status_code == 404
    assert (await upload(api, chat, "c.png", png(), outsider)).status_code == 404
    r = await api.post(
        "/api/auth/visitor/register",
        json={"apiKey": site.site_key, "domain": "other.example", "fingerprint": "eve"},
    )
    eve = {"authorization": f"Bearer {r.json()['accessToken']}"}
    assert (await api.get(url, headers=eve)).status_code == 404


async def test_a_visitors_files_are_erased_with_them(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime, settings: Settings
) -> None:
    chat, alice = await open_chat(api, demo, "att-erase")
    url = (await upload(api, chat, "a.png", png(), alice["headers"])).json()["attachment"]["url"]
    stored = list((settings.data_dir / "attachments").rglob("*"))
    assert any(p.is_file() for p in stored)
    assert await runtime.attachments.erase_visitor(UUID(alice["visitorId"])) == 1
    assert not any(p.is_file() for p in (settings.data_dir / "attachments").rglob("*"))
    assert (await api.get(url, headers=alice["headers"])).status_code == 404
