import numpy as np

from clio_dagster.core.interfaces import ClusterGroups
from clio_dagster.core.taxonomy.naming import LocalClusterNamer, distinctive_terms


def _groups():
    texts, labels, users = [], [], []
    topics = [
        ["write a cover letter for a marketing job", "cover letter for my job application please"],
        ["fix this python error in my script", "python script raises a type error"],
        ["recipe for vegan lasagna dinner", "easy vegan dinner recipe with lentils"],
    ]
    for label, phrasings in enumerate(topics):
        for i in range(30):
            texts.append(phrasings[i % 2])
            labels.append(label)
            users.append(f"u{label}-{i}")
    # one user repeats a unique word many times: it must not name anything
    texts += ["cover letter zanzibarian"] * 20
    labels += [0] * 20
    users += ["heavy-user"] * 20
    centroids = np.eye(3, dtype=np.float32)
    return ClusterGroups(texts=texts, labels=np.array(labels), centroids=centroids, user_ids=users)


def test_titles_are_distinct_and_name_the_topic():
    names = LocalClusterNamer().name_clusters(_groups())
    titles = [n.title.lower() for n in names]
    assert len(set(titles)) == 3
    assert "cover letter" in titles[0]
    assert "python" in titles[1] or "error" in titles[1]
    assert "vegan" in titles[2] or "recipe" in titles[2]
    for name in names:
        assert name.description.count(".") >= 2  # two sentences


def test_a_word_from_a_single_user_never_names_a_cluster():
    names = LocalClusterNamer(min_users_per_term=2).name_clusters(_groups())
    assert all("zanzibarian" not in (n.title + n.description).lower() for n in names)


def test_terms_are_ranked_by_distinctiveness_not_frequency():
    table = distinctive_terms(_groups(), top=5)
    # "letter" appears with "cover" in every text of cluster 0: the bigram is preferred
    assert table.terms[0][0][0] == "cover letter"
    assert all(term != "please" for term, _ in table.terms[0])  # boilerplate is a stop word
