"""The conversion model's health, per company: reports, model alerts and retrain proposals.

One stream per company (aggregate type ``model``, a stable id derived from the company) holds
everything about the live model, so its history reads in order in ``guiders events show``:

- ``model.health_measured``: a report of the analytics worker (calibration over the last days,
  PSI per input over the last hours) with the figures the alert rules read;
- ``alert.raised`` / ``alert.resolved``: a model rule crossed its threshold, or came back;
- ``model.retrain_proposed``: an alert was raised and no proposal was open; it names the
  guarded command (``guiders analytics retrain``) that promotes only a model no worse;
- ``model.retrain_confirmed``: an admin said yes; the analytics worker may act on it;
- ``model.retrain_completed``: the outcome (promoted or not, and why), closing the proposal.

Pure: :class:`ModelHealth` folds the stream and returns the events a new report or a decision
adds; storing them is the service's job. The events hold domain facts (``proposal_id``,
``model_version``, the worker's report kept whole under ``report``); the fold keeps the state
in the shape ``view()`` returns to the API (``proposalId``, ...).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from guiders.domain.errors import Conflict, NotFound
from guiders.domain.events import DomainEvent, Ledger, Stream

MODEL_NAMESPACE: Final = uuid.UUID("0b6f5a9e-7c1d-4d4e-9a57-1e2f3c4d5a6b")
AGGREGATE_TYPE: Final = "model"
RETRAIN_COMMAND: Final = (
    "guiders analytics retrain --csv data/online-shoppers/train.csv --model MODEL_DIR "
    "--server URL --key KEY"
)


def stream_id(company_id: UUID) -> UUID:
    return uuid.uuid5(MODEL_NAMESPACE, str(company_id))


@dataclass(frozen=True)
class ModelRule:
    """A model alert rule: ``metric`` of a report's figures above ``threshold`` raises it."""

    name: str
    metric: str
    threshold: float
    summary: str
    severity: str = "warning"


def model_rules(ece: float = 0.05, psi: float = 0.25) -> list[ModelRule]:
    """Live ECE over the last days above ``ece``; the largest input PSI over the last hours
    above ``psi`` (0.25: a major shift). ``observability.alerts`` exports the same rules."""
    return [
        ModelRule(
            "ModelCalibrationDrift",
            "modelEce",
            ece,
            f"conversion scores off by more than {ece:g} (live ECE) against outcomes",
        ),
        ModelRule(
            "ModelInputDrift",
            "modelMaxPsi",
            psi,
            f"a model input moved away from its training distribution (PSI > {psi:g})",
        ),
    ]


@dataclass
class ModelHealth(Ledger):
    company_id: UUID
    version: int = 0
    latest: dict[str, Any] | None = None
    active: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Model alerts raised and not resolved, by rule name (their ``alert.raised`` payload)."""
    proposal: dict[str, Any] | None = None
    """The open retrain proposal (proposed, maybe confirmed, not completed)."""
    last_outcome: dict[str, Any] | None = None

    def apply(self, type_: str, payload: Mapping[str, Any], version: int) -> None:
        self.version = max(self.version, version)
        p = payload
        if type_ == "model.health_measured":
            self.latest = dict(p["report"]) | {
                "figures": p.get("figures"),
                "thresholds": p.get("thresholds"),
            }
        elif type_ == "alert.raised":
            self.active[str(p["rule"])] = dict(p)
        elif type_ == "alert.resolved":
            self.active.pop(str(p["rule"]), None)
        elif type_ == "model.retrain_proposed":
            self.proposal = {
                "proposalId": p["proposal_id"],
                "reasons": p.get("reasons"),
                "summaries": p.get("summaries"),
                "modelVersion": p.get("model_version"),
                "command": p.get("command"),
                "proposedAt": p.get("proposed_at"),
                "status": "proposed",
            }
        elif type_ == "model.retrain_confirmed" and self.proposal is not None:
            self.proposal = self.proposal | {
                "status": "confirmed",
                "confirmedBy": p.get("confirmed_by"),
                "confirmedAt": p.get("confirmed_at"),
            }
        elif type_ == "model.retrain_completed":
            self.last_outcome = (
                {"proposalId": p["proposal_id"]}
                | dict(p.get("outcome") or {})
                | {"completedAt": p.get("completed_at")}
            )
            self.proposal = None

    @property
    def stream(self) -> Stream:
        return Stream(AGGREGATE_TYPE, stream_id(self.company_id), self.company_id)

    def transitions(
        self, figures: Mapping[str, Any], rules: list[ModelRule], at: datetime
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Alerts this report raises and resolves. A figure that is missing (too little data)
        changes nothing: no data neither raises nor resolves."""
        raised: list[dict[str, Any]] = []
        resolved: list[dict[str, Any]] = []
        for rule in rules:
            value = figures.get(rule.metric)
            if not isinstance(value, int | float):
                continue
            alert = {
                "rule": rule.name,
                "severity": rule.severity,
                "value": float(value),
                "threshold": rule.threshold,
                "summary": rule.summary,
                "company_id": str(self.company_id),
            }
            if value > rule.threshold and rule.name not in self.active:
                raised.append(alert | {"since": at.isoformat()})
            elif value <= rule.threshold and rule.name in self.active:
                resolved.append(self.active[rule.name] | {"value": float(value)})
        return raised, resolved

    def measure(
        self,
        report: dict[str, Any],
        raised: list[dict[str, Any]],
        resolved: list[dict[str, Any]],
        at: datetime,
    ) -> list[DomainEvent]:
        """The report, the alert transitions it caused, and a proposal when one is due."""
        facts = {
            "report": {k: v for k, v in report.items() if k not in ("figures", "thresholds")},
            "figures": report.get("figures"),
            "thresholds": report.get("thresholds"),
        }
        out = [self._event("model.health_measured", facts, at)]
        out += [self._event("alert.raised", alert, at) for alert in raised]
        out += [self._event("alert.resolved", alert, at) for alert in resolved]
        if raised and self.proposal is None:
            payload = {
                "proposal_id": str(uuid.uuid4()),
                "reasons": [a["rule"] for a in raised],
                "summaries": [a["summary"] for a in raised],
                "model_version": report.get("modelVersion"),
                "command": RETRAIN_COMMAND,
                "proposed_at": at.isoformat(),
            }
            out.append(self._event("model.retrain_proposed", payload, at))
        return out

    def confirm(self, proposal_id: UUID, by: str, at: datetime) -> DomainEvent:
        if self.proposal is None or self.proposal["proposalId"] != str(proposal_id):
            raise NotFound("No open retrain proposal with this id", field="proposalId")
        if self.proposal["status"] != "proposed":
            raise Conflict("This proposal is already confirmed", field="proposalId")
        payload = {
            "proposal_id": str(proposal_id),
            "confirmed_by": by,
            "confirmed_at": at.isoformat(),
        }
        return self._event("model.retrain_confirmed", payload, at)

    def complete(self, proposal_id: UUID, outcome: dict[str, Any], at: datetime) -> DomainEvent:
        if self.proposal is None or self.proposal["proposalId"] != str(proposal_id):
            raise NotFound("No open retrain proposal with this id", field="proposalId")
        if self.proposal["status"] != "confirmed":
            raise Conflict("An admin has not confirmed this proposal", field="proposalId")
        payload = {
            "proposal_id": str(proposal_id),
            "outcome": dict(outcome),
            "completed_at": at.isoformat(),
        }
        return self._event("model.retrain_completed", payload, at)

    def view(self) -> dict[str, Any]:
        return {
            "latest": self.latest,
            "alerts": [
                {("companyId" if k == "company_id" else k): v for k, v in alert.items()}
                for alert in self.active.values()
            ],
            "proposal": self.proposal,
            "lastOutcome": self.last_outcome,
        }
