"""Scoring latency per visitor: the model alone, and the worker's whole path over the API.

Starts ``guiders up`` (SQLite, analytics worker off) on a free port, registers visitors with a
session of page views each, then scores them one at a time with the worker's own
``AnalyticsWorker.score`` over real HTTP: profile, tracking, sessions and chats fetched, UCI
features computed, the model's prediction with explanation, the ``PUT`` that records it and
runs the strategy. Prints p50 / p95 / mean per visitor for both.

    .venv/bin/python benchmarks/analytics_scoring.py [--visitors 100] [--model DIR]

Without ``--model`` it first trains the demo model (~5-15 s) into a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from guiders.analytics.embedded import ensure_model
from guiders.analytics.features import compute_features
from guiders.analytics.model import ConversionModel
from guiders.analytics.tracking import session_views, visitor_context
from guiders.analytics.worker import AnalyticsWorker
from guiders.client import GuidersClient

CATEGORIES = ("product", "informational", "administrative")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GUIDERS_ANALYTICS_ENABLED": "false",
        "GUIDERS_PIPELINE_ENABLED": "false",  # no in-process rules worker
        "GUIDERS_RATE_LIMIT_PER_MINUTE": "100000000",
        "GUIDERS_PUBLIC_RATE_LIMIT_PER_MINUTE": "100000000",
    }
    cmd = [sys.executable, "-m", "guiders.cli", "up", "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise TimeoutError("server did not start")


def summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (
        f"{name:<46} p50 {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms   "
        f"mean {statistics.fmean(ordered):7.2f} ms   (n={len(ordered)})"
    )


async def run(visitors: int, model_dir: Path, data_dir: Path) -> None:
    port = free_port()
    proc = start(data_dir, port)
    base = f"http://127.0.0.1:{port}"
    try:
        creds = json.loads((data_dir / "demo-credentials.json").read_text())
        model = ConversionModel.load(model_dir)
        ids: list[str] = []
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for i in range(visitors):
                v = (
                    await http.post(
                        "/api/auth/visitor/register",
                        json={
                            "apiKey": creds["siteKey"],
                            "domain": "localhost",
                            "fingerprint": f"bench-{i}",
                            "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0",
                        },
                    )
                ).json()
                events = [
                    {
                        "visitorId": v["visitorId"],
                        "sessionId": v["sessionId"],
                        "type": "page_view",
                        "url": f"/{CATEGORIES[(i + j) % 3]}/{j}",
                        "pageCategory": CATEGORIES[(i + j) % 3],
                        "durationMs": 5_000 * (1 + (i * j) % 7),
                    }
                    for j in range(8)
                ]
                await http.post(
                    "/api/tracking/events",
                    json={"events": events},
                    headers={"authorization": f"Bearer {v['accessToken']}"},
                )
                ids.append(v["visitorId"])
        async with GuidersClient(base, creds["integrationKey"]) as client:
            worker = AnalyticsWorker(client, lambda: model)
            while await worker.poll():
                pass
            await worker.score(ids[0])  # warm-up: connection pool, caches
            worker.latencies_ms.clear()
            model_only: list[float] = []
            features_only: list[float] = []
            for visitor_id in ids:
                await worker.score(visitor_id)
                tracking = await client.visitor_events(visitor_id)
                views = session_views(tracking, None)
                tick = time.perf_counter()
                features = compute_features(
                    views,
                    visitor_context({}, views, sessions=1),
                    worker.stats,
                    now=datetime.now(UTC),
                )
                tock = time.perf_counter()
                model.predict(features.model_input)
                model_only.append((time.perf_counter() - tock) * 1000)
                features_only.append((tock - tick) * 1000)
        print(f"model {model.version}, {visitors} visitors with 8 page views each, SQLite")
        print(summary("features from recorded tracking", features_only))
        print(summary("prediction with explanation", model_only))
        print(summary("whole worker path over HTTP (4 GETs + PUT)", worker.latencies_ms))
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=100)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model or Path(tmp) / "model"
        if args.model is None:
            print("training the demo model...", file=sys.stderr)
            if not asyncio.run(ensure_model(model_dir)):
                sys.exit("training failed")
        asyncio.run(run(args.visitors, model_dir, Path(tmp) / "data"))


if __name__ == "__main__":
    main()
