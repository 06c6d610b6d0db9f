"""The settings resource: DESIGN §3 environment variables, with per-run overrides from Dagster config."""

from dagster import ConfigurableResource

from clio_dagster.config import Settings


class ClioSettings(ConfigurableResource):
    """Fields left unset fall back to the CLIO_* environment (and then to the defaults)."""

    home: str | None = None
    input: str | None = None
    min_unique_users: int | None = None
    min_conversations: int | None = None
    dp_epsilon: float | None = None
    seed: int | None = None

    def get(self) -> Settings:
        overrides = {k: v for k, v in self.model_dump().items() if v is not None}
        return Settings(**overrides)
