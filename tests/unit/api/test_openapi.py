"""The OpenAPI document is complete, and the web code's copy of it is current.

Every JSON answer of the API is declared (``guiders.api.responses``), so the document gives each
2xx response a schema with named fields, and ``web/src/shared/api.d.ts`` is generated from it
(``make api-types``). ``web/openapi.json`` is that document as committed: when a route changes,
this test fails until it is regenerated (``make lint`` then checks the TypeScript against it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from guiders.api.cli import openapi_document, render

COMMITTED = Path(__file__).resolve().parents[3] / "web" / "openapi.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document()


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if not ref:
        return schema
    found: dict[str, Any] = document
    for part in ref.removeprefix("#/").split("/"):
        found = found[part]
    return found


def untyped(schema: dict[str, Any], document: dict[str, Any]) -> str | None:
    """Why a response schema says nothing of its fields, or None when it does."""
    schema = _resolve(schema, document)
    if schema.get("type") == "array":
        return untyped(schema.get("items") or {}, document)
    if "anyOf" in schema or "oneOf" in schema:
        for option in schema.get("anyOf", []) + schema.get("oneOf", []):
            if option.get("type") != "null" and (why := untyped(option, document)):
                return why
        return None
    if not schema.get("properties"):
        return f"no named fields: {schema}"
    return None


def test_every_json_response_has_a_schema_with_fields(document: dict[str, Any]) -> None:
    problems = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if not status.startswith("2") or status == "204":
                    continue  # 204: no content
                content = response.get("content", {})
                json_body = content.get("application/json")
                if (
                    json_body is None
                    and content
                    and all(
                        (c.get("schema") or {}).get("format") == "binary" for c in content.values()
                    )
                ):
                    continue  # a file, declared as bytes of named media types
                if json_body is None:
                    problems.append(f"{method.upper()} {path} {status}: no JSON schema")
                elif why := untyped(json_body.get("schema") or {}, document):
                    problems.append(f"{method.upper()} {path} {status}: {why}")
    assert problems == [], "untyped responses (declare a guiders.api.responses model):\n" + (
        "\n".join(problems)
    )


def test_the_check_finds_an_untyped_response() -> None:
    document: dict[str, Any] = {"components": {"schemas": {"T": {"properties": {"a": {}}}}}}
    assert untyped({}, document)
    assert untyped({"type": "object", "additionalProperties": True}, document)
    assert untyped({"type": "array", "items": {}}, document)
    assert untyped({"$ref": "#/components/schemas/T"}, document) is None
    assert (
        untyped({"anyOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}]}, document) is None
    )


def test_the_committed_openapi_document_is_current(document: dict[str, Any]) -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(document), (
        "web/openapi.json is stale: run `make api-types` and commit web/openapi.json and "
        "web/src/shared/api.d.ts"
    )
