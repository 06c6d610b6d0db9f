"""Language facet accuracy on the real-data development corpus, lever by lever, before and after.

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 python bench/bench_language.py [--corpus /work/devcorpus]
        [--splits dev holdout] [--probe tests/fixtures/language_openers.tsv]

Each split is run one day at a time, as the pipeline runs it (the day's confident detections are
the evidence for its unsure ones). "before" is the detector this replaces: fastText lite's top
label on the first 120 characters. Then each lever is added in turn. Prints Markdown tables:
accuracy overall, without the template-made Home Assistant part, on it, by message length and
per language, plus CPU milliseconds per conversation (process time: the machine is shared).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import polars as pl

from clio_dagster.core.facets import language
from clio_dagster.core.facets.language import LanguageOptions
from clio_dagster.core.facets.local import LocalFacetExtractor
from clio_dagster.core.facets.text_tokens import scrub_identifiers
from clio_dagster.core.interfaces import FacetSpec

FULL = LanguageOptions()
# Each lever added to the one before it, starting from fastText alone.
LEVERS: list[tuple[str, LanguageOptions]] = [
    (
        "fastText, ISO 639-1 labels only",
        replace(FULL, script_rules=False, ensemble=False, user_prior=False),
    ),
    ("+ script rules", replace(FULL, ensemble=False, user_prior=False)),
    ("+ Nito-ELD ensemble", replace(FULL, user_prior=False)),
    ("+ user prior (default)", FULL),
]
LENGTH_BUCKETS = [(0, 10), (11, 30), (31, 60), (61, 120), (121, 1_000_000)]


def before_languages(texts: pl.Series) -> pl.Series:
    """The replaced detector, as it was: fastText lite's top label on the first 120 characters,
    code blocks and identifier-like chunks removed."""
    detector = language._fasttext()
    scrubbed = scrub_identifiers(pl.lit(texts.fill_null("")).str.replace_all(r"(?s)```.*?```", " "))
    cleaned = pl.select(scrubbed.str.replace_all(r"\s+", " ").str.strip_chars().str.slice(0, 120)).to_series()
    codes = {
        text: detector.detect(text, model="lite", k=1)[0]["lang"] if text else language.UNDETERMINED
        for text in cleaned.unique().to_list()
    }
    return pl.Series("language", [codes[text] for text in cleaned.to_list()], dtype=pl.Utf8)


def load_split(folder: Path) -> pl.DataFrame:
    """Per conversation: day, user, the pipeline's user text, and the labels."""
    conversations = pl.read_ndjson(folder / "conversations.jsonl")
    labels = pl.read_ndjson(folder / "labels.jsonl").select(
        "conversation_id", "date", pl.col("language").alias("gold"), "source", "template_made"
    )
    prepared = LocalFacetExtractor().prepare(conversations, FacetSpec())
    return prepared.select("conversation_id", "user_id", "user_text").join(
        labels, on="conversation_id", how="inner", maintain_order="left"
    )


def predict(split: pl.DataFrame, options: LanguageOptions | None) -> tuple[pl.Series, float]:
    """Codes for every row, one day at a time, and the seconds it took."""
    started = time.process_time()
    parts = []
    for (_,), day in split.with_row_index("row").group_by("date", maintain_order=True):
        codes = (
            before_languages(day["user_text"])
            if options is None
            else language.detect_languages(day["user_text"], day["user_id"], options)
        )
        parts.append(pl.DataFrame({"row": day["row"], "language": codes}))
    codes = pl.concat(parts).sort("row")["language"]
    return codes, time.process_time() - started


def _accuracy(frame: pl.DataFrame) -> str:
    return f"{frame['ok'].mean():.3f} ({frame.height})" if frame.height else "–"


def lever_table(split: pl.DataFrame) -> tuple[str, pl.Series]:
    template = pl.col("template_made")
    header = "| detector | all | real text (en, zh) | template-made (HA, spam) | CPU ms/conversation |"
    lines = [header, "|---|---|---|---|---|"]
    final = None
    for name, options in [("before (today's detector)", None), *LEVERS]:
        codes, seconds = predict(split, options)
        scored = split.with_columns(ok=codes == pl.col("gold"))
        lines.append(
            f"| {name} | {_accuracy(scored)} | {_accuracy(scored.filter(~template))} | "
            f"{_accuracy(scored.filter(template))} | "
            f"{1000 * seconds / split.height:.3f} |"
        )
        final = codes
    return "\n".join(lines), final


def breakdown(split: pl.DataFrame, before: pl.Series, after: pl.Series) -> str:
    scored = split.with_columns(
        before=before == pl.col("gold"),
        after=after == pl.col("gold"),
        length=pl.col("user_text").str.strip_chars().str.len_chars(),
    )
    lines = ["| user text length (chars) | conversations | before | after |", "|---|---|---|---|"]
    for low, high in LENGTH_BUCKETS:
        part = scored.filter(pl.col("length").is_between(low, high))
        if part.height:
            label = f"{low}–{high}" if high < 1_000_000 else f"> {low - 1}"
            lines.append(
                f"| {label} | {part.height} | {part['before'].mean():.3f} | {part['after'].mean():.3f} |"
            )
    per_language = (
        scored.group_by("gold").agg(pl.len(), pl.col("before").mean(), pl.col("after").mean()).sort("gold")
    )
    lines += ["", "| language | conversations | before | after |", "|---|---|---|---|"]
    lines += [f"| {g} | {n} | {b:.2f} | {a:.2f} |" for g, n, b, a in per_language.iter_rows()]
    wrong = (
        scored.filter(~pl.col("after"))
        .with_columns(predicted=after.filter(~scored["after"]))
        .group_by("gold", "predicted")
        .len()
        .sort("len", descending=True)
        .head(15)
    )
    lines += [
        "",
        "Most frequent errors after: " + ", ".join(f"{g}→{p} ×{n}" for g, p, n in wrong.iter_rows()),
    ]
    return "\n".join(lines)


def probe_table(path: Path) -> str:
    rows = [line.split("\t") for line in path.read_text().splitlines() if line and not line.startswith("#")]
    gold = pl.Series([code for code, _ in rows])
    texts = pl.Series([text for _, text in rows])
    lines = ["| detector | accuracy |", "|---|---|"]
    lines.append(f"| before (today's detector) | {(before_languages(texts) == gold).mean():.3f} |")
    for name, options in LEVERS:
        lines.append(f"| {name} | {(language.detect_languages(texts, None, options) == gold).mean():.3f} |")
    return f"{len(rows)} hand-written openers, each its own user (no user prior):\n\n" + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/work/devcorpus"))
    parser.add_argument("--splits", nargs="+", default=["dev", "holdout"])
    parser.add_argument("--probe", type=Path, default=Path("tests/fixtures/language_openers.tsv"))
    args = parser.parse_args()
    for name in args.splits:
        split = load_split(args.corpus / name)
        print(f"\n## {name}: {split.height} conversations, {split['gold'].n_unique()} languages\n")
        table, after = lever_table(split)
        print(table + "\n")
        before, _ = predict(split, None)
        print(breakdown(split, before, after))
    print("\n## Hand-written short openers\n")
    print(probe_table(args.probe))


if __name__ == "__main__":
    main()
