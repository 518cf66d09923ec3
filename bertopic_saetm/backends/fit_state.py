"""Where an SAE-TM backend is in a BERTopic fit, and what each step leaves for the next.

BERTopic calls the dimensionality model, then the cluster model, then the representation
model, each with only what its step needs. :class:`BackendStage` names how far a fit got
(one explicit value, instead of guessing from which attributes exist) and
:class:`EncodedCorpus` is what the dimensionality step hands on.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..engine import Encoding


class BackendStage(enum.IntEnum):
    """How far a :class:`SAETMBackend` is through a BERTopic fit (each includes the ones
    before it)."""

    #: No corpus bound yet.
    UNBOUND = 0
    #: Corpus bound: its fingerprints (and, unless reusing a fitted model, bag-of-words).
    BOUND = 1
    #: BERTopic's dimensionality step ran: training mixtures over atoms (``theta_``).
    ENCODED = 2
    #: BERTopic's cluster step ran: estimator fitted, documents labelled (``labels_``).
    MERGED = 3


@dataclass(frozen=True)
class EncodedCorpus:
    """What the dimensionality step leaves for the cluster step and for BERTopic's queries.

    Attributes
    ----------
    theta : scipy.sparse.csr_matrix of shape (n_documents, n_atoms)
    atom_centroids : ndarray of shape (n_atoms, n_features)
        ``theta.T @ embeddings``.
    outlier_centroid : ndarray of shape (n_features,)
        Mean embedding of the documents on which no atom fires (zeros if none).
    encoding : Encoding or None
        The atom stage's value; None when the estimator was already fitted.
    """

    theta: sp.csr_matrix
    atom_centroids: np.ndarray
    outlier_centroid: np.ndarray
    encoding: Encoding | None = None

    @classmethod
    def of(cls, theta: sp.csr_matrix, X: np.ndarray, encoding: Encoding | None = None
           ) -> EncodedCorpus:
        """The value for mixtures ``theta`` of embeddings ``X`` (n_documents, n_features)."""
        inactive = np.diff(theta.indptr) == 0
        outlier = (X[inactive].mean(axis=0, dtype=np.float64) if inactive.any()
                   else np.zeros(X.shape[1]))
        return cls(theta, np.asarray(theta.T @ X, dtype=np.float64), outlier, encoding)
