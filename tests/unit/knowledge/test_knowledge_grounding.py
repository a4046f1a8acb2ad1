"""The LLM path against the local fake OpenAI-compatible server: a supported answer is kept
with renumbered markers, an unsupported or failing one falls back to the extractive answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.fakes.openai_server import FakeOpenAI
from tests.unit.knowledge.corpus_fixtures import chunks
from tests.unit.knowledge.test_knowledge_answering import MODELS

from guiders.ai.llm import LlmClient, LlmConfig
from guiders.knowledge.answering import GroundedAnswerer
from guiders.knowledge.grounding import check, renumber
from guiders.knowledge.index import KnowledgeIndex
from guiders.knowledge.query import HistoryTurn

QUESTION = "How do I revoke an API key?"


@pytest.fixture(scope="module")
def answerer() -> GroundedAnswerer:
    return GroundedAnswerer(KnowledgeIndex.build(chunks()), models=MODELS)


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    server = await FakeOpenAI().start()
    yield server
    await server.stop()


def llm_for(fake: FakeOpenAI) -> LlmClient:
    return LlmClient(
        LlmConfig(base_url=fake.base_url, model="fake", timeout_s=2.0, backoff_initial_s=0.01)
    )


async def test_a_supported_llm_answer_is_kept_with_its_citations(
    answerer: GroundedAnswerer, fake: FakeOpenAI
) -> None:
    fake.reply = "Press Revoke next to the key [1]. Programs using it stop working at once [1]."
    llm = llm_for(fake)
    history = [HistoryTurn("user", "hi"), HistoryTurn("agent", "Hello!")]
    reply = await answerer.areply(QUESTION, history, llm=llm)
    await llm.aclose()
    assert (reply.action, reply.reason) == ("answer", "answered_llm")
    assert reply.text == fake.reply
    assert reply.grounding is not None and reply.grounding >= 0.75
    assert reply.citations[0].document_id == "api-keys"
    sent = fake.requests[0]["messages"]
    assert "[1] API keys > API keys > Revoke an API key" in sent[0]["content"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[-1]["content"] == QUESTION


async def test_an_invented_sentence_falls_back_to_the_extractive_answer(
    answerer: GroundedAnswerer, fake: FakeOpenAI
) -> None:
    fake.reply = "Press Revoke next to the key [1]. A replacement key costs 20 dollars [1]."
    llm = llm_for(fake)
    reply = await answerer.areply(QUESTION, [], llm=llm)
    await llm.aclose()
    offline = answerer.reply(QUESTION, [])
    assert (reply.action, reply.reason) == ("answer", "llm_ungrounded_fallback")
    assert reply.text == offline.text
    assert reply.citations == offline.citations
    assert reply.grounding is not None and reply.grounding < 0.75


async def test_a_failing_llm_falls_back_to_the_extractive_answer(
    answerer: GroundedAnswerer, fake: FakeOpenAI
) -> None:
    fake.mode = "fail"
    llm = llm_for(fake)
    reply = await answerer.areply(QUESTION, [], llm=llm)
    await llm.aclose()
    assert reply.action == "answer"
    assert reply.reason.startswith("llm_unavailable_fallback")
    assert reply.text == answerer.reply(QUESTION, []).text


async def test_the_llm_is_not_asked_when_the_documents_do_not_say(
    answerer: GroundedAnswerer, fake: FakeOpenAI
) -> None:
    llm = llm_for(fake)
    reply = await answerer.areply("Who won the world cup in 1966?", [], llm=llm)
    await llm.aclose()
    assert reply.action == "handoff"
    assert fake.requests == []


def test_each_sentence_is_checked_against_the_passage_it_cites() -> None:
    passages = chunks()[:2]  # api-keys intro, create
    good = check("An API key lets your programs call the API [1].", passages)
    assert good.score == 1.0 and good.cited == [0]
    wrong_source = check("Press New key in Settings [1].", passages)  # that is passage 2
    assert wrong_source.score < 0.75
    assert check("Press New key in Settings [2].", passages).score == 1.0


def test_markers_are_renumbered_in_citation_order() -> None:
    assert renumber("First [3]. Second [1]. Bad [9].", [2, 0]) == "First [1]. Second [2]. Bad."
