"""The supervisor dashboard's data: recent metric points and the company's chats right now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from guiders.api.deps import CurrentPrincipal, ServicesDep, runtime_of
from guiders.api.responses import Reply, WireRoute
from guiders.api.responses.operations import DashboardHistory, DashboardSnapshot
from guiders.api.schemas import UtcDateTime
from guiders.domain.chat import ChatStatus
from guiders.domain.errors import ValidationFailed
from guiders.observability.snapshot import (
    MetricsCollector,
    SnapshotHistory,
    ai,
    conversions,
    csat,
    knowledge,
)
from guiders.services.access import require_supervisor_or_key
from guiders.services.ports import ChatQuery

router = APIRouter(prefix="/v2/dashboard", tags=["dashboard"], route_class=WireRoute)


@router.get("/snapshot", response_model=DashboardSnapshot)
async def snapshot(
    request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """Supervisors, admins and integration keys. ``series`` is server-wide, ``chats`` per company.

    ``ai``, ``conversions`` and ``csat`` count since this process started; before their first
    figure they are ``null``: the dashboard shows "no data yet", not a made-up figure.
    """
    require_supervisor_or_key(principal)
    by_status: dict[str, int] = {}
    for status in ChatStatus:
        page = await services.chats.find(
            principal, ChatQuery(company_id=principal.company_id, status=[status], limit=1)
        )
        by_status[status.value] = page.total
    collector: MetricsCollector | None = getattr(request.app.state, "metrics_collector", None)
    series = list(collector.points) if collector else []
    return {
        "intervalSeconds": collector.interval_s if collector else None,
        "series": series,
        "chatsByStatus": by_status,
        "queueLength": by_status[ChatStatus.PENDING.value],
        "ai": ai(),
        "knowledge": knowledge(),
        "conversions": conversions(),
        "csat": csat(),
        "alerts": [a.to_payload() for a in collector.alerts.active]
        if collector and collector.alerts
        else [],
    }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@router.get("/history", response_model=DashboardHistory)
async def history(
    request: Request,
    principal: CurrentPrincipal,
    since: Annotated[UtcDateTime | None, Query(alias="from")] = None,
    until: Annotated[UtcDateTime | None, Query(alias="to")] = None,
    max_points: Annotated[int, Query(alias="maxPoints", ge=1, le=5000)] = 500,
) -> dict[str, Any]:
    """Stored metric points in ``[from, to]`` (default: the last hour), thinned evenly to
    ``maxPoints``; kept for ``GUIDERS_METRICS_RETENTION_DAYS``. Every server process's points,
    each with its ``node``."""
    require_supervisor_or_key(principal)
    end = _aware(until) if until else datetime.now(UTC)
    start = _aware(since) if since else end - timedelta(hours=1)
    if start > end:
        raise ValidationFailed("from must not be after to", field="from")
    collector: MetricsCollector | None = getattr(request.app.state, "metrics_collector", None)
    store = collector.store if collector else None
    points: list[dict[str, Any]] = (
        await store.history(start, end, max_points) if isinstance(store, SnapshotHistory) else []
    )
    return {"from": start.isoformat(), "to": end.isoformat(), "series": points}


class Spread(Reply):
    count: int
    p50: float | None
    p95: float | None


class AgentFigures(Reply):
    commercialId: str
    name: str
    chats: int
    firstResponseP50Seconds: float | None
    firstResponseP95Seconds: float | None
    csatAverage: float | None
    csatCount: int


class ChatFigures(Reply):
    scope: Literal["company", "own"]
    days: int
    since: str
    truncated: bool
    chats: int
    waitingSeconds: Spread
    firstResponseSeconds: Spread
    unanswered: int
    agents: list[AgentFigures]


@router.get("/figures", response_model=ChatFigures)
async def chat_figures(
    request: Request,
    principal: CurrentPrincipal,
    days: Annotated[int, Query(ge=1, le=90)] = 7,
) -> dict[str, Any]:
    """Waiting and first-response times (p50, p95) of the chats opened in the last ``days``, and
    per-agent figures (chats, first response, CSAT). Supervisors, admins and keys: the company
    (``scope: company``); an agent: their own chats and row only (``scope: own``)."""
    return await runtime_of(request).figures.read(principal, days)
