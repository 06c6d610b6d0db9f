"""Structured LLM calls with caching, validation and re-asks, retries, rate limits and bounded concurrency.

All requests of one :class:`StructuredLLM` run on its own event loop in a background thread, so the
synchronous backend interfaces can fan out concurrently, the rate limiters span every batch, and
calling from code that already runs an event loop (notebooks, async hosts) works too.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from clio_dagster.llm.cache import ResponseCache, cache_key
from clio_dagster.llm.prompting import Prompt, estimate_tokens
from clio_dagster.llm.transports import (
    AnthropicTransport,
    LiteLLMTransport,
    LLMCallError,
    Reply,
    StructuredMode,
    TransientLLMError,
    Transport,
)
from clio_dagster.llm.usage import UsageStats

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")
Provider = Literal["anthropic", "litellm"]


@dataclass(frozen=True)
class LLMOptions:
    """Client knobs beyond :class:`~clio_dagster.config.Settings`: limits, retries and sampling."""

    max_concurrency: int = 16
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    timeout_s: float = 60.0
    max_retries: int = 6  # per request, on 429 / 5xx / timeouts / connection errors
    max_reasks: int = 2  # per answer, on output that fails validation
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    max_output_tokens: int = 1024
    temperatures: dict[str, float | None] = field(  # None: the provider's default
        default_factory=lambda: {"facets": 0.2, "naming": 0.5, "hierarchy": 0.3, "audit": 0.0}
    )
    api_key: str | None = None
    structured_mode: StructuredMode = "auto"
    seed: int = 0


@cache
def _schema(answer: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of an answer model (computed once per class: it is costly and constant)."""
    return answer.model_json_schema()


class _LoopThread:
    """An event loop running forever in a daemon thread; coroutines are submitted to it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="clio-llm-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, R]) -> R:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


class StructuredLLM:
    """Ask a provider for an answer matching a pydantic model; every backend role shares one instance."""

    def __init__(
        self,
        provider: Provider,
        *,
        options: LLMOptions,
        cache: ResponseCache,
        api_base: str | None = None,
        usage: UsageStats | None = None,
    ):
        self.provider, self.options, self.cache, self.api_base = provider, options, cache, api_base
        self.usage = usage or UsageStats()
        self._rng = random.Random(options.seed)  # backoff jitter
        self._loop: _LoopThread | None = None
        self._transport: Transport | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._rpm: Any = None
        self._tpm: Any = None
        self._inflight: dict[str, asyncio.Future[Any]] = {}

    # ---- running coroutines from synchronous code ---------------------------------------------

    def run(self, coro: Coroutine[Any, Any, R]) -> R:
        """Run a coroutine on this client's loop and wait for its result."""
        if self._loop is None:
            self._loop = _LoopThread()
        return self._loop.run(coro)

    def map(self, fn: Callable[[Any], Awaitable[R]], items: Sequence[Any]) -> list[R | BaseException]:
        """``fn`` over every item concurrently (bounded by the limits); exceptions returned in place."""

        async def fan_out() -> list[R | BaseException]:
            return await asyncio.gather(*(fn(item) for item in items), return_exceptions=True)

        results = self.run(fan_out())
        self.cache.flush()  # one commit for the batch's answers, and other processes see them now
        return results

    def close(self) -> None:
        if self._loop is not None:
            if self._transport is not None:
                self._loop.run(self._transport.aclose())
            self._loop.stop()
            self._loop = self._transport = None

    # ---- one structured answer ----------------------------------------------------------------

    async def ask(
        self,
        *,
        role: str,
        model: str,
        prompt: Prompt,
        values: dict[str, object],
        answer: type[T],
        temperature: float | None = None,
    ) -> T:
        """The validated answer, from the cache or the provider; raises LLMCallError when it gives up."""
        system, user = prompt.render(**values)
        schema = _schema(answer)
        temp = self.options.temperatures.get(role, 0.0) if temperature is None else temperature
        key = cache_key(
            provider=self.provider,
            model=model,
            prompt=prompt.key,
            system=system,
            messages=[user],
            schema=schema,
            temperature=temp,
            max_tokens=self.options.max_output_tokens,
        )
        cached = self.cache.get(key)
        if cached is not None:
            try:
                result = answer.model_validate(cached)
                self.usage.record("cache_hit", role)
                return result
            except ValidationError:
                pass  # the model class changed shape without a prompt version bump: ask again
        # Identical requests in flight (e.g. duplicate conversations) share one call.
        shared = self._inflight.get(key)
        if shared is not None:
            self.usage.record("cache_hit", role)
            return await asyncio.shield(shared)
        task = asyncio.ensure_future(self._answer(key, role, model, prompt.key, system, user, answer, temp))
        self._inflight[key] = task
        task.add_done_callback(lambda _: self._inflight.pop(key, None))
        return await asyncio.shield(task)

    async def _answer(
        self,
        key: str,
        role: str,
        model: str,
        prompt_key: str,
        system: str,
        user: str,
        answer: type[T],
        temp: float | None,
    ) -> T:
        """Ask, validate and re-ask with the validation error (bounded); cache the valid answer."""
        schema = _schema(answer)
        messages = [{"role": "user", "content": user}]
        attempts, error = 0, ""
        for round_ in range(self.options.max_reasks + 1):
            reply, spent = await self._request(role, model, system, messages, answer.__name__, schema, temp)
            attempts += spent
            try:
                if reply.data is None:
                    raise ValueError(f"the answer was not a JSON object: {reply.raw[:200]!r}")
                result = answer.model_validate(reply.data)
            except (ValidationError, ValueError) as exc:
                error = str(exc)[:800]
                if round_ < self.options.max_reasks:
                    self.usage.record("reasks")
                    messages = [
                        *messages,
                        {"role": "assistant", "content": reply.raw or "(empty answer)"},
                        {
                            "role": "user",
                            "content": f"That answer does not match the required schema: "
                            f"{error}\nAnswer again with a complete, corrected record.",
                        },
                    ]
                continue
            self.cache.put(
                key,
                result.model_dump(mode="json"),
                prompt=prompt_key,
                model=model,
                tokens=(reply.input_tokens, reply.output_tokens),
            )
            return result
        raise LLMCallError(
            f"invalid structured output after {self.options.max_reasks + 1} answers: {error}", attempts
        )

    async def _request(
        self,
        role: str,
        model: str,
        system: str,
        messages: list[dict[str, str]],
        name: str,
        schema: dict[str, Any],
        temperature: float | None,
    ) -> tuple[Reply, int]:
        """One answer with retries on transient errors; returns it with the number of requests spent."""
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(TransientLLMError),
            stop=stop_after_attempt(self.options.max_retries + 1),
            wait=self._backoff,
            before_sleep=lambda _: self.usage.record("retries"),
            reraise=True,
        )
        attempts = 0
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    reply = await self._send(role, model, system, messages, name, schema, temperature)
        except TransientLLMError as exc:
            raise LLMCallError(f"gave up after {attempts} attempts: {exc}", attempts) from exc
        except LLMCallError as exc:
            exc.attempts = attempts
            raise
        return reply, attempts

    def _backoff(self, state: RetryCallState) -> float:
        """Exponential backoff with full jitter; a server's retry-after is honoured as a floor."""
        exc = state.outcome.exception() if state.outcome else None
        base = min(
            self.options.backoff_max_s, self.options.backoff_initial_s * 2 ** (state.attempt_number - 1)
        )
        wait = base * (0.5 + self._rng.random() / 2)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            wait = max(min(retry_after, self.options.backoff_max_s), wait / 4)
        return wait

    async def _send(
        self,
        role: str,
        model: str,
        system: str,
        messages: list[dict[str, str]],
        name: str,
        schema: dict[str, Any],
        temperature: float | None,
    ) -> Reply:
        transport = self._ensure_transport()
        if self._rpm is not None:
            await self._rpm.acquire()
        if self._tpm is not None:
            need = estimate_tokens(system) + sum(estimate_tokens(m["content"]) for m in messages)
            await self._tpm.acquire(min(need, self._tpm.max_rate))
        assert self._semaphore is not None
        async with self._semaphore:  # held only while a request is on the wire, never while backing off
            start = time.perf_counter()
            try:
                async with asyncio.timeout(self.options.timeout_s):
                    reply = await transport.complete(
                        model=model,
                        system=system,
                        messages=messages,
                        schema_name=name,
                        schema=schema,
                        temperature=temperature,
                        max_tokens=self.options.max_output_tokens,
                    )
            except TimeoutError as exc:
                self.usage.record_call(role, model, time.perf_counter() - start, None)
                raise TransientLLMError(f"no answer within {self.options.timeout_s} s") from exc
            except (TransientLLMError, LLMCallError):
                self.usage.record_call(role, model, time.perf_counter() - start, None)
                raise
        self.usage.record_call(
            role, model, time.perf_counter() - start, (reply.input_tokens, reply.output_tokens)
        )
        return reply

    def _ensure_transport(self) -> Transport:
        """Create the transport and limiters on first use, inside the loop that will use them."""
        if self._transport is None:
            from aiolimiter import AsyncLimiter

            opts = self.options
            self._semaphore = asyncio.Semaphore(opts.max_concurrency)
            # Buckets span a second (requests) or ten seconds (tokens), not a minute, so a budget is
            # spread over the minute instead of being spent in one burst that trips the provider's limit.
            rpm, tpm = opts.requests_per_minute, opts.tokens_per_minute
            if rpm:
                self._rpm = AsyncLimiter(rpm / 60, 1) if rpm >= 60 else AsyncLimiter(1, 60 / rpm)
            if tpm:
                self._tpm = AsyncLimiter(tpm / 6, 10)
            if self.provider == "anthropic":
                self._transport = AnthropicTransport(
                    api_key=opts.api_key, base_url=self.api_base, timeout=opts.timeout_s
                )
            else:
                self._transport = LiteLLMTransport(
                    api_key=opts.api_key,
                    api_base=self.api_base,
                    timeout=opts.timeout_s,
                    mode=opts.structured_mode,
                )
        return self._transport
