"""What the UI and logs are shown of the settings: every value, but only whether a secret is set."""

from __future__ import annotations

from clio_dagster.config import Settings


def test_effective_settings_show_values_and_mask_secrets():
    settings = Settings(
        min_unique_users=40,
        pg_url="postgresql+psycopg2://dagster:hunter2@db:5432/dagster",
        alert_webhook_url="https://hooks.example/T000/secret-token",
        alert_routing_key="R0UT1NGKEY",
        dp_noise_secret="noise-secret",
    )
    shown = settings.effective()
    assert shown["min_unique_users"] == 40 and shown["llm_backend"] == "local"
    assert shown["pg_url"] == shown["alert_webhook_url"] == shown["alert_routing_key"] == "(set)"
    assert shown["dp_noise_secret"] == "(set)"
    text = repr(shown)
    assert not [s for s in ("hunter2", "secret-token", "R0UT1NGKEY", "noise-secret") if s in text]
    assert Settings().effective()["alert_webhook_url"] is None
