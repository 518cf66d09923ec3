"""Topic words and topic embeddings from SAE-TM, for whatever BERTopic asks about.

BERTopic calls its representation model for the fitted topics, after merge/reduce, once per
node of ``hierarchical_topics``, once per time bin of ``topics_over_time`` and once per class
of ``topics_per_class``, each time with a table of documents and their (current) topic ids.
A group of documents labelled ``t`` is described by the atoms of the merged topics its
documents belong to:

* a group holding *all* the training documents of those merged topics (a topic, a merged
  topic, a hierarchy node) gets the SAE-TM topic distribution: the atoms' word rows (word
  profiles, or ``B`` with ``topic_words="emission"``) weighted by prior and selectivity
  (:meth:`SAETopicModel.word_distributions`), exactly :attr:`SAETopicModel.topic_word_` for
  an unmerged topic;
* a group holding only *some* of them (a time bin, a class) weights the same atoms by their
  mixture mass within the group's documents (and their selectivity), so words follow the
  subset;
* the outlier group -1 (documents on which no atom fires) gets the background distribution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from bertopic.representation import BaseRepresentation
from bertopic.vectorizers import ClassTfidfTransformer

from ..merge.ranking import ranked_words
from .bertopic_internals import ctfidf_idf, set_ctfidf_idf
from .groups import group_atom_mass, training_rows_and_topics
from .hooks import install_hooks, set_ctfidf_from_counts

#: BERTopic's filler for missing words in a representation.
_PAD = ("", 1e-05)


def top_words(distributions: np.ndarray, vocabulary: np.ndarray, fallback: np.ndarray,
              top_n: int, marginal: np.ndarray | None = None, weight: float = 1.0
              ) -> list[list[tuple[str, float]]]:
    """``top_n`` (word, probability) pairs per row.

    Rows are ranked by relevance against ``marginal``
    (:func:`~bertopic_saetm.merge.ranking.ranked_words`, as
    :meth:`SAETopicModel.get_topics`, with ``weight`` its ``lambda``), or by probability
    when it is None; all-zero rows use ``fallback`` (the background, always by probability:
    its most common words).
    """
    result = []
    for row in distributions:
        against = marginal
        if not row.any():
            row, against = fallback, None
        words = [pair for pair in ranked_words(row, against, vocabulary, top_n, weight)[0]
                 if pair[1] > 0]
        result.append(words + [_PAD] * (top_n - len(words)))
    return result


class EmissionRepresentation(BaseRepresentation):
    """BERTopic ``representation_model``: topic words by SAE-TM's topic-word rule
    (``SAETopicModel.topic_words``: the atoms' word profiles, or the emission ``B``).

    Returns exactly ``top_n_words`` (word, probability) pairs per topic (BERTopic's
    ``("", 1e-05)`` filler pads short topics), for the same topic ids it is given.
    """

    def __init__(self, backend):
        self.backend = backend

    def extract_topics(self, topic_model, documents: pd.DataFrame, c_tf_idf, topics) -> dict:
        """Words of every topic in ``topics`` (see the module docstring for the groups)."""
        backend = self.backend
        backend.check_attached(topic_model)
        if install_hooks(topic_model, backend):
            # First call, inside BERTopic's own fit: from now on c-TF-IDF comes from the
            # backend's counts (see hooks), so this fit's c-TF-IDF does too.
            set_ctfidf_from_counts(topic_model, backend, documents)
        rows, groups = training_rows_and_topics(backend, documents)
        labels = sorted(int(label) for label in topics)
        model = backend.model
        distributions = model.word_distributions(
            group_atom_mass(backend, rows, groups, labels))
        words = top_words(distributions, model.vocabulary_, model.background_,
                          int(topic_model.top_n_words), model.word_marginal(),
                          model.relevance_weight())
        return dict(zip(labels, words, strict=True))


class FixedVocabularyClassTfidf(ClassTfidfTransformer):
    """BERTopic's c-TF-IDF for a vocabulary fixed in advance (SAE-TM's).

    BERTopic strips punctuation before counting words for c-TF-IDF (``re.sub`` becomes
    ``resub``), so a few vocabulary words may never be counted there and the stock
    transformer gives them an infinite IDF, which breaks representative documents and
    c-TF-IDF-based figures. Such words get the largest finite IDF instead (they are as rare
    as a word can be in those topic documents). Parameters as ``ClassTfidfTransformer``.
    """

    def fit(self, X, multiplier=None):
        with np.errstate(divide="ignore"):
            super().fit(X, multiplier=multiplier)
        if self.use_idf:
            idf = ctfidf_idf(self)
            finite = np.isfinite(idf)
            if not finite.all():
                set_ctfidf_idf(self, np.where(finite, idf, idf[finite].max() if finite.any()
                                              else 1.0))
        return self
