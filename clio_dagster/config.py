"""Settings: thresholds, paths, backends and models, read once from the environment.

Nothing else in the package reads ``os.environ`` for CLIO_* variables; the CLI and the Dagster
resources build a :class:`Settings` and pass it (or values from it) down.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from clio_dagster.core.user_text import EMBED_MAX_CHARS

LLMRole = Literal["facets", "naming", "hierarchy", "audit"]


class CustomFacet(BaseModel):
    """A facet declared by the user: asked of every conversation and carried to the outputs."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    question: str
    type: Literal["text", "int", "enum", "bool"]
    choices: list[str] = []
    min: int | None = None
    max: int | None = None


# settings whose value must never reach the UI, logs or alerts (URLs can carry passwords and tokens)
_SECRETS = ("pg_url", "alert_webhook_url", "alert_routing_key", "dp_noise_secret", "llm_api_base")


class Settings(BaseSettings):
    """Every knob of the pipeline, with the defaults of DESIGN §3 (env prefix ``CLIO_``)."""

    model_config = SettingsConfigDict(env_prefix="CLIO_", extra="ignore", frozen=True)

    home: Path = Path(".clio")
    input: str | None = None
    pg_url: str | None = None

    llm_backend: Literal["local", "anthropic", "litellm"] = "local"
    llm_model: str | None = None
    llm_model_facets: str | None = None
    llm_model_naming: str | None = None
    llm_model_hierarchy: str | None = None
    llm_model_audit: str | None = None
    llm_api_base: str | None = None
    llm_max_concurrency: int = Field(default=16, ge=1)
    llm_requests_per_minute: int | None = Field(default=None, ge=1)
    llm_tokens_per_minute: int | None = Field(default=None, ge=1)
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=6, ge=0)
    llm_max_failure_rate: float = Field(default=0.02, ge=0.0, le=1.0)
    llm_structured_mode: Literal["auto", "json_schema", "tools"] = "auto"
    llm_examples_per_cluster: int = Field(default=50, ge=1)
    llm_audit_batch_size: int = Field(default=10, ge=1)  # public texts scored per audit call
    # Sampling temperature per role (None: the provider's default); Clio uses 0.2 for facets.
    llm_temperature_facets: float | None = 0.2
    llm_temperature_naming: float | None = 0.5
    llm_temperature_hierarchy: float | None = 0.3
    llm_temperature_audit: float | None = 0.0
    embedder: str = "use-multilingual"
    embed_threads: int = Field(default=2, ge=1)
    # what is embedded for clustering: "auto" embeds the users' own words on the local backend (it has
    # no summary to embed) and the request facet on the LLM backends (DESIGN §1.2)
    embed_input: Literal["auto", "user_text", "request"] = "auto"
    embed_max_chars: int = Field(default=EMBED_MAX_CHARS, ge=1)  # user text is cut to this, whole turns kept
    facet_shard_rows: int = Field(default=100_000, ge=1)  # conversations per facet shard (one step each)

    min_unique_users: int = Field(default=25, ge=1)
    min_conversations: int = Field(default=25, ge=1)
    dp_epsilon: float | None = Field(default=None, gt=0)  # set: counts are released with DP
    dp_delta: float = Field(default=1e-6, gt=0, lt=1)
    dp_max_conversations_per_user: int = Field(default=5, ge=1)
    dp_noise_secret: SecretStr | None = None  # set: keyed noise, byte-identical re-runs
    retention_days: int = Field(default=30, ge=1)
    alert_webhook_url: str | None = None
    alert_format: Literal["json", "slack", "pagerduty"] = "json"
    alert_routing_key: str | None = None  # PagerDuty Events v2 integration key
    dagster_ui_url: str = "http://127.0.0.1:3000"

    seed: int = 0
    cluster_size_target: int = Field(default=60, ge=2)
    # > 1: k-means into ratio * k cells merged back to k by average linkage; 1: plain k-means
    cluster_merge_ratio: int = Field(default=2, ge=1)  # 2 on real text (bench/results/cluster_options.md)
    # each conversation's embedding is averaged with this many nearest ones before clustering (0: off)
    cluster_smoothing_neighbours: int = Field(default=5, ge=0)
    # only neighbours at least this similar (cosine) are averaged in
    cluster_smoothing_min_similarity: float = Field(default=0.7, ge=-1.0, le=1.0)
    # merging cells adds link_weight x the share of their rows' this many nearest rows that lie
    # in the other cell to the cells' cosine (0: cosine alone)
    cluster_link_neighbours: int = Field(default=15, ge=0)
    cluster_link_weight: float = Field(default=2.0, ge=0.0)
    max_base_clusters: int = Field(default=1000, ge=2)
    top_nodes: int = Field(default=8, ge=1)
    hierarchy_levels: int = Field(default=3, ge=2)
    custom_facets: list[CustomFacet] = []
    # rebuild: cluster, name and build the hierarchy every day; assign: label the day with the
    # latest rebuilt taxonomy (nearest base-cluster centroid); auto: assign while that taxonomy
    # is at most taxonomy_max_age_days old, else rebuild.
    taxonomy_mode: Literal["rebuild", "assign", "auto"] = "rebuild"
    taxonomy_max_age_days: int = Field(default=7, ge=0)
    # cosine to the nearest base-cluster centroid below which a conversation is "unassigned"
    taxonomy_min_similarity: float = Field(default=0.45, ge=-1.0, le=1.0)
    # the daily schedule forces a rebuild on this weekday (0 = Monday; None: never) unless the mode is rebuild
    taxonomy_rebuild_weekday: int | None = Field(default=0, ge=0, le=6)

    @field_validator("custom_facets", mode="before")
    @classmethod
    def _parse_custom_facets(cls, value: object) -> object:
        """Accept a JSON string or the path of a JSON file, as the environment gives them."""
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return []
            if not text.startswith("["):
                text = Path(text).read_text()
            return json.loads(text)
        return value

    @field_validator("taxonomy_rebuild_weekday", mode="before")
    @classmethod
    def _parse_rebuild_weekday(cls, value: object) -> object:
        """``never`` (or empty) from the environment: no weekly rebuild."""
        if isinstance(value, str) and value.strip().lower() in ("", "none", "never"):
            return None
        return value

    def clustering_options(self) -> dict[str, int | float]:
        """Keyword arguments of ``core.clustering.cluster.cluster_embeddings`` chosen by these settings."""
        return {
            "merge_ratio": self.cluster_merge_ratio,
            "smoothing_neighbours": self.cluster_smoothing_neighbours,
            "smoothing_min_similarity": self.cluster_smoothing_min_similarity,
            "link_neighbours": self.cluster_link_neighbours,
            "link_weight": self.cluster_link_weight,
        }

    def effective(self) -> dict[str, object]:
        """Every setting as a run uses it, for the UI and logs; secrets say only whether they are set."""
        values = self.model_dump(mode="json")
        for name in _SECRETS:
            values[name] = "(set)" if values.get(name) else None
        return values

    @property
    def embeds_user_text(self) -> bool:
        """Whether the embeddings are of the users' own words (else of the request facet)."""
        if self.embed_input == "auto":
            return self.llm_backend == "local"
        return self.embed_input == "user_text"

    def model_for(self, role: LLMRole) -> str | None:
        """The model for one LLM role: its own override, else the default model."""
        return getattr(self, f"llm_model_{role}") or self.llm_model

    def temperature_for(self, role: LLMRole) -> float | None:
        """The sampling temperature for one LLM role."""
        return getattr(self, f"llm_temperature_{role}")

    @property
    def restricted_dir(self) -> Path:
        return self.home / "restricted"

    @property
    def public_dir(self) -> Path:
        return self.home / "public"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    def restricted_partition(self, date: str) -> Path:
        return self.restricted_dir / date

    def public_partition(self, date: str) -> Path:
        return self.public_dir / date

    @property
    def quarantine_path(self) -> Path:
        return self.restricted_dir / "quarantine.parquet"
