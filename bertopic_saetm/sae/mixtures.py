"""Document mixtures over atoms: SAE activations normalised per document.

A document's mixture is its activation vector divided by its sum, so rows sum to 1; a
document on which no atom fires keeps an all-zero row. Shared by the estimator, the
BERTopic backends and the SAE-Lens bridge.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize


def normalise_activations(acts) -> sp.csr_matrix:
    """Rows divided by their sums (all-zero rows stay zero).

    Parameters
    ----------
    acts : sparse matrix or ndarray of shape (n_documents, n_atoms)
        Non-negative activations.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_documents, n_atoms), float64
    """
    return normalize(sp.csr_matrix(acts, dtype=np.float64), norm="l1")


def mixtures_over(acts, atoms: np.ndarray) -> sp.csr_matrix:
    """Mixtures over a subset of the atoms: the others' activations dropped, then normalised.

    Parameters
    ----------
    acts : sparse matrix or ndarray of shape (n_documents, n_atoms)
    atoms : ndarray of shape (n_atoms,), bool
        The atoms to keep (for a fitted model: those that fired on its training corpus).

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_documents, n_atoms)
    """
    kept = sp.csr_matrix(sp.csr_matrix(acts, dtype=np.float64)
                         @ sp.diags(atoms.astype(np.float64)))
    kept.eliminate_zeros()
    return normalise_activations(kept)
