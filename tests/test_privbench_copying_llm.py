"""A model that copies private details from the conversations into every answer (issue 16, item 2).

The protocol server, driven by the real anthropic and litellm SDKs, plays a weak or injected model:
each facet, title and description it writes carries the person names, emails and phone numbers it
saw in its prompt. Its auditor passes benign texts (it flags only emails and long digit runs, as
the scripted one does). The screen judges with the gate's function and regenerates or withholds,
so every day still publishes a map of at least two levels, and none of that text is public.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import polars as pl
import pytest
from dagster import DagsterInstance

from clio_dagster.config import Settings
from clio_dagster.runner import run_partition

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def private_corpus(tmp_path_factory) -> tuple[Path, list[str], set[str]]:
    """Two days of the sample, each conversation's first message signed with a Faker person's
    name, email or phone (each detail used by one user only)."""
    from faker import Faker

    from clio_dagster.sample import generate_sample

    out = tmp_path_factory.mktemp("copying-llm")
    sample = generate_sample(out, days=2, conversations=600, seed=3)
    fake = Faker(["en_US", "en_GB", "de_DE", "fr_FR"])
    Faker.seed(16)
    rng = random.Random(16)
    planted: set[str] = set()
    records = []
    for line in sample.conversations.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
            first = next(m for m in record["messages"] if m["role"] == "user")
        except (json.JSONDecodeError, KeyError, TypeError, StopIteration):
            records.append(line)  # the sample's malformed lines stay malformed
            continue
        name, detail = fake.name(), rng.choice([fake.email(), fake.phone_number()])
        planted |= {name, detail}
        first["content"] += f" Thanks, {name}. You can reach me at {detail}."
        records.append(json.dumps(record, ensure_ascii=False))
    path = out / "private.jsonl"
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    return path, sample.dates, planted


@pytest.mark.parametrize("provider", ["anthropic", "litellm"])
def test_a_model_that_copies_private_details_publishes_every_day_with_none_of_them(
    provider, private_corpus, clio_home, monkeypatch
):
    import llm_support

    path, dates, planted = private_corpus
    with llm_support.ProtocolServer(responder=llm_support.copying_responder(planted)) as server:
        monkeypatch.setenv("CLIO_INPUT", str(path))
        for name, value in llm_support.server_env(server, provider).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("CLIO_MIN_UNIQUE_USERS", "10")
        monkeypatch.setenv("CLIO_MIN_CONVERSATIONS", "10")
        outcomes = [run_partition(date, DagsterInstance.ephemeral()) for date in dates]
    assert [(o.date, o.success, o.reason) for o in outcomes] == [(d, True, "") for d in dates]
    settings = Settings()
    public_text = ""
    for date in dates:
        # the model did copy: the restricted facets and the unscreened names carry the details
        facets = "\n".join(pl.read_parquet(settings.restricted_partition(date) / "facets.parquet")["request"])
        assert sum(s in facets for s in planted) >= 100
        unscreened = (settings.restricted_partition(date) / "hierarchy.json").read_text()
        assert sum(s in unscreened for s in planted) >= 5
        hierarchy = json.loads((settings.public_partition(date) / "hierarchy.json").read_text())
        assert hierarchy["backend"] == "llm"
        assert len({n["depth"] for n in hierarchy["nodes"]}) >= 2, date
        public_text += "\n".join(
            p.read_text(encoding="utf-8") for p in sorted(settings.public_partition(date).iterdir())
        )
    public_text += (settings.public_dir / "explorer.html").read_text(encoding="utf-8")
    leaked = sorted(s for s in planted if s in public_text)
    surnames = {s.split()[-1] for s in planted if "@" not in s and not any(c.isdigit() for c in s)}
    leaked_surnames = sorted(s for s in surnames if len(s) >= 5 and s in public_text)
    assert (leaked, leaked_surnames) == ([], [])
