"""The explorer in real headless Chromium: offline, interactive, deep-linkable, fast on 10,000 nodes."""

from __future__ import annotations

import importlib.util
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from clio_dagster.explorer import build_explorer

_spec = importlib.util.spec_from_file_location(
    "explorer_support", Path(__file__).with_name("explorer_support.py")
)
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
LAST_DAY = "2026-11-22"


class Visit:
    """One opened page with what it logged and requested."""

    def __init__(self, browser, page_path: Path, fragment: str = "", viewport=(1400, 860)) -> None:
        self.document = page_path.resolve().as_uri()
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        self.blocked: list[str] = []
        # Any request off the page itself is recorded and aborted, so a leak shows up as a failure.
        self.context.route(re.compile(r"^(?!file:)"), self._block)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        started = time.perf_counter()
        self.page.goto(self.document + fragment)
        self.page.wait_for_selector("html[data-ready='1']", state="attached", timeout=60_000)
        self.load_seconds = time.perf_counter() - started

    def _block(self, route) -> None:
        self.blocked.append(route.request.url)
        route.abort()

    def off_page_requests(self) -> list[str]:
        return [url for url in self.requests if url.split("#")[0] != self.document] + self.blocked

    def rows(self) -> list[str]:
        return self.page.locator("#tree .row[data-row] .title").all_text_contents()

    def cells(self) -> list[str]:
        return self.page.locator("#treemap .cell-title").all_text_contents()

    def detail_title(self) -> str:
        return self.page.locator("#detail h3").inner_text()

    def match_count(self) -> str:
        return self.page.locator("#match-count").inner_text()

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict]]:
    public = tmp_path_factory.mktemp("clio") / "public"
    hierarchies = support.make_public_days(public)
    return build_explorer(support.writer(public)), hierarchies


@pytest.fixture
def visit(chromium) -> Iterator:
    opened: list[Visit] = []

    def open_page(page_path: Path, fragment: str = "", **kwargs) -> Visit:
        opened.append(Visit(chromium, page_path, fragment, **kwargs))
        return opened[-1]

    yield open_page
    for v in opened:
        v.close()


def expected_matches(hierarchy: dict, predicate) -> int:
    return sum(1 for node in hierarchy["nodes"] if predicate(node))


def test_loads_offline_without_errors_and_escapes_titles(site, visit) -> None:
    page_path, _ = site
    v = visit(page_path)
    assert v.errors == []
    assert v.off_page_requests() == []
    assert v.page.evaluate("window.__pwned") is None
    assert v.page.locator("img, b").count() == 0
    assert support.HOSTILE_TITLE in v.rows()
    assert support.EMERGING_TITLE in v.rows()
    assert "Suppressed" in v.page.locator("#footer").inner_text()


def test_drill_down_by_click_and_keyboard(site, visit) -> None:
    page_path, _ = site
    v = visit(page_path)
    top_rows, top_cells = v.rows(), v.cells()
    v.page.locator("#tree .row .title", has_text=re.compile("^Python debugging$")).click()
    assert v.detail_title() == "Python debugging"
    children = v.cells()
    assert children != top_cells and all(t.startswith("Python debugging: ") for t in children)
    assert "Python debugging" in v.page.locator("#crumbs").inner_text()

    v.page.keyboard.press("ArrowRight")  # the tree has focus after the click: open the node
    row = v.page.locator("#tree .row.selected")
    assert row.get_attribute("aria-expanded") == "true"
    assert len(v.rows()) == len(top_rows) + len(children)
    v.page.keyboard.press("ArrowDown")
    assert v.detail_title().startswith("Python debugging: ")
    v.page.keyboard.press("ArrowLeft")  # back to the parent
    assert v.detail_title() == "Python debugging"
    v.page.keyboard.press("ArrowLeft")  # and closed again
    assert v.rows() == top_rows

    # Drilling in the treemap: a cell with subtopics becomes the map's new level.
    v.page.locator("#treemap .cell", has_text="Python debugging: ").first.click()
    assert v.detail_title().startswith("Python debugging: ")
    assert all(t.startswith(v.detail_title() + ", ") for t in v.cells())
    assert v.errors == []


def test_keyboard_reaches_the_tree_with_visible_focus(site, visit) -> None:
    page_path, _ = site
    v = visit(page_path)
    v.page.focus("#reset")
    v.page.keyboard.press("Tab")
    assert v.page.evaluate("document.activeElement.id") == "tree"
    assert v.page.locator("#tree").evaluate("t => getComputedStyle(t).outlineStyle") == "solid"
    v.page.keyboard.press("ArrowDown")
    active = v.page.locator("#tree").get_attribute("aria-activedescendant")
    row = v.page.locator(f"#{active}")
    assert row.get_attribute("role") == "treeitem" and row.get_attribute("aria-selected") == "true"
    assert row.evaluate("r => getComputedStyle(r).boxShadow") != "none"
    assert v.detail_title() == v.rows()[1]
    v.page.keyboard.press("Enter")
    assert row.get_attribute("aria-expanded") == "true"
    v.page.keyboard.press("End")
    assert v.detail_title() == v.rows()[-1]


def test_search_filters_tree_and_map(site, visit) -> None:
    page_path, hierarchies = site
    v = visit(page_path)
    before = v.rows()
    v.page.fill("#search", "troubleshooting")
    expect(v.page.locator("#match-count")).to_contain_text("match")
    expected = expected_matches(
        hierarchies[LAST_DAY],
        lambda n: "troubleshooting" in (n["title"] + "\n" + n["description"]).lower(),
    )
    assert f"({expected:,} of" in v.match_count()
    shown = v.page.locator("#tree .row[data-row]:not(.context) .title").all_text_contents()
    assert shown and all("troubleshooting" in t.lower() for t in shown)
    assert v.rows() != before
    assert "q=troubleshooting" in v.page.url
    v.page.fill("#search", "no such topic anywhere")
    expect(v.page.locator("#tree .row.empty")).to_have_text("No topic matches these filters.")
    assert v.rows() == [] and "(0 of" in v.match_count()


def test_language_filter_keeps_nodes_strong_in_that_language(site, visit) -> None:
    page_path, hierarchies = site
    v = visit(page_path)
    before = v.rows()
    v.page.select_option("#language", "ja")
    expected = expected_matches(hierarchies[LAST_DAY], lambda n: n["languages"].get("ja", 0) >= 0.1)
    assert 0 < expected < len(hierarchies[LAST_DAY]["nodes"])
    assert f"({expected:,} of" in v.match_count()
    assert v.rows() != before
    v.page.select_option("#min-share", "0.5")
    strict = expected_matches(hierarchies[LAST_DAY], lambda n: n["languages"].get("ja", 0) >= 0.5)
    assert f"({strict:,} of" in v.match_count()


def test_concern_and_facet_filters(site, visit) -> None:
    page_path, hierarchies = site
    v = visit(page_path)
    v.page.select_option("#concern", "3")
    expected = expected_matches(hierarchies[LAST_DAY], lambda n: n["concerning_mean"] >= 3)
    assert f"({expected:,} of" in v.match_count()
    v.page.select_option("#concern", "")
    v.page.select_option("#min-share", "0.5")
    v.page.select_option("#facet", "platform:api")
    expected = expected_matches(hierarchies[LAST_DAY], lambda n: n["custom"]["platform"]["api"] >= 0.5)
    assert f"({expected:,} of" in v.match_count()


def test_facet_control_is_hidden_without_custom_facets(tmp_path: Path, visit) -> None:
    hierarchies = support.make_public_days(tmp_path / "public", days=1, hostile=False, reports=False)
    for day, hierarchy in hierarchies.items():
        for node in hierarchy["nodes"]:
            del node["custom"]
        (tmp_path / "public" / day / "hierarchy.json").write_text(json.dumps(hierarchy))
    v = visit(build_explorer(support.writer(tmp_path / "public")))
    assert not v.page.locator("#facet-label").is_visible()
    assert v.page.locator("#language").is_visible()
    v.page.locator("#overlay").check()
    assert "No classifier-disagreement report" in v.page.locator("#disagreement").inner_text()
    assert v.errors == []


def test_date_switch_changes_the_map(site, visit) -> None:
    page_path, hierarchies = site
    v = visit(page_path)
    assert support.EMERGING_TITLE in v.rows()
    v.page.select_option("#date", "2026-11-20")
    assert support.EMERGING_TITLE not in v.rows()
    assert "Date 2026-11-20" in v.page.locator("#footer").inner_text()
    assert "d=2026-11-20" in v.page.url
    total = hierarchies["2026-11-20"]["total_conversations"]
    assert f"{total:,} conversations" in v.detail_title() + v.page.locator("#detail").inner_text()


def test_deep_link_restores_the_view(site, visit) -> None:
    page_path, hierarchies = site
    node = next(n for n in hierarchies["2026-11-21"]["nodes"] if n["depth"] == 1)
    fragment = "#" + urlencode({"d": "2026-11-21", "n": node["id"], "q": "resume", "lang": "en", "o": "1"})
    v = visit(page_path, fragment)
    assert v.page.input_value("#date") == "2026-11-21"
    assert v.page.input_value("#search") == "resume"
    assert v.page.input_value("#language") == "en"
    assert v.page.is_checked("#overlay") and v.page.locator("#disagreement").is_visible()
    assert v.detail_title() == node["title"]
    assert v.errors == []

    # A view built by interaction survives a reload from its own URL.
    v.page.select_option("#date", "2026-11-20")
    v.page.fill("#search", "hurry")
    expect(v.page).to_have_url(re.compile("q=hurry"))
    v.page.locator("#tree .row:not(.context) .title", has_text="hurry").first.click()
    title, count, url = v.detail_title(), v.match_count(), v.page.url
    again = visit(page_path, "#" + url.split("#", 1)[1])
    assert (again.detail_title(), again.match_count()) == (title, count)
    assert again.page.input_value("#date") == "2026-11-20"


def test_screenshot_artifact(site, visit) -> None:
    page_path, hierarchies = site
    # A node deep enough in the tree that the deep link has to scroll to reveal it.
    node = [n for n in hierarchies[LAST_DAY]["nodes"] if n["depth"] == 2][-1]
    v = visit(page_path, "#" + urlencode({"n": node["id"], "o": "1"}))
    tree, row = v.page.locator("#tree").bounding_box(), v.page.locator("#tree .row.selected").bounding_box()
    assert tree["y"] <= row["y"] and row["y"] + row["height"] <= tree["y"] + tree["height"]
    ARTIFACTS.mkdir(exist_ok=True)
    v.page.screenshot(path=str(ARTIFACTS / "explorer.png"))
    assert (ARTIFACTS / "explorer.png").stat().st_size > 10_000
    assert v.errors == []


def test_ten_thousand_nodes_open_fast_and_stay_virtualised(tmp_path: Path, visit) -> None:
    hierarchies = support.make_public_days(
        tmp_path / "public", days=2, top=10, fanout=(10, 99), hostile=False
    )
    started = time.perf_counter()
    page_path = build_explorer(support.writer(tmp_path / "public"))
    build_seconds = time.perf_counter() - started
    nodes = len(hierarchies["2026-11-21"]["nodes"])
    assert nodes >= 10_000
    v = visit(page_path)
    assert v.errors == [] and v.off_page_requests() == []

    started = time.perf_counter()
    v.page.fill("#search", "at work")
    expect(v.page.locator("#match-count")).to_contain_text("match")
    search_seconds = time.perf_counter() - started
    expected = expected_matches(hierarchies["2026-11-21"], lambda n: "at work" in n["title"].lower())
    assert f"({expected:,} of" in v.match_count() and expected > 1000
    # Only the rows in view exist in the DOM, however many match.
    assert v.page.locator("#tree .row").count() < 120
    started = time.perf_counter()
    v.page.locator("#tree").evaluate("t => { t.scrollTop = t.scrollHeight; }")
    v.page.wait_for_timeout(50)
    scroll_seconds = time.perf_counter() - started
    assert v.page.locator("#tree .row").count() < 120
    timing = {
        "nodes_per_day": nodes,
        "days": 2,
        "html_bytes": page_path.stat().st_size,
        "build_seconds": round(build_seconds, 3),
        "load_seconds": round(v.load_seconds, 3),
        "search_seconds": round(search_seconds, 3),
        "scroll_seconds": round(scroll_seconds, 3),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "explorer-timing.json").write_text(json.dumps(timing, indent=2))
    print("explorer 10k timing:", timing)
    assert v.load_seconds < 15, timing
