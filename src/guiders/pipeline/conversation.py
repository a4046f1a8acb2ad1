"""The integration guide's conversation saga: create chat -> analyse -> respond -> send.

If a later step fails, the chat it opened is closed again (the compensation), so a visitor is
never left in a chat nobody will answer. Each step is idempotent: the chat carries the saga's
id in a custom field and is looked up before one is created; the reply carries a
``clientMessageId`` derived from the saga's id, so the server stores it once.
"""

from __future__ import annotations

from dataclasses import dataclass

from guiders.client import GuidersClient
from guiders.pipeline import templates
from guiders.pipeline.analysis import Analyzer
from guiders.sagas import SagaDefinition, Step, StepContext, StepFailed

TYPE = "conversation"


@dataclass(frozen=True, slots=True)
class ConversationSettings:
    fallback_template: str = (
        "Thanks for your message{% if visitor_name %}, {{ visitor_name }}{% endif %}. "
        "An agent will answer you here shortly."
    )
    min_confidence: float = 0.5


def conversation_saga(
    client: GuidersClient, analyzer: Analyzer, settings: ConversationSettings | None = None
) -> SagaDefinition:
    cfg = settings or ConversationSettings()

    async def create_chat(ctx: StepContext) -> None:
        d = ctx.data
        if d.get("chatId"):
            return
        page = await client.visitor_chats(d["visitorId"], limit=50)
        for chat in page.items:
            if (chat.metadata.get("customFields") or {}).get("sagaId") == ctx.saga_id:
                d["chatId"] = chat.id
                return
        body = await client.request(
            "POST",
            "/v2/chats",
            json={
                "visitorId": d["visitorId"],
                "metadata": {"source": "pipeline", "customFields": {"sagaId": ctx.saga_id}},
            },
        )
        d["chatId"] = body["chatId"]

    async def close_chat(ctx: StepContext) -> None:
        chat_id = ctx.data.get("chatId")
        if not chat_id:
            return
        chat = await client.get_chat(chat_id)
        if chat.is_open:
            await client.close_chat(chat_id, reason="conversation saga compensated")

    async def analyse_intent(ctx: StepContext) -> None:
        result = await analyzer.analyse(ctx.data.get("question", ""))
        ctx.data.update(
            intent=result.intent,
            confidence=result.confidence,
            urgency=result.urgency,
            sentiment=result.sentiment,
        )

    async def generate_response(ctx: StepContext) -> None:
        d = ctx.data
        answer = None
        kb = analyzer.kb
        if kb is not None and d.get("intent") and (d.get("confidence") or 0) >= cfg.min_confidence:
            answer = kb.answer_for(d["intent"])
        if answer is None:
            answer = templates.render(cfg.fallback_template, {"visitor_name": d.get("visitorName")})
        if not answer.strip():
            raise StepFailed("the response is empty")
        d["response"] = answer

    async def send_message(ctx: StepContext) -> None:
        d = ctx.data
        message = await client.send_message(
            d["chatId"],
            d["response"],
            type="ai-response",
            metadata={
                "sagaId": ctx.saga_id,
                "intent": d.get("intent"),
                "confidence": d.get("confidence"),
            },
            client_message_id=f"saga-{ctx.saga_id}-reply",
        )
        d["messageId"] = message.id

    return SagaDefinition(
        type=TYPE,
        steps=(
            Step("create_chat", create_chat, close_chat),
            Step("analyse_intent", analyse_intent),
            Step("generate_response", generate_response),
            Step("send_message", send_message),
        ),
    )
