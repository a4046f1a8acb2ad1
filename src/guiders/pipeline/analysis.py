"""The analysis stage: intent and confidence (the KB model), urgency and sentiment.

Intent comes from the trained knowledge-base model when one is given (``--kb-model``); without
one, intent stays unknown and rules on intent simply do not fire. Urgency and sentiment are
small transparent lexicon scores in [0, 1] and [-1, 1]: good enough to route on, easy to
explain to an operator, and no model download.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from guiders.pipeline.conditions import words

if TYPE_CHECKING:
    from guiders.ai.kb_model import KnowledgeBase

URGENT = {
    "urgent", "urgente", "asap", "immediately", "now", "ahora", "emergency", "today", "hoy",
    "broken", "down", "cannot", "can't", "blocked", "fraud", "hacked", "stolen", "deadline",
}  # fmt: skip
NEGATIVE = {
    "bad", "terrible", "awful", "horrible", "worst", "angry", "furious", "hate", "useless",
    "disappointed", "unacceptable", "scam", "broken", "never", "refund", "complaint", "malo",
    "pesimo", "fatal", "enfadado", "queja", "estafa", "odio", "wrong", "annoyed", "slow",
}  # fmt: skip
POSITIVE = {
    "good", "great", "excellent", "thanks", "thank", "love", "perfect", "happy", "nice",
    "awesome", "gracias", "genial", "perfecto", "bueno", "excelente", "encanta", "helpful",
}  # fmt: skip
NEGATIONS = {"not", "no", "never", "dont", "don't", "isn't", "nunca"}


@dataclass(frozen=True, slots=True)
class Analysis:
    intent: str | None = None
    confidence: float | None = None
    urgency: float = 0.0
    sentiment: float = 0.0


def urgency(text: str) -> float:
    tokens = words(text)
    hits = sum(1 for t in tokens if t in URGENT)
    bangs = min(text.count("!"), 3)
    shouting = sum(1 for w in text.split() if len(w) > 3 and w.isupper())
    return min(1.0, 0.35 * hits + 0.1 * bangs + 0.15 * min(shouting, 2))


def sentiment(text: str) -> float:
    """Sum of word polarities (a negation flips the next word), squashed into [-1, 1]."""
    score = 0.0
    flip = False
    for token in words(text):
        if token in NEGATIONS:
            flip = True
            continue
        value = 1.0 if token in POSITIVE else -1.0 if token in NEGATIVE else 0.0
        score += -value if flip else value
        flip = False
    return max(-1.0, min(1.0, score / 2.0))


class Analyzer:
    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self.kb = kb

    @classmethod
    def from_path(cls, path: Path | None) -> Analyzer:
        if path is None:
            return cls()
        from guiders.ai.kb_model import KnowledgeBase

        return cls(KnowledgeBase.load(path))

    async def analyse(self, text: str) -> Analysis:
        if not text.strip():
            return Analysis()
        intent = confidence = None
        if self.kb is not None:
            result = await asyncio.to_thread(self.kb.classify, text)
            intent = None if result.out_of_scope else result.intent
            confidence = float(result.confidence)
        return Analysis(intent, confidence, urgency(text), sentiment(text))
