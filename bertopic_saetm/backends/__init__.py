"""SAE-TM inside BERTopic: dimensionality = SAE encoder, clustering = atom merging,
representation = word emission.

>>> from bertopic import BERTopic                                            # doctest: +SKIP
>>> from bertopic_saetm import SAETopicModel
>>> from bertopic_saetm.backends import SAETMBackend, set_n_topics          # doctest: +SKIP
>>> backend = SAETMBackend(SAETopicModel(n_topics=20, random_state=0))      # doctest: +SKIP
>>> topic_model = BERTopic(**backend.components(docs))                      # doctest: +SKIP
>>> topics, probs = topic_model.fit_transform(docs, embeddings)             # doctest: +SKIP
>>> set_n_topics(topic_model, 50)                                           # doctest: +SKIP

Importing this package does not import BERTopic; creating the components does.
"""

from .backend import SAETMBackend, document_fingerprints
from .components import AtomMerger, SAEEncoder

__all__ = [
    "SAETMBackend",
    "SAEEncoder",
    "AtomMerger",
    "EmissionRepresentation",
    "document_fingerprints",
    "set_n_topics",
    "topic_distribution",
    "topics_over_time",
    "document_coordinates",
    "save_bertopic",
    "load_bertopic",
]

_LAZY = {
    "EmissionRepresentation": "representation",
    "set_n_topics": "operations",
    "topic_distribution": "operations",
    "topics_over_time": "operations",
    "document_coordinates": "operations",
    "save_bertopic": "persistence",
    "load_bertopic": "persistence",
}


def __getattr__(name):
    # These modules import bertopic (10-25 s); load them on first use.
    if name in _LAZY:
        import importlib

        try:
            module = importlib.import_module(f".{_LAZY[name]}", __name__)
        except ImportError as exc:
            raise ImportError(
                f"{name} needs BERTopic: pip install 'bertopic>=0.17,<0.18'."
            ) from exc
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
