"""`clio users` and the start-up of `clio serve` from the command line."""

from __future__ import annotations

from typer.testing import CliRunner

from clio_dagster.cli import app

runner = CliRunner()


def test_users_add_list_unlock(clio_home):
    added = runner.invoke(
        app,
        ["users", "add", "tina", "--role", "trust_safety", "--password-stdin"],
        input="a long passphrase\n",
    )
    assert added.exit_code == 0, added.output
    assert runner.invoke(app, ["users", "add", "sso@example.com", "--role", "viewer"]).exit_code == 0
    listed = runner.invoke(app, ["users", "list"])
    assert listed.stdout.splitlines() == ["sso@example.com\tviewer\toidc", "tina\ttrust_safety\tpassword"]
    assert runner.invoke(app, ["users", "unlock", "tina"]).exit_code == 0
    assert runner.invoke(app, ["users", "role", "tina", "admin"]).exit_code == 0
    assert runner.invoke(app, ["users", "remove", "sso@example.com"]).exit_code == 0
    assert runner.invoke(app, ["users", "list"]).stdout.splitlines() == ["tina\tadmin\tpassword"]
    assert (clio_home / "serve" / "serve.sqlite").exists()


def test_users_add_refuses_bad_input_with_a_reason(clio_home):
    cases = [
        (["users", "add", "x", "--role", "superuser", "--password-stdin"], "a long passphrase\n", "role"),
        (["users", "add", "x", "--role", "viewer", "--password-stdin"], "seven77\n", "8 characters"),
        (["users", "add", "../x", "--role", "viewer"], None, "user name"),
        (["users", "unlock", "nobody"], None, "no user"),
        (["users", "remove", "nobody"], None, "no user"),
        (["users", "role", "nobody", "viewer"], None, "no user"),
    ]
    for args, stdin, reason in cases:
        result = runner.invoke(app, args, input=stdin)
        assert result.exit_code == 1 and reason in result.output, (args, result.output)
    runner.invoke(app, ["users", "add", "tina", "--role", "viewer"])
    duplicate = runner.invoke(app, ["users", "add", "tina", "--role", "admin"])
    assert duplicate.exit_code == 1 and "exists" in duplicate.output
