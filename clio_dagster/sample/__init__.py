"""A realistic synthetic corpus with ground truth, for the demo, tests, evaluation and benchmarks.

Pure Python (no Dagster): ``generate_sample`` writes ``conversations.jsonl`` in the canonical
input schema, ``truth.jsonl`` with each conversation's topic, language, planted private strings
and trust-and-safety group, and optionally ``malformed.jsonl``; ``write_labels`` derives the
``labels.jsonl`` that ``clio eval`` reads.
"""

from clio_dagster.sample.generator import SampleFiles, generate_sample, write_labels

__all__ = ["SampleFiles", "generate_sample", "write_labels"]
