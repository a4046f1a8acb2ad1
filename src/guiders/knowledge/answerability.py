"""Does the retrieved passage answer the question, and is the question clear enough to try?

Two small logistic regressions over retrieval and agreement features, fitted on the dev
questions with cross-validation by ``guiders docs fit`` (see :mod:`guiders.knowledge.fitting`)
and shipped as plain JSON (``models.json``: feature names, standardisation, coefficients), so
loading runs no pickled code:

- **answerability**: the probability that answering cites a passage that answers it (a label
  is positive when the question is answerable and the first citation is a gold passage);
- **vagueness**: the probability that the question is too vague (MTRAG-UN's UNDERSPECIFIED),
  in which case the bot asks which of the candidate topics is meant.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from guiders.knowledge.chunks import split_sentences
from guiders.knowledge.index import Retrieval
from guiders.knowledge.text import content_words

MODELS_FILE = Path(__file__).with_name("models.json")
_VAGUE = (
    "this that these those it its they them their one ones such there "
    "este esta estos estas ese esa esos esas eso esto"
)
_VAGUE_MARKERS = frozenset(_VAGUE.split())

FEATURES = (
    "dense_top",
    "dense_gap",
    "lexical_top",
    "lexical_share",
    "fused_gap",
    "coverage",
    "agree",
    "lexical_rank",
    "dense_rank",
    "terms",
    "has_context",
    "vague_markers",
    "close_titles",
    "idf_coverage",
    "sentence_coverage",
    "missing_idf",
    "answer_type",
)
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_MONTHS = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|century|decade|years?|days?|months?|weeks?|hours?|minutes?)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|"
    r"million|billion|dozen|several|many)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")


def _answer_type(question: str, sentence: str) -> float:
    """1 when the best sentence holds what the question asks for (a date for "when", a number
    for "how many", a name for "who"), 0 when it does not, 0.5 for other questions."""
    q = question.casefold().strip()
    if q.startswith(("when", "what year", "what time", "how long", "cuando", "cuándo")):
        return float(bool(_YEAR.search(sentence) or _MONTHS.search(sentence)))
    if q.startswith(("how many", "how much", "how old", "cuanto", "cuánto", "cuantos")):
        return float(bool(_NUMBER.search(sentence)))
    if q.startswith(("who ", "whom", "quien", "quién")):
        return float(bool(_NAME.search(sentence)))
    return 0.5


def features(question: str, retrieval: Retrieval, has_context: bool) -> dict[str, float]:
    """The named features of one question and its retrieval (all finite)."""
    hits = retrieval.hits
    terms = set(retrieval.question_terms)
    if not hits:
        return dict.fromkeys(FEATURES, 0.0) | {"terms": math.log1p(len(terms))}
    top = hits[0]
    second = hits[1] if len(hits) > 1 else None
    chunk_words = set(content_words(top.chunk.indexed_text))
    dense_sorted = sorted((h.dense for h in hits), reverse=True)
    titles = {h.chunk.title or h.chunk.document_id for h in hits[:5] if h.score >= top.score - 0.05}
    folded = [w.casefold() for w in question.split()]
    idf = retrieval.term_idf
    weight = sum(idf.get(t, 0.0) for t in terms) or 1.0
    sentences = split_sentences(top.chunk.text) or [top.chunk.text]
    bags = [set(content_words(sentence)) for sentence in sentences]
    best = max(range(len(bags)), key=lambda i: sum(idf.get(t, 0.0) for t in terms & bags[i]))
    missing = [idf.get(t, 0.0) for t in terms - chunk_words]
    return {
        "dense_top": top.dense,
        "dense_gap": dense_sorted[0] - (dense_sorted[1] if len(dense_sorted) > 1 else 0.0),
        "lexical_top": math.log1p(max(top.lexical, 0.0)),
        "lexical_share": top.lexical / retrieval.lexical_max if retrieval.lexical_max > 0 else 0.0,
        "fused_gap": top.score - (second.score if second else 0.0),
        "coverage": len(terms & chunk_words) / len(terms) if terms else 0.0,
        "agree": float(top.lexical_rank == 0 and top.dense_rank == 0),
        "lexical_rank": math.log1p(top.lexical_rank),
        "dense_rank": math.log1p(top.dense_rank),
        "terms": math.log1p(len(terms)),
        "has_context": float(has_context),
        "vague_markers": float(sum(w.strip("?.,!¿¡'\"") in _VAGUE_MARKERS for w in folded)),
        "close_titles": float(len(titles)),
        "idf_coverage": sum(idf.get(t, 0.0) for t in terms & chunk_words) / weight,
        "sentence_coverage": sum(idf.get(t, 0.0) for t in terms & bags[best]) / weight,
        "missing_idf": max(missing, default=0.0),
        "answer_type": _answer_type(question, sentences[best]),
    }


@dataclass(frozen=True, slots=True)
class LogisticModel:
    """``sigmoid(intercept + coef . (x - mean) / scale)`` over named features."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def probability(self, values: dict[str, float]) -> float:
        z = self.intercept
        for name, mu, sd, w in zip(self.features, self.mean, self.scale, self.coef, strict=True):
            z += w * (values.get(name, 0.0) - mu) / (sd or 1.0)
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> LogisticModel:
        def floats(key: str) -> tuple[float, ...]:
            value = data[key]
            assert isinstance(value, list)
            return tuple(float(v) for v in value)

        names = data["features"]
        assert isinstance(names, list)
        intercept = data["intercept"]
        assert isinstance(intercept, int | float)
        return cls(
            tuple(str(n) for n in names),
            floats("mean"),
            floats("scale"),
            floats("coef"),
            float(intercept),
        )


@dataclass(frozen=True, slots=True)
class Models:
    """Both models and their operating points as fitted (a setting may override them)."""

    answerability: LogisticModel
    vagueness: LogisticModel
    answer_threshold: float
    clarify_threshold: float
    provenance: str = ""

    @classmethod
    def load(cls, path: Path = MODELS_FILE) -> Models:
        data = json.loads(path.read_text())
        return cls(
            LogisticModel.from_json(data["answerability"]),
            LogisticModel.from_json(data["vagueness"]),
            float(data["answer_threshold"]),
            float(data["clarify_threshold"]),
            str(data.get("provenance", "")),
        )

    def save(self, path: Path = MODELS_FILE) -> None:
        data = {
            "provenance": self.provenance,
            "answer_threshold": self.answer_threshold,
            "clarify_threshold": self.clarify_threshold,
            "answerability": self.answerability.to_json(),
            "vagueness": self.vagueness.to_json(),
        }
        path.write_text(json.dumps(data, indent=1) + "\n")


@cache
def shipped_models() -> Models:
    return Models.load()


def feature_vector(values: dict[str, float], names: Sequence[str] = FEATURES) -> list[float]:
    return [values[name] for name in names]
