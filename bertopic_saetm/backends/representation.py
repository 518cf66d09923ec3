"""Topic words and topic embeddings from SAE-TM, for whatever BERTopic asks about.

BERTopic calls its representation model for the fitted topics, after merge/reduce, once per
node of ``hierarchical_topics``, once per time bin of ``topics_over_time`` and once per class
of ``topics_per_class``, each time with a table of documents and their (current) topic ids.
A group of documents labelled ``t`` is described by the atoms of the merged topics its
documents belong to:

* a group holding *all* the training documents of those merged topics (a topic, a merged
  topic, a hierarchy node) gets the SAE-TM topic distribution: the atoms' word rows weighted
  by their priors, exactly :attr:`SAETopicModel.topic_word_` for an unmerged topic;
* a group holding only *some* of them (a time bin, a class) weights the same atoms by their
  mixture mass within the group's documents, so words follow the subset;
* the outlier group -1 (documents on which no atom fires) gets the background distribution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from bertopic.representation import BaseRepresentation
from bertopic.vectorizers import ClassTfidfTransformer

from ..merging import mixture_word_distribution
from .bertopic_internals import (
    bertopic_topic_vectors,
    ctfidf_idf,
    frame_contents,
    install_topic_vectors_hook,
    installed_topic_vectors,
    set_ctfidf_idf,
)

#: BERTopic's filler for missing words in a representation.
_PAD = ("", 1e-05)


def _training_rows_and_topics(backend, documents: pd.DataFrame
                              ) -> tuple[np.ndarray, np.ndarray]:
    # The training-corpus rows of the documents BERTopic hands over (checked by content),
    # and their current topic ids.
    texts, rows, topics = frame_contents(documents)
    return backend.training_rows(texts, rows), topics


def group_atom_weights(backend, rows: np.ndarray, groups: np.ndarray,
                       labels: list[int]) -> sp.csr_matrix:
    """Atom weights describing each group of training documents.

    Parameters
    ----------
    backend : SAETMBackend
    rows : ndarray of shape (n,)
        Training-corpus rows of the documents.
    groups : ndarray of shape (n,)
        Group label of each document.
    labels : list of int
        The groups to describe, in output order.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (len(labels), n_atoms)
        All-zero rows for groups without atoms (-1 and groups of outlier documents).
    """
    model = backend.model
    raw = backend.labels_[rows]
    n_raw_docs = np.bincount(backend.labels_[backend.labels_ >= 0], minlength=model.n_topics_)
    weights = []
    for label in labels:
        in_group = groups == label
        merged = np.unique(raw[in_group & (raw >= 0)])
        atoms = np.isin(model.atom_to_topic_, merged) if label != -1 else np.zeros(
            model.atom_to_topic_.size, dtype=bool)
        whole = np.count_nonzero(np.isin(raw[in_group], merged)) == n_raw_docs[merged].sum()
        if whole:
            weight = np.where(atoms, model.atom_prior_, 0.0)
        else:
            mass = np.asarray(backend.theta_[rows[in_group]].sum(axis=0)).ravel()
            weight = np.where(atoms, mass, 0.0)
        weights.append(sp.csr_matrix(weight))
    return sp.vstack(weights, format="csr")


def top_words(distributions: np.ndarray, vocabulary: np.ndarray, fallback: np.ndarray,
              top_n: int) -> list[list[tuple[str, float]]]:
    """``top_n`` (word, probability) pairs per row; all-zero rows use ``fallback``."""
    result = []
    for row in distributions:
        if not row.any():
            row = fallback
        order = np.argsort(-row, kind="stable")[:top_n]
        words = [(str(vocabulary[j]), float(row[j])) for j in order if row[j] > 0]
        result.append(words + [_PAD] * (top_n - len(words)))
    return result


class EmissionRepresentation(BaseRepresentation):
    """BERTopic ``representation_model``: topic words from SAE-TM's word emission.

    Returns exactly ``top_n_words`` (word, probability) pairs per topic (BERTopic's
    ``("", 1e-05)`` filler pads short topics), for the same topic ids it is given.
    """

    def __init__(self, backend):
        self.backend = backend

    def extract_topics(self, topic_model, documents: pd.DataFrame, c_tf_idf, topics) -> dict:
        """Words of every topic in ``topics`` (see the module docstring for the groups)."""
        backend = self.backend
        backend.check_attached(topic_model)
        install_topic_vectors(topic_model, backend)
        rows, groups = _training_rows_and_topics(backend, documents)
        labels = sorted(int(label) for label in topics)
        weights = group_atom_weights(backend, rows, groups, labels)
        model = backend.model
        distributions = mixture_word_distribution(model.atom_word_, weights)
        words = top_words(distributions, model.vocabulary_, model.background_,
                          int(topic_model.top_n_words))
        return dict(zip(labels, words, strict=True))


class SAETopicVectors:
    """SAE-TM topic embeddings, installed where BERTopic computes its topic embeddings.

    BERTopic recomputes ``topic_embeddings_`` right after asking for topic words, as the
    mean embedding of each topic's hard-assigned documents. SAE-TM topics are soft: a
    topic's embedding is the mixture-weighted mean of all document embeddings,
    ``sum_d theta'_dt x_d / sum_d theta'_dt``, computed from the per-atom sums the backend
    kept (so merging and re-topicking need no embeddings). The outlier topic keeps the mean
    embedding of its documents. ``find_topics``, ``visualize_topics`` and
    ``visualize_heatmap`` then show SAE-TM's topics.
    """

    def __init__(self, topic_model, backend):
        self.topic_model = topic_model
        self.backend = backend

    def __call__(self, documents=None, embeddings=None, mappings=None):
        topic_model, backend = self.topic_model, self.backend
        if documents is None:
            # update_topics without documents: BERTopic's own keyword-based vectors.
            bertopic_topic_vectors(topic_model, documents, embeddings, mappings)
            return
        rows, groups = _training_rows_and_topics(backend, documents)
        labels = sorted(int(label) for label in np.unique(groups))
        weights = group_atom_weights(backend, rows, groups, labels)
        # Topic embedding = prior-weighted atom centroids; atom_centroids_ holds sums.
        atoms = (weights > 0).astype(np.float64)
        sums = np.asarray(atoms @ backend.atom_centroids_)
        mass = np.asarray(atoms @ np.asarray(backend.theta_.sum(axis=0)).ravel())
        vectors = np.divide(sums, mass[:, None], out=np.zeros_like(sums),
                            where=mass[:, None] > 0)
        vectors[mass <= 0] = backend.outlier_centroid_
        topic_model.topic_embeddings_ = vectors


def install_topic_vectors(topic_model, backend) -> None:
    """Make ``topic_model`` compute SAE-TM topic embeddings (idempotent)."""
    hook = installed_topic_vectors(topic_model)
    if not isinstance(hook, SAETopicVectors) or hook.backend is not backend:
        install_topic_vectors_hook(topic_model, SAETopicVectors(topic_model, backend))


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
