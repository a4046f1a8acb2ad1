"""Schemathesis fuzzes every operation of our OpenAPI, in process, on SQLite.

Each operation gets generated requests (valid and invalid) as the integration key and as an SDK
visitor session; no response may be a 5xx, and every documented response (200s, our 422 error
shape) must match its schema. A small example budget per operation keeps the run near a minute.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import schemathesis.checks
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.demo import seed_demo
from guiders.domain.chat import Priority
from guiders.runtime import Runtime
from guiders.services.messages import MessageDraft
from guiders.services.visitors import visitor_principal

EXAMPLES_PER_OPERATION = 25
CHECKS = [not_a_server_error, schemathesis.checks.response_schema_conformance]


async def _prepare(config: Settings) -> dict[str, Any]:
    """Schema, demo tenant and one identified SDK visitor with an open chat."""
    runtime = Runtime.build(config)
    await runtime.db.create_schema()
    await runtime.start()
    try:
        demo = await seed_demo(runtime.services, config.data_dir)
        site = await runtime.services.visitors.site_for(demo["siteKey"], "localhost")
        found = await runtime.services.visitors.identify(
            site, fingerprint="fuzz", profile={}, consent_version="v1"
        )
        demo["sessionId"] = str(found.session.id)
        visitor = visitor_principal(found.visitor)
        chat, _, message = await runtime.services.chats.open(
            visitor,
            visitor_id=None,
            visitor_info={},
            metadata={},
            priority=Priority.NORMAL,
            first_message=MessageDraft(content="hello"),
        )
        assert message is not None
        demo["ids"] = {
            "chat_id": str(chat.id),
            "visitor_id": str(found.visitor.id),
            "commercial_id": demo["staff"][1]["commercialId"],
        }
    finally:
        await runtime.stop()
    return demo


@pytest.fixture(scope="module")
def fuzz_setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    config = Settings(
        data_dir=data_dir,
        environment="test",
        jwt_secret="test-secret-of-at-least-thirty-two-bytes",
        rate_limit_per_minute=1_000_000,
        public_rate_limit_per_minute=1_000_000,
    )
    demo = asyncio.run(_prepare(config))
    yield {"app": create_app(config), "demo": demo}


def _fuzz(
    app: Any, headers: dict[str, str], ids: dict[str, str], examples: int
) -> list[tuple[str, str]]:
    """Runs every operation in both generation modes; returns (operation, failure) pairs."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[tuple[str, str]] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        fixed = {name: value for name, value in ids.items() if f"{{{name}}}" in operation.path}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)

            @given(case=strategy)
            @settings(
                max_examples=examples,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
            )
            def run(case: Any) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                continue  # nothing to make invalid: no body, no free parameter
            except Exception as exc:
                failures.append((f"{operation.label} [{mode.value}]", str(exc)[:1500]))
    return failures


def test_no_operation_fails_as_the_integration_key(fuzz_setup: dict[str, Any]) -> None:
    demo = fuzz_setup["demo"]
    headers = {"authorization": f"Bearer {demo['integrationKey']}"}
    failures = _fuzz(fuzz_setup["app"], headers, demo["ids"], EXAMPLES_PER_OPERATION)
    assert not failures, "\n\n".join(f"{op}: {err}" for op, err in failures)


def test_no_operation_fails_as_an_sdk_visitor(fuzz_setup: dict[str, Any]) -> None:
    demo = fuzz_setup["demo"]
    headers = {"x-guiders-sid": demo["sessionId"], "origin": "http://localhost:3000"}
    failures = _fuzz(fuzz_setup["app"], headers, demo["ids"], EXAMPLES_PER_OPERATION // 2)
    assert not failures, "\n\n".join(f"{op}: {err}" for op, err in failures)
