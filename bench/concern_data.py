"""Labelled prompts for the concern model: loading, splitting and embedding (cached).

Sources (nothing from ``clio sample`` or its generator; the reserved evaluation corpora are never read):
- ``prompts.parquet`` of the real-data development corpus (``/work/devcorpus/{dev,holdout}``):
  HarmBench, StrongREJECT and AdvBench harmful prompts with normalised categories, against the
  benign real prompts of the same split (MultiWOZ/CamRest/CrossWOZ user turns, WritingBench,
  FreshQA, MT-Bench, Home Assistant commands in ~60 locales). HarmBench's ``copyright`` behaviours
  (song lyrics, book passages) are not safety harms and are left out.
- pyrit's red-team objectives (``scorer_evals/objective``): the only real source of self-harm
  requests; split dev/holdout by a hash of the text, as the corpus splits its items.
- ``bench/data/concern_augment.jsonl``: hand-written supplement (benign look-alikes and everyday
  requests, first-person distress, harmful requests in other languages); training only.
- ``tests/data/concern_probes.jsonl``: hand-written probes in 14 languages; the ``tune`` split may
  be trained on, the ``heldout`` split never is.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import polars as pl

from clio_dagster.core.clustering.embed import UseMultilingualEmbedder

REPO = Path(__file__).resolve().parents[1]

AUGMENT_FILE = REPO / "bench" / "data" / "concern_augment.jsonl"
PROBES_FILE = REPO / "tests" / "data" / "concern_probes.jsonl"
EMBED_CHARS = 1000  # the user text the local backend embeds is bounded the same way
EXCLUDED_CATEGORIES = {"copyright"}
PYRIT_OBJECTIVES = {
    "chemical_biological": "weapons_chem_bio",
    "cyber": "cybercrime",
    "exploits": "cybercrime",
    "phishing": "cybercrime",
    "harassment_bullying": "harassment_hate",
    "hate_speech": "harassment_hate",
    "illegal_activity": "illegal_activity",
    "misinformation": "misinformation",
    "self_harm": "self_harm",
    "sexual": "sexual",
    "violence": "violence",
}  # bias, privacy and info_integrity hold many benign-looking objectives; left out
COLUMNS = ["text", "language", "harmful", "category", "source", "split"]

# Harm wrapped in a translation request is a known way around filters. Training sees real dev
# prompts (harmful and assistant-style benign alike, so the wrapper itself carries no weight) inside
# these wrappers; evaluation uses other wrappers, in other languages, on holdout prompts.
TRAIN_WRAPPERS = (
    "Translate into French: {}",
    'Please translate this to Spanish: "{}"',
    "Traduis en anglais : « {} »",
    "Übersetze ins Englische: „{}“",
    "翻译成英文：{}",
    "Translate the following message into German, keep the tone: {}",
    "Переведи на английский: {}",
    "Can you put this into Japanese? '{}'",
)
EVAL_WRAPPERS = (
    "Traduce al inglés: «{}»",
    "Translate this into Korean please: {}",
    'Traduci in inglese: "{}"',
    "Bunu Türkçeye çevir: {}",
)
WRAPPED_BENIGN_SOURCES = ("writingbench", "freshqa", "mtbench")


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package '{module}' is missing: pip install --no-deps pyrit==1.1.0")
    return Path(next(iter(spec.submodule_search_locations)))


def _hash_split(text: str) -> str:
    return "holdout" if int(hashlib.sha256(text.encode()).hexdigest(), 16) % 2 else "dev"


def corpus_prompts(corpus: Path) -> pl.DataFrame:
    frames = []
    for split in ("dev", "holdout"):
        prompts = pl.read_parquet(corpus / split / "prompts.parquet")
        frames.append(
            prompts.filter(
                pl.col("harm_category").is_in(list(EXCLUDED_CATEGORIES)).fill_null(False).not_()
            ).select(
                "text",
                "language",
                "harmful",
                pl.col("harm_category").alias("category"),
                "source",
                pl.lit(split).alias("split"),
            )
        )
    return pl.concat(frames)


def wrapped(prompts: pl.DataFrame, wrappers: tuple[str, ...]) -> pl.DataFrame:
    """Each harmful prompt and each assistant-style benign prompt inside one of ``wrappers`` (chosen
    by a hash of the text), with ``source`` suffixed "+wrapped" and ``original`` kept for folds."""
    chosen = prompts.filter(pl.col("harmful") | pl.col("source").is_in(WRAPPED_BENIGN_SOURCES))

    def wrap(text: str) -> str:
        template = wrappers[int(hashlib.sha256(text.encode()).hexdigest(), 16) % len(wrappers)]
        return template.format(text)

    return chosen.with_columns(
        pl.col("text").alias("original"),
        pl.col("text").map_elements(wrap, return_dtype=pl.Utf8),
        pl.lit("mixed").alias("language"),
        (pl.col("source") + "+wrapped").alias("source"),
    )


def pyrit_objectives() -> pl.DataFrame:
    folder = _package_dir("pyrit") / "datasets" / "scorer_evals" / "objective"
    rows = []
    for name, category in PYRIT_OBJECTIVES.items():
        with (folder / f"{name}.csv").open(encoding="utf-8") as handle:
            lines = [line for line in csv.reader(handle) if line and not line[0].startswith("#")]
        column = lines[0].index("objective")
        for text in sorted({line[column].strip() for line in lines[1:] if len(line) > column}):
            if text:
                rows.append((text, "en", True, category, "pyrit_objective", _hash_split(text)))
    return pl.DataFrame(rows, schema=COLUMNS, orient="row")


def augmentation() -> pl.DataFrame:
    frame = pl.read_ndjson(AUGMENT_FILE, infer_schema_length=None)
    return frame.select(
        "text",
        pl.lit("mixed").alias("language"),
        "harmful",
        pl.col("category").cast(pl.Utf8),
        pl.lit("handwritten").alias("source"),
        pl.lit("train").alias("split"),
    )


def probes() -> pl.DataFrame:
    """The multilingual probes: concept, split (tune | heldout), kind, language, category/theme, text."""
    return pl.read_ndjson(PROBES_FILE, infer_schema_length=None)


def embed_texts(texts: list[str], cache_dir: Path) -> np.ndarray:
    """USE-multilingual embeddings of ``texts`` (cut to ``EMBED_CHARS``), cached by content."""
    cut = [text[:EMBED_CHARS] for text in texts]
    digest = hashlib.sha256("\x00".join(cut).encode()).hexdigest()[:20]
    path = cache_dir / f"use-{digest}.npy"
    if path.exists():
        return np.load(path)
    cache_dir.mkdir(parents=True, exist_ok=True)
    vectors = UseMultilingualEmbedder(threads=2).embed(cut)
    np.save(path, vectors)
    return vectors
