"""The values the four fitting stages return (frozen dataclasses).

::

    Vocabulary  vectorizer, words, bag-of-words           (VocabularyStage)
    Encoding    SAE, mixtures over atoms                  (EncodingStage)
    Emission    atom word distributions B, P0, priors     (EmissionStage)
    Merge       atom topic vectors, partition, background (MergeStage)
    FitResult   all four, with the stage timings          (FitEngine)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..sae import SparseAutoencoder
from ..sae.mixtures import normalise_activations


@dataclass(frozen=True)
class Vocabulary:
    """Value of the vocabulary stage.

    Attributes
    ----------
    vectorizer : scikit-learn vectorizer
        Fitted; its ``get_feature_names_out()`` is ``words``.
    words : ndarray of shape (n_words,), dtype object
    counts : scipy.sparse.csr_matrix of shape (n_documents, n_words)
        Bag-of-words of the corpus, float64.
    """

    vectorizer: object
    words: np.ndarray
    counts: sp.csr_matrix


@dataclass(frozen=True)
class Encoding:
    """Value of the encoding (SAE) stage: the corpus encoded by the SAE.

    Attributes
    ----------
    sae : SparseAutoencoder
        Trained on the corpus, or the pretrained one, unchanged.
    report : dict or None
        Training report (:class:`SAETrainingReport` as a dict); None for a pretrained SAE.
    theta : scipy.sparse.csr_matrix of shape (n_documents, n_atoms)
        Mixture over atoms of every document: rows sum to 1, or are all zero where no atom
        fires.
    activation_totals : ndarray of shape (n_documents,)
        Sum of every document's activations (``theta`` times these are the activations).
    """

    sae: SparseAutoencoder
    report: dict | None
    theta: sp.csr_matrix
    activation_totals: np.ndarray

    @classmethod
    def from_activations(cls, sae: SparseAutoencoder, report: dict | None, activations
                         ) -> Encoding:
        """The encoding given by the documents' activations, sparse (n_documents, n_atoms)."""
        totals = np.asarray(sp.csr_matrix(activations).sum(axis=1), dtype=np.float64).ravel()
        return cls(sae, report, normalise_activations(activations), totals)

    def activations(self) -> sp.csr_matrix:
        """The activations, CSR of shape (n_documents, n_atoms)."""
        return sp.csr_matrix(sp.diags(self.activation_totals) @ self.theta)


@dataclass(frozen=True)
class Emission:
    """Value of the emission stage.

    Attributes
    ----------
    atom_word : ndarray of shape (n_atoms, n_words)
        Word distribution ``B`` of every atom.
    background : ndarray of shape (n_words,)
        Background word distribution ``P0``.
    idf : ndarray of shape (n_words,)
        Normalised IDF weights of the likelihood.
    log_likelihood : float
        Final IDF-weighted log-likelihood per unit of weighted count.
    n_iter : int
        EM iterations.
    atom_prior : ndarray of shape (n_atoms,)
        Mean mixture weight of every atom; 0 for atoms that never fire on the corpus.
    atom_selectivity : ndarray of shape (n_atoms,)
        Mean mixture weight of every atom where it fires (:func:`atom_selectivity`).
    inactive_documents : ndarray of shape (n_inactive,), int
        Documents on which no atom fires.
    atom_word_profile : ndarray of shape (n_atoms, n_words)
        Word profile of every atom: the damped counts of the documents it dominates
        (:func:`~bertopic_saetm.emission.profiles.atom_word_profiles`).
    atom_document_words : ndarray of shape (n_atoms,)
        Damped vocabulary words per document of the documents behind each profile
        (:func:`~bertopic_saetm.emission.profiles.document_words`).
    """

    atom_word: np.ndarray
    background: np.ndarray
    idf: np.ndarray
    log_likelihood: float
    n_iter: int
    atom_prior: np.ndarray
    atom_selectivity: np.ndarray
    inactive_documents: np.ndarray
    atom_word_profile: np.ndarray
    atom_document_words: np.ndarray


@dataclass(frozen=True)
class Merge:
    """Value of the merge stage.

    Attributes
    ----------
    topic_vectors : ndarray of shape (n_atoms, dim)
        Where each atom sits for merging.
    atom_to_topic : ndarray of shape (n_atoms,), int
        The partition: topic ids 0..n_topics-1, -1 for atoms in no topic (atoms that never
        fire on the corpus, and the background atoms).
    background : ndarray of shape (n_atoms,), bool
        The diffuse and the wordless atoms, which form the background topic
        (:mod:`~bertopic_saetm.merge.background`).
    main_counts : ndarray of shape (n_atoms,)
        Documents each atom is the strongest content atom of
        (:func:`~bertopic_saetm.merge.weights.main_atom_counts`); with the prior, the merge weights.
    """

    topic_vectors: np.ndarray
    atom_to_topic: np.ndarray
    background: np.ndarray
    main_counts: np.ndarray


@dataclass(frozen=True)
class FitResult:
    """Everything a fit produced: what a fitted :class:`~bertopic_saetm.SAETopicModel` holds.

    Attributes
    ----------
    vocabulary, encoding, emission, merge
        The values of the four stages.
    fit_seconds : dict
        Wall time of each stage (and ``"total"``).
    embedder : object or None
        The embedding model the fit used (documents or vocabulary words), if any.
    """

    vocabulary: Vocabulary
    encoding: Encoding
    emission: Emission
    merge: Merge
    fit_seconds: dict
    embedder: object | None = None
