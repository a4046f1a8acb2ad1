"""The pipeline's rules, viewed, validated and edited in the console (``docs/settings.md``).

The rules are stored as the ``pipeline_rules`` settings section (audited as
``settings.changed``); they are checked with the pipeline's own validator
(``pipeline/loading.py``) before saving, so a bad rule is a 422 naming its line, and the
pipeline worker never sees it. Until an admin saves rules here, the rules file the server was
started with (``GUIDERS_PIPELINE_RULES``, or the shipped example) is shown.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep, runtime_of
from guiders.api.responses import WireRoute
from guiders.api.responses.pipeline_rules import RulesCheck, RulesDocument
from guiders.api.schemas import Body, iso
from guiders.domain.errors import ValidationFailed
from guiders.domain.settings import PipelineRules
from guiders.pipeline.cli import EXAMPLE_RULES
from guiders.pipeline.loading import Problem, RulesError, parse_rules
from guiders.services.access import require_supervisor_or_key

router = APIRouter(prefix="/v2/pipeline", tags=["settings"], route_class=WireRoute)
MAX_YAML = 200_000


class RulesBody(Body):
    yaml: str = Field(max_length=MAX_YAML)


class RulesChange(Body):
    yaml: str = Field(min_length=1, max_length=MAX_YAML)
    revision: int | None = Field(None, ge=0, le=2**31 - 1)


def problems_of(text: str) -> tuple[int, list[Problem]]:
    """(how many rules, the problems) by the pipeline's own validator."""
    try:
        return len(parse_rules(text, "rules").rules), []
    except RulesError as exc:
        return 0, exc.problems
    except Exception as exc:
        # what the validator lets through: a reader error (control characters), a tag that
        # does not construct (``!!python/object``, ``!!timestamp nonsense``), nesting too deep
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return 0, [Problem(line, "-", f"not valid YAML: {str(exc)[:300]}")]


def check_rules(text: str) -> None:
    """A 422 naming the first problem's line (and every problem in ``problems``)."""
    _, problems = problems_of(text)
    if problems:
        first = problems[0]
        raise ValidationFailed(
            f"line {first.line or '?'}, field '{first.field}': {first.message}",
            field="yaml",
            line=first.line,
            problems=[_problem(p) for p in problems],
        )


def _problem(p: Problem) -> dict[str, Any]:
    return {"line": p.line, "field": p.field, "message": p.message}


@router.post("/rules/validate", response_model=RulesCheck)
async def validate_rules(body: RulesBody, principal: CurrentPrincipal) -> dict[str, Any]:
    require_supervisor_or_key(principal)
    count, problems = problems_of(body.yaml)
    return {"valid": not problems, "rules": count, "problems": [_problem(p) for p in problems]}


@router.get("/rules", response_model=RulesDocument)
async def get_rules(
    request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    state = await services.settings.read(principal, "pipeline_rules")
    assert isinstance(state.values, PipelineRules)
    if state.revision and state.values.yaml:
        text, source = state.values.yaml, "console"
    else:
        path = runtime_of(request).settings.pipeline_rules or EXAMPLE_RULES
        try:
            text = path.read_text(encoding="utf-8")[:MAX_YAML]
        except OSError:
            text = ""
        source = "file"
    return {
        "yaml": text,
        "source": source,
        "revision": state.revision,
        "updatedAt": iso(state.updated_at),
        "updatedBy": state.updated_by,
    }


@router.put("/rules", response_model=RulesDocument)
async def put_rules(
    body: RulesChange, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """Admins; validated first, then saved (and audited) as the ``pipeline_rules`` section."""
    check_rules(body.yaml)
    state = await services.settings.update(
        principal, "pipeline_rules", {"yaml": body.yaml}, revision=body.revision
    )
    return {
        "yaml": body.yaml,
        "source": "console",
        "revision": state.revision,
        "updatedAt": iso(state.updated_at),
        "updatedBy": state.updated_by,
    }
