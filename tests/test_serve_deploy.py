"""The oauth2-proxy example for the Dagster UI: valid TOML that only lets listed operators through
to a webserver on loopback, with no secret written in the file."""

from __future__ import annotations

import tomllib
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "oauth2-proxy"


def test_the_dagster_ui_proxy_example_is_closed_by_default():
    config = tomllib.loads((DEPLOY / "oauth2-proxy.cfg").read_text())
    assert config["provider"] == "oidc" and config["oidc_issuer_url"].startswith("https://")
    assert config["upstreams"] == ["http://127.0.0.1:3000/"]
    assert "email_domains" not in config  # no whole-domain access: the operators file decides
    assert Path(config["authenticated_emails_file"]).name == "dagster-operators.txt"
    assert (DEPLOY / "dagster-operators.txt").read_text().split()
    assert config["cookie_secure"] and config["cookie_httponly"]
    assert "client_secret" not in config and "cookie_secret" not in config
