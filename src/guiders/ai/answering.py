"""The bot's answer to an in-scope question: the knowledge base's answer, or, with an LLM
configured, an LLM answer grounded on that KB entry and the conversation, falling back to the
KB answer (or a fixed text) whenever the LLM cannot answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from guiders.ai.kb_model import Classification
from guiders.ai.llm import LlmClient, LlmUnavailable

KB_MODEL = "guiders-kb"


@dataclass(frozen=True, slots=True)
class Turn:
    role: str  # "visitor" | "assistant" | "agent"
    content: str


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    model: str
    context_used: list[str] = field(default_factory=list)
    fallback_reason: str | None = None


class Answerer:
    def __init__(
        self,
        *,
        llm: LlmClient | None,
        fallback_text: str,
        bot_name: str,
        company: str | None = None,
    ) -> None:
        self.llm = llm
        self.fallback_text = fallback_text
        self.bot_name = bot_name
        self.company = company

    async def answer(
        self,
        question: str,
        found: Classification,
        history: Sequence[Turn],
        language: str,
    ) -> Answer:
        kb_context = [f"kb:{found.intent}"] if found.answer else []
        if self.llm is None:
            return Answer(found.answer or self.fallback_text, KB_MODEL, kb_context)
        prompt = self.prompt(question, found, history, language)
        try:
            text = await self.llm.complete(prompt)
        except LlmUnavailable as exc:
            return Answer(
                found.answer or self.fallback_text,
                KB_MODEL,
                kb_context,
                fallback_reason=str(exc.details.get("reason", "error")),
            )
        return Answer(text, self.llm.model, [*kb_context, f"history:{len(history)}"])

    def prompt(
        self, question: str, found: Classification, history: Sequence[Turn], language: str
    ) -> list[dict[str, str]]:
        where = f" of {self.company}" if self.company else ""
        system = (
            f"You are {self.bot_name}, the customer-service assistant{where}. Answer the "
            "visitor's last message in one to three sentences, in "
            f"{'Spanish' if language == 'es' else 'English'}, using ONLY the knowledge-base "
            "entry below. If it does not answer the question, say that an agent will help. "
            "Never invent prices, dates or policies.\n\n"
            f"Knowledge-base entry ({found.intent}):\n{found.answer or '(none)'}"
        )
        messages = [{"role": "system", "content": system}]
        for turn in history:
            role = "user" if turn.role == "visitor" else "assistant"
            messages.append({"role": role, "content": turn.content})
        messages.append({"role": "user", "content": question})
        return messages
