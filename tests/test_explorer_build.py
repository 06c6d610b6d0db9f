"""The explorer builder: faithful counts, a self-contained page, nothing private, public/ only."""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

from clio_dagster.explorer import ExplorerInputError, build_explorer, count_mismatches, explorer_metadata
from clio_dagster.explorer.build import clean_language_ratios
from clio_dagster.explorer.safe_read import inside

_spec = importlib.util.spec_from_file_location(
    "explorer_support", Path(__file__).with_name("explorer_support.py")
)
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)

DATA_RE = re.compile(r'<script type="application/json" id="clio-data">(.*?)</script>', re.S)


def embedded(page: Path) -> dict:
    """The data the page carries, parsed as the browser will parse it."""
    match = DATA_RE.search(page.read_text(encoding="utf-8"))
    assert match, "no data script in the page"
    data = json.loads(match.group(1))
    for day in data["days"]:
        for node in day["nodes"]:
            node["title"], node["description"] = data["texts"][node["text"]]
    return data


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A CLIO_HOME with three public days and a restricted sibling holding a secret."""
    support.make_public_days(tmp_path / "public")
    secret = tmp_path / "restricted" / "2026-11-20"
    secret.mkdir(parents=True)
    hierarchy = json.loads((tmp_path / "public" / "2026-11-20" / "hierarchy.json").read_text())
    hierarchy["nodes"][0]["title"] = "SECRET restricted title"
    (secret / "hierarchy.json").write_text(json.dumps(hierarchy))
    (secret / "disagreement.json").write_text(json.dumps({"pearson": 0.1, "spearman": 0.1, "note": "SECRET"}))
    return tmp_path


def test_embedded_counts_equal_hierarchy_json(home: Path) -> None:
    data = embedded(build_explorer(support.writer(home / "public")))
    assert data["dates"] == ["2026-11-20", "2026-11-21", "2026-11-22"]
    for day in data["days"]:
        source = json.loads((home / "public" / day["date"] / "hierarchy.json").read_text())
        assert len(day["nodes"]) == len(source["nodes"])
        assert {n["id"]: n["conversation_count"] for n in day["nodes"]} == {
            n["id"]: n["conversation_count"] for n in source["nodes"]
        }
        assert day["total_conversations"] == source["total_conversations"]
        assert day["privacy"] == source["privacy"]
    assert [n["id"] for n in data["days"][-1]["nodes"] if n.get("emerging")] == ["L0-new"]


def test_page_is_self_contained(home: Path) -> None:
    page = build_explorer(support.writer(home / "public")).read_text(encoding="utf-8")
    assert "default-src 'none'" in page and "unsafe-inline" not in page
    assert not re.search(r"<script[^>]+src=|<link[^>]+stylesheet|@import|url\(", page)
    # The only absolute URL is the SVG namespace, which is an identifier, never fetched.
    assert set(re.findall(r"https?://[^\s\"')]+", page)) == {"http://www.w3.org/2000/svg"}


def test_hostile_title_cannot_break_out_of_the_data_script(home: Path) -> None:
    page_path = build_explorer(support.writer(home / "public"))
    page = page_path.read_text(encoding="utf-8")
    assert page.count("</script>") == 2
    assert "<img" not in page
    titles = {n["title"] for day in embedded(page_path)["days"] for n in day["nodes"]}
    assert support.HOSTILE_TITLE in titles  # escaped in the page, restored intact by JSON parsing


def test_planted_private_strings_never_reach_the_page(home: Path) -> None:
    page_path = build_explorer(support.writer(home / "public"))
    page = page_path.read_text(encoding="utf-8")
    for planted in support.PLANTED:
        assert planted not in page
    day = embedded(page_path)["days"][0]
    # The report entry for a node that is not public is dropped, the rest kept in rank order.
    assert len(day["disagreement"]["false_positive_nodes"]) == 4
    assert len(day["language_ratios"]) == 20


def test_no_id_like_strings_beyond_node_ids(home: Path) -> None:
    data = embedded(build_explorer(support.writer(home / "public")))
    node_ids = {n["id"] for day in data["days"] for n in day["nodes"]}
    id_like = re.compile(r"^(?=.*\d)[A-Za-z0-9_.:@/-]{5,}$")
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and id_like.match(value):
            found.add(value)

    walk(data)
    assert found - node_ids - set(data["dates"]) == set()
    page = (home / "public" / "explorer.html").read_text(encoding="utf-8")
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-|[0-9a-f]{12,}", page)


def test_refuses_hierarchy_symlinked_into_restricted(home: Path) -> None:
    link = home / "public" / "2026-11-20" / "hierarchy.json"
    link.unlink()
    link.symlink_to(home / "restricted" / "2026-11-20" / "hierarchy.json")
    with pytest.raises(ExplorerInputError, match="symlink"):
        build_explorer(support.writer(home / "public"))
    assert not (home / "public" / "explorer.html").exists()


def test_refuses_date_directory_symlinked_into_restricted(home: Path) -> None:
    (home / "public" / "2026-11-19").symlink_to(home / "restricted" / "2026-11-20", target_is_directory=True)
    with pytest.raises(ExplorerInputError, match="symlink"):
        build_explorer(support.writer(home / "public"))


def test_refuses_optional_report_symlinked_into_restricted(home: Path) -> None:
    link = home / "public" / "2026-11-21" / "disagreement.json"
    link.unlink()
    link.symlink_to(Path("../../restricted/2026-11-20/disagreement.json"))
    with pytest.raises(ExplorerInputError, match="symlink"):
        build_explorer(support.writer(home / "public"))


def test_refuses_hierarchy_hard_linked_to_restricted(home: Path) -> None:
    public_file = home / "public" / "2026-11-20" / "hierarchy.json"
    public_file.unlink()
    os.link(home / "restricted" / "2026-11-20" / "hierarchy.json", public_file)
    with pytest.raises(ExplorerInputError, match="hard links"):
        build_explorer(support.writer(home / "public"))


def test_refuses_a_restricted_or_linked_root(home: Path) -> None:
    with pytest.raises(ExplorerInputError, match="restricted"):
        build_explorer(support.writer(home / "restricted"))
    with pytest.raises(ExplorerInputError, match="restricted"):
        build_explorer(support.writer(home / "public" / ".." / "restricted"))
    (home / "public-link").symlink_to(home / "public", target_is_directory=True)
    with pytest.raises(ExplorerInputError, match="symlink"):
        build_explorer(support.writer(home / "public-link"))


def test_paths_escaping_public_are_refused(home: Path) -> None:
    root = (home / "public").resolve()
    with pytest.raises(ExplorerInputError, match="escapes"):
        inside(root, Path("../restricted/2026-11-20/hierarchy.json"))
    with pytest.raises(ExplorerInputError, match="escapes"):
        inside(root, home.resolve() / "restricted" / "2026-11-20" / "hierarchy.json")


def test_planted_output_link_is_replaced_not_followed(home: Path) -> None:
    target = home / "restricted" / "2026-11-20" / "disagreement.json"
    before = target.read_bytes()
    (home / "public" / "explorer.html").symlink_to(target)
    page = build_explorer(support.writer(home / "public"))
    assert not page.is_symlink() and page.is_file()
    assert target.read_bytes() == before


def test_missing_optional_reports_are_tolerated(tmp_path: Path) -> None:
    support.make_public_days(tmp_path / "public", days=1, reports=False)
    day = embedded(build_explorer(support.writer(tmp_path / "public")))["days"][0]
    assert "disagreement" not in day and "language_ratios" not in day


def test_invalid_hierarchy_is_refused_with_its_path(home: Path) -> None:
    path = home / "public" / "2026-11-21" / "hierarchy.json"
    broken = json.loads(path.read_text())
    del broken["nodes"][0]["conversation_count"]
    path.write_text(json.dumps(broken))
    with pytest.raises(ExplorerInputError, match="2026-11-21"):
        build_explorer(support.writer(home / "public"))


def test_empty_public_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "public").mkdir()
    with pytest.raises(ExplorerInputError, match=r"no <date>/hierarchy.json"):
        build_explorer(support.writer(tmp_path / "public"))


def test_build_is_deterministic(home: Path) -> None:
    first = build_explorer(support.writer(home / "public")).read_bytes()
    assert build_explorer(support.writer(home / "public")).read_bytes() == first
    assert oct(os.stat(home / "public" / "explorer.html").st_mode & 0o777) == "0o644"


def test_language_report_shapes_agree() -> None:
    ids = {"a", "b"}
    long_rows = {
        "nodes": [
            {"node_id": "a", "language": "fr", "ratio": 2.5, "ci_low": 1.5, "ci_high": 3.0},
            {"node_id": "zz", "language": "fr", "ratio": 9.0},
        ]
    }
    nested = [{"node_id": "a", "languages": {"fr": {"ratio": 2.5, "ci_low": 1.5, "ci_high": 3.0}}}]
    mapping = {"a": {"fr": {"over_representation": 2.5, "ci_low": 1.5, "ci_high": 3.0}}, "b": {"<b>": 3.0}}
    expected = {"a": {"fr": [2.5, 1.5, 3.0]}}
    assert clean_language_ratios(long_rows, ids) == expected
    assert clean_language_ratios(nested, ids) == expected
    assert clean_language_ratios(mapping, ids) == expected
    assert clean_language_ratios({"b": {"de": float("nan")}}, ids) == {}


def test_metadata_summarises_the_latest_day_with_inert_markdown(home: Path) -> None:
    meta = explorer_metadata(build_explorer(support.writer(home / "public")), top=20)
    assert meta["dates"] == ["2026-11-20", "2026-11-21", "2026-11-22"]
    latest = json.loads((home / "public" / "2026-11-22" / "hierarchy.json").read_text())
    assert meta["nodes_latest"] == len(latest["nodes"])
    assert meta["emerging_latest"] == [support.EMERGING_TITLE]
    table = meta["top_nodes_markdown"].splitlines()
    assert len(table) == 2 + meta["top_level_nodes_latest"] and support.EMERGING_TITLE + " (new)" in table[2]
    assert "<img" not in meta["top_nodes_markdown"] and "&lt;img" in meta["top_nodes_markdown"]
    assert all(line.count(" | ") == 4 for line in table[2:])  # a "|" in a title cannot add a column


def test_count_mismatches_catch_a_stale_page(home: Path) -> None:
    page = build_explorer(support.writer(home / "public"))
    assert count_mismatches(home / "public", page) == []
    path = home / "public" / "2026-11-21" / "hierarchy.json"
    changed = json.loads(path.read_text())
    changed["nodes"][3]["conversation_count"] += 1
    path.write_text(json.dumps(changed))
    problems = count_mismatches(home / "public", page)
    assert len(problems) == 1 and problems[0].startswith("2026-11-21")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda nodes: nodes[5].update(parent_id="L0-missing"), "missing parent"),
        (lambda nodes: nodes[0].update(parent_id=nodes[7]["id"]), "missing parent|not a level above"),
        (lambda nodes: nodes[1].update(id=nodes[0]["id"]), "appears twice"),
        (lambda nodes: nodes[2].update(concerning_mean=float("nan")), "non-finite"),
    ],
)
def test_structurally_broken_hierarchy_is_refused(home: Path, change, message: str) -> None:
    path = home / "public" / "2026-11-20" / "hierarchy.json"
    hierarchy = json.loads(path.read_text())
    change(hierarchy["nodes"])
    path.write_text(json.dumps(hierarchy))
    with pytest.raises(ExplorerInputError, match=message):
        build_explorer(support.writer(home / "public"))


def test_script_uses_no_html_sinks() -> None:
    from importlib import resources

    script = (resources.files("clio_dagster.explorer") / "explorer.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script


def test_history_is_capped_and_repeated_texts_stored_once(home: Path) -> None:
    page = build_explorer(support.writer(home / "public"), max_days=2)
    data = embedded(page)
    assert data["dates"] == ["2026-11-21", "2026-11-22"]
    node_records = sum(len(day["nodes"]) for day in data["days"])
    assert len(data["texts"]) == node_records // 2 + 1  # the same topics both days, plus the new one
    with pytest.raises(ValueError, match="max_days"):
        build_explorer(support.writer(home / "public"), max_days=0)


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[k : k + 2], 16) / 255 for k in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_colours_meet_wcag_aa() -> None:
    from importlib import resources

    css = (resources.files("clio_dagster.explorer") / "explorer.css").read_text()
    colour = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", css))
    pairs = [
        ("ink", "bg"), ("ink", "panel"), ("muted", "panel"), ("muted", "bg"), ("accent", "panel"),
        ("accent", "accent-bg"), ("low-ink", "low-bg"), ("mid-ink", "mid-bg"), ("high-ink", "high-bg"),
    ]  # fmt: skip
    for text, background in pairs:
        assert contrast(colour[text], colour[background]) >= 4.5, (text, background)
    for badge in ("new", "fp", "fn"):  # white badge text
        assert contrast("#ffffff", colour[badge]) >= 4.5, badge
    assert contrast(colour["focus"], colour["panel"]) >= 3.0  # focus rings are non-text: 3:1
