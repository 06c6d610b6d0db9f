"""The privacy checks on a candidate public hierarchy: pure functions returning violations.

Blocking (ERROR) checks: thresholds on every node, PII in any public string, auditor scores
below the bar, verbatim runs from raw conversations, and ids in the public files. WARN checks:
the quarantine rate and the facet failure rate. A violation's ``reason`` names the node and the
kind of problem, never the offending text, so it can go to Dagster metadata and to on-call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from clio_dagster.core.privacy.pii import PIIFinding, scan_texts
from clio_dagster.core.privacy.verbatim import find_verbatim_runs
from clio_dagster.schema import PublicHierarchy

Severity = Literal["ERROR", "WARN"]
Scanner = Callable[[Sequence[str]], list[list[PIIFinding]]]


@dataclass(frozen=True)
class Violation:
    """One failed rule: which check, where (node id or file), and why, without private text."""

    check: str
    reason: str
    node_id: str | None = None
    severity: Severity = "ERROR"


@dataclass(frozen=True)
class PublicString:
    """A string that will be shown: the node (or document) it belongs to and the field."""

    node_id: str | None
    field: str
    text: str


def public_strings(hierarchy: PublicHierarchy, extra: Mapping[str, str] | None = None) -> list[PublicString]:
    """Every free-text string of the hierarchy (titles, descriptions), plus ``extra`` documents
    keyed by name (for example ``{"report.md": ...}``)."""
    strings = []
    for node in hierarchy.nodes:
        strings.append(PublicString(node.id, "title", node.title))
        strings.append(PublicString(node.id, "description", node.description))
    strings.extend(PublicString(None, name, text) for name, text in (extra or {}).items())
    return strings


def check_thresholds(
    hierarchy: PublicHierarchy, *, min_unique_users: int, min_conversations: int
) -> list[Violation]:
    """Every node, at every level, has enough distinct users and conversations, and its parent
    is itself public (a child of a withheld node would reveal the withheld node's existence)."""
    ids = {node.id for node in hierarchy.nodes}
    violations = []
    for node in hierarchy.nodes:
        if node.unique_users < min_unique_users:
            violations.append(
                Violation(
                    "thresholds",
                    f"{node.unique_users} distinct users < min_unique_users {min_unique_users}",
                    node.id,
                )
            )
        if node.conversation_count < min_conversations:
            violations.append(
                Violation(
                    "thresholds",
                    f"{node.conversation_count} conversations < min_conversations {min_conversations}",
                    node.id,
                )
            )
        if node.parent_id is not None and node.parent_id not in ids:
            violations.append(Violation("thresholds", "parent node is not public", node.id))
    if hierarchy.privacy.min_unique_users < min_unique_users or (
        hierarchy.privacy.min_conversations < min_conversations
    ):
        violations.append(Violation("thresholds", "hierarchy states thresholds below the configured ones"))
    return violations


def check_pii(
    hierarchy: PublicHierarchy, *, extra: Mapping[str, str] | None = None, scanner: Scanner = scan_texts
) -> list[Violation]:
    """No public string carries PII (names, emails, phones, cards, IBANs, IPs, addresses, URLs
    with user data)."""
    strings = public_strings(hierarchy, extra)
    findings = scanner([s.text for s in strings])
    violations = []
    for string, found in zip(strings, findings, strict=True):
        for kind in sorted({f.entity_type for f in found}):
            violations.append(Violation("pii", f"{kind} in {string.field}", string.node_id))
    return violations


def check_audit_scores(hierarchy: PublicHierarchy, *, min_score: int = 4) -> list[Violation]:
    """Every audited node scored at least ``min_score`` (5 = nothing private); nodes the
    backend could not audit (score None) are left to the other checks."""
    return [
        Violation("audit_scores", f"auditor score {node.audit_score} < {min_score}", node.id)
        for node in hierarchy.nodes
        if node.audit_score is not None and node.audit_score < min_score
    ]


def check_verbatim(
    hierarchy: PublicHierarchy,
    raw_texts: Iterable[str],
    *,
    n_words: int = 8,
    extra: Mapping[str, str] | None = None,
) -> list[Violation]:
    """No run of ``n_words`` consecutive words of any raw conversation appears in public text.

    ``raw_texts`` is streamed once (one string per message or per conversation).
    """
    strings = public_strings(hierarchy, extra)
    leaks = find_verbatim_runs([s.text for s in strings], raw_texts, n_words=n_words)
    return [
        Violation(
            "verbatim",
            f"{strings[leak.public_index].field} repeats {leak.n_words}+ consecutive words "
            f"of a raw conversation (from word {leak.public_word_offset})",
            strings[leak.public_index].node_id,
        )
        for leak in leaks
    ]


_ID_TOKEN = re.compile(r"[\w.@:+/#=-]+")
_SPLIT = re.compile(r"[.:/@+#=]")


def check_no_ids(documents: Mapping[str, str], ids: Iterable[str], *, min_length: int = 4) -> list[Violation]:
    """No user_id or conversation_id appears in any public document (name -> text).

    Ids are matched as whole tokens (and as parts of dotted, slashed or @-joined tokens, as in
    URLs and emails), so one pass over the documents and one set lookup per id scales to
    millions of ids. Ids shorter than ``min_length`` characters, or all digits and shorter
    than 6, are skipped: they cannot be told apart from ordinary numbers and words.
    """
    tokens: dict[str, str] = {}
    for name, text in documents.items():
        for token in _ID_TOKEN.findall(text):
            for candidate in (token, token.strip(".:-/#="), *_SPLIT.split(token)):
                tokens.setdefault(candidate, name)
    found: dict[str, int] = {}
    for identifier in ids:
        if len(identifier) < min_length or (identifier.isdigit() and len(identifier) < 6):
            continue
        if identifier in tokens:
            found[tokens[identifier]] = found.get(tokens[identifier], 0) + 1
    return [
        Violation("ids", f"{count} user or conversation ids appear in {name}")
        for name, count in found.items()
    ]


def check_quarantine_rate(quarantined: int, total_in: int, *, max_rate: float = 0.05) -> list[Violation]:
    """WARN when more than ``max_rate`` of the input records were quarantined."""
    return _rate_check("quarantine_rate", "input records quarantined", quarantined, total_in, max_rate)


def check_facet_failure_rate(failed: int, total: int, *, max_rate: float = 0.02) -> list[Violation]:
    """WARN when facet extraction failed for more than ``max_rate`` of the conversations."""
    return _rate_check("facet_failure_rate", "conversations without facets", failed, total, max_rate)


def _rate_check(check: str, what: str, bad: int, total: int, max_rate: float) -> list[Violation]:
    rate = bad / total if total else 0.0
    if rate <= max_rate:
        return []
    return [Violation(check, f"{rate:.1%} {what} ({bad} of {total}) > {max_rate:.1%}", severity="WARN")]
