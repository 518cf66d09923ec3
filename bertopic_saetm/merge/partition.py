"""Partitions of the atoms into topics: weighted k-means (or HDBSCAN) on the atoms'
topic vectors, the one-hot assignment matrix, and folding topics no document heads."""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans

logger = logging.getLogger(__name__)


#: k-means restarts per merge. NPMI on 20 Newsgroups varies a lot with the k-means start
#: (K'=20: .106 +- .023 over seeds with one start, .121 +- .018 with ten); ten starts cost
#: 1.8 s at K'=200, three stay under a second up to K'=500, so re-topicking stays cheap.
KMEANS_INITS = 3


def _compact(labels: np.ndarray) -> np.ndarray:
    # Topic ids 0..k-1 in order of first appearance by atom index (deterministic).
    _, first = np.unique(labels, return_index=True)
    mapping = {label: new for new, label in enumerate(labels[np.sort(first)])}
    return np.array([mapping[label] for label in labels], dtype=np.int64)


def cluster_atoms(
    topic_vectors: np.ndarray,
    weights: np.ndarray,
    n_topics: int | str,
    random_state: int | None = None,
    min_cluster_size: int = 3,
) -> np.ndarray:
    """Assign valid atoms to topics.

    Parameters
    ----------
    topic_vectors : ndarray of shape (n_atoms, dim)
    weights : ndarray of shape (n_atoms,)
        k-means weights (:func:`merge_weights`, or priors); atoms with weight 0 are invalid
        and get topic -1.
    n_topics : int or "auto"
        ``"auto"``: HDBSCAN on the topic vectors decides the number; atoms it calls noise
        join the topic with the nearest centroid.
    random_state : int, optional
        Seed of k-means.
    min_cluster_size : int
        HDBSCAN's minimum number of atoms per topic (``"auto"`` only).

    Returns
    -------
    ndarray of shape (n_atoms,), int
        Topic id of every atom (0 .. n_topics-1), -1 for invalid atoms.
    """
    valid = weights > 0
    n_valid = int(valid.sum())
    atom_to_topic = np.full(weights.shape[0], -1, dtype=np.int64)
    if n_valid == 0:
        raise ValueError("No atom is active on this corpus, so there is nothing to merge (the "
                         "SAE reconstructs every document from its bias alone, as when all "
                         "documents are identical).")
    X = topic_vectors[valid]
    w = weights[valid]
    if isinstance(n_topics, str):
        labels = _hdbscan_labels(X, w, min_cluster_size)
    else:
        if not 1 <= n_topics <= n_valid:
            raise ValueError(
                f"n_topics must be between 1 and the number of active atoms ({n_valid}), "
                f"got {n_topics}: this model can give at most {n_valid} topics (its atoms "
                "that fire and are not background); a model fitted with "
                f"sae_config=SAETrainingConfig(max_topics={n_topics}) can give more."
            )
        kmeans = KMeans(n_clusters=n_topics, n_init=KMEANS_INITS, random_state=random_state)
        labels = kmeans.fit_predict(X, sample_weight=w)
        if np.unique(labels).size < n_topics:
            logger.warning(
                "Only %d distinct topics could be formed (requested %d): atoms coincide.",
                np.unique(labels).size, n_topics,
            )
    atom_to_topic[valid] = _compact(labels)
    return atom_to_topic


def _hdbscan_labels(X: np.ndarray, weights: np.ndarray, min_cluster_size: int) -> np.ndarray:
    import hdbscan

    if X.shape[0] < 2 * min_cluster_size:
        return np.zeros(X.shape[0], dtype=np.int64)
    labels = hdbscan.HDBSCAN(min_cluster_size=min_cluster_size, min_samples=1).fit_predict(X)
    clusters = np.unique(labels[labels >= 0])
    if clusters.size == 0:
        logger.warning("HDBSCAN found no dense group of atoms: one topic holds them all.")
        return np.zeros(X.shape[0], dtype=np.int64)
    centroids = np.stack([
        np.average(X[labels == c], axis=0, weights=weights[labels == c] + 1e-12)
        for c in clusters
    ])
    noise = labels < 0
    if noise.any():
        labels = labels.copy()
        distances = ((X[noise, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
        labels[noise] = clusters[np.argmin(distances, axis=1)]
    return labels


def assignment_matrix(atom_to_topic: np.ndarray, n_topics: int) -> sp.csr_matrix:
    """One-hot atom-to-topic matrix, sparse of shape (n_atoms, n_topics); invalid rows empty."""
    valid = np.flatnonzero(atom_to_topic >= 0)
    return sp.csr_matrix(
        (np.ones(valid.size), (valid, atom_to_topic[valid])),
        shape=(atom_to_topic.shape[0], n_topics),
    )


def absorb_unowned_topics(
    atom_to_topic: np.ndarray, label, topic_vectors: np.ndarray, prior: np.ndarray
) -> np.ndarray:
    """Fold topics that are no document's main topic into their nearest topic.

    Hard-label tools (BERTopic) can only show a topic that is the main topic of at least
    one document. Each such topic joins the topic whose prior-weighted centroid of atom
    topic vectors is nearest; this repeats until every topic owns a document (folding can
    move a document's argmax).

    Parameters
    ----------
    atom_to_topic : ndarray of shape (n_atoms,)
    label : callable
        ``label(atom_to_topic)``: the documents' main topics under a partition, ndarray of
        shape (n_documents,), -1 for none (e.g. ``SAETopicModel.main_topics_of`` on the
        training mixtures).
    topic_vectors : ndarray of shape (n_atoms, dim)
    prior : ndarray of shape (n_atoms,)

    Returns
    -------
    ndarray of shape (n_atoms,)
        The new partition, topic ids compacted to 0..n-1 (-1 stays -1).
    """
    atom_to_topic = atom_to_topic.copy()
    while True:
        n_topics = int(atom_to_topic.max()) + 1
        labels = label(atom_to_topic)
        owned = np.bincount(labels[labels >= 0], minlength=n_topics) > 0
        if owned.all() or not owned.any():
            break
        A = assignment_matrix(atom_to_topic, n_topics)
        mass = np.asarray(A.T @ prior).ravel()
        centroids = np.asarray(A.T @ (topic_vectors * prior[:, None])) / np.maximum(
            mass, 1e-300)[:, None]
        owners = np.flatnonzero(owned)
        unowned = np.flatnonzero(~owned)
        distances = ((centroids[unowned, None, :] - centroids[None, owners, :]) ** 2).sum(axis=2)
        target = np.arange(n_topics)
        target[unowned] = owners[np.argmin(distances, axis=1)]
        valid = atom_to_topic >= 0
        atom_to_topic[valid] = target[atom_to_topic[valid]]
        atom_to_topic[valid] = _compact(atom_to_topic[valid])
        logger.info("Folded %d topics that are no document's main topic into their nearest "
                    "topics.", unowned.size)
    return atom_to_topic
