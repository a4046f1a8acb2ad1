"""The supervisor dashboard's data: recent metric points and the company's chats right now."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.domain.chat import ChatStatus
from guiders.observability.snapshot import MetricsCollector, csat
from guiders.services.access import require_supervisor_or_key
from guiders.services.ports import ChatQuery

router = APIRouter(prefix="/v2/dashboard", tags=["dashboard"])


@router.get("/snapshot")
async def snapshot(
    request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """Supervisors, admins and integration keys. ``series`` is server-wide, ``chats`` per company.

    Panels whose features do not report metrics yet (AI confidence, conversions), or CSAT before
    the first rating, are ``null``: the dashboard shows "no data yet", not a made-up figure.
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
        "ai": None,
        "conversions": None,
        "csat": csat(),
    }
