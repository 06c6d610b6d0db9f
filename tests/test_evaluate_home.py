"""`clio evaluate`: a finished home scored against labels, on a small crafted home with exact figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_mutual_info_score, normalized_mutual_info_score
from typer.testing import CliRunner

from clio_dagster import cli
from clio_dagster.cli import app
from clio_dagster.core.clustering.home_evaluation import (
    EvaluationError,
    evaluate_home,
    label_name,
    read_labels,
)

DAY = "2026-11-01"
VOCABULARY = ["travel", "hotel", "cooking", "bread", "book", "bake", "food"]


def bag_of_words(texts: list[str]) -> np.ndarray:
    """A transparent embedder: one dimension per known word, so cosines are easy to work out by hand."""
    return np.array([[float(w in t.lower().split()) for w in VOCABULARY] for t in texts])


def write_home(home: Path) -> None:
    restricted, public = home / "restricted" / DAY, home / "public" / DAY
    restricted.mkdir(parents=True)
    public.mkdir(parents=True)
    ids = [f"c{i}" for i in range(1, 7)]
    pl.DataFrame(
        {
            "conversation_id": ids,
            "cluster_id": [0, 0, 0, 1, 1, 1],
            "node_path": [["t", "a"]] * 3 + [["t", "b"]] * 3,
        }
    ).write_parquet(restricted / "assignments.parquet")
    pl.DataFrame({"conversation_id": ids, "language": ["en", "en", "de", "en", "en", "en"]}).write_parquet(
        restricted / "facets.parquet"
    )
    nodes = [("t", None, "Travel and food"), ("a", "t", "Book a hotel"), ("b", "t", "Bake bread")]
    hierarchy = {"date": DAY, "nodes": [{"id": i, "parent_id": p, "title": t} for i, p, t in nodes]}
    (public / "hierarchy.json").write_text(json.dumps(hierarchy))


def write_labels(path: Path) -> Path:
    rows = [("c1", "travel/hotel"), ("c2", "travel/hotel"), ("c3", "cooking/bread")]
    rows += [("c4", "cooking/bread"), ("c5", "cooking/bread"), ("c99", "travel/hotel")]  # c6 unlabelled
    path.write_text(
        "".join(json.dumps({"conversation_id": c, "topic": t, "language": "en"}) + "\n" for c, t in rows)
    )
    return path


def test_a_crafted_home_gives_the_figures_worked_out_by_hand(tmp_path):
    write_home(tmp_path / "home")
    labels = read_labels(write_labels(tmp_path / "labels.jsonl"))

    result = evaluate_home(tmp_path / "home", labels, bag_of_words)

    (day,) = result.days
    truth, found = ["h", "h", "b", "b", "b"], [0, 0, 0, 1, 1]
    assert (day.conversations, day.labelled, day.unlabelled, day.base_clusters) == (6, 5, 1, 2)
    assert day.clusters_per_conversation == pytest.approx(2 / 6, abs=1e-4)
    assert day.ami == pytest.approx(adjusted_mutual_info_score(truth, found), abs=1e-4)
    assert day.nmi == pytest.approx(normalized_mutual_info_score(truth, found), abs=1e-4)
    assert day.reconstruction == pytest.approx(0.8)  # cluster 0 -> hotel (c3 wrong), cluster 1 -> bread
    assert day.language_accuracy == pytest.approx(0.8)  # c3 detected as German
    # "Book a hotel" and "Bake bread" are nearest their majority labels; the top node "Travel and
    # food" (majority bread, 3 of 5) is nearest "travel hotel": 2 of 3 agree. Cosines: 0.5, 0.5, 0.
    assert day.titles.nodes == 3
    assert day.titles.nearest_is_majority == pytest.approx(2 / 3, abs=1e-4)
    assert day.titles.mean_similarity == pytest.approx(1 / 3, abs=1e-4)
    assert result.labels_without_conversation == 1
    assert result.to_dict()["unlabelled"] == 1


def test_label_names_read_separators_as_spaces():
    assert label_name("travel/train_times") == "travel train times"
    assert label_name("harmful/weapons-chem-bio") == "harmful weapons chem bio"


def test_bad_labels_and_empty_homes_are_refused_with_what_to_do(tmp_path):
    (tmp_path / "no_topic.jsonl").write_text('{"conversation_id": "c1", "intent": "x"}\n')
    with pytest.raises(EvaluationError, match="lacks \\['topic'\\]"):
        read_labels(tmp_path / "no_topic.jsonl")
    (tmp_path / "twice.jsonl").write_text('{"conversation_id": "c1", "topic": "a"}\n' * 2)
    with pytest.raises(EvaluationError, match="more than once"):
        read_labels(tmp_path / "twice.jsonl")
    with pytest.raises(EvaluationError, match="run `clio run` first"):
        evaluate_home(tmp_path / "empty", read_labels(write_labels(tmp_path / "labels.jsonl")), None)


def test_the_command_prints_a_table_and_writes_json(tmp_path, monkeypatch):
    monkeypatch.delenv("CLIO_HOME", raising=False)
    monkeypatch.setattr(cli.console, "width", 200)  # the table is wide; a narrow one wraps its cells
    write_home(tmp_path / "home")
    labels = write_labels(tmp_path / "labels.jsonl")
    out = tmp_path / "scores.json"
    result = CliRunner().invoke(
        app, ["evaluate", str(tmp_path / "home"), "--labels", str(labels), "--json", str(out), "--no-titles"]
    )
    assert result.exit_code == 0, result.output
    assert "2026-11-01" in result.output and "80.0%" in result.output
    scores = json.loads(out.read_text())
    assert scores["days"][0]["reconstruction"] == pytest.approx(0.8)
    assert scores["days"][0]["titles"]["nodes"] == 0  # not scored with --no-titles
    assert scores["labels_without_conversation"] == 1

    missing = CliRunner().invoke(app, ["evaluate", str(tmp_path / "nowhere"), "--labels", str(labels)])
    assert missing.exit_code == 2 and "clio run" in missing.output
