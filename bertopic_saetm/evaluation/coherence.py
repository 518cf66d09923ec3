"""Topic coherence with gensim's CoherenceModel (NPMI, C_V), as BERTopic and OCTIS report it."""

from __future__ import annotations

import logging

import numpy as np

logger = logging.getLogger(__name__)

#: gensim's default sliding windows: NPMI 10 (as in the BERTopic paper), C_V 110.
WINDOWS = {"c_npmi": 10, "c_v": 110}


def coherence(topics, reference, measure: str = "c_npmi", top_n: int = 10,
              window_size: int | None = None) -> np.ndarray:
    """Coherence of every topic.

    Parameters
    ----------
    topics : list of list of str
        Top words of every topic, best first.
    reference : ReferenceCorpus
    measure : {"c_npmi", "c_v"}
    top_n : int, default=10
        Words per topic scored.
    window_size : int, optional
        Sliding window (default: 10 for NPMI, 110 for C_V).

    Returns
    -------
    ndarray of shape (n_topics,)
        NaN for topics with fewer than two words present in the reference.
    """
    from gensim.models.coherencemodel import CoherenceModel

    if measure not in WINDOWS:
        raise ValueError(f"measure must be one of {sorted(WINDOWS)}, got {measure!r}.")
    known = reference.dictionary.token2id
    kept = [[w for w in words if w in known][:top_n] for words in topics]
    scores = np.full(len(topics), np.nan)
    scorable = [i for i, words in enumerate(kept) if len(words) >= 2]
    if len(scorable) < len(kept):
        logger.warning("%d topics have fewer than two reference words and are not scored.",
                       len(kept) - len(scorable))
    if scorable:
        model = CoherenceModel(
            topics=[kept[i] for i in scorable], texts=reference.texts,
            dictionary=reference.dictionary, coherence=measure, topn=top_n,
            window_size=window_size or WINDOWS[measure], processes=1)
        scores[scorable] = model.get_coherence_per_topic()
    return scores
