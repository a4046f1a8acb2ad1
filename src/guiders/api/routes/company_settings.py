"""A company's settings: every section an admin edits in the console (``docs/settings.md``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.settings import (
    SettingsList,
    SettingsSchemas,
    SettingsSection,
    VisitorSettings,
)
from guiders.api.routes.pipeline_rules import check_rules
from guiders.api.schemas import Body, iso
from guiders.domain import settings as catalogue
from guiders.services.settings import SectionState

router = APIRouter(tags=["settings"], route_class=WireRoute)


class SectionChange(Body):
    values: dict[str, Any]
    revision: int | None = Field(None, ge=0, le=2**31 - 1)
    """The revision the form showed: a change made meanwhile by someone else is a 409."""


def _section(state: SectionState) -> dict[str, Any]:
    return {
        "section": state.name,
        "revision": state.revision,
        "updatedAt": iso(state.updated_at),
        "updatedBy": state.updated_by,
        "values": catalogue.to_document(state.values),
    }


@router.get("/v2/settings", response_model=SettingsList)
async def list_settings(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    """Every section with the values in force (defaults until an admin saves one)."""
    return {"sections": [_section(s) for s in await services.settings.read_all(principal)]}


@router.get("/v2/settings/schema", response_model=SettingsSchemas)
async def settings_schema(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    await services.settings.read_all(principal)
    schemas = {name: kind.model_json_schema() for name, kind in catalogue.SECTIONS.items()}
    return {"schemas": schemas}


@router.get("/v2/settings/visitor", response_model=VisitorSettings)
async def visitor_settings(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    """The widget's own view: any credential of the company, a visitor's session included."""
    sections = await services.settings.for_visitor(principal.company_id)
    return {"sections": {name: catalogue.to_document(v) for name, v in sections.items()}}


@router.get("/v2/settings/{section}", response_model=SettingsSection)
async def get_section(
    section: str, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    return _section(await services.settings.read(principal, section))


@router.put("/v2/settings/{section}", response_model=SettingsSection)
async def put_section(
    section: str, body: SectionChange, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """Replace a section (admins); the change is audited as a ``settings.changed`` event."""
    if section == "pipeline_rules" and str(body.values.get("yaml") or "").strip():
        check_rules(str(body.values["yaml"]))
    state = await services.settings.update(principal, section, body.values, revision=body.revision)
    return _section(state)
