"""Coverage: how many of a topic's documents hold one of its top words.

Coherence (NPMI on the corpus itself) rises whenever a topic's words narrow to a small,
tightly co-occurring part of it, so a change to topic words can gain NPMI while its words
stop describing most of the topic's documents (``docs/decisions/topic_words.md``,
"Distinctive atoms weighted up"). Coverage measures that side: the share of the documents
with a main topic in which at least one of its top words occurs.
"""

from __future__ import annotations

import numpy as np

from .reference import ReferenceCorpus


def topic_coverage(topics, reference: ReferenceCorpus, assignments, top_n: int = 10) -> float:
    """Share of the documents with a main topic that hold one of its ``top_n`` words.

    Parameters
    ----------
    topics : list of list of str
        Top words of every topic, best first; topic ``t`` is ``topics[t]``.
    reference : ReferenceCorpus
        The documents as vocabulary tokens, row-aligned with ``assignments``.
    assignments : array-like of shape (n_documents,), int
        Main topic of every document; -1 (or any id without a word list) counts as no
        topic and is left out.
    top_n : int, default=10
        Words per topic, as coherence scores them.

    Returns
    -------
    float
        In [0, 1]; NaN when no document has a topic.
    """
    assignments = np.asarray(assignments)
    if assignments.ndim != 1 or assignments.size != len(reference.texts):
        raise ValueError(f"assignments of shape {assignments.shape} do not describe the "
                         f"{len(reference.texts)} reference documents.")
    words = [set(topic[:top_n]) for topic in topics]
    with_topic = covered = 0
    for tokens, topic in zip(reference.texts, assignments.tolist(), strict=True):
        if 0 <= topic < len(words):
            with_topic += 1
            covered += not words[topic].isdisjoint(tokens)
    return covered / with_topic if with_topic else float("nan")
