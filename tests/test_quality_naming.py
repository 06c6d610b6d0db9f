"""Readable local names: topic-like titles, phrases kept whole, filler pushed out by coherence."""

from __future__ import annotations

import numpy as np

from clio_dagster.core.interfaces import ClusterGroups
from clio_dagster.core.taxonomy.naming import LocalClusterNamer


def _groups(topics: list[list[str]], per_topic: int = 30) -> ClusterGroups:
    texts, labels, users = [], [], []
    for label, phrasings in enumerate(topics):
        for i in range(per_topic):
            texts.append(phrasings[i % len(phrasings)])
            labels.append(label)
            users.append(f"u{label}-{i}")
    return ClusterGroups(
        texts=texts, labels=np.array(labels), centroids=np.eye(len(topics), dtype=np.float32), user_ids=users
    )


def test_titles_read_as_topics_and_keep_phrases_whole():
    groups = _groups(
        [
            ["cover letter marketing job", "marketing cover letter", "cover letter application"],
            ["python script error", "error python traceback", "python loop error"],
            ["vegan lasagna recipe", "recipe vegan dinner lentils", "vegan recipe"],
        ]
    )
    titles = [n.title for n in LocalClusterNamer().name_clusters(groups)]
    assert all("·" not in t for t in titles)
    assert titles[0].startswith("Cover letter")  # the phrase, not "Cover, letter"
    assert titles[0].lower().count("letter") == 1  # each word said once
    assert " and " in titles[1] and "python" in titles[1].lower()


def test_coherence_pushes_a_language_filler_word_out_of_the_title():
    # every Spanish speaker of this cluster also says "atascado" (stuck), somewhere in the request:
    # as distinctive as the topic words by counts alone, and first alphabetically, but far from
    # the cluster's theme
    groups = _groups(
        [
            [
                "atascado impuestos declaración renta",
                "renta atascado hacienda impuestos",
                "impuestos hacienda declaración atascado",
                "declaración renta hacienda atascado",
            ],
            ["python script error traceback", "error python loop"],
            ["vegan lasagna recipe dinner", "recipe vegan lentils"],
        ],
        per_topic=40,
    )
    plain = LocalClusterNamer(coherence=False).name_clusters(groups)[0].title.lower()
    coherent = LocalClusterNamer().name_clusters(groups)[0].title.lower()
    assert plain.startswith("atascado")  # the failure this guards against
    assert not coherent.startswith("atascado")
    assert coherent.split(",")[0].split(" and ")[0] in {"impuestos", "renta", "hacienda", "declaración"}


def test_names_never_contain_a_word_outside_the_requests():
    groups = _groups([["garden tomato leaves"], ["car brake noise"]])
    vocabulary = {w for t in groups.texts for w in t.split()}
    for name in LocalClusterNamer().name_clusters(groups):
        words = name.title.lower().replace(",", " ").split()
        assert {w for w in words if w != "and"} <= vocabulary
