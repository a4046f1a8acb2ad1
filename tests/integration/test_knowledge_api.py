"""Knowledge sources end to end through the API, on SQLite and PostgreSQL: a site on loopback
crawled and re-crawled, files uploaded and parsed, FAQ pairs, answers with citations, the
content-gap list, tenancy, and a failed re-crawl that keeps what was indexed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from guiders.config import Settings
from guiders.demo import CREDENTIALS_FILE, seed_demo_documents
from guiders.runtime import Runtime
from tests.documents import encrypt_pdf, make_docx, make_docx_bomb, make_pdf
from tests.integration.test_api import key_headers, staff
from tests.site import Site, page, serve
from tests.waiting import eventually

DEADLINE_S = 90.0


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    """The test site is on loopback, which the crawler refuses unless told otherwise."""
    return settings.model_copy(
        update={
            "knowledge_allow_private_addresses": True,
            "knowledge_parse_processes": 0,
            "knowledge_poll_s": 0.5,
            "knowledge_upload_max_bytes": 2_000_000,
            "knowledge_max_bytes": 1_000_000,
        }
    )


async def until(check: Callable[[], Awaitable[Any]], what: str) -> Any:
    return await eventually(check, timeout=DEADLINE_S, interval=0.1, what=what)


async def settled(
    api: httpx.AsyncClient, headers: dict[str, str], source_id: str, after: str | None = None
) -> dict[str, Any]:
    """The source once it is indexed or failed (and crawled after ``after``, if given)."""

    async def check() -> dict[str, Any] | None:
        r = await api.get(f"/api/v2/knowledge/sources/{source_id}", headers=headers)
        body: dict[str, Any] = r.json()
        if body["status"] in ("indexed", "failed") and (
            after is None or (body["lastCrawlAt"] or "") > after
        ):
            return body
        return None

    result: dict[str, Any] = await until(check, f"source {source_id} to settle")
    return result


async def pages_of(api: httpx.AsyncClient, headers: dict[str, str], sid: str) -> dict[str, Any]:
    r = await api.get(f"/api/v2/knowledge/sources/{sid}/pages", headers=headers)
    assert r.status_code == 200, r.text
    return {p["key"]: p for p in r.json()["pages"]}


async def ask(api: httpx.AsyncClient, headers: dict[str, str], question: str) -> dict[str, Any]:
    r = await api.post("/api/v2/knowledge/answer", json={"question": question}, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def shop_site() -> Site:
    return Site(
        pages={
            "/": page("Help centre", "Find answers about orders.", ["/returns", "/old-shipping"]),
            "/returns": page(
                "Returns policy",
                "You can return any item within 30 days of delivery for a full refund. "
                "Returned items must be unused and in their original packaging.",
                ["/gone-soon", "/missing"],
            ),
            "/shipping": page(
                "Shipping times",
                "Standard shipping to Spain takes 3 to 5 working days. "
                "Express shipping arrives the next working day.",
            ),
            "/gone-soon": page(
                "Gift cards",
                "Gift cards are valid for two years and can be used on any product.",
            ),
            "/warranty": page(
                "Warranty", "Every laptop has a two year warranty covering hardware faults."
            ),
        },
        sitemap=["/warranty"],
        redirects={"/old-shipping": "/shipping"},
    )


async def test_a_site_is_crawled_answered_from_recrawled_and_pruned(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    key = key_headers(demo)
    site = shop_site()
    async with serve(site) as base:
        r = await api.post(
            "/api/v2/knowledge/sources",
            json={"url": base + "/", "maxPages": 20, "maxDepth": 3},
            headers=key,
        )
        assert r.status_code == 201, r.text
        sid = r.json()["id"]
        assert r.json()["status"] == "queued"
        first = await settled(api, key, sid)
        assert first["status"] == "indexed", first
        pages = await pages_of(api, key, sid)
        keys = {k.removeprefix(base) for k in pages}
        assert keys == {"/", "/returns", "/old-shipping", "/gone-soon", "/warranty"}
        assert all(p["status"] == "indexed" for p in pages.values())
        assert first["pageCount"] == 5 and first["chunkCount"] >= 5

        reply = await ask(api, key, "How many days do I have to return an item?")
        assert reply["action"] == "answer", reply
        assert reply["citations"][0]["url"] == base + "/returns"
        assert "30 days" in reply["text"]

        # the site changes: a page's text, a page removed
        site.pages["/returns"] = page(
            "Returns policy",
            "You can return any item within 60 days of delivery for a full refund.",
            ["/missing"],
        )
        del site.pages["/gone-soon"]
        r = await api.post(f"/api/v2/knowledge/sources/{sid}/recrawl", headers=key)
        assert r.status_code == 202, r.text
        second = await settled(api, key, sid, after=first["lastCrawlAt"])
        assert second["status"] == "indexed", second
        assert site.not_modified >= 2  # unchanged pages answered 304 to our ETag
        pages = await pages_of(api, key, sid)
        assert {k.removeprefix(base) for k in pages} == {
            "/",
            "/returns",
            "/old-shipping",
            "/warranty",
        }
        reply = await ask(api, key, "How many days do I have to return an item?")
        assert reply["action"] == "answer" and "60 days" in reply["text"], reply

        # a re-crawl that cannot reach the site keeps everything indexed
        site.robots = "User-agent: *\nDisallow: /\n"
        r = await api.post(f"/api/v2/knowledge/sources/{sid}/recrawl", headers=key)
        third = await settled(api, key, sid, after=second["lastCrawlAt"])
        assert third["status"] == "failed" and third["error"], third
        assert third["chunkCount"] == second["chunkCount"]
    reply = await ask(api, key, "How many days do I have to return an item?")
    assert reply["action"] == "answer" and "60 days" in reply["text"]


async def test_uploads_are_parsed_each_on_its_own_and_bad_files_fail_with_a_reason(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    key = key_headers(demo)
    pdf = make_pdf(
        [("Opening hours", "The Madrid store opens from 9 am to 8 pm, Monday to Saturday.")]
    )
    docx = make_docx(
        "Payments", [("Cards", "We accept Visa, Mastercard and American Express cards.")]
    )
    files = [
        ("files", ("hours.pdf", pdf, "application/pdf")),
        ("files", ("payments.docx", docx, "application/octet-stream")),
        ("files", ("locked.pdf", encrypt_pdf(pdf), "application/pdf")),
        ("files", ("broken.pdf", b"%PDF-1.4 this is not a pdf", "application/pdf")),
        ("files", ("logo.png", b"\x89PNG\r\n\x1a\n....", "image/png")),
        ("files", ("bomb.docx", make_docx_bomb(20 * 1024 * 1024), "application/octet-stream")),
        ("files", ("notes.md", b"# Delivery\n## Parcels\nParcels are left with a neighbour.", "")),
    ]
    r = await api.post(
        "/api/v2/knowledge/sources/upload", files=files, data={"name": "Docs"}, headers=key
    )
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    source = await settled(api, key, sid)
    assert source["status"] == "indexed" and source["failedCount"] == 4, source
    pages = await pages_of(api, key, sid)
    assert {k: p["status"] for k, p in pages.items()} == {
        "hours.pdf": "indexed",
        "payments.docx": "indexed",
        "notes.md": "indexed",
        "locked.pdf": "failed",
        "broken.pdf": "failed",
        "logo.png": "failed",
        "bomb.docx": "failed",
    }
    assert "encrypted" in pages["locked.pdf"]["error"]
    assert "damaged" in pages["broken.pdf"]["error"] or "text" in pages["broken.pdf"]["error"]
    assert "unsupported" in pages["logo.png"]["error"]
    assert "ZIP bomb" in pages["bomb.docx"]["error"]
    reply = await ask(api, key, "What time does the Madrid store open?")
    assert reply["action"] == "answer", reply
    assert reply["citations"][0]["title"] in ("hours", "Opening hours", "Handbook")
    reply = await ask(api, key, "Which credit cards do you accept?")
    assert reply["action"] == "answer" and "Visa" in reply["text"], reply


async def test_faq_pairs_are_answered_and_removed_with_their_source(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    key = key_headers(demo)
    faq = [
        {"question": "Do you ship to Canada?", "answer": "Yes, we ship to Canada in 7 days."},
        {"question": "Can I pay by bank transfer?", "answer": "Yes, bank transfers are fine."},
    ]
    r = await api.post("/api/v2/knowledge/sources", json={"name": "FAQ", "faq": faq}, headers=key)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert (await settled(api, key, sid))["status"] == "indexed"
    reply = await ask(api, key, "Do you ship to Canada?")
    assert reply["action"] == "answer" and "Canada" in reply["text"]
    assert (await api.delete(f"/api/v2/knowledge/sources/{sid}", headers=key)).status_code == 204
    assert (await api.get(f"/api/v2/knowledge/sources/{sid}", headers=key)).status_code == 404
    reply = await ask(api, key, "Do you ship to Canada?")
    assert reply["action"] == "handoff"


async def test_the_demo_help_pages_are_seeded_once_and_answer_with_citations(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime, settings: Settings
) -> None:
    """What ``guiders up`` adds (docs/quickstart.md): the bot's demo answers cite documents."""
    key = key_headers(demo)
    ids = await seed_demo_documents(runtime.services, settings.data_dir, demo)
    assert len(ids) == 2
    stored = json.loads((settings.data_dir / CREDENTIALS_FILE).read_text())  # a restart
    assert await seed_demo_documents(runtime.services, settings.data_dir, stored) == ids
    listed = (await api.get("/api/v2/knowledge/sources", headers=key)).json()["sources"]
    assert sorted(s["id"] for s in listed) == sorted(ids)
    for sid in ids:
        source = await settled(api, key, sid)
        assert (source["status"], source["pageCount"], source["failedCount"]) == ("indexed", 3, 0)
        assert source["kind"] == "upload"
    reply = await ask(api, key, "How long does shipping take?")
    assert reply["action"] == "answer", reply
    assert "2 to 4 working days" in reply["text"]
    assert reply["citations"][0]["title"] == "Shipping and delivery"
    reply = await ask(api, key, "¿Cuánto tarda el envío?")
    assert reply["action"] == "answer", reply
    assert "2 a 4 días laborables" in reply["text"]
    assert reply["citations"][0]["title"] == "Envíos y entregas"


async def test_unanswered_questions_are_grouped_and_counted_in_the_gap_list(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    key = key_headers(demo)
    for question in (
        "Do you have a store in Paris?",
        "Is there a shop in Paris?",
        "Where is your Paris store?",
        "Can I pay with bitcoin?",
    ):
        assert (await ask(api, key, question))["action"] == "handoff"
    r = await api.get("/api/v2/knowledge/gaps", headers=key)
    assert r.status_code == 200, r.text
    gaps = r.json()["gaps"]
    assert gaps[0]["count"] == 3 and "Paris" in gaps[0]["question"], gaps
    assert [g["count"] for g in gaps] == [3, 1]


async def test_sources_are_private_to_their_company_and_to_supervisors(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    key = key_headers(demo)
    r = await api.post(
        "/api/v2/knowledge/sources",
        json={"faq": [{"question": "q?", "answer": "a."}]},
        headers=key,
    )
    sid = r.json()["id"]
    other = await runtime.services.tenancy.create_company("Other Inc")
    other_key, _ = await runtime.services.tenancy.create_api_key(other.id, "other")
    theirs = {"authorization": f"Bearer {other_key}"}
    for method, path in (
        ("GET", f"/api/v2/knowledge/sources/{sid}"),
        ("GET", f"/api/v2/knowledge/sources/{sid}/pages"),
        ("POST", f"/api/v2/knowledge/sources/{sid}/recrawl"),
        ("DELETE", f"/api/v2/knowledge/sources/{sid}"),
    ):
        r = await api.request(method, path, headers=theirs)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["error"] == "not_found"
    assert (await api.get("/api/v2/knowledge/sources", headers=theirs)).json()["total"] == 0
    supervisor = await staff(api, demo, 0)
    agent = await staff(api, demo, 1)
    assert (await api.get("/api/v2/knowledge/sources", headers=supervisor)).json()["total"] == 1
    r = await api.get("/api/v2/knowledge/sources", headers=agent)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert (await api.get("/api/v2/knowledge/sources")).status_code == 401


async def test_oversized_uploads_and_bad_requests_are_json_errors(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    key = key_headers(demo)
    big = b"x" * 1_100_000
    r = await api.post(
        "/api/v2/knowledge/sources/upload",
        files=[("files", ("big.txt", big, "text/plain"))],
        headers=key,
    )
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large", r.text
    huge = b"x" * 2_100_000
    r = await api.post(
        "/api/v2/knowledge/sources/upload",
        files=[("files", ("huge.txt", huge, "text/plain"))],
        headers=key,
    )
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    r = await api.post("/api/v2/knowledge/sources/upload", content=b"junk", headers=key)
    assert r.status_code == 422 and r.json()["error"] == "validation_error"
    r = await api.post("/api/v2/knowledge/sources", json={"url": "file:///etc/passwd"}, headers=key)
    assert r.status_code == 422
    r = await api.post("/api/v2/knowledge/sources", json={}, headers=key)
    assert r.status_code == 422
    r = await api.post("/api/v2/knowledge/answer", json={"question": ""}, headers=key)
    assert r.status_code == 422


async def test_a_second_node_answers_the_same_from_the_stored_vectors(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime, settings: Settings
) -> None:
    """Another server process on the same database: it never ingested anything, rebuilds its
    index from the stored chunks and vectors, and follows a removal."""
    key = key_headers(demo)
    faq = [{"question": "Do you ship to Canada?", "answer": "Yes, we ship to Canada in 7 days."}]
    r = await api.post("/api/v2/knowledge/sources", json={"faq": faq}, headers=key)
    sid = r.json()["id"]
    assert (await settled(api, key, sid))["status"] == "indexed"
    other = Runtime.build(settings.model_copy(update={"knowledge_enabled": True}))
    assert other.knowledge is not None and runtime.knowledge is not None
    try:
        company_id = uuid.UUID(demo["companyId"])
        here = await runtime.knowledge.reply(company_id, "Do you ship to Canada?", [], None)
        there = await other.knowledge.reply(company_id, "Do you ship to Canada?", [], None)
        assert here == there and here["action"] == "answer"
        r = await api.delete(f"/api/v2/knowledge/sources/{sid}", headers=key)
        assert r.status_code == 204
        there = await other.knowledge.reply(company_id, "Do you ship to Canada?", [], None)
        assert there["action"] == "handoff"
    finally:
        await other.knowledge.close()
        await other.db.dispose()
