"""SAE-TM inside BERTopic: dimensionality = SAE encoder, clustering = atom merging,
representation = word emission.

>>> from bertopic_saetm import SAETopicModel
>>> from bertopic_saetm.backends import SAETMBackend, set_n_topics          # doctest: +SKIP
>>> backend = SAETMBackend(SAETopicModel(n_topics=20, random_state=0))      # doctest: +SKIP
>>> topic_model = backend.bertopic(docs)  # = BERTopic(**backend.components(docs))  # doctest: +SKIP
>>> topics, probs = topic_model.fit_transform(docs, embeddings)             # doctest: +SKIP
>>> set_n_topics(topic_model, 50)                                           # doctest: +SKIP

Importing this package does not import BERTopic (10-25 s); creating the components does.
Every use of BERTopic's private API is in :mod:`.bertopic_internals`.
"""

from .backend import SAETMBackend
from .components import AtomMerger, SAEEncoder
from .fit_state import BackendStage
from .groups import document_fingerprints

__all__ = [
    "SAETMBackend",
    "BackendStage",
    "SAEEncoder",
    "AtomMerger",
    "EmissionRepresentation",
    "document_fingerprints",
    "set_n_topics",
    "topic_distribution",
    "topics_over_time",
    "topic_word_distributions",
    "document_coordinates",
    "save_bertopic",
    "load_bertopic",
]

_LAZY = {
    "EmissionRepresentation": "representation",
    "set_n_topics": "operations",
    "topic_distribution": "operations",
    "topics_over_time": "operations",
    "topic_word_distributions": "operations",
    "document_coordinates": "operations",
    "save_bertopic": "saving",
    "load_bertopic": "saving",
}


def __getattr__(name):
    # These modules import bertopic (10-25 s); load them on first use.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
