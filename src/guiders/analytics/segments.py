"""Visitor segments from the calibrated conversion probability.

Agents are scarce: VIP visitors go to a human first, the standard segment gets
the AI with a human on call, and nurturing visitors get content. Thresholds are
absolute probabilities, which is why the model is calibrated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Segment(StrEnum):
    VIP = "vip"
    STANDARD = "standard"
    NURTURING = "nurturing"


@dataclass(frozen=True)
class Segmenter:
    """``vip_above`` and ``nurturing_below`` are exclusive/inclusive edges.

    p > vip_above is VIP, p < nurturing_below is nurturing, everything in
    between (both edges included) is standard.
    """

    vip_above: float = 0.8
    nurturing_below: float = 0.4

    def __post_init__(self) -> None:
        if not 0.0 <= self.nurturing_below <= self.vip_above <= 1.0:
            raise ValueError(
                "segment thresholds must satisfy 0 <= nurturing_below <= vip_above <= 1, "
                f"got nurturing_below={self.nurturing_below}, vip_above={self.vip_above}"
            )

    def segment(self, probability: float) -> Segment:
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability must be within [0, 1], got {probability}")
        if probability > self.vip_above:
            return Segment.VIP
        if probability < self.nurturing_below:
            return Segment.NURTURING
        return Segment.STANDARD

    def count(self, probabilities: Iterable[float]) -> dict[str, int]:
        """Rows per segment, every segment present even when empty."""
        counts = {segment.value: 0 for segment in Segment}
        for probability in probabilities:
            counts[self.segment(float(probability)).value] += 1
        return counts

    def as_dict(self) -> dict[str, float]:
        return {"vip_above": self.vip_above, "nurturing_below": self.nurturing_below}
