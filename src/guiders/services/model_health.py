"""Model-health use cases: record a worker's report, raise model alerts, propose and confirm
retraining, read it all back for the dashboard.

The state of each company's model stream (:mod:`guiders.domain.model_health`) is folded from the
log, reading only what is newer than the fold this process keeps (``company_streams.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from guiders.domain.errors import Forbidden
from guiders.domain.model_health import ModelHealth, ModelRule, stream_id
from guiders.services.access import Principal, require_supervisor_or_key
from guiders.services.company_streams import CompanyStreams
from guiders.services.ports import UnitOfWork, UnitOfWorkFactory


def figures(report: dict[str, Any]) -> dict[str, Any]:
    """What the model rules read from a report (``None`` when there was too little data)."""
    return {
        "modelEce": (report.get("calibration") or {}).get("ece"),
        "modelMaxPsi": (report.get("drift") or {}).get("maxPsi"),
    }


class ModelHealthService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        rules: list[ModelRule],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._uow = uow
        self._rules = rules
        self._now = now
        self._streams = CompanyStreams(
            ModelHealth, stream_id, lambda s: replace(s, active=dict(s.active))
        )

    async def _state(self, uow: UnitOfWork, company_id: UUID) -> ModelHealth:
        return await self._streams.state(uow, company_id)

    async def record(self, principal: Principal, report: dict[str, Any]) -> dict[str, Any]:
        """A report of the analytics worker (integration key only)."""
        if not principal.is_integration:
            raise Forbidden("Model-health reports come from the analytics worker's key")
        at = self._now()
        point = figures(report)
        async with self._uow() as uow:
            state = await self._state(uow, principal.company_id)
            raised, resolved = state.transitions(point, self._rules, at)
            body = report | {"figures": point, "thresholds": self.thresholds()}
            for event in state.measure(body, raised, resolved, at):
                uow.record(event)
            await uow.commit()
        return state.view()

    def thresholds(self) -> dict[str, float]:
        return {r.metric: r.threshold for r in self._rules}

    async def view(self, principal: Principal) -> dict[str, Any]:
        require_supervisor_or_key(principal)
        async with self._uow() as uow:
            state = await self._state(uow, principal.company_id)
        return state.view() | {"thresholds": self.thresholds()}

    async def confirm(self, principal: Principal, proposal_id: UUID) -> dict[str, Any]:
        """An admin agrees to retrain; the analytics worker acts on the event."""
        if principal.role is None or principal.role.value != "admin":
            raise Forbidden("Only an admin can confirm a retrain")
        async with self._uow() as uow:
            state = await self._state(uow, principal.company_id)
            uow.record(state.confirm(proposal_id, str(principal.subject_id), self._now()))
            await uow.commit()
        return state.view()

    async def complete(
        self, principal: Principal, proposal_id: UUID, outcome: dict[str, Any]
    ) -> dict[str, Any]:
        """The worker's retrain outcome (promoted or not, and why) closes the proposal."""
        if not principal.is_integration:
            raise Forbidden("Retrain outcomes come from the analytics worker's key")
        async with self._uow() as uow:
            state = await self._state(uow, principal.company_id)
            uow.record(state.complete(proposal_id, outcome, self._now()))
            await uow.commit()
        return state.view()
