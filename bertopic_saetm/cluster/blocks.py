"""What a Dask worker computes on its block of documents (plain functions of numpy / scipy
values, so that they pickle to any worker).

Every function takes one block (a partition of the corpus: its texts, its embedding rows,
its bag-of-words, its mixtures) and returns a partial sum or the block's own value; the
driver adds the partial sums (:func:`add`) and runs what depends on all of them.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import scipy.sparse as sp

from ..emission.profiles import profile_sums, profile_weights
from ..emission.statistics import compact, e_step_counts, split_rows
from ..engine.values import Encoding
from ..merge.weights import main_atom_counts
from ..text.vocabulary import count_fixed_words, is_vocabulary_token, tokenize
from .rows import release_pages


def add(a, b):
    """Sum of two partial results: arrays, tuples of them, or Counters."""
    if isinstance(a, tuple):
        return tuple(add(x, y) for x, y in zip(a, b, strict=True))
    return a + b


def word_statistics(documents: list[str], analyzer=None) -> tuple[Counter, Counter, int]:
    """Document frequency and corpus frequency of every candidate word of a block, and its
    number of documents.

    Candidates: the default vectorizer's (:func:`tokenize`, :func:`is_vocabulary_token`), or
    the features a scikit-learn vectorizer's ``analyzer`` (``build_analyzer()``) gives.
    """
    if analyzer is None:
        features = ([t for t in tokens if is_vocabulary_token(t)]
                    for tokens in tokenize(documents))
    else:
        features = map(analyzer, documents)
    frequency, document_frequency = Counter(), Counter()
    n_documents = 0
    for kept in features:
        frequency.update(kept)
        document_frequency.update(set(kept))
        n_documents += 1
    return document_frequency, frequency, n_documents


def count_block(documents: list[str], words: np.ndarray, vectorizer=None) -> sp.csr_matrix:
    """The block's bag-of-words over the fitted vocabulary: :func:`count_fixed_words`, or
    ``vectorizer.transform`` (a vectorizer fixed to ``words``), its counts held as
    :func:`~bertopic_saetm.emission.statistics.compact` holds them (a byte each, as a rule:
    they are what a worker keeps of the block until EM)."""
    if vectorizer is None:
        counts = count_fixed_words(documents, words)
    else:
        counts = sp.csr_matrix(vectorizer.transform(documents))
        counts.sort_indices()
    return sp.csr_matrix((compact(counts.data), counts.indices, counts.indptr),
                         shape=counts.shape)


def document_frequency(counts: sp.csr_matrix) -> np.ndarray:
    """Documents of the block each word occurs in, ndarray of shape (n_words,)."""
    return np.bincount(counts.indices, minlength=counts.shape[1])


def encode_block(embeddings: np.ndarray, sae) -> Encoding:
    """The block encoded by the SAE: its mixtures over atoms and activation totals, as the
    in-process encoding stage holds the whole corpus (``sae`` itself is left out)."""
    encoded = Encoding.from_activations(
        None, None, sae.encode_sparse(np.asarray(embeddings, dtype=np.float32)))
    release_pages(embeddings)  # a memory-mapped shard's pages leave the worker once read
    return encoded


def mixture_sums(encoded, decoder: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per-atom sums the emission and the merge need, over the block's documents.

    Returns
    -------
    mass : ndarray of shape (n_atoms,)
        Summed mixture weight.
    fires : ndarray of shape (n_atoms,)
        Documents the atom fires on.
    reconstruction : ndarray of shape (n_atoms, n_features)
        ``theta.T @ activations @ decoder``.
    """
    theta = sp.csr_matrix(encoded.theta, dtype=np.float64)
    mass = np.asarray(theta.sum(axis=0)).ravel()
    fires = np.bincount(theta.indices, minlength=theta.shape[1]).astype(np.float64)
    coactivation = (theta.T @ sp.csr_matrix(encoded.activations(), dtype=np.float64)).tocsr()
    return mass, fires, np.asarray(coactivation @ decoder)


def inactive_rows(encoded) -> np.ndarray:
    """Rows of the block (block-local) on which no atom fires."""
    theta = encoded.theta
    return np.flatnonzero(np.diff(theta.indptr) == 0)


def weighted_counts(counts: sp.csr_matrix, encoded, idf: np.ndarray, background_weight: float
                    ) -> sp.csr_matrix:
    """The block's IDF-weighted counts, as :func:`~bertopic_saetm.emission.em.
    prepare_emission` weights the whole corpus (of its :func:`e_step_counts`)."""
    kept = e_step_counts(encoded.theta, counts, idf, background_weight)
    return sp.csr_matrix(kept.multiply(idf[None, :]))


def emission_sums(counts: sp.csr_matrix, encoded, idf: np.ndarray, background_weight: float,
                  fitted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The block's weighted word mass (n_words,) and ``theta[:, fitted].T @ weighted``, of
    its weighted counts (:func:`weighted_counts`, made here and dropped)."""
    weighted = weighted_counts(counts, encoded, idf, background_weight)
    theta = sp.csr_matrix(encoded.theta, dtype=np.float64)[:, fitted]
    return (np.asarray(weighted.sum(axis=0)).ravel(),
            np.asarray((theta.T @ weighted).todense()))


def word_profile_sums(counts: sp.csr_matrix, encoded) -> tuple[np.ndarray, np.ndarray]:
    """The block's unnormalised atom word profiles (:func:`~bertopic_saetm.emission.
    profiles.profile_sums`), shape (n_atoms, n_words), and their weights
    (:func:`~bertopic_saetm.emission.profiles.profile_weights`), shape (n_atoms,)."""
    return profile_sums(encoded.theta, counts), profile_weights(encoded.theta)


def emission_chunk(counts: sp.csr_matrix, encoded, idf: np.ndarray, background_weight: float,
                   fitted: np.ndarray):
    """The block as one chunk of the E-step kernel (:func:`split_rows` of its
    :func:`e_step_counts`): all a worker keeps of the block while EM runs."""
    theta = sp.csr_matrix(encoded.theta, dtype=np.float64)
    theta.sum_duplicates()
    return split_rows(theta[:, fitted], e_step_counts(theta, counts, idf, background_weight),
                      None)[0]


def main_counts(encoded, content: np.ndarray) -> np.ndarray:
    """Documents of the block each content atom is the strongest content atom of."""
    return main_atom_counts(encoded.theta, content)
