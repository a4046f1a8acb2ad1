"""The LLM wrapper against a local fake OpenAI-compatible server: answers, retries, timeouts,
the breaker opening and recovering, and the answerer's fallback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY

from guiders.ai.answering import Answerer, Turn
from guiders.ai.circuit_breaker import BreakerState
from guiders.ai.kb_model import Classification
from guiders.ai.llm import LlmClient, LlmConfig, LlmUnavailable
from tests.fakes.openai_server import FakeOpenAI
from tests.waiting import eventually

FOUND = Classification("shipping", 0.93, False, "We ship in 2-4 working days.")


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    server = await FakeOpenAI().start()
    yield server
    await server.stop()


def llm_for(fake: FakeOpenAI, **overrides: float) -> LlmClient:
    config = LlmConfig(
        base_url=fake.base_url,
        model="fake-model",
        timeout_s=overrides.get("timeout_s", 2.0),
        backoff_initial_s=0.01,
        breaker_recovery_s=overrides.get("recovery_s", 0.5),
    )
    return LlmClient(config)


def gauge() -> float | None:
    return REGISTRY.get_sample_value("guiders_ai_circuit_state", {"circuit": "llm"})


async def test_answers_are_grounded_on_the_kb_entry_and_the_history(fake: FakeOpenAI) -> None:
    llm = llm_for(fake)
    answerer = Answerer(llm=llm, fallback_text="sorry", bot_name="Robi")
    answer = await answerer.answer(
        "how long?", FOUND, [Turn("visitor", "hi"), Turn("assistant", "hello")], "en"
    )
    await llm.aclose()
    assert answer.text == "Hi from the fake LLM" and answer.model == "fake-model"
    assert answer.fallback_reason is None
    sent = fake.requests[0]["messages"]
    assert "We ship in 2-4 working days." in sent[0]["content"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]


async def test_each_answer_is_retried_twice_before_it_counts_as_one_failure(
    fake: FakeOpenAI,
) -> None:
    fake.mode = "fail"
    llm = llm_for(fake)
    with pytest.raises(LlmUnavailable):
        await llm.complete([{"role": "user", "content": "hi"}])
    await llm.aclose()
    assert len(fake.requests) == 3
    assert llm.breaker.failures == 1


@pytest.mark.serial  # an upper bound on elapsed time
async def test_a_hanging_provider_times_out(fake: FakeOpenAI) -> None:
    fake.mode = "hang"
    llm = llm_for(fake, timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(LlmUnavailable) as exc:
        await llm.complete([{"role": "user", "content": "hi"}])
    await llm.aclose()
    assert exc.value.details["reason"] == "timeout"
    assert time.monotonic() - started < 3  # 3 attempts of 0.3 s plus short backoffs


async def test_breaker_opens_visitors_get_the_fallback_and_it_recovers(
    fake: FakeOpenAI,
) -> None:
    llm = llm_for(fake, recovery_s=0.5)
    answerer = Answerer(llm=llm, fallback_text="an agent will help", bot_name="Robi")
    fake.mode = "fail"
    for _ in range(5):
        answer = await answerer.answer("how long?", FOUND, [], "en")
        assert answer.text == FOUND.answer and answer.fallback_reason == "error"
    assert llm.breaker.state == BreakerState.OPEN and gauge() == 2
    calls = len(fake.requests)
    fake.mode = "answer"
    answer = await answerer.answer("how long?", FOUND, [], "en")
    assert answer.fallback_reason == "circuit_open" and len(fake.requests) == calls
    nothing = Classification("oos", 0.1, True, None)
    assert (await answerer.answer("?", nothing, [], "en")).text == "an agent will help"
    await eventually(lambda: llm.breaker.state != BreakerState.OPEN, timeout=5)
    for _ in range(3):
        answer = await answerer.answer("how long?", FOUND, [], "en")
        assert answer.text == "Hi from the fake LLM"
    assert llm.breaker.state == BreakerState.CLOSED and gauge() == 0
    await llm.aclose()


@pytest.mark.serial  # bounds on elapsed time
async def test_rate_limit_allows_a_burst_of_fifty_then_ten_a_second(fake: FakeOpenAI) -> None:
    llm = llm_for(fake)
    started = time.monotonic()
    await asyncio.gather(*(llm.complete([{"role": "user", "content": "x"}]) for _ in range(55)))
    elapsed = time.monotonic() - started
    await llm.aclose()
    assert len(fake.requests) == 55
    assert 0.35 <= elapsed < 3  # 5 beyond the burst at 10/s: about half a second
