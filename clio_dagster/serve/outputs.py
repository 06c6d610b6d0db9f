"""Reading the pipeline's output files for the web views, never a path built from unchecked input.

A date from a URL must be a real calendar date in ``YYYY-MM-DD`` form before any path is made,
and every resolved path must stay inside its zone of the home. Raw conversations are never read.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import polars as pl

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PUBLIC_FILES = {
    "hierarchy": "hierarchy.json",
    "report": "report.md",
    "disagreement": "disagreement.json",
    "languages": "languages.json",
}
# The T&S views and the only restricted files they read; facets, assignments and conversations
# are deliberately absent.
RESTRICTED_FILES = {
    "coordinated": "coordinated.parquet",
    "disagreement": "disagreement.json",
    "language-rates": "language_rates.parquet",
    "facet-failures": "facet_failures.parquet",
}
_FAILURE_TEXT_CHARS = 160


class BadRequest(ValueError):
    """Input that names no file: the caller answers 400 without echoing it."""


class Missing(LookupError):
    """A well-formed request for an output that does not exist: 404."""


def valid_day(text: str) -> str:
    if not DATE_PATTERN.match(text):
        raise BadRequest("the date must be YYYY-MM-DD")
    try:
        date.fromisoformat(text)
    except ValueError as error:
        raise BadRequest("the date is not a calendar date") from error
    return text


class Outputs:
    def __init__(self, home: Path) -> None:
        self.home = home.resolve()
        self.public = self.home / "public"
        self.restricted = self.home / "restricted"

    def _inside(self, zone: Path, day: str, filename: str) -> Path:
        path = (zone / valid_day(day) / filename).resolve()
        if not path.is_relative_to(zone):
            raise BadRequest("the path leaves its zone")
        if not path.is_file():
            raise Missing(f"no {filename} for {day}")
        return path

    def days(self) -> list[str]:
        """Dates with a published hierarchy, oldest first."""
        if not self.public.is_dir():
            return []
        return sorted(
            p.name
            for p in self.public.iterdir()
            if DATE_PATTERN.match(p.name) and (p / "hierarchy.json").is_file()
        )

    def explorer(self) -> Path:
        path = self.public / "explorer.html"
        if not path.is_file():
            raise Missing("no explorer yet: run the pipeline first")
        return path

    def public_text(self, day: str, view: str) -> str:
        if view not in PUBLIC_FILES:
            raise Missing(f"no public view {view!r}")
        return self._inside(self.public, day, PUBLIC_FILES[view]).read_text(encoding="utf-8")

    def public_json(self, day: str, view: str) -> dict:
        return json.loads(self.public_text(day, view))

    def restricted_view(self, day: str, view: str) -> dict | list:
        """One trust-and-safety view as JSON-ready data (``language_rates`` works as ``language-rates``)."""
        view = view.replace("_", "-")
        if view not in RESTRICTED_FILES:
            raise Missing(f"no restricted view {view!r}")
        path = self._inside(self.restricted, day, RESTRICTED_FILES[view])
        if view == "disagreement":
            return json.loads(path.read_text(encoding="utf-8"))
        frame = pl.read_parquet(path)
        if view == "coordinated":
            return coordinated_groups(frame)
        if view == "facet-failures":
            return failure_summary(frame)
        return frame.sort(["node_id", "language"]).to_dicts()


def coordinated_groups(accounts: pl.DataFrame) -> list[dict]:
    """One item per group, largest first: its accounts with their counts, the pattern and template words."""
    groups = []
    for (group_id,), rows in accounts.sort("group_id").group_by(["group_id"], maintain_order=True):
        first = rows.row(0, named=True)
        groups.append(
            {
                "group_id": int(group_id),
                "accounts": int(first["group_accounts"]),
                "conversations": int(first["group_conversations"]),
                "payload_words": first["payload_words"],
                "template_words": first["template_words"],
                "hour_histogram": list(first["hour_histogram"]),
                "peak_hour_share": first["peak_hour_share"],
                "burstiness": first["burstiness"],
                "first_seen": rows["first_seen"].min().isoformat(),
                "last_seen": rows["last_seen"].max().isoformat(),
                "members": [
                    {
                        "user_id": r["user_id"],
                        "conversations": int(r["conversation_count"]),
                        "active_days": int(r["active_days"]),
                    }
                    for r in rows.sort("conversation_count", descending=True).iter_rows(named=True)
                ],
            }
        )
    return sorted(groups, key=lambda g: (-g["conversations"], g["group_id"]))


def failure_summary(failures: pl.DataFrame) -> list[dict]:
    """Failures counted by stage and error, without conversation ids: an error may quote a reply."""
    if failures.is_empty():
        return []
    summary = (
        failures.with_columns(pl.col("error").str.split("\n").list.first().str.slice(0, _FAILURE_TEXT_CHARS))
        .group_by(["stage", "error"])
        .agg(pl.len().alias("conversations"), pl.col("attempts").max().alias("max_attempts"))
        .sort(["conversations", "stage", "error"], descending=[True, False, False])
    )
    return summary.to_dicts()
