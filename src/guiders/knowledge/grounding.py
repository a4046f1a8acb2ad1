"""An LLM's answer written from numbered passages, and the check that each sentence is in them.

The prompt gives the passages as ``[1]``, ``[2]``, ... and asks for a marker after each
sentence. :func:`check` then scores every sentence against the passages it cites (or all of
them when it cites none): the share of its content words found in those passages, a lexical
support score that needs no model and catches the usual failure, an invented figure, name or
step. The answer's grounding is its weakest sentence's support, so one invented sentence fails
the whole answer and the bot falls back to the extractive one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from guiders.knowledge.chunks import Chunk, split_sentences
from guiders.knowledge.query import HistoryTurn
from guiders.knowledge.text import content_words

_MARKER = re.compile(r"\[(\d{1,2})\]")
LANGUAGES = {"en": "English", "es": "Spanish"}


@dataclass(frozen=True, slots=True)
class Grounding:
    score: float  # the weakest sentence's support, 0..1
    cited: list[int]  # 0-based passage indexes in order of first citation
    sentences: list[tuple[str, float]]


def prompt(
    question: str,
    history: Sequence[HistoryTurn],
    passages: Sequence[Chunk],
    language: str,
    *,
    bot_name: str = "the assistant",
    history_turns: int = 6,
) -> list[dict[str, str]]:
    """Chat-completions messages: the rules and passages, recent turns, then the question."""
    numbered = "\n\n".join(
        f"[{i}] {c.title}{' > ' + ' > '.join(c.heading_path) if c.heading_path else ''}\n{c.text}"
        for i, c in enumerate(passages, 1)
    )
    system = (
        f"You are {bot_name}, a customer-service assistant. Answer the visitor's last message "
        f"in {LANGUAGES.get(language, 'the language of the question')}, in one to four short "
        "sentences, using ONLY the numbered passages below. End every sentence with the "
        "marker of the passage it comes from, like [1]. Do not add anything the passages do "
        "not say. If they do not answer the question, reply exactly: NOT_IN_DOCUMENTS\n\n"
        f"Passages:\n{numbered}"
    )
    messages = [{"role": "system", "content": system}]
    for turn in list(history)[-history_turns:]:
        role = "user" if turn.from_visitor else "assistant"
        messages.append({"role": role, "content": turn.text})
    messages.append({"role": "user", "content": question})
    return messages


def check(answer: str, passages: Sequence[Chunk]) -> Grounding:
    """Each sentence's support by the passages it cites (markers outside the range are
    ignored; a sentence citing nothing is checked against all passages)."""
    bags = [set(content_words(f"{c.title} {' '.join(c.heading_path)} {c.text}")) for c in passages]
    cited: list[int] = []
    scored: list[tuple[str, float]] = []
    for sentence in split_sentences(answer):
        marks = [int(m) - 1 for m in _MARKER.findall(sentence)]
        marks = [m for m in marks if 0 <= m < len(passages)]
        for m in marks:
            if m not in cited:
                cited.append(m)
        words = set(content_words(_MARKER.sub(" ", sentence)))
        if not words:
            continue
        sources = [bags[m] for m in marks] or bags
        support = max(len(words & bag) / len(words) for bag in sources) if sources else 0.0
        scored.append((sentence, support))
    score = min((s for _, s in scored), default=0.0)
    return Grounding(score, cited, scored)


def renumber(answer: str, cited: Sequence[int]) -> str:
    """Markers renumbered to the order of the citations list (passage 3 cited first -> [1])."""
    position = {m: i + 1 for i, m in enumerate(cited)}

    def swap(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return f"[{position[index]}]" if index in position else ""

    return re.sub(r"\s+([.!?])", r"\1", _MARKER.sub(swap, answer)).strip()
