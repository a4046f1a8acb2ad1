"""Shadow mode's answers: per-topic acceptance of the bot's drafts and the graduation policy."""

from __future__ import annotations

from guiders.api.responses import Reply


class ShadowTopic(Reply):
    topic: str
    drafts: int
    sentUnchanged: int
    edited: int
    discarded: int
    acceptance: float | None
    proposed: bool
    graduated: bool


class GraduationPolicy(Reply):
    acceptance: float
    minDrafts: int


class ShadowView(Reply):
    topics: list[ShadowTopic]
    graduated: list[str]
    policy: GraduationPolicy
