"""The one gate at the door of ``public/`` (DESIGN §4.6).

Every public file is written by :class:`PublicWriter`, which first re-verifies every privacy rule on
the exact bytes it is about to write: thresholds and parents of every node, PII, verbatim runs of
raw conversations, user and conversation ids, and audit scores. One violation in any file of a
batch and nothing of the batch is written: :class:`PublicationBlocked` is raised instead.

The checks read the bytes, not the objects they were rendered from, so they hold for any file:
JSON (``hierarchy.json``, ``disagreement.json``, ``languages.json``), the markdown report and the
HTML explorer (its embedded JSON data). A file of any other kind is refused until it has a reader
here: a new public file cannot slip past the gate by being new.

The screen before publication (``screen.py``) judges node texts with :func:`judge_texts`, the same
function the gate applies to every public string, with the same scanner, so a text the screen
passed is never failed here: the gate fails only on a genuine bug or tampering.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from clio_dagster.core.privacy.checks import PublicString, Scanner, Violation
from clio_dagster.core.privacy.verbatim import find_runs, normalise_words

DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EXPLORER_DATA = re.compile(r'<script type="application/json" id="clio-data">(.*?)</script>', re.S)
FIELD_NAME = re.compile(r"^[a-z_]{1,40}$")
PUBLIC_FILE_MODE = 0o644
PUBLIC_DIR_MODE = 0o755


@dataclass(frozen=True)
class PublicationRules:
    """The bars every public file must clear."""

    min_unique_users: int
    min_conversations: int
    min_audit_score: int = 4
    verbatim_words: int = 8


@dataclass(frozen=True)
class Evidence:
    """What the restricted zone knows about the days being published, for the checks that compare
    public text with private data: every user and conversation id, and the raw conversations
    (a callable, so the day's text is streamed once, only when there is public text to compare)."""

    identifiers: Collection[str] = frozenset()
    raw_texts: Callable[[], Iterable[str]] = lambda: ()


@dataclass(frozen=True)
class TextFinding:
    """A span of a public text that must not be published; never carries the text itself."""

    entity_type: str  # a PII entity type, "VERBATIM" or "IDENTIFIER"
    start: int
    end: int


VERBATIM, IDENTIFIER = "VERBATIM", "IDENTIFIER"


class PublicationBlocked(RuntimeError):
    """The gate refused a batch of public files; nothing of it was written."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = list(violations)
        listed = [f"{v.check}: {v.node_id + ': ' if v.node_id else ''}{v.reason}" for v in violations[:10]]
        more = f" (+{len(violations) - 10} more)" if len(violations) > 10 else ""
        super().__init__("publication blocked, nothing written to public/: " + "; ".join(listed) + more)


# ---- judging public strings (shared with the screen) ------------------------------------------------


def judge_texts(
    texts: Sequence[str],
    *,
    scanner: Scanner,
    evidence: Evidence,
    verbatim_words: int = 8,
    juxtaposed: Sequence[int] = (),
) -> list[list[TextFinding]]:
    """Everything wrong with each text, judged alone: the scanner's findings (PII), runs of
    ``verbatim_words`` words of a raw conversation, and user or conversation ids.

    ``juxtaposed``: indices of texts a page may list one right after another in any order (the
    explorer's node texts). A raw run that starts in the last words of one and ends in the first
    words of another is a finding on the first, over those last words.
    """
    found = [[TextFinding(f.entity_type, f.start, f.end) for f in per_text] for per_text in scanner(texts)]
    leaks, junctions = find_runs(texts, evidence.raw_texts(), n_words=verbatim_words, juxtaposed=juxtaposed)
    for leak in leaks:
        start, end = word_span(texts[leak.public_index], leak.public_word_offset, leak.n_words)
        found[leak.public_index].append(TextFinding(VERBATIM, start, end))
    for junction in junctions:
        tail = texts[junction.tail_index]
        last = len(normalise_words(tail)) - junction.tail_words
        start, end = word_span(tail, last, junction.tail_words)
        found[junction.tail_index].append(TextFinding(VERBATIM, start, end))
    for index, start, end in find_identifiers(texts, evidence.identifiers):
        found[index].append(TextFinding(IDENTIFIER, start, end))
    return found


_WORD = re.compile(r"\w+")


def word_span(text: str, first_word: int, n_words: int) -> tuple[int, int]:
    """Character span of ``n_words`` words from word ``first_word`` (the whole text when the
    normalised words of the verbatim check do not line up with the raw ones)."""
    words = list(_WORD.finditer(text))
    if first_word + n_words > len(words):
        return 0, len(text)
    return words[first_word].start(), words[first_word + n_words - 1].end()


_ID_TOKEN = re.compile(r"[\w.@:+/#=-]+")
_ID_SPLIT = re.compile(r"[.:/@+#=]")


def find_identifiers(
    texts: Sequence[str], identifiers: Iterable[str], *, min_length: int = 4
) -> list[tuple[int, int, int]]:
    """(text index, start, end) of every token that is one of ``identifiers``.

    Ids are matched as whole tokens and as parts of dotted, slashed or @-joined tokens (URLs,
    emails); the ids are streamed once against the texts' tokens, so millions of ids cost one set
    lookup each. Ids shorter than ``min_length``, or all digits and shorter than 6, are skipped:
    they cannot be told apart from ordinary numbers and words.
    """
    spans: dict[str, list[tuple[int, int, int]]] = {}
    for index, text in enumerate(texts):
        for match in _ID_TOKEN.finditer(text):
            token = match.group()
            for candidate in {token, token.strip(".:-/#="), *_ID_SPLIT.split(token)}:
                spans.setdefault(candidate, []).append((index, match.start(), match.end()))
    found = []
    for identifier in identifiers:
        if len(identifier) < min_length or (identifier.isdigit() and len(identifier) < 6):
            continue
        found.extend(spans.get(identifier, ()))
    return sorted(set(found))


# ---- reading public files ---------------------------------------------------------------------------


@dataclass
class PublicDocument:
    """What the gate reads out of one public file's bytes."""

    name: str
    text: str
    strings: list[PublicString] = field(default_factory=list)
    # per date: the node records (lists of objects with an id) and the node ids other records cite
    nodes: dict[str | None, list[dict]] = field(default_factory=dict)
    references: dict[str | None, list[str]] = field(default_factory=dict)
    records: list[tuple[str | None, dict]] = field(default_factory=list)  # (node id, any JSON object)


def read_document(name: str, data: bytes) -> PublicDocument:
    """Parse one public file by its kind; refuse a kind the gate cannot read."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"public file {name} is not UTF-8 text") from error
    path = PurePosixPath(name)
    date = path.parts[0] if len(path.parts) > 1 and DATE_DIR.match(path.parts[0]) else None
    document = PublicDocument(name, text)
    if path.suffix == ".json":
        _walk(document, json.loads(text), date, None, "value")
    elif path.suffix == ".md":
        document.strings = markdown_strings(text, name)
    elif path.suffix == ".html":
        blocks = EXPLORER_DATA.findall(text)
        if len(blocks) != 1:
            raise ValueError(f"public page {name} must embed exactly one data block, found {len(blocks)}")
        _walk(document, json.loads(blocks[0]), date, None, "value")
    else:
        raise ValueError(
            f"the publication gate cannot read {name!r}: give core/privacy/gate.py a reader for "
            f"{path.suffix or 'extensionless'} files before publishing one"
        )
    return document


def _walk(document: PublicDocument, value: Any, date: str | None, node_id: str | None, label: str) -> None:
    """Collect strings (attributed to their node), node lists, node references and objects."""
    if isinstance(value, dict):
        if isinstance(value.get("date"), str) and isinstance(value.get("nodes"), list):
            date = value["date"]  # one day of the explorer's data, or a hierarchy
        if isinstance(value.get("id"), str):
            node_id = value["id"]
        if isinstance(value.get("node_id"), str):
            node_id = value["node_id"]
            document.references.setdefault(date, []).append(node_id)
        document.records.append((node_id, value))
        for key, item in value.items():
            document.strings.append(PublicString(node_id, f"{document.name} key", str(key)))
            # a key of data (a custom facet's value, say) never names the field in a reason
            _walk(document, item, date, node_id, key if FIELD_NAME.match(str(key)) else "value")
    elif isinstance(value, list):
        if value and all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in value):
            document.nodes.setdefault(date, []).extend(value)
        for item in value:
            _walk(document, item, date, node_id, label)
    elif isinstance(value, str):
        document.strings.append(PublicString(node_id, f"{document.name} {label}", value))


_TABLE_RULE = re.compile(r"^\|(\s*:?-+:?\s*\|)+$")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def markdown_strings(text: str, name: str = "report.md") -> list[PublicString]:
    """The text pieces of a markdown report, each as a reader sees it on its own: a heading, a
    paragraph line, or a table cell (markup and escapes removed)."""
    strings = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or _TABLE_RULE.match(line):
            continue
        if line.startswith("|"):
            pieces = _UNESCAPED_PIPE.split(line.strip("|"))
        else:
            pieces = [line.lstrip("#").strip() if line.startswith("#") else line]
        for piece in pieces:
            piece = piece.replace("\\|", "|").strip()
            if piece:
                strings.append(PublicString(None, f"{name} line {number}", piece))
    return strings


# ---- the checks on a batch of documents -------------------------------------------------------------

CHECKS = ("thresholds", "pii", "verbatim", "ids", "audit_scores")
_CHECK_OF_FINDING = {VERBATIM: "verbatim", IDENTIFIER: "ids"}


def verify_public_files(
    files: Mapping[str, bytes],
    *,
    rules: PublicationRules,
    evidence: Evidence,
    scanner: Scanner,
    checks: Collection[str] = CHECKS,
) -> list[Violation]:
    """Every violation of ``checks`` in a batch of public files (relative path -> exact bytes)."""
    documents = []
    for name, data in files.items():
        try:
            documents.append(read_document(name, data))
        except ValueError as error:  # unreadable means unverifiable: it does not go out
            return [Violation("format", str(error))]
    violations: list[Violation] = []
    if "thresholds" in checks:
        violations += _threshold_violations(documents, rules)
    if "audit_scores" in checks:
        violations += _audit_violations(documents, rules)
    text_checks = {"pii", "verbatim", "ids"} & set(checks)
    if text_checks:
        violations += _text_violations(documents, rules, evidence, scanner, text_checks)
    return violations


def _threshold_violations(documents: list[PublicDocument], rules: PublicationRules) -> list[Violation]:
    out = []
    published: dict[str | None, set[str]] = {}
    for document in documents:
        for date, nodes in document.nodes.items():
            ids = {n["id"] for n in nodes}
            published.setdefault(date, set()).update(ids)
            for node in nodes:
                if node.get("parent_id") is not None and node["parent_id"] not in ids:
                    out.append(
                        Violation("thresholds", f"parent node is not public ({document.name})", node["id"])
                    )
        for node_id, record in document.records:
            out += _record_threshold_violations(document.name, node_id, record, rules)
    for document in documents:
        for date, cited in document.references.items():
            for node_id in sorted(set(cited) - published.get(date, set())):
                out.append(
                    Violation("thresholds", f"{document.name} cites a node that is not published", node_id)
                )
    return out


def _record_threshold_violations(
    name: str, node_id: str | None, record: dict, rules: PublicationRules
) -> list[Violation]:
    out = []
    # counts of a node (an object with its own id or node_id); a day's totals are not a node's
    is_node = isinstance(record.get("id"), str) or isinstance(record.get("node_id"), str)
    for key, bar in (
        ("unique_users", rules.min_unique_users),
        ("conversation_count", rules.min_conversations),
    ):
        value = record.get(key) if is_node else None
        if isinstance(value, int | float) and not isinstance(value, bool) and value < bar:
            out.append(Violation("thresholds", f"{value} {key} < {bar} ({name})", node_id))
    for key, bar in (
        ("min_unique_users", rules.min_unique_users),
        ("min_conversations", rules.min_conversations),
    ):
        value = record.get(key)
        if isinstance(value, int | float) and value < bar:
            out.append(Violation("thresholds", f"{name} states {key} {value} below the configured {bar}"))
    return out


def _audit_violations(documents: list[PublicDocument], rules: PublicationRules) -> list[Violation]:
    return [
        Violation(
            "audit_scores", f"auditor score {score} < {rules.min_audit_score} ({document.name})", node_id
        )
        for document in documents
        for node_id, record in document.records
        if isinstance(score := record.get("audit_score"), int) and score < rules.min_audit_score
    ]


def _text_violations(
    documents: list[PublicDocument],
    rules: PublicationRules,
    evidence: Evidence,
    scanner: Scanner,
    checks: set[str],
) -> list[Violation]:
    """Each public string judged alone (as the screen judges it), plus each document's strings run
    together for verbatim runs and ids that span two strings (a title then its description)."""
    strings = [s for d in documents for s in d.strings]
    wholes = [PublicString(None, d.name, "\n".join(s.text for s in d.strings)) for d in documents]
    scan = scanner if "pii" in checks else _no_findings

    def strings_only(texts: Sequence[str]) -> list[list[Any]]:
        # the PII scanner judges strings alone (never a whole document, where context would change
        # its verdict); verbatim runs and ids are also sought across a document's strings
        return scan(texts[: len(strings)]) + [[] for _ in texts[len(strings) :]]

    found = judge_texts(
        [s.text for s in [*strings, *wholes]],
        scanner=strings_only,
        evidence=evidence if checks & {"verbatim", "ids"} else Evidence(),
        verbatim_words=rules.verbatim_words,
    )
    out: dict[tuple[str, str | None, str], Violation] = {}
    for string, findings in zip([*strings, *wholes], found, strict=True):
        for finding in findings:
            check = _CHECK_OF_FINDING.get(finding.entity_type, "pii")
            if check not in checks:
                continue
            reason = f"{finding.entity_type} in {string.field}"
            out.setdefault((check, string.node_id, reason), Violation(check, reason, string.node_id))
    return list(out.values())


def _no_findings(texts: Sequence[str]) -> list[list[Any]]:
    return [[] for _ in texts]


# ---- the writer -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicWriter:
    """The only way to write under ``public/``: verify a batch of files, then write all or none.

    Files are staged beside their targets and renamed into place once all are staged, so a reader
    never sees half a file and a planted symlink is replaced, not followed.
    """

    root: Path
    rules: PublicationRules
    scanner: Scanner

    def publish(self, files: Mapping[str, bytes], evidence: Evidence) -> list[Path]:
        """Write ``files`` (path relative to the public root -> bytes) if every check passes;
        otherwise raise :class:`PublicationBlocked` having written nothing."""
        targets = {name: self._target(name) for name in files}
        violations = verify_public_files(files, rules=self.rules, evidence=evidence, scanner=self.scanner)
        if violations:
            raise PublicationBlocked(violations)
        staged: list[tuple[Path, Path]] = []
        try:
            for name, data in files.items():
                target = targets[name]
                _public_dirs(self.root, target.parent)
                fd, temp = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.chmod(temp, PUBLIC_FILE_MODE)
                staged.append((Path(temp), target))
            for temp, target in staged:
                os.replace(temp, target)
        finally:
            for temp, _ in staged:
                temp.unlink(missing_ok=True)
        return list(targets.values())

    def _target(self, name: str) -> Path:
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise ValueError(f"public file name {name!r} must be a relative path inside public/")
        return Path(self.root, *relative.parts)


def _public_dirs(root: Path, directory: Path) -> None:
    """Create ``directory`` under ``root`` world-readable (public outputs are meant to be shared),
    refusing a symlink anywhere on the way."""
    root.mkdir(parents=True, exist_ok=True)
    current = root
    for part in directory.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            raise ValueError(f"{current} is a symlink; public files are written to real directories only")
        if not current.exists():
            current.mkdir(mode=PUBLIC_DIR_MODE)
