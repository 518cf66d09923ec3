"""Main topics: their agreement with reference labels (purity, NMI) and their sizes."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import normalized_mutual_info_score


def _check(assigned, labels):
    assigned, labels = np.asarray(assigned), np.asarray(labels)
    if assigned.shape != labels.shape or assigned.ndim != 1:
        raise ValueError(f"assigned topics {assigned.shape} and labels {labels.shape} must be "
                         "1-D of the same length.")
    if assigned.size == 0:
        raise ValueError("No documents to compare.")
    return assigned, labels


def purity(assigned, labels) -> float:
    """Share of documents whose label is the majority label of their topic."""
    assigned, labels = _check(assigned, labels)
    _, label_ids = np.unique(labels, return_inverse=True)
    total = 0
    for topic in np.unique(assigned):
        total += np.bincount(label_ids[assigned == topic]).max()
    return total / assigned.size


def nmi(assigned, labels) -> float:
    """Normalised mutual information between topics and labels (arithmetic mean)."""
    assigned, labels = _check(assigned, labels)
    return float(normalized_mutual_info_score(labels, assigned))


def topic_shares(assigned) -> dict:
    """How documents spread over topics.

    Parameters
    ----------
    assigned : array-like of shape (n_documents,), int
        Main topic of every document, -1 for none (BERTopic's outliers).

    Returns
    -------
    dict
        ``largest``: share of the documents in the largest topic other than -1;
        ``outliers``: share of the documents labelled -1.
    """
    assigned = np.asarray(assigned)
    if assigned.ndim != 1 or assigned.size == 0:
        raise ValueError(f"assigned topics must be a non-empty 1-D array, got {assigned.shape}.")
    content = assigned[assigned >= 0]
    largest = np.unique(content, return_counts=True)[1].max() if content.size else 0
    return {"largest": float(largest / assigned.size), "outliers": float(np.mean(assigned < 0))}
