"""Build ``public/explorer.html``: one self-contained page over every day's public hierarchy.

Only whitelisted fields of the public artefacts are embedded, so an unexpected field in a public
file (an id, a sample) never reaches the page; the page itself makes no request at view time.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from clio_dagster.core.privacy.gate import Evidence, PublicWriter
from clio_dagster.explorer.safe_read import ExplorerInputError, public_root, read_json
from clio_dagster.schema import PublicHierarchy

DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
RATIO_KEYS = ("ratio", "over_representation", "lift", "value")
EXPLORER_FILE = "explorer.html"


def build_explorer(
    writer: PublicWriter, evidence: Evidence | None = None, *, max_days: int | None = 90
) -> Path:
    """Write ``explorer.html`` under the writer's public root from the latest ``max_days`` date
    folders, through the publication gate; return its path."""
    page = render_explorer(writer.root, max_days=max_days)
    (path,) = writer.publish({EXPLORER_FILE: page.encode("utf-8")}, evidence or Evidence())
    return path


def render_explorer(public_dir: Path, *, max_days: int | None = 90) -> str:
    """The explorer page over the latest ``max_days`` days published under ``public_dir``."""
    if max_days is not None and max_days < 1:
        raise ValueError(f"max_days must be at least 1, not {max_days}")
    root = public_root(public_dir)
    dates = public_dates(root)
    days = [load_day(root, date) for date in dates[-max_days if max_days else 0 :]]
    return render_page({"dates": [day["date"] for day in days], **share_texts(days)})


def public_dates(root: Path) -> list[str]:
    """The dates under ``root`` that hold a ``hierarchy.json``, oldest first."""
    dates = []
    with os.scandir(root) as entries:
        for entry in entries:
            if not DATE_DIR.match(entry.name):
                continue
            if entry.is_symlink():
                raise ExplorerInputError(f"{root / entry.name} is a symlink; the explorer reads public/ only")
            if entry.is_dir(follow_symlinks=False) and os.path.lexists(Path(entry.path) / "hierarchy.json"):
                dates.append(entry.name)
    if not dates:
        raise ExplorerInputError(
            f"no <date>/hierarchy.json under {root}; run the public_hierarchy asset first"
        )
    return sorted(dates)


def load_day(root: Path, date: str) -> dict:
    """One day's embeddable data: hierarchy nodes, privacy summary, and the optional reports."""
    path = Path(date) / "hierarchy.json"
    try:
        hierarchy = PublicHierarchy.model_validate(read_json(root, path))
    except ValidationError as error:
        raise ExplorerInputError(
            f"{root / path} does not match the public hierarchy schema: {error}"
        ) from error
    check_structure(hierarchy, root / path)
    node_ids = {node.id for node in hierarchy.nodes}
    nodes = []
    for node in hierarchy.nodes:
        record = node.model_dump(exclude_none=True)
        record["share"] = round(node.share, 4)
        record["concerning_mean"] = round(node.concerning_mean, 4)
        record["languages"] = clean_shares(node.languages)
        if node.previous_share is not None:
            record["previous_share"] = rounded(node.previous_share)
        if node.custom:
            record["custom"] = {facet: clean_shares(values) for facet, values in node.custom.items()}
        nodes.append(record)
    day = {
        "date": hierarchy.date if hierarchy.date == date else date,
        "backend": hierarchy.backend,
        "model": hierarchy.model,
        "privacy": hierarchy.privacy.model_dump(),
        "total_conversations": hierarchy.total_conversations,
        "nodes": nodes,
    }
    disagreement = optional_json(root, Path(date) / "disagreement.json")
    if isinstance(disagreement, dict):
        day["disagreement"] = clean_disagreement(disagreement, node_ids)
    languages = optional_json(root, Path(date) / "languages.json")
    if languages is not None:
        day["language_ratios"] = clean_language_ratios(languages, node_ids)
    return day


def check_structure(hierarchy: PublicHierarchy, path: Path) -> None:
    """Refuse a hierarchy the page cannot draw: duplicate ids, dangling parents, depth jumps, NaNs.

    Depth falling by exactly one from child to parent also rules out cycles.
    """
    depth_of: dict[str, int] = {}
    for node in hierarchy.nodes:
        if node.id in depth_of:
            raise ExplorerInputError(f"{path}: node id {node.id!r} appears twice")
        depth_of[node.id] = node.depth
    for node in hierarchy.nodes:
        if node.parent_id is None:
            if node.depth != 0:
                raise ExplorerInputError(f"{path}: node {node.id!r} has no parent but depth {node.depth}")
        elif depth_of.get(node.parent_id) != node.depth - 1:
            raise ExplorerInputError(
                f"{path}: node {node.id!r} has a missing parent or one not a level above"
            )
        if not math.isfinite(node.concerning_mean):
            raise ExplorerInputError(f"{path}: node {node.id!r} has a non-finite concerning_mean")


def share_texts(days: list[dict]) -> dict:
    """Days with each node's (title, description) replaced by an index into one shared table.

    A stable taxonomy repeats the same texts every day; storing them once keeps a long history small.
    """
    table: dict[tuple[str, str], int] = {}
    for day in days:
        for node in day["nodes"]:
            key = (node.pop("title"), node.pop("description"))
            node["text"] = table.setdefault(key, len(table))
    return {"texts": [list(key) for key in table], "days": days}


def optional_json(root: Path, path: Path) -> object | None:
    """A JSON file that may be absent; a present but unreadable or linked one is still refused."""
    full = root / path
    if not full.exists() and not full.is_symlink():
        return None
    return read_json(root, path)


def rounded(value: float | None, digits: int = 4) -> float | None:
    """A finite float rounded for the page, or None."""
    if value is None or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return round(float(value), digits)


def clean_shares(shares: dict[str, float]) -> dict[str, float]:
    """A value → share mapping with finite rounded shares, largest first."""
    kept = [(key, round(value, 4)) for key, value in shares.items() if math.isfinite(value)]
    return dict(sorted(kept, key=lambda kv: -kv[1]))


def clean_disagreement(report: dict, node_ids: set[str]) -> dict:
    """The public disagreement report, restricted to known nodes and the documented fields."""
    cleaned: dict = {"pearson": rounded(report.get("pearson")), "spearman": rounded(report.get("spearman"))}
    for key in ("false_positive_nodes", "false_negative_nodes"):
        items = []
        for item in report.get(key) or []:
            if isinstance(item, dict) and item.get("node_id") in node_ids:
                count = item.get("conversation_count")
                items.append(
                    {
                        "node_id": item["node_id"],
                        "flag_rate": rounded(item.get("flag_rate")),
                        "concerning_mean": rounded(item.get("concerning_mean")),
                        "conversation_count": count if isinstance(count, int) else None,
                    }
                )
        cleaned[key] = items
    return cleaned


def clean_language_ratios(report: object, node_ids: set[str]) -> dict[str, dict[str, list]]:
    """Per node, language → [ratio, ci_low, ci_high] from whichever shape ``languages.json`` has.

    Accepted: ``{node_id: {iso: ratio | {...}}}``, or a list (bare or under ``"nodes"``) of
    ``{node_id, language, ratio, ...}`` rows or of ``{node_id, languages: {iso: ...}}`` rows.
    """
    rows: list = []
    if isinstance(report, dict) and isinstance(report.get("nodes"), list):
        rows = report["nodes"]
    elif isinstance(report, list):
        rows = report
    elif isinstance(report, dict):
        rows = [{"node_id": key, "languages": value} for key, value in report.items()]
    ratios: dict[str, dict[str, list]] = {}
    for row in rows:
        if not isinstance(row, dict) or row.get("node_id") not in node_ids:
            continue
        per_language = row.get("languages")
        pairs = list(per_language.items()) if isinstance(per_language, dict) else [(row.get("language"), row)]
        for language, value in pairs:
            entry = ratio_entry(value)
            if isinstance(language, str) and LANGUAGE_CODE.match(language) and entry:
                ratios.setdefault(row["node_id"], {})[language] = entry
    return ratios


def ratio_entry(value: object) -> list | None:
    """[ratio, ci_low, ci_high] from a bare number or a dict with a ratio and optional interval."""
    if isinstance(value, int | float):
        ratio = rounded(value, 3)
        return [ratio, None, None] if ratio is not None else None
    if not isinstance(value, dict):
        return None
    ratio = next((rounded(value[k], 3) for k in RATIO_KEYS if k in value), None)
    if ratio is None:
        return None
    return [ratio, rounded(value.get("ci_low"), 3), rounded(value.get("ci_high"), 3)]


def render_page(data: dict) -> str:
    """The template with its CSS, JS and the data inlined."""
    package = resources.files("clio_dagster.explorer")
    template = (package / "template.html").read_text(encoding="utf-8")
    css = (package / "explorer.css").read_text(encoding="utf-8")
    script = (package / "explorer.js").read_text(encoding="utf-8")
    # Escaping "<" keeps any title from closing the script element; JSON.parse restores it.
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    payload = payload.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    # The policy names the exact script and style by hash: nothing else on the page could run or style it.
    page = template.replace("/*CLIO_SCRIPT_HASH*/", csp_hash(script), 1).replace(
        "/*CLIO_STYLE_HASH*/", csp_hash(css), 1
    )
    page = page.replace("/*CLIO_CSS*/", css, 1).replace("/*CLIO_JS*/", script, 1)
    return page.replace("/*CLIO_DATA*/", payload, 1)


def csp_hash(source: str) -> str:
    """A Content-Security-Policy source expression for one inline element's exact text."""
    return "sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")
