"""``guiders up`` trains a demo model in the background and its worker scores tracked visitors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.waiting import eventually_sync

pytestmark = pytest.mark.e2e
TRAIN_CSV = Path(__file__).resolve().parents[2] / "data" / "online-shoppers" / "train.csv"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("analytics"), analytics=True)
    proc.start()
    yield proc
    proc.stop()


def _wait(fetch: Any, seconds: float) -> Any:
    """The first value ``fetch`` returns that is not None."""
    found: list[Any] = [None]

    def fetched() -> bool:
        found[0] = fetch()
        return found[0] is not None

    eventually_sync(fetched, timeout=seconds, interval=0.5, what=getattr(fetch, "__name__", None))
    return found[0]


def test_tracked_visitor_is_scored_by_the_in_process_worker(server: ServerProcess) -> None:
    creds = server.credentials()
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    with httpx.Client(base_url=server.base, timeout=10) as http:
        v = http.post(
            "/api/auth/visitor/register",
            json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "e2e-an"},
        ).json()
        auth = {"authorization": f"Bearer {v['accessToken']}"}
        views = [
            {
                "visitorId": v["visitorId"],
                "sessionId": v["sessionId"],
                "type": "page_view",
                "url": f"/products/boots-{i}",
                "pageCategory": "product",
                "durationMs": 40_000,
            }
            for i in range(6)
        ]
        started = time.monotonic()
        r = http.post("/api/tracking/events", json={"events": views}, headers=auth)
        assert r.json()["processed"] == 6
        url = f"/api/v2/visitors/{v['visitorId']}/prediction"

        def scored() -> dict[str, Any] | None:
            response = http.get(url, headers=key)
            return response.json() if response.status_code == 200 else None

        prediction = _wait(scored, 120)
        assert 0.0 <= prediction["conversionProbability"] <= 1.0
        assert prediction["segment"] in ("vip", "standard", "nurturing")
        assert prediction["modelVersion"].startswith("conv-")
        assert prediction["context"]["productOfInterest"].startswith("/products/boots-")
        assert prediction["profile"]["pages_viewed"] == 6
        types = [
            e["type"]
            for e in http.get(f"/api/v2/events?aggregateId={v['visitorId']}", headers=key).json()[
                "events"
            ]
        ]
        assert "visitor.analyzed" in types and "visitor.segment_changed" in types
        print(f"first score {time.monotonic() - started:.1f}s after tracking (incl. training)")
    assert (Path(server.data_dir) / "models" / "conversion" / "model.json").is_file()


def test_retrain_adds_recorded_outcomes_and_keeps_every_version(
    server: ServerProcess, tmp_path: Path
) -> None:
    creds = server.credentials()
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    with httpx.Client(base_url=server.base, timeout=10) as http:
        analyzed = http.get("/api/v2/events?type=visitor.analyzed", headers=key).json()["events"]
        assert analyzed, "the previous test left a scored visitor"
        visitor_id = analyzed[-1]["aggregateId"]
        r = http.post(
            f"/api/v2/visitors/{visitor_id}/conversions",
            json={"value": 80, "currency": "EUR"},
            headers=key,
        )
        assert r.status_code == 201, r.text
    served = Path(server.data_dir) / "models" / "conversion"
    model_dir = tmp_path / "conversion"
    shutil.copytree(served, model_dir)
    current = json.loads((model_dir / "model.json").read_text())["modelVersion"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "guiders.cli",
            "analytics",
            "retrain",
            "--csv",
            str(TRAIN_CSV),
            "--model",
            str(model_dir),
            "--server",
            server.base,
            "--key",
            creds["integrationKey"],
            "--members",
            "extra_trees",  # the cheapest member: this checks the mechanics, not the model
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert summary["extraRows"] == 1 and summary["current"] == current
    assert "1 labelled sessions" in result.stderr and "(1 converted)" in result.stderr
    versions = {p.name for p in (model_dir / "versions").iterdir()}
    assert {current, summary["candidate"]} <= versions
    active = json.loads((model_dir / "model.json").read_text())["modelVersion"]
    assert active == (summary["candidate"] if summary["promoted"] else current)
    better = (
        summary["candidateValidation"]["roc_auc"] >= summary["currentValidation"]["roc_auc"]
        and summary["candidateValidation"]["ece"] <= summary["currentValidation"]["ece"]
    )
    assert summary["promoted"] == better
