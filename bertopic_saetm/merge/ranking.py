"""Which words name a topic: its distribution's words ranked by relevance (LDAvis).

A topic's word distribution (``topic_word_``) puts the corpus's common words near the top of
every topic. Topic words are listed by the relevance of Sievert & Shirley (2014, LDAvis),

    r_tw = lambda * log p(w | t) + (1 - lambda) * log(p(w | t) / p(w)),

with ``p(w)`` the topics' prior-weighted mean distribution (:func:`word_marginal`): at
``lambda = 1`` the most probable words, lower values favour words the topic uses more than
the others do. The distributions themselves are unchanged; only their order is.

Measured over 3 seeds; ``docs/decisions/topic_words.md`` gives the figures.
"""

from __future__ import annotations

import numpy as np

#: ``lambda`` of the ``"emission"`` topic words
#: (:data:`~bertopic_saetm.merge.topic_words.TOPIC_WORD_RULES`). At 0.9 TD@25 rose on 20
#: Newsgroups (K = 20 / 50 / 100 / 200) and on the
#: bundled corpus (K = 15 / 30) by .01-.03 with NPMI within .004 of the probability order;
#: lower values raised TD further but cost NPMI at K = 200 (a throwaway probe).
RELEVANCE_WEIGHT = 0.9


def word_marginal(topic_word: np.ndarray, topic_prior: np.ndarray) -> np.ndarray:
    """``p(w)``: the topics' word distributions averaged with their priors as weights.

    Parameters
    ----------
    topic_word : ndarray of shape (n_topics, n_words)
    topic_prior : ndarray of shape (n_topics,)

    Returns
    -------
    ndarray of shape (n_words,)
        A distribution (the plain mean of the rows if every prior is 0).
    """
    prior = np.asarray(topic_prior, dtype=np.float64)
    if prior.sum() <= 0:
        prior = np.ones_like(prior)
    return prior @ np.asarray(topic_word, dtype=np.float64) / prior.sum()


def word_relevance(distributions: np.ndarray, marginal: np.ndarray,
                   weight: float = RELEVANCE_WEIGHT) -> np.ndarray:
    """LDAvis relevance of every word for every row.

    Parameters
    ----------
    distributions : ndarray of shape (n_rows, n_words)
        Word distributions (topics, or any group of atoms).
    marginal : ndarray of shape (n_words,)
        :func:`word_marginal`.
    weight : float in [0, 1]
        ``lambda``; 1 ranks by probability alone.

    Returns
    -------
    ndarray of shape (n_rows, n_words)
        ``-inf`` where a row gives the word no probability.
    """
    if not 0 <= weight <= 1:
        raise ValueError(f"weight must be in [0, 1], got {weight}.")
    p = np.asarray(distributions, dtype=np.float64)
    marginal = np.asarray(marginal, dtype=np.float64)
    positive = p > 0
    # A word with probability in a row has a positive marginal (the row is part of it, or
    # is a group of the same atoms); words without probability stay at -inf.
    log_p = np.log(np.where(positive, p, 1.0))
    log_marginal = np.log(np.where(marginal > 0, marginal, 1.0))
    return np.where(positive, log_p - (1 - weight) * log_marginal, -np.inf)


def top_word_indices(distributions: np.ndarray, marginal: np.ndarray, top_n: int,
                     weight: float = RELEVANCE_WEIGHT) -> np.ndarray:
    """Indices of every row's ``top_n`` most relevant words, most relevant first.

    Returns
    -------
    ndarray of shape (n_rows, min(top_n, n_words)), int
        Ties (and words of no probability, last) keep vocabulary order.
    """
    relevance = word_relevance(np.atleast_2d(distributions), marginal, weight)
    return np.argsort(-relevance, axis=1, kind="stable")[:, :top_n]


def ranked_words(distributions: np.ndarray, marginal: np.ndarray | None, vocabulary: np.ndarray,
                 top_n: int, weight: float = RELEVANCE_WEIGHT) -> list[list[tuple[str, float]]]:
    """Every row's ``top_n`` (word, probability) pairs, most relevant first.

    The topic-word query of :meth:`SAETopicModel.get_topics` and the BERTopic
    representation.

    Parameters
    ----------
    distributions : ndarray of shape (n_rows, n_words)
    marginal : ndarray of shape (n_words,) or None
        :func:`word_marginal`; None ranks by probability alone.
    vocabulary : ndarray of shape (n_words,)
    top_n : int
    weight : float in [0, 1]
        ``lambda`` (:attr:`~bertopic_saetm.merge.topic_words.TopicWordRule.relevance_weight`).

    Returns
    -------
    list of length n_rows of lists of min(top_n, n_words) (word, probability) pairs
    """
    distributions = np.atleast_2d(distributions)
    top_n = min(int(top_n), distributions.shape[1])
    order = (np.argsort(-distributions, axis=1, kind="stable")[:, :top_n] if marginal is None
             else top_word_indices(distributions, marginal, top_n, weight))
    return [[(str(vocabulary[j]), float(distributions[i, j])) for j in row]
            for i, row in enumerate(order)]
