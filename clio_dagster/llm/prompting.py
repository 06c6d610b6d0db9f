"""Versioned prompt files, token estimates, whole-turn truncation and delimited rendering of data."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template

_DATA_TAGS = (
    "conversation|user|assistant|system|inside_examples|outside_examples|children|nearby_outside"
    "|candidates|categories|child|text|item"
)
_TAG_RE = re.compile(rf"<(/?\s*(?:{_DATA_TAGS}))", re.I)


@dataclass(frozen=True)
class Prompt:
    """A prompt file: its name, version, and the system and user templates (``$name`` placeholders)."""

    name: str
    version: int
    system: Template
    user: Template

    @property
    def key(self) -> str:
        """What the response cache keys on: a new version invalidates exactly this prompt's answers."""
        return f"{self.name}@{self.version}"

    def render(self, **values: object) -> tuple[str, str]:
        """The system and user texts with every placeholder filled."""
        text = {k: str(v) for k, v in values.items()}
        return self.system.substitute(text).strip(), self.user.substitute(text).strip()


@cache
def load_prompt(name: str) -> Prompt:
    """Read ``prompts/<name>.md``: a ``version: N`` line, then ``## system`` and ``## user`` sections."""
    raw = resources.files("clio_dagster.llm").joinpath("prompts", f"{name}.md").read_text("utf-8")
    header, _, body = raw.partition("\n")
    match = re.fullmatch(r"version:\s*(\d+)", header.strip())
    if not match or "## system" not in body or "## user" not in body:
        raise ValueError(f"prompt file {name}.md needs a 'version: N' first line and ## system / ## user")
    system, _, user = body.split("## system", 1)[1].partition("## user")
    return Prompt(name, int(match.group(1)), Template(system), Template(user))


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: ~4 ASCII characters per token, one token per other character.

    Conservative for accented and CJK text, which real tokenizers split finely.
    """
    if text.isascii():
        return math.ceil(len(text) / 4)
    ascii_chars = sum(1 for ch in text if ord(ch) < 128)
    return math.ceil(ascii_chars / 4) + (len(text) - ascii_chars)


def _turn_tokens(message: Mapping[str, str]) -> int:
    return estimate_tokens(message.get("content") or "") + 4  # role tags and separators


def truncate_turns(messages: Sequence[Mapping[str, str]], max_tokens: int) -> list[dict[str, str]]:
    """The longest prefix of whole turns within ``max_tokens``.

    The first turn is always kept (it usually carries the request); if it alone exceeds the budget
    its text is cut to fit, since dropping it would leave nothing to summarise.
    """
    kept: list[dict[str, str]] = []
    used = 0
    for message in messages:
        cost = _turn_tokens(message)
        if used + cost > max_tokens:
            if not kept:
                kept.append({**message, "content": _cut(message.get("content") or "", max_tokens - 4)})
            break
        kept.append(dict(message))
        used += cost
    return kept


def _cut(text: str, max_tokens: int) -> str:
    lo, hi = 0, len(text)
    while lo < hi:  # binary search on length: estimate_tokens is monotone in the prefix length
        mid = (lo + hi + 1) // 2
        if estimate_tokens(text[:mid]) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


def neutralise(text: str) -> str:
    """Escape anything that looks like one of our data tags, so data cannot close its delimiter."""
    return _TAG_RE.sub(r"&lt;\1", text)


def render_conversation(messages: Sequence[Mapping[str, str]], omitted: int = 0) -> str:
    """Turns as ``<user>…</user>`` / ``<assistant>…</assistant>`` blocks, content escaped."""
    blocks = [f"<{m['role']}>\n{neutralise(m.get('content') or '')}\n</{m['role']}>" for m in messages]
    if omitted:
        blocks.append(f"[{omitted} later turns omitted for length]")
    return "\n".join(blocks)


def render_items(items: Sequence[str], numbered: bool = False) -> str:
    """One escaped item per line, optionally numbered from 0."""
    lines = [neutralise(item.replace("\n", " ")) for item in items]
    if numbered:
        return "\n".join(f"{i}. {line}" for i, line in enumerate(lines))
    return "\n".join(f"- {line}" for line in lines) or "(none)"
