"""Agreement of main topics with reference labels: purity and NMI."""

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
