"""``guiders privacy``: export, erase and a retention pass from the command line (SQLite)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from guiders.config import Settings
from guiders.demo import seed_demo
from guiders.privacy_cli import privacy
from guiders.runtime import Runtime


async def a_visitor(data_dir: Path) -> dict[str, Any]:
    runtime = Runtime.build(Settings(data_dir=data_dir, environment="test"))
    await runtime.db.create_schema()
    try:
        demo = await seed_demo(runtime.services, data_dir)
        site = await runtime.services.visitors.site_for(demo["siteKey"], "localhost")
        found = await runtime.services.visitors.identify(
            site,
            fingerprint="cli-fp",
            profile={"currentUrl": "https://localhost/cli-secret-page"},
            consent_version="v1",
        )
        return {"visitorId": str(found.visitor.id), "companyId": demo["companyId"]}
    finally:
        await runtime.db.dispose()


def test_export_erase_and_retention_from_the_command_line(tmp_path: Path) -> None:
    made = asyncio.run(a_visitor(tmp_path))
    env = {"GUIDERS_DATA_DIR": str(tmp_path), "GUIDERS_ENVIRONMENT": "test"}
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path)]

    result = runner.invoke(privacy, ["export", made["visitorId"], *data], env=env)
    assert result.exit_code == 0, result.output
    exported = json.loads(result.output)
    assert exported["visitorId"] == made["visitorId"]
    assert "cli-secret-page" in result.output, "the export opens the sealed facts"

    result = runner.invoke(
        privacy,
        ["retention", "set", "--company", made["companyId"], "--days", "30", *data],
        env=env,
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(privacy, ["retention", "run", "--dry-run", *data], env=env)
    assert result.exit_code == 0, result.output
    line = json.loads(result.output.strip().splitlines()[0])
    assert line["dryRun"] is True and line["visitors"] == 0 and line["retentionDays"] == 30

    result = runner.invoke(privacy, ["erase", made["visitorId"], *data], env=env, input="n\n")
    assert result.exit_code != 0, "erasure asks first"
    result = runner.invoke(privacy, ["erase", made["visitorId"], "--yes", *data], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["removed"]["visitors"] == 1
    result = runner.invoke(privacy, ["export", made["visitorId"], *data], env=env)
    assert result.exit_code != 0 and "not_found" in result.output

    for args in (["--help"], ["erase", "--help"], ["export", "--help"], ["retention", "--help"]):
        assert runner.invoke(privacy, args).exit_code == 0
