"""OIDC sign-in against a real OpenID provider on loopback (oidc-provider-mock, built on Authlib)."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from serve_support import DAY, make_home

from clio_dagster.serve import create_app
from clio_dagster.serve.settings import ServeSettings

oidc_provider_mock = pytest.importorskip("oidc_provider_mock")


@pytest.fixture(scope="module")
def issuer():
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def app(issuer, tmp_path_factory):
    settings = ServeSettings(
        serve_secret_key="oidc-test",
        oidc_issuer=issuer,
        oidc_client_id="clio-serve",
        oidc_client_secret="client-secret",
    )
    app = create_app(
        make_home(tmp_path_factory.mktemp("oidc") / "home"), settings=settings, secure_cookies=False
    )
    app.extensions["clio"]["accounts"].add("alice@example.com", "trust_safety", None)
    return app


def _sign_in_at_provider(client, subject: str) -> str:
    """Start at /login/oidc, sign in at the provider as ``subject``; return our callback URL."""
    start = client.get("/login/oidc?next=/ts")
    assert start.status_code == 302
    authorize = start.location
    assert authorize.startswith(f"{app_issuer(authorize)}/oauth2/authorize")
    assert httpx.get(authorize).status_code == 200  # the provider's sign-in form
    answer = httpx.post(authorize, data={"sub": subject})
    assert answer.status_code == 302
    callback = urlsplit(answer.headers["location"])
    assert callback.path == "/login/oidc/callback"
    return f"{callback.path}?{callback.query}"


def app_issuer(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _last_log(app) -> dict:
    return app.extensions["clio"]["access_log"].entries(limit=1)[0]


def test_an_identity_with_an_account_signs_in_with_its_local_role(app):
    client = app.test_client()
    response = client.get(_sign_in_at_provider(client, "alice@example.com"))
    assert (response.status_code, response.location) == (303, "/ts")
    assert client.get("/api/me").json["role"] == "trust_safety"
    assert client.get(f"/api/restricted/{DAY}/coordinated").status_code == 200
    sign_in = app.extensions["clio"]["access_log"].entries(limit=3)[-1]
    assert (sign_in["event"], sign_in["user_name"], sign_in["detail"]) == (
        "sign_in",
        "alice@example.com",
        "oidc",
    )


def test_an_identity_without_an_account_is_refused_and_logged(app):
    client = app.test_client()
    response = client.get(_sign_in_at_provider(client, "bob@example.com"))
    assert response.status_code == 403
    assert client.get("/api/me").status_code == 401
    row = _last_log(app)
    assert (row["event"], row["user_name"], row["status"]) == ("refused", None, 401)
    refusals = [
        r for r in app.extensions["clio"]["access_log"].entries(limit=5) if r["event"] == "sign_in_refused"
    ]
    assert refusals and refusals[0]["user_name"] == "bob@example.com"


def test_a_forged_state_is_refused(app):
    client = app.test_client()
    callback = _sign_in_at_provider(client, "alice@example.com")
    forged = callback.replace("state=", "state=forged")
    response = client.get(forged)
    assert response.status_code == 401
    assert _last_log(app)["event"] == "sign_in_failed"
    assert client.get("/api/me").status_code == 401


def test_an_oidc_only_account_has_no_password_to_guess(app):
    response = app.test_client().post(
        "/login", data={"username": "alice@example.com", "password": "anything-at-all"}
    )
    assert response.status_code == 401


def test_without_an_issuer_single_sign_on_is_off(tmp_path):
    app = create_app(
        make_home(tmp_path / "home"), settings=ServeSettings(serve_secret_key="x"), secure_cookies=False
    )
    client = app.test_client()
    assert client.get("/login/oidc").status_code == 404
    assert "single sign-on" not in client.get("/login").get_data(as_text=True)
