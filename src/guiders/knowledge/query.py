"""The conversation's earlier turns make a follow-up stand alone, without an LLM.

"How do I create one?" after a talk about API keys names nothing; the visitor's previous
messages do. The index scores the question and this context separately and adds the context's
scores with a smaller weight (see :class:`guiders.knowledge.index.RetrievalSettings`), so a
question that does stand alone still wins, and a follow-up inherits the topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

USER_SPEAKERS = frozenset({"user", "visitor", "customer"})


@dataclass(frozen=True, slots=True)
class HistoryTurn:
    """An earlier message: ``speaker`` is "user"/"visitor" for the visitor, else the bot or
    an agent."""

    speaker: str
    text: str

    @property
    def from_visitor(self) -> bool:
        return self.speaker.casefold() in USER_SPEAKERS


def context_from_history(
    history: Sequence[HistoryTurn], user_turns: int = 1, max_chars: int = 400
) -> str:
    """The last ``user_turns`` visitor messages, most recent first, cut to ``max_chars``
    (the encoder reads 64 query tokens; a long old message must not crowd out the topic)."""
    picked = [t.text.strip() for t in reversed(history) if t.from_visitor and t.text.strip()]
    return " ".join(picked[:user_turns])[:max_chars]
