"""Screening every text that will be public: the gate's judgement and the auditor's score, one
regeneration, else withhold.

Each node's title and description are judged by the gate's own function (``gate.judge_texts``):
the same strings, alone, with the same PII scanner, verbatim and identifier checks (plus, in the
asset, the rare-term layer), so a node the screen keeps is one the gate will pass. Node texts are
also judged as the explorer shows them, one node's after another's in an order fixed only later
(by the page, over every published day): a raw run across the end of one node's text and the
start of any other's is a finding on the first.

Works on the hierarchy before any statistics are computed, so a withheld node simply leaves the
tree: a withheld leaf's clusters join the suppressed ones; a withheld parent's children move up to
its own parent. Every remaining node therefore passed both screens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import polars as pl
import regex

from clio_dagster.core.interfaces import Auditor
from clio_dagster.core.privacy.gate import Evidence, TextFinding, judge_texts
from clio_dagster.schema import ClusterName, HierarchyNode


class Finding(Protocol):
    start: int
    end: int
    entity_type: str


Scanner = Callable[[Sequence[str]], list[list[Finding]]]
Regenerator = Callable[[HierarchyNode, Sequence[Finding]], ClusterName | None]


@dataclass
class ScreenResult:
    nodes: list[HierarchyNode]
    withheld: list[str] = field(default_factory=list)
    regenerated: list[str] = field(default_factory=list)
    withheld_clusters: list[int] = field(default_factory=list)
    findings_by_type: dict[str, int] = field(default_factory=dict)


def node_text(node: HierarchyNode | ClusterName) -> str:
    return f"{node.title}\n{node.description}"


def tidy(node: HierarchyNode) -> HierarchyNode:
    """Titles and descriptions on one line with single spaces, as every public file shows them
    (a report cell cannot hold a line break), so the screen judges exactly the published string."""
    return node.model_copy(
        update={"title": " ".join(node.title.split()), "description": " ".join(node.description.split())}
    )


def judge_nodes(
    nodes: Sequence[HierarchyNode],
    *,
    scan: Scanner,
    evidence: Evidence,
    verbatim_words: int = 8,
    beside: Sequence[HierarchyNode] = (),
) -> list[list[Finding]]:
    """Findings for each node, as spans of ``node_text(node)``.

    The title and the description are judged alone, exactly as the gate judges each public string
    (same function, same scanner), together, as the report shows a title above its description,
    and before every other node's text, as the explorer may list them. ``beside``: nodes judged
    already, whose texts the explorer may list next to these; findings follow them (a text of
    theirs that now runs into one of ``nodes``), but the scanner does not read them again.
    """
    texts = []
    for node in [*nodes, *beside]:
        texts += [node.title, node.description, node_text(node)]
    judged = 3 * len(nodes)

    def scan_judged(strings: Sequence[str]) -> list[list[Finding]]:
        return [*scan(strings[:judged]), *([] for _ in strings[judged:])]

    found = judge_texts(
        texts,
        scanner=scan_judged,
        evidence=evidence,
        verbatim_words=verbatim_words,
        juxtaposed=range(2, len(texts), 3),
    )
    per_node: list[list[Finding]] = []
    for i, node in enumerate([*nodes, *beside]):
        title, description, both = found[3 * i : 3 * i + 3]
        offset = len(node.title) + 1
        shifted = [TextFinding(f.entity_type, f.start + offset, f.end + offset) for f in description]
        # a span found alone and again in the joined text is one finding
        unique = {(f.entity_type, f.start, f.end): f for f in [*title, *shifted, *both]}
        per_node.append(list(unique.values()))
    return per_node


def _failures(
    nodes: Sequence[HierarchyNode],
    scan: Scanner,
    auditor: Auditor,
    evidence: Evidence,
    min_score: int,
    beside: Sequence[HierarchyNode] = (),
) -> tuple[list[list[Finding]], list[int | None], list[bool]]:
    """Findings, audit score and verdict for each of ``nodes``, then a finding list for each of
    ``beside`` (not audited again)."""
    if not nodes:
        return [], [], []
    findings = judge_nodes(nodes, scan=scan, evidence=evidence, beside=beside)
    scores = auditor.audit([node_text(n) for n in nodes])
    failed = [
        bool(f) or (s is not None and s < min_score)
        for f, s in zip(findings[: len(nodes)], scores, strict=True)
    ]
    return findings, scores, failed


# words a title cannot end with once what followed them is cut ("Get help with", "Tax help for")
_DANGLING = frozenset(
    {
        "about",
        "with",
        "for",
        "to",
        "of",
        "the",
        "a",
        "an",
        "and",
        "or",
        "in",
        "on",
        "at",
        "from",
        "by",
        "into",
    }
)


def redact_findings(node: HierarchyNode, findings: Sequence[Finding]) -> ClusterName | None:
    """Regenerate by dropping the flagged spans; None when no title is left.

    Spans index ``node_text(node)``: the title, a newline, then the description. A span across
    both (a verbatim run from the title's end into the description) is cut from each, never the
    newline between them. A title keeps what remains, less the words left dangling at its end,
    if at least half its words remain ("Get help with <name>" is no title); a description keeps
    only its sentences that lost nothing ("People ask about , X or ." tells a reader nothing).
    """
    title, description = node.title, node.description
    split = len(title) + 1
    title_cut = False
    for start, end in _merged_spans(findings):
        if end > split:
            cut_from = max(start, split) - split
            description = description[:cut_from] + "\0" + description[end - split :]
        if start < len(title):
            title = title[:start] + " " + title[min(end, len(title)) :]
            title_cut = True
    words = title.replace(" · ·", " ·").split()
    while title_cut and words and words[-1].lower().strip(" ·,") in _DANGLING:
        words.pop()
    title = " ".join(words).strip(" ·,")
    # a title that lost most of its words says what the cut took, not what the node is about
    if len(title) < 3 or (title_cut and 2 * len(words) < len(node.title.split())):
        return None
    kept = [s for s in _sentences(description) if "\0" not in s]
    return ClusterName(title=title, description=" ".join(" ".join(kept).split()) or "Description withheld.")


def _sentences(text: str) -> list[str]:
    return [s for s in regex.split(r"(?<=[.!?])\s+", text) if s.strip()]


def _merged_spans(findings: Sequence[Finding]) -> list[tuple[int, int]]:
    """Overlapping spans merged, last first (so cutting one leaves the earlier offsets valid)."""
    merged: list[list[int]] = []
    for finding in sorted(findings, key=lambda f: f.start):
        if merged and finding.start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], finding.end)
        else:
            merged.append([finding.start, finding.end])
    return [(start, end) for start, end in reversed(merged)]


def screen_hierarchy(
    nodes: Sequence[HierarchyNode],
    *,
    scan: Scanner,
    auditor: Auditor,
    regenerate: Regenerator,
    evidence: Evidence | None = None,
    min_audit_score: int = 4,
) -> ScreenResult:
    """Judge and audit each node's text; regenerate failures once; withhold what still fails.

    ``evidence`` (the day's ids and raw text) adds the gate's verbatim and identifier checks.
    """
    evidence = evidence or Evidence()
    nodes = [tidy(n) for n in nodes]
    findings, scores, failed = _failures(nodes, scan, auditor, evidence, min_audit_score)
    result = ScreenResult(nodes=[])
    for found in findings:
        for f in found:
            result.findings_by_type[f.entity_type] = result.findings_by_type.get(f.entity_type, 0) + 1
    kept: dict[str, HierarchyNode] = {}
    retries: list[tuple[HierarchyNode, HierarchyNode]] = []  # (failing node, its regeneration)
    for node, node_findings, score, bad in zip(nodes, findings, scores, failed, strict=True):
        if not bad:
            kept[node.id] = node.model_copy(update={"audit_score": score})
            continue
        renamed = regenerate(node, node_findings)
        if renamed is not None:
            update = {"title": renamed.title, "description": renamed.description}
            retries.append((node, tidy(node.model_copy(update=update))))
    # every regeneration judged in one pass (the day's raw text is streamed once more, not per
    # node), beside the nodes kept: in the explorer a new text may follow or precede a kept one
    kept_nodes = list(kept.values()) if retries else []
    findings, new_scores, still_bad = _failures(
        [r for _, r in retries], scan, auditor, evidence, min_audit_score, beside=kept_nodes
    )
    for node, found in zip(kept_nodes, findings[len(retries) :], strict=True):
        if found:  # clean alone, but a renamed node's new title continues it into a raw run
            del kept[node.id]
    for (node, renamed), score, bad in zip(retries, new_scores, still_bad, strict=True):
        if not bad:
            result.regenerated.append(node.id)
            kept[node.id] = renamed.model_copy(update={"audit_score": score})
    withheld = {n.id for n in nodes if n.id not in kept}
    for node in nodes:
        if node.id in withheld:
            result.withheld.append(node.id)
            if node.is_leaf:
                result.withheld_clusters += node.cluster_ids
    screened = [kept[n.id] for n in nodes if n.id in kept]
    result.nodes = _without(screened, {n.id: n.parent_id for n in nodes}, withheld)
    return result


def _without(
    nodes: list[HierarchyNode], parent_of: dict[str, str | None], withheld: set[str]
) -> list[HierarchyNode]:
    """Reattach children of withheld nodes to their nearest kept ancestor; recompute depths and members."""

    def kept_parent(node_id: str) -> str | None:
        parent = parent_of[node_id]
        while parent is not None and parent in withheld:
            parent = parent_of[parent]
        return parent

    relinked = {n.id: n.model_copy(update={"parent_id": kept_parent(n.id)}) for n in nodes}
    children: dict[str | None, list[str]] = {}
    for node in relinked.values():
        children.setdefault(node.parent_id, []).append(node.id)

    def members(node_id: str) -> list[int]:
        node = relinked[node_id]
        if node.is_leaf:
            return node.cluster_ids
        return sorted(c for child in children.get(node_id, []) for c in members(child))

    out: list[HierarchyNode] = []

    def walk(node_id: str, depth: int) -> None:
        node = relinked[node_id]
        cluster_ids = members(node_id)
        if not cluster_ids:  # a parent left without any leaf shows nothing
            return
        out.append(node.model_copy(update={"depth": depth, "cluster_ids": cluster_ids}))
        for child in children.get(node_id, []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    order = {n.id: i for i, n in enumerate(nodes)}
    return sorted(out, key=lambda n: (n.depth, order[n.id]))


@dataclass(frozen=True)
class RareTerm:
    """A word of a public text that few users wrote (see ``rare_term_scanner``)."""

    start: int
    end: int
    entity_type: str = "RARE_TERM"


# words, and runs of 4+ digits (postcodes, house and account numbers: the identifiers of a few people).
# The `regex` module, not `re`: like polars (which counts the words) it keeps combining marks inside a
# word, so a Devanagari name is one word here as when counting, not a run of single letters.
_WORD = regex.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|\d{4,}")
_IDENTIFIER = (
    r"\S*(?:@|://|www\.)\S*"
    r"|(?:[^\W\d_]+\s+){1,2}(?:at|\[at\]|\(at\))\s+[^\W\d_]+\s+(?:dot|\[dot\]|\(dot\))\s+[^\W\d_]+"
)


def rare_proper_terms(
    texts: Sequence[str], user_ids: Sequence[str], *, min_unique_users: int
) -> frozenset[str]:
    """Lower-cased words that 1 to ``min_unique_users - 1`` distinct users wrote, at least once
    capitalised inside a sentence, in a script without case, or inside an e-mail, URL or handle:
    the names, places and addresses of a few people. Capitals starting a sentence do not count.
    Numbers of 4 or more digits that few users wrote count too (postcodes, house numbers)."""
    frame = pl.DataFrame(
        {"user_id": list(user_ids), "text": list(texts)}, schema={"user_id": pl.Utf8, "text": pl.Utf8}
    )

    def words(text: pl.Expr) -> pl.DataFrame:
        found = (
            frame.select("user_id", text.str.extract_all(_WORD.pattern).alias("word"))
            .explode("word")
            .drop_nulls()
        )
        # runs of a script without spaces (Japanese, Chinese) are compared by character pairs
        long_caseless = (
            _caseless(pl.col("word"))
            & (pl.col("word").str.len_chars() > 2)
            & ~pl.col("word").str.contains(r"^\d+$")  # a number is compared whole
        )
        pairs = (
            found.filter(long_caseless)
            .with_columns(at=pl.int_ranges(0, pl.col("word").str.len_chars() - 1))
            .explode("at")
            .select("user_id", pl.col("word").str.slice(pl.col("at"), 2))
        )
        return pl.concat([found.filter(~long_caseless), pairs])

    users = (
        words(pl.col("text"))
        .group_by(key=pl.col("word").str.to_lowercase())
        .agg(users=pl.col("user_id").n_unique())
    )
    # a sentence-initial capital becomes "x", so only capitals inside sentences mark a name
    inside = pl.col("text").str.replace_all(r"(^|[.!?。！？:]\s+|\n\s*)\p{Lu}", "${1}x")
    word = pl.col("word")
    capitalised = (
        words(inside)
        # capitalised, or a script without case
        .filter((word != word.str.to_lowercase()) | _caseless(word))
        .select(key=word.str.to_lowercase())
    )
    # every word of an e-mail, URL or handle, written out or not ("jo smith at mail dot com")
    in_identifiers = words(pl.col("text").str.extract_all(_IDENTIFIER).list.join(" ")).select(
        key=word.str.to_lowercase()
    )
    named = pl.concat([capitalised, in_identifiers]).unique()
    rare = users.filter((pl.col("users") < min_unique_users) & (pl.col("key").str.len_chars() > 1)).join(
        named, on="key"
    )
    return frozenset(rare["key"].to_list())


def _caseless(word: pl.Expr) -> pl.Expr:
    return (word == word.str.to_uppercase()) & (word == word.str.to_lowercase())


def _is_rare(word: str, rare_terms: frozenset[str]) -> bool:
    key = word.lower()
    # no case (and not a number): compare character pairs, as when counting
    if len(key) > 2 and key == word.upper() and not key.isdigit():
        return any(key[i : i + 2] in rare_terms for i in range(len(key) - 1))
    return key in rare_terms


def rare_term_scanner(base: Scanner, rare_terms: frozenset[str]) -> Scanner:
    """``base``'s findings plus every word of a text that is one of ``rare_terms`` (for a script
    without case: any of its character pairs is).

    An LLM that copies a name from the few conversations that mention it (because an injection
    asked it to, or by mistake) is caught here even when the PII scanner does not know the name:
    the word is not k-anonymous in the partition's own text. Words the model brings itself (not
    in the data) and words many users wrote pass.
    """

    def scan(texts: Sequence[str]) -> list[list[Finding]]:
        found = base(texts)
        return [
            [
                *f,
                *(
                    RareTerm(m.start(), m.end())
                    for m in _WORD.finditer(text)
                    if _is_rare(m.group(), rare_terms)
                ),
            ]
            for f, text in zip(found, texts, strict=True)
        ]

    return scan
