"""Reading the public grounded-QA sets and scoring predictions on them.

``load_corpus`` goes through the same :func:`sections_from_text` and :func:`chunk_document` as
an upload. ``load_questions`` keeps only ``id``, ``question`` and ``history`` of each line: the
labels are read by :func:`load_labels` alone, for scoring, so nothing the evaluated engine sees
can leak the answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guiders.knowledge.chunks import Chunk, chunk_document, sections_from_text
from guiders.knowledge.query import HistoryTurn

ANSWERABLE = frozenset({"ANSWERABLE", "PARTIAL"})


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    question: str
    history: tuple[HistoryTurn, ...]


@dataclass(frozen=True, slots=True)
class Label:
    answerability: str
    gold: frozenset[str]


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from exc
                if not isinstance(item, dict):
                    raise ValueError(f"{path}:{number}: expected an object")
                yield item


def load_corpus(path: Path) -> list[Chunk]:
    """Every ``{id, title, text}`` line as an uploaded plain-text document's chunks."""
    chunks: list[Chunk] = []
    for item in _lines(path):
        doc_id, title, text = str(item["id"]), str(item.get("title") or ""), str(item["text"])
        chunks.extend(chunk_document(doc_id, title, None, sections_from_text(text)))
    return chunks


def load_questions(path: Path) -> list[Question]:
    """Only ``id``, ``question`` and ``history`` (``[{speaker, text}]``) of each line."""
    out = []
    for item in _lines(path):
        history = tuple(
            HistoryTurn(str(t.get("speaker", "user")), str(t.get("text", "")))
            for t in item.get("history") or []
        )
        out.append(Question(str(item["id"]), str(item["question"]), history))
    return out


def load_labels(path: Path) -> dict[str, Label]:
    return {
        str(item["id"]): Label(str(item["answerability"]), frozenset(item.get("gold_doc_ids", [])))
        for item in _lines(path)
    }


@dataclass(frozen=True, slots=True)
class Scores:
    cited: float  # ANSWERABLE/PARTIAL answered with a gold first citation
    abstained: float  # UNANSWERABLE not answered
    clarified: float | None  # UNDERSPECIFIED given a clarifying question (None: none in set)
    answered_underspecified: float | None
    counts: dict[str, int]

    def line(self) -> str:
        extra = "" if self.clarified is None else f"  clarify(UNDERSPECIFIED) {self.clarified:.3f}"
        return f"cited {self.cited:.3f}  abstained {self.abstained:.3f}{extra}"


def score(predictions: Sequence[Mapping[str, Any]], labels: Mapping[str, Label]) -> Scores:
    """The issue's measures over the questions that have both a prediction and a label."""
    answerable = cited = unanswerable = abstained = vague = clarified = vague_answered = 0
    for p in predictions:
        label = labels.get(str(p["id"]))
        if label is None:
            continue
        first = p["citations"][0] if p["citations"] else None
        if label.answerability in ANSWERABLE:
            answerable += 1
            cited += p["action"] == "answer" and first in label.gold
        elif label.answerability == "UNANSWERABLE":
            unanswerable += 1
            abstained += p["action"] != "answer"
        elif label.answerability == "UNDERSPECIFIED":
            vague += 1
            clarified += p["action"] == "clarify"
            vague_answered += p["action"] == "answer"
    return Scores(
        cited / max(answerable, 1),
        abstained / max(unanswerable, 1),
        clarified / vague if vague else None,
        vague_answered / vague if vague else None,
        {"answerable": answerable, "unanswerable": unanswerable, "underspecified": vague},
    )
