"""What SAE-TM adds to a fitted BERTopic model: re-topicking, soft distributions, soft
topics over time and document coordinates, all without re-embedding or retraining."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..validation import check_documents, check_n_topics
from .backend import SAETMBackend
from .bertopic_internals import rebuild_topics
from .hooks import install_hooks
from .representation import top_words

logger = logging.getLogger(__name__)


def topic_distribution(topic_model, documents=None, embeddings=None) -> np.ndarray:
    """Topic mixture of (new) documents in the BERTopic model's current topic ids.

    BERTopic's own ``transform`` returns ``None`` probabilities for custom cluster models;
    this gives the full SAE-TM mixture, merged exactly as BERTopic merged the topics.

    Parameters
    ----------
    topic_model : BERTopic
        Fitted (or loaded) with SAE-TM components.
    documents : list of str, optional
        Embedded with the SAE-TM model's embedding model when ``embeddings`` is omitted.
    embeddings : array-like of shape (n_documents, n_features), optional

    Returns
    -------
    ndarray of shape (n_documents, n_topics)
        Column ``t`` is BERTopic topic ``t`` (no outlier column). Rows sum to 1, or are all
        zero for documents on which no atom fires (BERTopic topic -1).
    """
    backend = SAETMBackend.of(topic_model)
    theta = backend.model.transform_atoms(documents, embeddings)
    return backend.current_mixture(topic_model, theta)


def set_n_topics(topic_model, n_topics, documents=None):
    """Re-merge the atoms of a fitted BERTopic model into ``n_topics`` topics.

    Nothing is retrained: the atoms, their word emission and the training mixtures are
    reused, so this takes about a second. BERTopic's state (``topics_``,
    ``probabilities_``, topic sizes, words, embeddings, representative documents) is
    rebuilt as ``fit_transform`` would, with topics renumbered by size; custom labels and
    earlier merges are dropped.

    Parameters
    ----------
    topic_model : BERTopic
    n_topics : int or "auto"
    documents : list of str, optional
        The training documents, needed after loading a saved model (BERTopic keeps no
        documents); defaults to the corpus bound at fit time.

    Returns
    -------
    topic_model
    """
    backend = SAETMBackend.of(topic_model)
    backend.check_attached(topic_model)
    n_topics = check_n_topics(n_topics)
    if documents is None:
        if backend.documents_ is None:
            raise ValueError("This model was loaded from disk: pass documents= (the training "
                             "documents, in order) to re-topic it.")
        documents = backend.documents_
    documents = check_documents(documents)
    backend.training_rows(documents)
    backend.refit_partition(n_topics)
    install_hooks(topic_model, backend)
    rebuild_topics(topic_model, documents, backend.labels_)
    topic_model.probabilities_ = backend.current_mixture(topic_model, backend.theta_)
    topic_model.custom_labels_ = None
    logger.info("Re-merged into %d topics.", backend.model.n_topics_)
    return topic_model


def topic_word_distributions(topic_model) -> dict[int, np.ndarray]:
    """Full word distribution of each of the BERTopic model's current topics.

    BERTopic keeps ``top_n_words`` words per topic; SAE-TM knows the whole distribution: a
    topic's atoms' word rows weighted as in ``topic_word_`` (for an unmerged topic,
    exactly the estimator's ``topic_word_`` row), over ``backend.model.vocabulary_``.

    Parameters
    ----------
    topic_model : BERTopic
        Fitted (or loaded) with SAE-TM components.

    Returns
    -------
    dict of int to ndarray of shape (n_words,)
        Every current topic id except -1.
    """
    backend = SAETMBackend.of(topic_model)
    model = backend.model
    atom_topic = backend.current_topic_of_atoms(topic_model)
    topic_ids = sorted(int(t) for t in topic_model.get_topics() if t != -1)
    mass = np.stack([np.where(atom_topic == t, model.atom_prior_, 0.0) for t in topic_ids])
    return dict(zip(topic_ids, model.word_distributions(mass), strict=True))


def _bin_timestamps(timestamps, nr_bins, datetime_format) -> pd.Series:
    # BERTopic's binning (topics_over_time): parse strings, cut into bins, left edges.
    stamps = pd.Series(list(timestamps))
    if isinstance(stamps.iloc[0], str):
        stamps = pd.to_datetime(stamps, format=datetime_format)
    if nr_bins:
        stamps = pd.cut(stamps, bins=nr_bins).map(lambda interval: interval.left)
        stamps = pd.Series(np.asarray(stamps))
    return stamps


def topics_over_time(topic_model, timestamps, nr_bins=None, datetime_format=None,
                     n_words: int = 5) -> pd.DataFrame:
    """Soft topics over time: each document counts for its whole topic mixture.

    BERTopic's ``topics_over_time`` counts each document once, for its main topic. Here a
    topic's frequency in a bin is the sum of its mixture weight over the bin's documents,
    and its words come from its atoms weighted by their mass in that bin.

    Parameters
    ----------
    topic_model : BERTopic
        Fitted with SAE-TM components.
    timestamps : sequence of length n_documents
        Timestamp of each training document (numbers, datetimes, or strings).
    nr_bins : int, optional
        Number of equal-width time bins (as in BERTopic).
    datetime_format : str, optional
        Format for parsing string timestamps.
    n_words : int, default=5
        Words listed per topic and bin.

    Returns
    -------
    pandas.DataFrame
        BERTopic's schema: ``Topic``, ``Words`` (comma-separated), ``Frequency`` (float),
        ``Timestamp``; ready for ``topic_model.visualize_topics_over_time``. The -1 rows
        count the documents on which no atom fires.
    """
    backend = SAETMBackend.of(topic_model)
    theta = backend.theta_
    if len(timestamps) != theta.shape[0]:
        raise ValueError(f"timestamps has {len(timestamps)} entries but the model was fitted "
                         f"on {theta.shape[0]} documents.")
    stamps = _bin_timestamps(timestamps, nr_bins, datetime_format)
    model = backend.model
    atom_topic = backend.current_topic_of_atoms(topic_model)
    n_topics = int(atom_topic.max()) + 1
    inactive = np.diff(theta.indptr) == 0
    records = []
    marginal = model.word_marginal()
    for stamp in np.sort(stamps.unique()):
        rows = np.flatnonzero((stamps == stamp).to_numpy())
        mass = np.asarray(theta[rows].sum(axis=0)).ravel()
        weights = np.zeros((n_topics, mass.size))
        valid = atom_topic >= 0
        weights[atom_topic[valid], np.flatnonzero(valid)] = mass[valid]
        frequency = weights.sum(axis=1)
        words = top_words(model.word_distributions(weights), model.vocabulary_,
                          model.background_, n_words, marginal,
                          model.relevance_weight())
        n_outliers = int(inactive[rows].sum())
        if n_outliers:
            background = top_words(model.background_[None, :], model.vocabulary_,
                                   model.background_, n_words)[0]
            records.append((-1, ", ".join(w for w, _ in background if w), float(n_outliers),
                            stamp))
        records.extend(
            (topic, ", ".join(w for w, _ in words[topic] if w), float(frequency[topic]), stamp)
            for topic in np.flatnonzero(frequency > 0)
        )
    frame = pd.DataFrame(records, columns=["Topic", "Words", "Frequency", "Timestamp"])
    frame["Topic"] = frame["Topic"].astype(int)
    return frame


def document_coordinates(topic_model, n_neighbors: int = 15, random_state=None) -> np.ndarray:
    """2-D map of the training documents from their SAE-TM mixtures (no re-embedding).

    UMAP with the Hellinger geometry of the mixtures over atoms (cosine on their square
    roots). Pass the result as ``reduced_embeddings`` to ``visualize_documents`` or
    ``visualize_hierarchical_documents``.

    Parameters
    ----------
    topic_model : BERTopic
    n_neighbors : int, default=15
    random_state : int, optional
        Defaults to the SAE-TM model's ``random_state``.

    Returns
    -------
    ndarray of shape (n_documents, 2)
    """
    from umap import UMAP

    backend = SAETMBackend.of(topic_model)
    roots = backend.theta_.sqrt()
    if random_state is None:
        random_state = backend.model.random_state
    # A seed makes UMAP single-threaded; say so rather than let it warn.
    reducer = UMAP(n_components=2, n_neighbors=n_neighbors, metric="cosine", min_dist=0.1,
                   random_state=random_state, n_jobs=1 if random_state is not None else -1,
                   verbose=False)
    return np.asarray(reducer.fit_transform(roots), dtype=np.float64)
