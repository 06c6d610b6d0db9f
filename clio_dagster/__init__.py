"""clio-dagster: privacy-preserving insight into LLM usage, as a Dagster code location."""
