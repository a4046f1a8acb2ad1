"""The dashboard's figures from Prometheus counters: quantiles, rates and route labels."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from guiders.observability.metrics import HTTP_REQUESTS, HttpMetricsMiddleware
from guiders.observability.snapshot import Reading, point, quantile

INF = math.inf
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_quantile_interpolates_inside_the_bucket_holding_the_rank() -> None:
    # 100 observations: 50 under 0.1 s, 40 in (0.1, 0.5], 10 in (0.5, 1]
    buckets = [(0.1, 50.0), (0.5, 90.0), (1.0, 100.0), (INF, 100.0)]
    assert quantile(0.5, buckets) == 0.1
    assert quantile(0.95, buckets) == 0.75
    assert quantile(0.95, [(0.1, 0.0), (INF, 0.0)]) is None


def test_quantile_in_the_open_bucket_is_its_lower_edge() -> None:
    assert quantile(0.99, [(0.1, 1.0), (INF, 10.0)]) == 0.1


def test_a_point_is_the_difference_between_two_readings() -> None:
    before = Reading(
        at=10.0, wall=NOW, requests=100, errors=1, buckets=((0.1, 90), (INF, 100)), messages=5
    )
    after = Reading(
        at=20.0, wall=NOW, requests=150, errors=6, buckets=((0.1, 90), (INF, 150)), messages=15
    )
    p = point(before, after)
    assert p["throughput"] == 5.0
    assert p["errorRate"] == 0.1
    assert p["messagesPerMinute"] == 60.0
    assert p["p95Ms"] == 100.0  # all 50 new requests were slower than 0.1 s


def test_no_requests_means_no_error_rate_rather_than_zero() -> None:
    r = Reading(at=0.0, wall=NOW, requests=3, errors=0, buckets=(), messages=0)
    later = Reading(at=1.0, wall=NOW, requests=3, errors=0, buckets=(), messages=0)
    assert point(r, later)["errorRate"] is None
    assert point(r, later)["p95Ms"] is None


async def test_requests_are_counted_by_route_template_not_raw_path() -> None:
    app = FastAPI()

    @app.get("/things/{thing_id}")
    async def thing(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    asgi = HttpMetricsMiddleware(app)

    def count(route: str, status: str) -> float:
        value = HTTP_REQUESTS.labels("GET", route, status)._value.get()
        return float(value)

    ok, bad = count("/things/{thing_id}", "200"), count("/things/{thing_id}", "422")
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await client.get("/things/1")
        await client.get("/things/2")
        await client.get("/things/x")
        await client.get("/nowhere")
    assert count("/things/{thing_id}", "200") == ok + 2
    assert count("/things/{thing_id}", "422") == bad + 1
    assert count("unmatched", "404") >= 1
