"""Every atom's word profile: the words of the documents it dominates.

The emission ``B`` (:mod:`bertopic_saetm.emission.em`) explains each document's words
jointly by all its atoms and the background, so an atom that fires on documents without
shared words (length, style, a name) is handed whatever words the other atoms leave over;
alone in a topic at large K its words do not co-occur. The word profile of atom ``k`` is a
plain sum over the documents instead,

    R_kw  proportional to  sum_d theta_dk ** POWER * log(1 + c_dw),

the damped counts of the documents it fires on, each weighted by the squared share the
atom holds of it, so the documents it dominates speak for it. Its top words are words its
documents share, which is what coherence measures; topic words are drawn from it by default
(``SAETopicModel(topic_words="documents")``, :mod:`bertopic_saetm.merge.topic_words`).
Measured on three corpora in ``docs/decisions/topic_words.md``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from .statistics import row_blocks

#: Power of the mixture weights. Measured (seed 0; 20 Newsgroups, the bundled corpus and
#: 20,000 Simple English Wikipedia leads): 2 above 1 on all three at every K; 3 gave higher
#: TD@25 but lower NPMI on 20 Newsgroups and Simple Wikipedia at K >= 50.
PROFILE_POWER = 2


def profile_sums(theta, counts, power: float = PROFILE_POWER) -> np.ndarray:
    """Unnormalised word profiles of a block of documents (sums add over blocks).

    Parameters
    ----------
    theta : sparse matrix of shape (n_documents, n_atoms)
        Mixtures over atoms.
    counts : sparse matrix of shape (n_documents, n_words)
        Bag-of-words.
    power : float
        Power of the mixture weights.

    Returns
    -------
    ndarray of shape (n_atoms, n_words)
        ``(theta ** power).T @ log1p(counts)``.
    """
    theta = sp.csr_matrix(theta, dtype=np.float64)
    counts = sp.csr_matrix(counts, dtype=np.float64)
    if theta.shape[0] != counts.shape[0]:
        raise ValueError(f"theta has {theta.shape[0]} rows and counts {counts.shape[0]}; "
                         "they must describe the same documents.")
    return np.asarray((theta.power(power).T @ counts.log1p()).toarray())


def word_profiles(sums: np.ndarray) -> np.ndarray:
    """Rows of :func:`profile_sums` normalised to distributions, shape (n_atoms, n_words);
    all-zero rows for atoms that fire on no document with a vocabulary word."""
    return normalize(np.asarray(sums, dtype=np.float64), norm="l1")


def profile_weights(theta, power: float = PROFILE_POWER) -> np.ndarray:
    """Weight of every atom's profile, ndarray of shape (n_atoms,): ``sum_d theta_dk **
    power`` over a block of documents (sums add over blocks), what :func:`document_words`
    divides :func:`profile_sums` by."""
    theta = sp.csr_matrix(theta, dtype=np.float64)
    return np.asarray(theta.power(power).sum(axis=0)).ravel()


def document_words(sums: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """How many vocabulary words the documents behind each atom's profile hold.

    ``sum_d theta_dk^2 sum_w log(1 + c_dw)`` over ``sum_d theta_dk^2``: the damped words
    (a word seen once counts log 2, about 0.69) per document, weighted as the profile weighs
    its documents. An atom that fires on documents without vocabulary words (empty or
    greeting-only posts) is near 0: its profile rests on the few words some of them happen
    to hold (:func:`~bertopic_saetm.merge.background.wordless_atoms`).

    Parameters
    ----------
    sums : ndarray of shape (n_atoms, n_words)
        :func:`profile_sums` over the corpus.
    weights : ndarray of shape (n_atoms,)
        :func:`profile_weights` over the corpus.

    Returns
    -------
    ndarray of shape (n_atoms,)
        0 for atoms that fire on no document.
    """
    words = np.asarray(sums, dtype=np.float64).sum(axis=1)
    weights = np.asarray(weights, dtype=np.float64)
    return np.divide(words, weights, out=np.zeros_like(words), where=weights > 0)


def profile_statistics(theta, counts, power: float = PROFILE_POWER
                       ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`profile_sums` and :func:`profile_weights` of a corpus, summed over blocks of
    rows (:func:`~bertopic_saetm.emission.statistics.row_blocks`), so that the damped copy
    of the counts is one block's."""
    theta, counts = sp.csr_matrix(theta), sp.csr_matrix(counts)
    sums = sum(profile_sums(theta_block, counts_block, power)
               for theta_block, counts_block in row_blocks(theta, counts))
    return sums, profile_weights(theta, power)


def atom_word_profiles(theta, counts, power: float = PROFILE_POWER) -> np.ndarray:
    """Word profile of every atom, ndarray of shape (n_atoms, n_words), rows summing to 1
    (0 for atoms without documents); see the module docstring."""
    return word_profiles(profile_statistics(theta, counts, power)[0])
