"""One structured-output request to a provider: Anthropic (official SDK, tool use) or litellm.

Transports make exactly one HTTP request per call (SDK retries off) and translate provider errors
into two kinds: :class:`TransientLLMError` (worth retrying) and :class:`LLMCallError` (not).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Literal, Protocol

StructuredMode = Literal["auto", "json_schema", "tools"]

# Providers that speak OpenAI's response_format json_schema (litellm translates the rest itself,
# or we fall back to a forced tool call).
_JSON_SCHEMA_PROVIDERS = {
    "openai",
    "azure",
    "hosted_vllm",
    "openai_like",
    "lm_studio",
    "llamafile",
    "ollama_chat",
}


class LLMCallError(Exception):
    """A request that will not succeed by retrying; ``attempts`` counts the HTTP requests spent."""

    def __init__(self, message: str, attempts: int = 1):
        super().__init__(message)
        self.attempts = attempts


class LLMRefusal(LLMCallError):
    """The model declined to answer."""


class TransientLLMError(Exception):
    """Rate limit, server error, timeout or lost connection: retry with backoff."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Reply:
    """A provider's answer: the parsed object (None if it was not JSON), its text, and token usage."""

    data: dict[str, Any] | None
    raw: str
    input_tokens: int
    output_tokens: int


class Transport(Protocol):
    async def complete(
        self,
        *,
        model: str,
        system: str,
        messages: list[dict[str, str]],
        schema_name: str,
        schema: dict[str, Any],
        temperature: float | None,
        max_tokens: int,
    ) -> Reply: ...

    async def aclose(self) -> None: ...


def _retry_after(headers: Any) -> float | None:
    if not headers:
        return None
    value = headers.get("retry-after") or headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to exponential backoff


def _parse_json(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


class AnthropicTransport:
    """Claude through the official SDK; the schema is a tool the model is forced to call."""

    def __init__(self, *, api_key: str | None, base_url: str | None, timeout: float):
        import anthropic

        # base_url None lets the SDK honour ANTHROPIC_BASE_URL; api_key None lets it read ANTHROPIC_API_KEY.
        # The SDK's aiohttp transport costs about half the client CPU per request of its default
        # httpx one under concurrency (bench/results/llmspeed.md); aiohttp keeps every idle connection.
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
            http_client=anthropic.DefaultAioHttpClient(timeout=timeout),
        )

    async def complete(
        self,
        *,
        model: str,
        system: str,
        messages: list[dict[str, str]],
        schema_name: str,
        schema: dict[str, Any],
        temperature: float | None,
        max_tokens: int,
    ) -> Reply:
        import anthropic

        tool = {
            "name": schema_name,
            "description": f"Record the {schema_name} answer.",
            "input_schema": schema,
        }
        # This SDK generation has no typed temperature argument; the Messages API still reads the field.
        extra = {"temperature": temperature} if temperature is not None else None
        try:
            # The raw response, read as JSON: building the SDK's typed Message cost ~0.15 ms of client
            # CPU per call, a tenth of the whole (bench/results/llmspeed.md); errors still raise.
            response = await self._client.messages.with_raw_response.create(
                model=model,
                system=system,
                messages=messages,
                max_tokens=max_tokens,
                extra_body=extra,
                tools=[tool],
                tool_choice={"type": "tool", "name": schema_name},
            )
            msg = response.http_response.json()
        except anthropic.APIStatusError as exc:
            if exc.status_code == 429 or exc.status_code >= 500 or exc.status_code == 408:
                raise TransientLLMError(
                    f"HTTP {exc.status_code}: {exc.message}", _retry_after(exc.response.headers)
                ) from exc
            raise LLMCallError(f"HTTP {exc.status_code}: {exc.message}") from exc
        except anthropic.APIConnectionError as exc:  # includes APITimeoutError
            raise TransientLLMError(f"{type(exc).__name__}: {exc}") from exc
        content = msg.get("content") or []
        texts = [str(block.get("text", "")) for block in content if block.get("type") == "text"]
        if msg.get("stop_reason") == "refusal":
            raise LLMRefusal("refusal: " + " ".join(texts)[:300])
        usage = msg.get("usage") or {}
        tokens = (int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0))
        for block in content:
            if block.get("type") == "tool_use":
                data = block.get("input")
                return Reply(data if isinstance(data, dict) else None, json.dumps(data), *tokens)
        raw = "".join(texts)
        return Reply(_parse_json(raw), raw, *tokens)

    async def aclose(self) -> None:
        await self._client.close()


class LiteLLMTransport:
    """Any litellm provider; OpenAI-style ``response_format`` json_schema, or a forced tool call."""

    def __init__(self, *, api_key: str | None, api_base: str | None, timeout: float, mode: StructuredMode):
        # litellm fetches its price map from the internet at import unless told not to (FACTS).
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.suppress_debug_info = True
        litellm.turn_off_message_logging = True  # conversation text must not reach logging callbacks
        self._litellm = litellm
        self._api_key, self._api_base, self._timeout, self._mode = api_key, api_base, timeout, mode

    def mode_for(self, model: str) -> Literal["json_schema", "tools"]:
        """The structured-output mechanism for a model: the configured one, or chosen per provider."""
        if self._mode != "auto":
            return self._mode
        try:
            _, provider, _, _ = self._litellm.get_llm_provider(model)
        except Exception:
            return "tools"
        if provider in _JSON_SCHEMA_PROVIDERS or self._litellm.supports_response_schema(model=model):
            return "json_schema"
        return "tools"

    async def complete(
        self,
        *,
        model: str,
        system: str,
        messages: list[dict[str, str]],
        schema_name: str,
        schema: dict[str, Any],
        temperature: float | None,
        max_tokens: int,
    ) -> Reply:
        import openai

        litellm = self._litellm
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": [{"role": "system", "content": system}, *messages],
            "max_tokens": max_tokens,
            "timeout": self._timeout,
            "api_base": self._api_base,
            "api_key": self._api_key,
            "num_retries": 0,
            "max_retries": 0,
        }
        if temperature is not None:
            kwargs["temperature"] = temperature
        if self.mode_for(model) == "json_schema":
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema, "strict": False},
            }
        else:
            function = {
                "name": schema_name,
                "description": f"Record the {schema_name} answer.",
                "parameters": schema,
            }
            kwargs["tools"] = [{"type": "function", "function": function}]
            kwargs["tool_choice"] = {"type": "function", "function": {"name": schema_name}}
        try:
            resp = await litellm.acompletion(**kwargs)
        except (litellm.RateLimitError, litellm.Timeout, openai.APIConnectionError) as exc:
            headers = getattr(exc, "headers", None) or getattr(
                getattr(exc, "response", None), "headers", None
            )
            raise TransientLLMError(f"{type(exc).__name__}: {exc}"[:500], _retry_after(headers)) from exc
        except openai.APIStatusError as exc:
            if exc.status_code == 429 or exc.status_code >= 500 or exc.status_code == 408:
                raise TransientLLMError(
                    f"HTTP {exc.status_code}: {exc}"[:500], _retry_after(exc.response.headers)
                ) from exc
            raise LLMCallError(f"HTTP {exc.status_code}: {exc}"[:500]) from exc
        message = resp.choices[0].message
        refusal = getattr(message, "refusal", None) or (message.provider_specific_fields or {}).get("refusal")
        if refusal:
            raise LLMRefusal(f"refusal: {refusal}"[:300])
        usage = getattr(resp, "usage", None)
        tokens = (getattr(usage, "prompt_tokens", 0) or 0, getattr(usage, "completion_tokens", 0) or 0)
        calls = message.tool_calls
        raw = (calls[0].function.arguments if calls else message.content) or ""
        return Reply(_parse_json(raw), raw, *tokens)

    async def aclose(self) -> None:
        return None  # litellm owns and reuses its HTTP clients
