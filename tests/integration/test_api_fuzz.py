"""Schemathesis fuzzes every operation of our OpenAPI, in process.

Each operation gets generated requests (valid and invalid) as the integration key and as an SDK
visitor session; no response may be a 5xx, and every documented response (200s, our 422 error
shape) must match its schema. SQLite and PostgreSQL both (PostgreSQL refuses NUL characters and
NaN that SQLite stores); a small example budget per operation keeps the run near a minute.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
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
from guiders.knowledge.index import default_encoder
from guiders.runtime import Runtime
from guiders.services.messages import MessageDraft
from guiders.services.visitors import visitor_principal
from tests.conftest import PG_URL, _postgres_up, require_service

EXAMPLES_PER_OPERATION = 10
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


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_setup(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """A demo database of its own (a SQLite file or a PostgreSQL schema) for the whole module."""
    base: dict[str, Any] = {
        "data_dir": tmp_path_factory.mktemp("fuzz"),
        "environment": "test",
        "jwt_secret": "test-secret-of-at-least-thirty-two-bytes",
        "rate_limit_per_minute": 1_000_000,
        "public_rate_limit_per_minute": 1_000_000,
        # the limits raised for the test: the fuzzer sends thousands of bad credentials from
        # one address, which a real server throttles (tests/security covers that)
        "failed_auth_per_minute": 1_000_000,
    }
    pg_schema = None
    if request.param == "postgres":
        require_service("PostgreSQL", asyncio.run(_postgres_up()))
        pg_schema = f"fz_{uuid.uuid4().hex[:12]}"
        asyncio.run(_pg(f"CREATE SCHEMA {pg_schema}"))
        base |= {"database_url": PG_URL, "database_schema": pg_schema}
    config = Settings(**base)
    demo = asyncio.run(_prepare(config))
    # The first answer from the documents loads the encoder (seconds on a busy machine): load it
    # here, so a request deadline never turns that one-off cost into a 5xx the fuzzer reports.
    default_encoder().embed_one("warm up")
    yield {"app": create_app(config), "demo": demo}
    if pg_schema:
        asyncio.run(_pg(f"DROP SCHEMA {pg_schema} CASCADE"))


async def _pg(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


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
