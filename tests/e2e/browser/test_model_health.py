"""The dashboard's conversion-model panels: reliability diagram, drift and the retrain notice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.browser.test_web import sign_in, watch
from tests.e2e.server import ServerProcess
from tests.integration.test_model_health_api import report

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_the_dashboard_draws_live_calibration_and_drift_and_shows_the_proposal(
    server: ServerProcess, browser: Any
) -> None:
    creds = server.credentials()
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    posted = httpx.post(
        f"{server.base}/api/v2/analytics/model-health",
        json=report(ece=0.09, max_psi=0.4),
        headers=key,
    )
    assert posted.status_code == 201, posted.text
    errors: list[str] = []
    page = watch(browser.new_context().new_page(), [], errors)
    sign_in(page, server.base, "/dashboard/", creds["staff"][0])
    expect(page.locator("[data-panel=reliability]")).to_have_attribute("data-points", "15")
    expect(page.locator("[data-panel=reliability] h3")).to_contain_text("ECE 0.090")
    expect(page.locator("[data-panel=drift]")).to_have_attribute("data-points", "2")
    notice = page.locator("[data-panel=model-notice]")
    expect(notice.locator("li[data-rule=ModelCalibrationDrift]")).to_contain_text("WARNING")
    expect(notice.locator("[data-proposal=proposed]")).to_contain_text("An admin confirms it")
    painted = page.evaluate(
        """() => [...document.querySelectorAll('[data-section=model] canvas')].map(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; })"""
    )
    assert len(painted) == 2 and all(n > 100 for n in painted), painted
    assert errors == [], errors
