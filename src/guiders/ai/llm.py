"""An optional LLM through the ``openai`` client against any OpenAI-compatible ``base_url``
(OpenAI, vLLM, Ollama, llama.cpp server), wrapped so a slow or failing provider cannot hurt
the visitor: a timeout per attempt, a few retries with exponential backoff, a client-side rate
limit, and a circuit breaker that stops calling a provider that keeps failing.

Order of the wrappers, outermost first: breaker -> retries -> rate limit -> request. The breaker
counts one failure per *answer* that could not be produced (after its retries), so five
visitors in a row without an answer open it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import openai
import structlog
from aiolimiter import AsyncLimiter
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from guiders.ai.circuit_breaker import CircuitBreaker, CircuitOpen
from guiders.ai.metrics import LLM_CALLS, export_state
from guiders.domain.errors import Unavailable

log = structlog.get_logger(__name__)


class LlmUnavailable(Unavailable):
    """No answer from the LLM: timeout, errors after retries, or the circuit is open."""

    code = "llm_unavailable"


@dataclass(frozen=True, slots=True)
class LlmConfig:
    base_url: str
    model: str = "gpt-4o-mini"
    api_key: str = "not-needed"
    timeout_s: float = 10.0
    retries: int = 2
    backoff_initial_s: float = 0.5
    rate_per_s: float = 10.0
    burst: int = 50
    breaker_failures: int = 5
    breaker_recovery_s: float = 30.0
    breaker_successes: int = 3
    max_tokens: int = 300
    temperature: float = 0.2


class LlmClient:
    def __init__(self, config: LlmConfig, *, breaker: CircuitBreaker | None = None) -> None:
        self.config = config
        self._openai = openai.AsyncOpenAI(
            base_url=config.base_url,
            api_key=config.api_key,
            timeout=config.timeout_s,
            max_retries=0,  # retries are ours (tenacity), so they count once for the breaker
        )
        # burst tokens, refilled at rate_per_s: AsyncLimiter(max_rate, period) leaks
        # max_rate per period, so burst / (burst / rate) = rate per second.
        self._limiter = AsyncLimiter(config.burst, config.burst / config.rate_per_s)
        self.breaker = breaker or CircuitBreaker(
            "llm",
            failure_threshold=config.breaker_failures,
            recovery_timeout_s=config.breaker_recovery_s,
            success_threshold=config.breaker_successes,
            on_change=export_state,
        )
        export_state(self.breaker.name, self.breaker.state, self.breaker.state)

    @property
    def model(self) -> str:
        return self.config.model

    async def aclose(self) -> None:
        await self._openai.close()

    async def complete(self, messages: list[dict[str, str]]) -> str:
        """The assistant's text for a chat-completions ``messages`` list."""
        try:
            text = await self.breaker.call(lambda: self._with_retries(messages))
        except CircuitOpen as exc:
            LLM_CALLS.labels("circuit_open").inc()
            raise LlmUnavailable(str(exc), reason="circuit_open") from exc
        except (openai.OpenAIError, ValueError) as exc:
            LLM_CALLS.labels("failed").inc()
            log.warning("llm call failed", error=type(exc).__name__, detail=str(exc)[:200])
            reason = "timeout" if isinstance(exc, openai.APITimeoutError) else "error"
            raise LlmUnavailable(f"LLM failed: {type(exc).__name__}", reason=reason) from exc
        LLM_CALLS.labels("ok").inc()
        return text

    async def _with_retries(self, messages: list[dict[str, str]]) -> str:
        retrying = AsyncRetrying(
            retry=retry_if_exception_type((openai.OpenAIError, ValueError)),
            stop=stop_after_attempt(self.config.retries + 1),
            wait=wait_exponential(multiplier=self.config.backoff_initial_s, max=8),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                async with self._limiter:
                    return await self._once(messages)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    async def _once(self, messages: list[dict[str, str]]) -> str:
        payload: Any = messages
        response = await self._openai.chat.completions.create(
            model=self.config.model,
            messages=payload,
            max_tokens=self.config.max_tokens,
            temperature=self.config.temperature,
        )
        content = response.choices[0].message.content if response.choices else None
        if not content or not content.strip():
            raise ValueError("the LLM returned an empty answer")
        return content.strip()
