"""`clio serve` as a real process over a real `clio demo` home: the contract over HTTP, then
headless Chromium signing in and navigating as each role."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.slow]

PASSWORDS = {"vera": "viewer-password-1", "tina": "trust-safety-pw-1", "ada": "admin-password-123"}
ROLES = {"vera": "viewer", "tina": "trust_safety", "ada": "admin", "mallory": "viewer"}
PASSWORDS["mallory"] = "mallory-password-1"
REPO = Path(__file__).resolve().parent.parent


def _clio(*args: str, env: dict, stdin: str | None = None, timeout: float = 600) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "clio_dagster.cli", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, Path, str]]:
    """A small `clio demo` home, the users, and `clio serve` on a free loopback port."""
    home = tmp_path_factory.mktemp("served") / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIO_") and k != "DAGSTER_HOME"}
    env.update(PYTHONPATH=str(REPO), OMP_NUM_THREADS="1", CLIO_SERVE_SECRET_KEY="browser-test-key")
    # two days: coordination judges accounts over the trailing days, so the sample's network shows on day 2
    _clio("demo", "--home", str(home), "--days", "2", "--conversations", "1500", env=env)
    for name, role in ROLES.items():
        _clio("users", "add", name, "--role", role, "--password-stdin", "--home", str(home), env=env,
              stdin=PASSWORDS[name] + "\n")  # fmt: skip
    day = sorted(p.name for p in (home / "public").iterdir() if p.is_dir())[-1]
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "clio_dagster.cli", "serve", "--home", str(home), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"clio serve did not start: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.3)
    yield base, home, day
    process.terminate()
    process.wait(timeout=20)


def _session(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    response = client.post("/login", data={"username": name, "password": PASSWORDS[name]})
    assert response.status_code == 303 and "clio_session" in response.cookies
    return client


def _raw_get(base: str, path: str, cookie: str | None = None) -> tuple[int, bytes]:
    """A request with the path exactly as given: no client-side normalising of %2F or dots."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", path, headers={"Cookie": f"clio_session={cookie}"} if cookie else {})
    response = connection.getresponse()
    status, body = response.status, response.read()
    connection.close()
    return status, body


def test_the_contract_on_a_demo_home(server):
    base, home, day = server
    # no session: nothing
    for path in (
        f"/api/public/{day}/hierarchy",
        f"/api/restricted/{day}/coordinated",
        "/api/admin/access-log",
    ):
        response = httpx.get(base + path)
        assert response.status_code == 401 and "nodes" not in response.text
    page = httpx.get(base + "/")
    assert page.status_code == 302 and page.headers["location"].startswith("/login")

    viewer = _session(base, "vera")
    hierarchy = viewer.get(f"/api/public/{day}/hierarchy").json()
    assert hierarchy["date"] == day and len(hierarchy["nodes"]) > 3
    assert "<html" in viewer.get("/").text
    for path in (f"/api/restricted/{day}/{v}" for v in ("coordinated", "disagreement", "language-rates")):
        assert viewer.get(path).status_code == 403
    assert viewer.get("/api/admin/access-log").status_code == 403

    analyst = _session(base, "tina")
    groups = analyst.get(f"/api/restricted/{day}/coordinated").json()["data"]
    assert groups and all(g["members"] and len(g["hour_histogram"]) == 24 for g in groups)
    assert analyst.get("/api/admin/access-log").status_code == 403

    # traversal, with the path sent byte for byte
    status, body = _raw_get(base, "/api/public/..%2F..%2Fetc/hierarchy", viewer.cookies["clio_session"])
    assert 400 <= status < 500 and b"root:" not in body
    status, body = _raw_get(base, "/api/public/..%2F..%2Fetc%2Fpasswd/report", viewer.cookies["clio_session"])
    assert 400 <= status < 500 and b"root:" not in body

    # repeated wrong passwords lock the account, and the right one is refused while locked
    attempts = [
        httpx.post(f"{base}/login", data={"username": "mallory", "password": f"wrong-{i}"}).status_code
        for i in range(5)
    ]
    assert attempts == [401, 401, 401, 401, 423]
    locked = httpx.post(f"{base}/login", data={"username": "mallory", "password": PASSWORDS["mallory"]})
    assert locked.status_code == 423 and "clio_session" not in locked.cookies

    admin = _session(base, "ada")
    log = admin.get("/api/admin/access-log", params={"limit": 1000}).json()
    assert log["chain"]["ok"]
    rows = {(e["user"], e["event"], e["route"], e["status"]) for e in log["entries"]}
    assert ("tina", "read", f"/api/restricted/{day}/coordinated", 200) in rows
    assert ("vera", "refused", f"/api/restricted/{day}/coordinated", 403) in rows
    assert ("vera", "refused", "/api/admin/access-log", 403) in rows
    assert ("tina", "refused", "/api/admin/access-log", 403) in rows
    assert (None, "refused", f"/api/public/{day}/hierarchy", 401) in rows
    assert ("mallory", "sign_in_locked", "/login", 423) in rows
    assert ("vera", "sign_in", "/login", 303) in rows
    assert any(e["user"] == "vera" and e["route"].startswith("/api/public/../../etc") for e in log["entries"])
    read = next(e for e in log["entries"] if e["user"] == "tina" and e["event"] == "read")
    assert (read["date"], read["role"]) == (day, "trust_safety")
    assert all(e["address"] == "127.0.0.1" for e in log["entries"])
    # the SQLite instance database sits owner-only under the home
    assert (home / "serve").stat().st_mode & 0o077 == 0


def _sign_in(browser, base: str, name: str, target: str = "/"):
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + target)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert parse_qs(urlsplit(page.url).query)["next"] == [target]
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("#sign-in")
    return context, page


@pytest.mark.browser
def test_a_viewer_sees_the_explorer_and_no_restricted_screen(server, chromium):
    base, _home, day = server
    context, page = _sign_in(chromium, base, "vera")
    page.wait_for_selector("html[data-ready='1']", state="attached", timeout=60_000)
    assert page.locator("#tree .row[data-row]").count() > 0
    page.goto(f"{base}/ts/{day}")
    assert "403" in page.locator("h1").inner_text()
    assert page.locator("#coordinated-groups").count() == 0
    page.goto(f"{base}/api/admin/access-log")
    assert "your role may not use this" in page.content()
    context.close()


@pytest.mark.browser
def test_a_trust_and_safety_analyst_reads_the_day_and_follows_a_node_to_the_explorer(server, chromium):
    base, _home, day = server
    context, page = _sign_in(chromium, base, "tina", "/ts")
    expect(page).to_have_url(f"{base}/ts/{day}")
    groups = page.locator("#coordinated-groups tr")
    assert groups.count() > 1
    assert "u_" in page.locator("#coordinated-groups").inner_text()
    assert page.locator("#nav-admin").count() == 0
    assert page.locator("#over-represented tr").count() > 1  # a header and at least one language cell
    ranked = page.locator("#false-negatives a, #false-positives a")
    assert ranked.count() > 0
    title = ranked.first.inner_text().strip()
    node = parse_qs(urlsplit(ranked.first.get_attribute("href")).fragment)["n"][0]
    ranked.first.click()
    page.wait_for_selector("html[data-ready='1']", state="attached", timeout=60_000)
    assert parse_qs(urlsplit(page.url).fragment) == {"d": [day], "n": [node]}
    expect(page.locator("#detail h3")).to_have_text(title)
    page.goto(f"{base}/admin")
    assert "403" in page.locator("h1").inner_text()
    context.close()


@pytest.mark.browser
def test_an_admin_reads_the_access_log_and_signs_out(server, chromium):
    base, _home, day = server
    context, page = _sign_in(chromium, base, "ada", "/admin")
    expect(page.locator("#chain")).to_contain_text("Hash chain intact")
    log = page.locator("#access-log").inner_text()
    assert "sign_in" in log and f"/ts/{day}" in log
    assert "trust_safety" in page.locator("#users").inner_text()
    page.click("#sign-out")
    expect(page).to_have_url(f"{base}/login")
    page.goto(f"{base}/admin")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert parse_qs(urlsplit(page.url).query)["next"] == ["/admin"]
    context.close()
