"""The conversion model's health: the worker's reports, the dashboard's view, retrain decisions."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, runtime_of
from guiders.api.responses import WireRoute
from guiders.api.responses.operations import ModelHealth
from guiders.api.schemas import Body
from guiders.domain.model_health import model_rules
from guiders.observability.metrics import MODEL_ECE, MODEL_PSI
from guiders.services.model_health import ModelHealthService

router = APIRouter(prefix="/v2/analytics", tags=["analytics"], route_class=WireRoute)

Figure = Annotated[float, Field(ge=0.0, le=1e6)]


class ReliabilityBin(Body):
    lower: float = Field(ge=0.0, le=1.0)
    upper: float = Field(ge=0.0, le=1.0)
    count: int = Field(ge=0)
    mean_predicted: float | None = Field(default=None, alias="meanPredicted", ge=0.0, le=1.0)
    observed_rate: float | None = Field(default=None, alias="observedRate", ge=0.0, le=1.0)


class Calibration(Body):
    days: float = Field(gt=0, le=3650)
    from_: str = Field(alias="from", max_length=40)
    to: str = Field(max_length=40)
    rows: int = Field(ge=0)
    positives: int = Field(ge=0)
    mean_predicted: float | None = Field(default=None, alias="meanPredicted", ge=0.0, le=1.0)
    observed_rate: float | None = Field(default=None, alias="observedRate", ge=0.0, le=1.0)
    ece: float | None = Field(default=None, ge=0.0, le=1.0)
    noise_floor: float | None = Field(default=None, alias="noiseFloor", ge=0.0, le=1.0)
    bins: list[ReliabilityBin] = Field(default_factory=list, max_length=100)


class Drift(Body):
    hours: float = Field(gt=0, le=24 * 3650)
    from_: str = Field(alias="from", max_length=40)
    to: str = Field(max_length=40)
    rows: int = Field(ge=0)
    psi: dict[Annotated[str, Field(max_length=100)], Figure] = Field(
        default_factory=dict, max_length=40
    )
    max_psi: float | None = Field(default=None, alias="maxPsi", ge=0.0, le=1e6)
    feature: str | None = Field(default=None, max_length=100)
    reason: str | None = Field(default=None, max_length=200)


class HealthReport(Body):
    model_version: str | None = Field(default=None, alias="modelVersion", max_length=80)
    measured_at: str = Field(alias="measuredAt", max_length=40)
    calibration: Calibration
    drift: Drift


class RetrainOutcome(Body):
    promoted: bool
    reason: str = Field(max_length=500)
    candidate_version: str | None = Field(default=None, alias="candidateVersion", max_length=80)
    current_version: str | None = Field(default=None, alias="currentVersion", max_length=80)
    extra_rows: int | None = Field(default=None, alias="extraRows", ge=0)


async def get_model_health(request: Request) -> ModelHealthService:
    """One service per app (it keeps each company's folded stream)."""
    service: ModelHealthService | None = getattr(request.app.state, "model_health", None)
    if service is None:
        runtime = runtime_of(request)
        settings = runtime.settings
        service = ModelHealthService(
            runtime.services.uow, model_rules(settings.alert_model_ece, settings.alert_model_psi)
        )
        request.app.state.model_health = service
    return service


HealthDep = Annotated[ModelHealthService, Depends(get_model_health)]


@router.post("/model-health", status_code=201, response_model=ModelHealth)
async def post_report(
    body: HealthReport, principal: CurrentPrincipal, health: HealthDep
) -> dict[str, Any]:
    """A report of the analytics worker (integration key): stored as ``model.health_measured``;
    alerts raised or resolved and a retrain proposed in the same transaction."""
    report = body.model_dump(by_alias=True, mode="json")
    view = await health.record(principal, report)
    company = str(principal.company_id)
    if body.calibration.ece is not None:
        MODEL_ECE.labels(company=company).set(body.calibration.ece)
    for feature, psi in body.drift.psi.items():
        MODEL_PSI.labels(company=company, feature=feature).set(psi)
    return view


@router.get("/model-health", response_model=ModelHealth)
async def get_report(principal: CurrentPrincipal, health: HealthDep) -> dict[str, Any]:
    """Supervisors, admins and integration keys: the latest report (reliability diagram, ECE,
    PSI per input), the model alerts raised, the open retrain proposal and the last outcome."""
    return await health.view(principal)


@router.post("/retrain-proposals/{proposal_id}/confirm", response_model=ModelHealth)
async def confirm(
    proposal_id: UUID, principal: CurrentPrincipal, health: HealthDep
) -> dict[str, Any]:
    """An admin confirms the proposed retrain (``model.retrain_confirmed``)."""
    return await health.confirm(principal, proposal_id)


@router.post("/retrain-proposals/{proposal_id}/outcome", response_model=ModelHealth)
async def outcome(
    proposal_id: UUID, body: RetrainOutcome, principal: CurrentPrincipal, health: HealthDep
) -> dict[str, Any]:
    """The analytics worker's retrain outcome (``model.retrain_completed``)."""
    return await health.complete(principal, proposal_id, body.model_dump(by_alias=True))
