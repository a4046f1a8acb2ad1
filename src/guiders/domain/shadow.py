"""Shadow mode: topics where the bot only drafts, and their graduation to answering alone.

A topic (a KB intent, or a knowledge source) in shadow gets a draft instead of an answer: the
bot posts it as an internal note for the agent, who sends it unchanged, edits it, or discards
it. Each review is an event, so the acceptance of each topic (drafts sent unchanged / drafts
reviewed) is a fold of the log. When a topic's acceptance reaches ``acceptance`` over at least
``min_drafts`` reviews, a graduation is proposed; an admin confirms it and the bot answers that
topic alone from then on.

One stream per company (aggregate type ``shadow``):
``shadow.draft_reviewed {topic, action, draftId, chatId}``,
``shadow.graduation_proposed {topic, drafts, acceptance}``,
``shadow.topic_graduated {topic, graduatedBy}``.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal
from uuid import UUID

from guiders.domain.errors import Conflict, NotFound
from guiders.domain.events import DomainEvent, Ledger, Stream

SHADOW_NAMESPACE: Final = uuid.UUID("5d0c2f5e-1b8a-4c47-a3f2-7a9e4b1c6d20")
ReviewAction = Literal["sent", "edited", "discarded"]
ACTIONS: Final = ("sent", "edited", "discarded")


def stream_id(company_id: UUID) -> UUID:
    return uuid.uuid5(SHADOW_NAMESPACE, str(company_id))


@dataclass(frozen=True)
class GraduationPolicy:
    acceptance: float = 0.8
    min_drafts: int = 20


@dataclass
class Shadow(Ledger):
    company_id: UUID
    version: int = 0
    reviews: dict[str, Counter[str]] = field(default_factory=dict)
    reviewed: set[str] = field(default_factory=set)
    """Draft ids already reviewed: a draft counts once."""
    proposed: dict[str, dict[str, Any]] = field(default_factory=dict)
    graduated: dict[str, dict[str, Any]] = field(default_factory=dict)

    def apply(self, type_: str, payload: Mapping[str, Any], version: int) -> None:
        self.version = max(self.version, version)
        topic = str(payload.get("topic", ""))
        if type_ == "shadow.draft_reviewed":
            self.reviews.setdefault(topic, Counter())[str(payload["action"])] += 1
            self.reviewed.add(str(payload.get("draftId")))
        elif type_ == "shadow.graduation_proposed":
            self.proposed[topic] = dict(payload)
        elif type_ == "shadow.topic_graduated":
            self.graduated[topic] = dict(payload)
            self.proposed.pop(topic, None)

    def acceptance(self, topic: str) -> tuple[int, float | None]:
        counts = self.reviews.get(topic, Counter())
        total = sum(counts.values())
        return total, (counts["sent"] / total if total else None)

    @property
    def stream(self) -> Stream:
        return Stream("shadow", stream_id(self.company_id), self.company_id)

    def review(
        self,
        topic: str,
        action: ReviewAction,
        draft_id: str,
        chat_id: str | None,
        by: str,
        at: datetime,
        policy: GraduationPolicy,
    ) -> list[DomainEvent]:
        """One agent's decision on one draft, and a graduation proposal when it is due."""
        if draft_id in self.reviewed:
            raise Conflict("This draft was already reviewed", field="draftId")
        payload = {
            "topic": topic,
            "action": action,
            "draftId": draft_id,
            "chatId": chat_id,
            "reviewedBy": by,
        }
        out = [self._event("shadow.draft_reviewed", payload, at)]
        drafts, rate = self.acceptance(topic)
        due = drafts >= policy.min_drafts and rate is not None and rate >= policy.acceptance
        if due and topic not in self.proposed and topic not in self.graduated:
            proposal = {"topic": topic, "drafts": drafts, "acceptance": rate}
            out.append(self._event("shadow.graduation_proposed", proposal, at))
        return out

    def graduate(self, topic: str, by: str, at: datetime) -> DomainEvent:
        if topic in self.graduated:
            raise Conflict("This topic already graduated", field="topic")
        if topic not in self.proposed:
            raise NotFound("No graduation proposed for this topic", field="topic")
        drafts, rate = self.acceptance(topic)
        payload = {"topic": topic, "graduatedBy": by, "drafts": drafts, "acceptance": rate}
        return self._event("shadow.topic_graduated", payload, at)

    def view(self, policy: GraduationPolicy) -> dict[str, Any]:
        topics = []
        for topic in sorted(set(self.reviews) | set(self.proposed) | set(self.graduated)):
            counts = self.reviews.get(topic, Counter())
            drafts, rate = self.acceptance(topic)
            topics.append(
                {
                    "topic": topic,
                    "drafts": drafts,
                    "sentUnchanged": counts["sent"],
                    "edited": counts["edited"],
                    "discarded": counts["discarded"],
                    "acceptance": rate,
                    "proposed": topic in self.proposed,
                    "graduated": topic in self.graduated,
                }
            )
        return {
            "topics": topics,
            "graduated": sorted(self.graduated),
            "policy": {"acceptance": policy.acceptance, "minDrafts": policy.min_drafts},
        }
