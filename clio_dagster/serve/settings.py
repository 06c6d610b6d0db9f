"""Settings of `clio serve`: sessions, sign-in limits, OIDC and the access log's retention.

Read from the environment (prefix ``CLIO_``) like :class:`clio_dagster.config.Settings`; the paths
and the database come from that class (``CLIO_HOME``, ``CLIO_PG_URL``).
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLIO_", extra="ignore", frozen=True)

    # Signs the session cookie; unset, a random key is kept (owner-only) under $CLIO_HOME/serve.
    serve_secret_key: SecretStr | None = None
    serve_session_hours: float = Field(default=8.0, gt=0)
    # auto: Secure cookies unless the server listens on a loopback address (plain-HTTP development)
    serve_secure_cookies: bool | None = None
    serve_max_failed_logins: int = Field(default=5, ge=1)  # consecutive failures that lock an account
    serve_lockout_minutes: float = Field(default=15.0, gt=0)
    # Flask-Limiter strings; only failed sign-ins count against them
    serve_login_limit_per_account: str = "10 per minute"
    serve_login_limit_per_address: str = "60 per minute;600 per hour"
    serve_max_request_bytes: int = Field(default=16_384, ge=1024)
    serve_access_log_retention_days: int = Field(default=365, ge=1)
    # number of reverse proxies in front whose X-Forwarded-For / -Proto are trusted (0: none)
    serve_trusted_proxies: int = Field(default=0, ge=0)

    oidc_issuer: str | None = None  # e.g. https://accounts.example.com; set: "Sign in with SSO"
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scope: str = "openid email profile"
    # the ID-token claim matched against local account names (roles stay in the local table)
    oidc_username_claim: str = "email"

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)
