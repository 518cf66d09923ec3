"""Sampling from the Continuous Topic Model (CTM), SAE-TM's generative model of embeddings.

Each topic k has a unit direction ``mu_k``. A document draws topic proportions from a
Dirichlet, then ``n_contributions`` topic assignments from them; every assignment adds
``mu_z * contribution`` to the embedding, and isotropic Gaussian noise is added at the end.
In the high-activity regime (many small contributions) the SAE objective is the MAP
estimator of this model, so an SAE trained on such samples recovers the directions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.preprocessing import normalize


@dataclass(frozen=True)
class CTMSample:
    """Embeddings drawn from a CTM, with the ground truth.

    Attributes
    ----------
    embeddings : ndarray of shape (n_documents, dim), float32
    topic_directions : ndarray of shape (n_topics, dim)
        Unit-norm ``mu_k``.
    topic_counts : ndarray of shape (n_documents, n_topics)
        How many contributions each topic made to each document.
    """

    embeddings: np.ndarray
    topic_directions: np.ndarray
    topic_counts: np.ndarray

    @property
    def doc_topic(self) -> np.ndarray:
        """Empirical topic mixture of every document, ndarray of shape (n_documents, n_topics)."""
        return self.topic_counts / self.topic_counts.sum(axis=1, keepdims=True)


def sample_ctm(
    n_documents: int,
    n_topics: int,
    dim: int,
    n_contributions: int = 200,
    concentration: float = 0.05,
    contribution: float = 0.05,
    noise: float = 0.01,
    random_state: int | None = None,
) -> CTMSample:
    """Draw document embeddings from a Continuous Topic Model.

    Parameters
    ----------
    n_documents, n_topics, dim : int
    n_contributions : int
        Topic draws per document (the "activity"); large values give the high-activity
        regime in which the SAE objective is the MAP estimator.
    concentration : float
        Symmetric Dirichlet parameter of the topic proportions; small values give documents
        dominated by few topics.
    contribution : float
        Length each draw adds along its topic direction.
    noise : float
        Standard deviation of the isotropic Gaussian noise per coordinate.
    random_state : int, optional

    Returns
    -------
    CTMSample
    """
    for name, value in (("n_documents", n_documents), ("n_topics", n_topics), ("dim", dim),
                        ("n_contributions", n_contributions)):
        if int(value) < 1:
            raise ValueError(f"{name} must be a positive integer, got {value}.")
    if concentration <= 0 or contribution <= 0 or noise < 0:
        raise ValueError("concentration and contribution must be positive, noise non-negative.")
    rng = np.random.default_rng(random_state)
    directions = rng.standard_normal((n_topics, dim))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    proportions = rng.dirichlet(np.full(n_topics, concentration), size=n_documents)
    counts = np.stack([rng.multinomial(n_contributions, p) for p in proportions]).astype(float)
    embeddings = contribution * counts @ directions
    embeddings += noise * rng.standard_normal(embeddings.shape)
    return CTMSample(embeddings.astype(np.float32), directions, counts)


def atom_recovery(true_directions: np.ndarray, atoms: np.ndarray) -> np.ndarray:
    """Best cosine similarity of each true direction with any learned atom.

    Parameters
    ----------
    true_directions : ndarray of shape (n_topics, dim)
    atoms : ndarray of shape (n_atoms, dim)

    Returns
    -------
    ndarray of shape (n_topics,)
    """
    return (normalize(true_directions) @ normalize(atoms).T).max(axis=1)
