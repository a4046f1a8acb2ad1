"""The answer engine: retrieve, decide (answer, clarify or hand off), and write the reply.

One path for the bot and for ``guiders docs evaluate``:

1. the question and the visitor's previous message are searched (hybrid, see ``index.py``);
2. the vagueness model says whether to ask which topic is meant (``clarify``), else the
   answerability model whether the documents answer it (``answer``) or a person should
   (``handoff``, reason ``not_in_documents``);
3. the reply is extractive (offline), or, with an LLM, written by the LLM from the passages
   and kept only if every sentence is supported by the passage it cites.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from guiders.bot.language import detect_language
from guiders.knowledge import grounding
from guiders.knowledge.answerability import Models, features, shipped_models
from guiders.knowledge.extractive import extract
from guiders.knowledge.index import Hit, KnowledgeIndex, Retrieval
from guiders.knowledge.query import HistoryTurn, context_from_history

if TYPE_CHECKING:
    from guiders.ai.llm import LlmClient

Action = Literal["answer", "handoff", "clarify"]

CLARIFY = {
    "en": "Which one do you mean: {options}?",
    "es": "¿A cuál te refieres: {options}?",
}
CLARIFY_OR = {"en": "or", "es": "o"}
CLARIFY_GENERIC = {
    "en": "Could you tell me a bit more about what you are looking for?",
    "es": "¿Puedes contarme un poco más sobre lo que buscas?",
}


@dataclass(frozen=True, slots=True)
class Citation:
    document_id: str
    chunk_id: str
    title: str
    url: str | None
    heading_path: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class GroundedReply:
    action: Action
    text: str  # the answer or the clarifying question; "" for a hand-off
    citations: list[Citation]  # best first
    retrieval_scores: list[float]
    answerability: float  # calibrated probability that the documents answer it
    grounding: float | None  # only when an LLM wrote the answer
    reason: str  # answered, not_in_documents, too_vague, llm_ungrounded_fallback, ...
    language: str
    vagueness: float = 0.0


@dataclass(frozen=True, slots=True)
class AnswerSettings:
    """Operating points; ``None`` takes the fitted value shipped in ``models.json``."""

    answer_threshold: float | None = None
    clarify_threshold: float | None = None
    grounding_threshold: float = 0.75  # weakest LLM sentence's word support
    context_user_turns: int = 1
    search_k: int = 8
    llm_passages: int = 3
    clarify_options: int = 3
    default_language: str = "en"
    bot_name: str = "the assistant"
    extra: dict[str, float] = field(default_factory=dict)


class GroundedAnswerer:
    """Answers from one :class:`KnowledgeIndex`; holds no per-question state (thread-safe)."""

    def __init__(
        self,
        index: KnowledgeIndex,
        settings: AnswerSettings | None = None,
        models: Models | None = None,
    ) -> None:
        self.index = index
        self.settings = settings or AnswerSettings()
        self.models = models or shipped_models()

    @property
    def answer_threshold(self) -> float:
        value = self.settings.answer_threshold
        return self.models.answer_threshold if value is None else value

    @property
    def clarify_threshold(self) -> float:
        value = self.settings.clarify_threshold
        return self.models.clarify_threshold if value is None else value

    def retrieve(self, question: str, history: Sequence[HistoryTurn]) -> tuple[Retrieval, str]:
        context = context_from_history(history, self.settings.context_user_turns)
        return self.index.search(question, context, k=self.settings.search_k), context

    def reply(
        self, question: str, history: Sequence[HistoryTurn], language: str | None = None
    ) -> GroundedReply:
        """The offline reply: extractive answer, clarifying question or hand-off."""
        return self._offline(question, history, language)[0]

    def _offline(
        self, question: str, history: Sequence[HistoryTurn], language: str | None
    ) -> tuple[GroundedReply, Retrieval]:
        language = language or detect_language(question, self.settings.default_language)
        retrieval, context = self.retrieve(question, history)
        values = features(question, retrieval, bool(context))
        answerable = self.models.answerability.probability(values)
        vague = self.models.vagueness.probability(values)
        scores = [round(h.score, 4) for h in retrieval.hits]
        base = GroundedReply(
            "handoff", "", [], scores, answerable, None, "not_in_documents", language, vague
        )
        if not retrieval.hits:
            return replace(base, reason="no_documents"), retrieval
        if vague >= self.clarify_threshold:
            clarify = replace(
                base,
                action="clarify",
                text=self._clarifying_question(retrieval.hits, language),
                citations=[_citation(h) for h in self._distinct_topics(retrieval.hits)],
                reason="too_vague",
            )
            return clarify, retrieval
        if answerable < self.answer_threshold:
            return base, retrieval
        top = retrieval.hits[0]
        text = extract(top.chunk.text, question, context, title=top.chunk.title)
        answer = replace(
            base, action="answer", text=text, citations=[_citation(top)], reason="answered"
        )
        return answer, retrieval

    async def areply(
        self,
        question: str,
        history: Sequence[HistoryTurn],
        language: str | None = None,
        llm: LlmClient | None = None,
    ) -> GroundedReply:
        """With ``llm``, the LLM writes an answer the offline path decided to give, from the
        top passages only; an unsupported sentence or a failing LLM keeps the extractive
        answer (the reason says which)."""
        offline, retrieval = self._offline(question, history, language)
        if llm is None or offline.action != "answer":
            return offline
        from guiders.ai.llm import LlmUnavailable

        passages = [h.chunk for h in retrieval.hits[: self.settings.llm_passages]]
        messages = grounding.prompt(
            question, history, passages, offline.language, bot_name=self.settings.bot_name
        )
        try:
            written = await llm.complete(messages)
        except LlmUnavailable as exc:
            reason = str(exc.details.get("reason", "error"))
            return replace(offline, reason=f"llm_unavailable_fallback:{reason}")
        if "NOT_IN_DOCUMENTS" in written:
            return replace(offline, action="handoff", text="", citations=[], reason="llm_declined")
        checked = grounding.check(written, passages)
        if checked.score < self.settings.grounding_threshold or not checked.cited:
            return replace(offline, grounding=checked.score, reason="llm_ungrounded_fallback")
        hits = retrieval.hits
        return replace(
            offline,
            text=grounding.renumber(written, checked.cited),
            citations=[_citation(hits[i]) for i in checked.cited],
            grounding=checked.score,
            reason="answered_llm",
        )

    def _distinct_topics(self, hits: Sequence[Hit]) -> list[Hit]:
        seen: set[str] = set()
        out: list[Hit] = []
        for hit in hits:
            name = (hit.chunk.title or "").strip()
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                out.append(hit)
            if len(out) == self.settings.clarify_options:
                break
        return out

    def _clarifying_question(self, hits: Sequence[Hit], language: str) -> str:
        names = [h.chunk.title.strip() for h in self._distinct_topics(hits)]
        lang = language if language in CLARIFY else "en"
        if len(names) < 2:
            return CLARIFY_GENERIC[lang]
        options = ", ".join(names[:-1]) + f" {CLARIFY_OR[lang]} " + names[-1]
        return CLARIFY[lang].format(options=options)


def _citation(hit: Hit) -> Citation:
    c = hit.chunk
    return Citation(c.document_id, c.id, c.title, c.url, c.heading_path, round(hit.score, 4))
