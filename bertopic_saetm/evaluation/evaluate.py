"""One call that scores any topic model the same way: SAE-TM, BERTopic, or plain lists."""

from __future__ import annotations

import logging
import sys

import numpy as np

from ..merge.ranking import ranked_words
from ..topic_model import SAETopicModel
from .agreement import nmi, purity
from .coherence import coherence
from .coverage import topic_coverage
from .diversity import topic_diversity, wmd_diversity
from .reference import ReferenceCorpus

logger = logging.getLogger(__name__)


def is_bertopic(model) -> bool:
    """Whether ``model`` is a ``BERTopic`` (without importing BERTopic when it is not loaded:
    no BERTopic model can exist before its module is imported)."""
    bertopic = sys.modules.get("bertopic")
    return bertopic is not None and isinstance(model, bertopic.BERTopic)


def topic_words(model, top_n: int = 25) -> list[list[str]]:
    """Top words of every topic of ``model``, best first.

    Parameters
    ----------
    model : SAETopicModel, BERTopic, or list of lists of str / (str, score)
        For BERTopic the outlier topic -1 is left out; a BERTopic model keeps only
        ``top_n_words`` words per topic (fewer than ``top_n`` are returned then), except
        with SAE-TM components, whose full word distributions are read.
    top_n : int, default=25

    Returns
    -------
    list of list of str
    """
    if isinstance(model, SAETopicModel):
        return [[w for w, _ in words] for words in model.get_topics(top_n=top_n)]
    if is_bertopic(model):
        return _bertopic_words(model, top_n)
    topics = []
    for words in model:
        words = [w[0] if isinstance(w, (tuple, list)) else w for w in words]
        topics.append([str(w) for w in words if w][:top_n])
    return topics


def _bertopic_words(topic_model, top_n: int) -> list[list[str]]:
    from ..backends import SAETMBackend, topic_word_distributions

    backend = SAETMBackend.find(topic_model)
    if backend is not None:
        vocabulary, marginal = backend.model.vocabulary_, backend.model.word_marginal()
        weight = backend.model.relevance_weight()
        return [[word for word, _ in ranked_words(dist, marginal, vocabulary, top_n, weight)[0]]
                for _, dist in sorted(topic_word_distributions(topic_model).items())]
    topic_ids = sorted(t for t in topic_model.get_topics() if t != -1)
    if topic_model.top_n_words < top_n:
        logger.info("BERTopic keeps %d words per topic; measuring on those.",
                    topic_model.top_n_words)
    return [[w for w, _ in topic_model.get_topic(t) if w][:top_n] for t in topic_ids]


def evaluate(model, documents=None, *, reference: ReferenceCorpus | None = None, labels=None,
             assignments=None, word_vectors=None, c_v: bool = True) -> dict:
    """Score a topic model with the protocol of BERTopic / OCTIS papers.

    Parameters
    ----------
    model : SAETopicModel, BERTopic, or list of lists of words
    documents : list of str, optional
        Reference corpus for coherence (tokenised with the model's vocabulary for an
        SAETopicModel, else the default vectorizer); or pass ``reference``.
    reference : ReferenceCorpus, optional
    labels : array-like of shape (n_documents,), optional
        Reference classes, for purity and NMI.
    assignments : array-like of shape (n_documents,), optional
        Main topic of every document; default ``model.topics_`` for BERTopic. Required with
        ``labels`` otherwise.
    word_vectors : mapping or callable, optional
        For the paper's WMD diversity (see :func:`wmd_diversity`).
    c_v : bool, default=True
        Also compute C_V (slower: window 110).

    Returns
    -------
    dict
        ``n_topics``, ``npmi``, ``c_v``, ``td25``, ``td10``, ``quality`` (NPMI x TD@25),
        ``coverage`` (:func:`~bertopic_saetm.evaluation.coverage.topic_coverage`) when
        the main topics are known and the reference holds the same documents, and
        ``purity`` / ``nmi`` / ``wmd_diversity`` when their inputs are given.
    """
    topics = topic_words(model, 25)
    if not topics:
        raise ValueError("The model has no topics to evaluate.")
    if reference is None:
        if documents is None:
            raise ValueError("Pass documents (or a ReferenceCorpus) to measure coherence on.")
        reference = (ReferenceCorpus.for_model(model, documents)
                     if isinstance(model, SAETopicModel) else
                     ReferenceCorpus.from_documents(documents))
    scores = {"n_topics": len(topics),
              "npmi": float(np.nanmean(coherence(topics, reference, "c_npmi")))}
    if c_v:
        scores["c_v"] = float(np.nanmean(coherence(topics, reference, "c_v")))
    scores["td25"] = topic_diversity(topics, 25)
    scores["td10"] = topic_diversity(topics, 10)
    scores["quality"] = scores["npmi"] * scores["td25"]
    if assignments is None and is_bertopic(model):
        assignments = model.topics_
    if assignments is not None and len(assignments) == len(reference.texts):
        scores["coverage"] = topic_coverage(topics, reference, assignments)
    if labels is not None:
        if assignments is None:
            raise ValueError("Pass assignments= (main topic of every document) to compare "
                             "with labels.")
        scores["purity"] = purity(assignments, labels)
        scores["nmi"] = nmi(assignments, labels)
    if word_vectors is not None:
        scores["wmd_diversity"] = wmd_diversity(topics, word_vectors, 20)
    return scores
