"""LLM backends (Anthropic SDK, litellm): structured outputs, caching, limits, accounting, prompts.

Importing this package is cheap: the SDKs load when a backend first sends a request.
"""

from clio_dagster.llm.backends import build_llm_backends

__all__ = ["build_llm_backends"]
