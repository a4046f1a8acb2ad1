"""The crawler's default refusal of private addresses, through the API: the source fails
with the reason and the site never sees a request."""

from __future__ import annotations

from typing import Any

import httpx

from guiders.runtime import Runtime
from tests.integration.test_api import key_headers
from tests.integration.test_knowledge_api import settled, shop_site
from tests.site import serve


async def test_a_crawl_of_a_private_address_fails_with_the_reason_by_default(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    key = key_headers(demo)
    site = shop_site()
    async with serve(site) as base:
        r = await api.post("/api/v2/knowledge/sources", json={"url": base + "/"}, headers=key)
        source = await settled(api, key, r.json()["id"])
    assert source["status"] == "failed"
    assert "private or local address" in source["error"]
    assert site.requests == []
