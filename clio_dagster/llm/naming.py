"""Cluster naming, hierarchy steps and the privacy audit with an LLM (DESIGN §1.4–1.6, §4.4)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from pydantic import BaseModel, Field, create_model, model_validator

from clio_dagster.core.interfaces import ClusterGroups
from clio_dagster.llm.client import StructuredLLM
from clio_dagster.llm.prompting import load_prompt, render_items
from clio_dagster.schema import FACET_FAILURES_SCHEMA, ClusterName


class LLMStageError(RuntimeError):
    """Some items of a non-per-conversation stage failed after retries; the rest are cached."""


class Categories(BaseModel):
    """Several candidate categories."""

    categories: list[ClusterName] = Field(min_length=1)


class AuditScore(BaseModel):
    index: int = Field(ge=0, description="the number of the text")
    score: int = Field(ge=1, le=5, description="5 = nothing private ... 1 = identifies someone")
    reason: str


class _AuditBatch(BaseModel):
    scores: list[AuditScore]

    @model_validator(mode="after")
    def _one_per_text(self) -> _AuditBatch:
        if sorted(s.index for s in self.scores) != list(range(len(self.scores))):
            raise ValueError("give exactly one entry for each numbered text, numbered from 0")
        return self


def _audit_model(n: int) -> type[BaseModel]:
    return create_model(
        "audit", __base__=_AuditBatch, scores=(list[AuditScore], Field(min_length=n, max_length=n))
    )


def _choice_model(n: int) -> type[BaseModel]:
    return create_model(
        "choice",
        choice=(int, Field(ge=0, le=n - 1, description="number of the best-fitting category")),
        reason=(str, Field(description="one sentence")),
    )


def _named(name: ClusterName) -> str:
    return f"{name.title}: {name.description}"


class _FailureLog:
    """Per-item failures of one stage, in the FACET_FAILURES_SCHEMA shape (id = item label)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def check(self, llm: StructuredLLM, stage: str, labels: Sequence[str], results: Sequence[Any]) -> None:
        failed = [
            (label, r) for label, r in zip(labels, results, strict=True) if isinstance(r, BaseException)
        ]
        for label, exc in failed:
            self.rows.append(
                {
                    "conversation_id": label,
                    "stage": stage,
                    "error": f"{type(exc).__name__}: {exc}"[:1000],
                    "attempts": getattr(exc, "attempts", 1),
                }
            )
            llm.usage.record("failures")
        if failed and stage != "audit":
            raise LLMStageError(
                f"{stage}: {len(failed)} of {len(labels)} calls failed, first: {failed[0][1]}"
            )

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows, schema=FACET_FAILURES_SCHEMA)


class LLMClusterNamer:
    """Names each cluster from up to ``examples`` of its requests, contrasted with the nearest clusters."""

    def __init__(
        self,
        llm: StructuredLLM,
        model: str,
        *,
        examples: int = 50,
        max_chars: int = 300,
        temperature: float | None = None,
        log: _FailureLog | None = None,
    ):
        self.llm, self.model, self.examples, self.max_chars = llm, model, examples, max_chars
        self.temperature, self.log = temperature, log or _FailureLog()
        self.prompt = load_prompt("cluster_name")

    def contrastive_examples(self, groups: ClusterGroups, cluster: int) -> tuple[list[str], list[str]]:
        """(inside, outside) samples for one cluster; outside comes from the nearest clusters first."""
        rng = np.random.default_rng([groups.seed, cluster])
        labels = np.asarray(groups.labels)
        texts = [t[: self.max_chars] for t in groups.texts]
        inside_idx = np.flatnonzero(labels == cluster)
        take = rng.permutation(inside_idx)[: self.examples]
        order = np.argsort(
            -(np.asarray(groups.centroids) @ np.asarray(groups.centroids)[cluster]), kind="stable"
        )
        outside: list[int] = []
        for other in order:
            if other == cluster:
                continue
            members = rng.permutation(np.flatnonzero(labels == other))
            outside.extend(members[: self.examples - len(outside)].tolist())
            if len(outside) >= self.examples:
                break
        return [texts[i] for i in sorted(take)], [texts[i] for i in outside]

    def name_clusters(self, groups: ClusterGroups) -> list[ClusterName]:
        clusters = list(range(len(groups.centroids)))

        async def one(cluster: int) -> ClusterName:
            inside, outside = self.contrastive_examples(groups, cluster)
            return await self.llm.ask(
                role="naming",
                model=self.model,
                prompt=self.prompt,
                answer=ClusterName,
                values={"inside": render_items(inside), "outside": render_items(outside)},
                temperature=self.temperature,
            )

        results = self.llm.map(one, clusters)
        self.log.check(self.llm, "naming", [f"cluster:{c}" for c in clusters], results)
        return list(results)  # type: ignore[arg-type]


class LLMHierarchyNamer:
    """HierarchyNamer: propose, deduplicate, assign (options shuffled) and rename, plus batch forms."""

    def __init__(
        self,
        llm: StructuredLLM,
        model: str,
        *,
        temperature: float | None = None,
        log: _FailureLog | None = None,
    ):
        self.llm, self.model, self.temperature, self.log = llm, model, temperature, log or _FailureLog()
        self.prompts = {p: load_prompt(f"hierarchy_{p}") for p in ("propose", "dedup", "assign", "rename")}

    async def _ask(self, step: str, answer: type[BaseModel], values: dict[str, object]) -> Any:
        return await self.llm.ask(
            role="hierarchy",
            model=self.model,
            prompt=self.prompts[step],
            values=values,
            answer=answer,
            temperature=self.temperature,
        )

    def _run(self, step: str, calls: list[Any]) -> list[Any]:
        results = self.llm.map(lambda call: call, calls)
        self.log.check(self.llm, f"hierarchy_{step}", [f"{step}:{i}" for i in range(len(calls))], results)
        return results

    def propose_all(
        self,
        neighbourhoods: Sequence[tuple[Sequence[ClusterName], Sequence[ClusterName], int]],
    ) -> list[list[ClusterName]]:
        """Candidate parents for each (children, nearby outside, n_parents) neighbourhood, concurrently."""
        calls = [
            self._ask(
                "propose",
                Categories,
                {
                    "children": render_items([_named(c) for c in kids]),
                    "nearby": render_items([_named(c) for c in near]),
                    "n_parents": n,
                },
            )
            for kids, near, n in neighbourhoods
        ]
        return [r.categories for r in self._run("propose", calls)]

    def propose(
        self, children: Sequence[ClusterName], nearby: Sequence[ClusterName], n_parents: int
    ) -> list[ClusterName]:
        return self.propose_all([(children, nearby, n_parents)])[0]

    def deduplicate(self, candidates: Sequence[ClusterName], n_parents: int) -> list[ClusterName]:
        values = {"candidates": render_items([_named(c) for c in candidates]), "n_parents": n_parents}
        return self._run("dedup", [self._ask("dedup", Categories, values)])[0].categories

    def assign_all(
        self, children: Sequence[ClusterName], candidates: Sequence[ClusterName], seed: int
    ) -> list[int]:
        """Index into ``candidates`` for each child; each child sees the options in its own shuffled order."""
        answer = _choice_model(len(candidates))
        orders, calls = [], []
        for i, child in enumerate(children):
            order = list(range(len(candidates)))
            random.Random(f"{seed}:{i}").shuffle(order)
            orders.append(order)
            options = render_items([_named(candidates[j]) for j in order], numbered=True)
            calls.append(self._ask("assign", answer, {"child": _named(child), "candidates": options}))
        return [order[r.choice] for order, r in zip(orders, self._run("assign", calls), strict=True)]

    def assign(self, child: ClusterName, candidates: Sequence[ClusterName], seed: int) -> int:
        return self.assign_all([child], candidates, seed)[0]

    def rename_all(self, groups: Sequence[Sequence[ClusterName]]) -> list[ClusterName]:
        """A name for each parent from the children it actually received, concurrently."""
        calls = [
            self._ask("rename", ClusterName, {"children": render_items([_named(c) for c in kids])})
            for kids in groups
        ]
        return self._run("rename", calls)

    def rename(self, children: Sequence[ClusterName]) -> ClusterName:
        return self.rename_all([children])[0]


class LLMAuditor:
    """Auditor: a 1–5 privacy score per public text, ``batch_size`` texts per call.

    A text whose audit failed scores 1 (fail closed: it is regenerated or withheld) and is logged.
    """

    def __init__(
        self,
        llm: StructuredLLM,
        model: str,
        *,
        batch_size: int = 10,
        temperature: float | None = None,
        log: _FailureLog | None = None,
    ):
        self.llm, self.model, self.batch_size = llm, model, batch_size
        self.temperature, self.log = temperature, log or _FailureLog()
        self.prompt = load_prompt("audit")

    def audit(self, texts: Sequence[str]) -> list[int | None]:
        batches = [list(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]

        async def one(batch: list[str]) -> list[int]:
            values = {"texts": render_items(batch, numbered=True), "count": len(batch)}
            answer = await self.llm.ask(
                role="audit",
                model=self.model,
                prompt=self.prompt,
                values=values,
                answer=_audit_model(len(batch)),
                temperature=self.temperature,
            )
            return [s.score for s in sorted(answer.scores, key=lambda s: s.index)]

        results = self.llm.map(one, batches)
        self.log.check(self.llm, "audit", [f"audit_batch:{i}" for i in range(len(batches))], results)
        scores: list[int | None] = []
        for batch, result in zip(batches, results, strict=True):
            scores.extend([1] * len(batch) if isinstance(result, BaseException) else result)
        return scores
