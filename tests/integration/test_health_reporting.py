"""The analytics worker's model-health duty over the API: a report with the model's training
bins, and a retrain an admin confirmed, run with the guarded promotion and closed by its
outcome."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from guiders.analytics.health_reporting import HealthReporter, RetrainSetup
from guiders.analytics.model import ConversionModel
from guiders.analytics.worker import ModelSlot
from guiders.api.app import create_app
from guiders.client import GuidersClient, RetryPolicy
from guiders.config import Settings
from guiders.runtime import Runtime
from tests.conversion_model import small_csv as sample_csv
from tests.conversion_model import train
from tests.integration.test_api import key_headers
from tests.integration.test_model_health_api import admin, report


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_csv(tmp_path_factory.mktemp("data"))


@pytest.fixture
def model_dir(small_csv: Path, tmp_path: Path) -> Path:
    out = tmp_path / "conversion"
    train(small_csv, out)
    return out


@pytest.fixture
async def client(
    runtime: Runtime, settings: Settings, demo: dict[str, Any]
) -> AsyncIterator[GuidersClient]:
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    async with GuidersClient(
        "http://testserver",
        demo["integrationKey"],
        transport=transport,
        retry=RetryPolicy(attempts=2, initial_s=0.01, max_wait_s=0.05),
    ) as c:
        yield c


async def test_the_worker_reports_and_runs_a_confirmed_retrain(
    api: httpx.AsyncClient,
    demo: dict[str, Any],
    runtime: Runtime,
    client: GuidersClient,
    model_dir: Path,
    small_csv: Path,
) -> None:
    metadata = json.loads((model_dir / "model.json").read_text())
    assert {b["feature"] for b in metadata["featureBins"]} >= {"PageValues", "Month"}
    slot = ModelSlot(model_dir)
    reporter = HealthReporter(
        client,
        slot,
        retrain=RetrainSetup(small_csv, model_dir, members=("extra_trees",)),
    )
    posted = await reporter.step()
    assert posted is not None and posted["modelVersion"] == metadata["modelVersion"]
    assert posted["drift"]["reason"] == "too few sessions"
    assert await reporter.step() is None  # not due again within the hour

    bad = await api.post(
        "/api/v2/analytics/model-health", json=report(0.2), headers=key_headers(demo)
    )
    proposal = bad.json()["proposal"]["proposalId"]
    boss = await admin(api, runtime, demo)
    confirm = f"/api/v2/analytics/retrain-proposals/{proposal}/confirm"
    assert (await api.post(confirm, headers=boss)).status_code == 200

    await reporter.step()  # sees the confirmation, retrains, posts the outcome
    view = (await api.get("/api/v2/analytics/model-health", headers=boss)).json()
    assert view["proposal"] is None
    outcome = view["lastOutcome"]
    assert outcome["proposalId"] == proposal and outcome["extraRows"] == 0
    assert outcome["candidateVersion"].startswith("conv-")
    versions = {p.name for p in (model_dir / "versions").iterdir()}
    assert outcome["candidateVersion"] in versions
    assert ConversionModel.load(model_dir).metadata["featureBins"]
