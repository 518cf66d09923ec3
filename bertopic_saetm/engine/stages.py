"""The SAE-TM fit as four stages, each a small object that takes inputs and returns a value.

::

    documents ──> VocabularyStage ──> Vocabulary (vectorizer, words, bag-of-words)
    embeddings ─> AtomStage ────────> Atoms (SAE, mixtures over atoms)
    Atoms + Vocabulary ─> EmissionStage ─> Emission (atom word distributions, priors)
    Emission ───> MergeStage ───────> Merge (atom topic vectors, atom_to_topic partition)

:class:`~bertopic_saetm.SAETopicModel` runs all four in ``fit``; the BERTopic backends run
them one at a time, as BERTopic calls its components (vocabulary when the corpus is bound,
atoms as the dimensionality step, emission and merge as the clustering step). Both then
hand the values to :meth:`SAETopicModel.set_fitted_stages`. Stages are configured from the
estimator's parameters by :meth:`FitStages.from_params`, which validates every parameter
first, so a bad value fails before any training.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_parameter_constraints,
)

from ..dictionaries import is_pretrained_name, load_pretrained
from ..emission.em import fit_word_emission
from ..merge.background import atom_selectivity, diffuse_atoms
from ..merge.partition import cluster_atoms
from ..merge.placement import atom_centroids, atom_topic_vectors
from ..merge.weights import main_atom_counts, merge_weights
from ..merge.word_vectors import WORD_VECTOR_SOURCES, vocabulary_vectors
from ..sae import SAETrainingConfig, SparseAutoencoder, load_sae, train_sae
from ..sae.mixtures import normalise_activations
from ..text.embedders import optional_embedder, resolve_embedder
from ..text.vocabulary import build_bag_of_words, count_words, default_vectorizer, fixed_vectorizer
from ..validation import check_n_topics

logger = logging.getLogger(__name__)

class Encoders(HasMethods):
    """Constraint: objects with an ``encode`` method, strings excluded (``str.encode``)."""

    def __init__(self):
        super().__init__(["encode"])

    def is_satisfied_by(self, val) -> bool:
        return not isinstance(val, str) and super().is_satisfied_by(val)


#: What every :class:`SAETopicModel` parameter may be (scikit-learn's declarative form;
#: checked by :meth:`FitStages.from_params` at the start of every fit).
PARAMETER_CONSTRAINTS: dict = {
    "n_topics": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "sae": [None, SparseAutoencoder, str, os.PathLike],
    "sae_config": [None, SAETrainingConfig],
    "vectorizer": [None, HasMethods(["fit_transform", "get_feature_names_out"])],
    "embedding_model": [None, StrOptions({"default"}), Encoders(), callable],
    # A string is a source ("auto", "embedder", "decoder") or the path of a word2vec /
    # GloVe file (checked in from_params); gensim KeyedVectors have get_vector.
    "word_vectors": [str, os.PathLike, HasMethods(["get_vector"]), callable],
    "background_weight": [Interval(Real, 0, 1, closed="left")],
    "background_share": [Interval(Real, 0, 1, closed="left")],
    "atom_space": [StrOptions({"centroids", "words"})],
    "top_p": [Interval(Real, 0, 1, closed="right")],
    "emission_max_iter": [Interval(Integral, 1, None, closed="left")],
    "emission_tol": [Interval(Real, 0, None, closed="left")],
    "min_cluster_size": [Interval(Integral, 2, None, closed="left")],
    "random_state": [None, Interval(Integral, 0, 2**32 - 1, closed="both")],
    "verbose": ["verbose"],
}


@contextmanager
def stopwatch(seconds: dict, name: str):
    """Add the wall time of the ``with`` block to ``seconds[name]``."""
    tick = time.perf_counter()
    try:
        yield
    finally:
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - tick


# ---------------------------------------------------------------------------- values
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
class Atoms:
    """Value of the atom (SAE) stage.

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
                         ) -> Atoms:
        """Atoms from the activations of the documents, sparse of shape (n_docs, n_atoms)."""
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
    """

    atom_word: np.ndarray
    background: np.ndarray
    idf: np.ndarray
    log_likelihood: float
    n_iter: int
    atom_prior: np.ndarray
    atom_selectivity: np.ndarray
    inactive_documents: np.ndarray


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
        The diffuse atoms that form the background topic.
    main_counts : ndarray of shape (n_atoms,)
        Documents each atom is the strongest content atom of
        (:func:`~bertopic_saetm.merge.weights.main_atom_counts`); with the prior, the merge weights.
    """

    topic_vectors: np.ndarray
    atom_to_topic: np.ndarray
    background: np.ndarray
    main_counts: np.ndarray


@dataclass(frozen=True)
class FittedStages:
    """Everything a fit produced, as :meth:`SAETopicModel.set_fitted_stages` takes it.

    Attributes
    ----------
    vocabulary, atoms, emission, merge
        The values of the four stages.
    fit_seconds : dict
        Wall time of each stage (and ``"total"``).
    embedder : object or None
        The embedding model the fit used (documents or vocabulary words), if any.
    """

    vocabulary: Vocabulary
    atoms: Atoms
    emission: Emission
    merge: Merge
    fit_seconds: dict
    embedder: object | None = None


# ---------------------------------------------------------------------------- stages
@dataclass(frozen=True)
class VocabularyStage:
    """Fit the vectorizer (default: the paper's filtering) and count the corpus' words."""

    vectorizer: object | None = None

    def fit(self, documents: list[str] | None, counts=None, n_documents: int | None = None
            ) -> Vocabulary:
        """Vocabulary and bag-of-words of ``documents``.

        Parameters
        ----------
        documents : list of str of length n_documents, or None
            None only with ``counts``.
        counts : sparse matrix of shape (n_documents, n_words), optional
            A precomputed bag-of-words for the already fitted ``vectorizer``.
        n_documents : int, optional
            Number of documents when ``documents`` is None.

        Returns
        -------
        Vocabulary
        """
        if counts is None and self.vectorizer is None:
            # The default filtering counted in bulk (same matrix as scikit-learn's loop),
            # then a vectorizer fixed to its words, as a loaded model's.
            counts, words = count_words(documents)
            return Vocabulary(fixed_vectorizer(default_vectorizer(), words), words, counts)
        vectorizer = self.vectorizer if self.vectorizer is not None else default_vectorizer()
        if counts is None:
            counts, words = build_bag_of_words(vectorizer, documents)
            return Vocabulary(vectorizer, words, counts)
        counts = sp.csr_matrix(counts, dtype=np.float64)
        words = np.asarray(vectorizer.get_feature_names_out(), dtype=object)
        n_documents = len(documents) if documents is not None else n_documents
        if counts.shape != (n_documents, words.size):
            raise ValueError(
                f"counts has shape {counts.shape}, expected ({n_documents}, {words.size}) "
                "for the documents and the vectorizer's vocabulary."
            )
        return Vocabulary(vectorizer, words, counts)


@dataclass(frozen=True)
class AtomStage:
    """Train an SAE on the embeddings, or use a pretrained (frozen) one."""

    sae: SparseAutoencoder | str | Path | None = None
    config: SAETrainingConfig | None = None
    random_state: int | None = None
    verbose: bool = False

    def pretrained(self) -> SparseAutoencoder | None:
        """The pretrained SAE (a shipped dictionary by name, or read from a folder), or None.

        A string that names a shipped dictionary (``"minilm-foundation"``) loads it; any
        other string or path is an SAE-Lens folder.
        """
        if self.sae is None:
            return None
        if is_pretrained_name(self.sae):
            return load_pretrained(self.sae)
        if isinstance(self.sae, (str, Path)):
            return load_sae(self.sae)
        return self.sae.eval()

    def fit(self, embeddings: np.ndarray, sae: SparseAutoencoder | None) -> Atoms:
        """Train an SAE on ``embeddings`` (or keep ``sae``); mixtures of the documents.

        Parameters
        ----------
        embeddings : ndarray of shape (n_documents, n_features)
            Checked (finite, width of ``sae``).
        sae : SparseAutoencoder or None
            :meth:`pretrained`'s value.

        Returns
        -------
        Atoms
        """
        report = None
        if sae is None:
            config = self.config if self.config is not None else SAETrainingConfig()
            sae, training = train_sae(embeddings, config, self.random_state, self.verbose)
            if training.device.startswith("cuda"):
                sae.to(training.device)  # encode (now and in transform) where it trained
            report = training.to_dict()
        return Atoms.from_activations(sae, report, sae.encode_sparse(embeddings))

    @staticmethod
    def adopt(sae: SparseAutoencoder, activations: sp.csr_matrix) -> Atoms:
        """Atoms for activations computed elsewhere with ``sae`` (checked, non-negative)."""
        return Atoms.from_activations(sae, None, activations)


@dataclass(frozen=True)
class EmissionStage:
    """Learn every atom's word distribution from the bag-of-words by EM."""

    background_weight: float = 0.3
    max_iter: int = 200
    tol: float = 1e-4
    verbose: bool = False

    def fit(self, theta: sp.csr_matrix, counts: sp.csr_matrix) -> Emission:
        """Word emission of the atoms.

        Parameters
        ----------
        theta : sparse matrix of shape (n_documents, n_atoms)
            Mixtures over atoms (:attr:`Atoms.theta`).
        counts : sparse matrix of shape (n_documents, n_words)

        Returns
        -------
        Emission
        """
        theta = sp.csr_matrix(theta, dtype=np.float64)
        result = fit_word_emission(theta, counts, self.background_weight,
                                   max_iter=self.max_iter, tol=self.tol, verbose=self.verbose)
        return Emission(
            atom_word=result.atom_word, background=result.background, idf=result.idf,
            log_likelihood=result.log_likelihood, n_iter=result.n_iter,
            atom_prior=np.asarray(theta.mean(axis=0)).ravel(),
            atom_selectivity=atom_selectivity(theta),
            inactive_documents=np.flatnonzero(np.diff(theta.indptr) == 0),
        )


@dataclass(frozen=True)
class MergeStage:
    """Set the diffuse atoms apart, place the others and partition them into topics.

    ``atom_space="centroids"`` places an atom at the mixture-weighted mean reconstruction
    of its documents (:func:`~bertopic_saetm.merge.placement.atom_centroids`); ``"words"`` at the
    average vector of its top words (the paper's merge).
    """

    n_topics: int | str = 20
    atom_space: str = "centroids"
    background_share: float = 0.25
    word_vectors: object = "auto"
    embedding_model: object = "default"
    top_p: float = 0.9
    min_cluster_size: int = 3
    random_state: int | None = None
    verbose: bool = False

    def embedder(self, fitted=None):
        """The embedder that places vocabulary words, or None when the word vectors need none.

        ``fitted`` (the embedder that embedded the documents, if any) is reused. With
        ``word_vectors="auto"`` a missing default embedder means decoder directions.
        """
        if self.atom_space != "words" or not (
                isinstance(self.word_vectors, str) and self.word_vectors in ("auto", "embedder")):
            return None
        if fitted is not None:
            return fitted
        if self.word_vectors == "embedder":
            return resolve_embedder(self.embedding_model)
        return optional_embedder(self.embedding_model)

    def place(self, atom_word: np.ndarray, words: np.ndarray, decoder: np.ndarray,
              embedder=None) -> np.ndarray:
        """Topic vector of every atom, ndarray of shape (n_atoms, dim).

        Parameters
        ----------
        atom_word : ndarray of shape (n_atoms, n_words)
        words : ndarray of shape (n_words,)
        decoder : ndarray of shape (n_atoms, n_features)
            Unit atom directions, used when there are no word vectors.
        embedder : object, optional
            :meth:`embedder`'s value.
        """
        found = vocabulary_vectors(self.word_vectors, words, embedder, self.verbose)
        word_vectors, mask = found if found is not None else (None, None)
        return atom_topic_vectors(atom_word, word_vectors, mask, decoder, self.top_p)

    def partition(self, topic_vectors: np.ndarray, weights: np.ndarray, n_topics=None
                  ) -> np.ndarray:
        """Partition of the atoms, ndarray of shape (n_atoms,): topic ids, -1 for none.

        Parameters
        ----------
        topic_vectors : ndarray of shape (n_atoms, dim)
        weights : ndarray of shape (n_atoms,)
            :func:`~bertopic_saetm.merge.weights.merge_weights`; atoms with weight 0 get -1.
        n_topics : int or "auto", optional
            Defaults to the stage's ``n_topics``.
        """
        n_topics = self.n_topics if n_topics is None else n_topics
        return cluster_atoms(topic_vectors, weights, n_topics, self.random_state,
                             self.min_cluster_size)

    def fit(self, emission: Emission, vocabulary: Vocabulary, atoms: Atoms, embedder=None
            ) -> Merge:
        """Flag the diffuse atoms, place the atoms, then :meth:`partition` the others.

        Parameters
        ----------
        emission : Emission
        vocabulary : Vocabulary
        atoms : Atoms
            The SAE (decoder directions) and the corpus' mixtures over atoms.
        embedder : object, optional
            :meth:`embedder`'s value.

        Returns
        -------
        Merge
        """
        background = diffuse_atoms(atoms.theta, self.background_share)
        if self.atom_space == "centroids":
            sae = atoms.sae
            vectors = atom_centroids(atoms.theta, atoms.activations(),
                                     sae.W_dec.detach().cpu().double().numpy(),
                                     sae.b_dec.detach().cpu().double().numpy())
        else:
            vectors = self.place(emission.atom_word, vocabulary.words, atoms.sae.atoms(),
                                 embedder)
        content_prior = np.where(background, 0.0, emission.atom_prior)
        counts = main_atom_counts(atoms.theta, content_prior > 0)
        return Merge(vectors, self.partition(vectors, merge_weights(counts, content_prior)),
                     background, counts)


@dataclass(frozen=True)
class FitStages:
    """The four stages configured from one set of :class:`SAETopicModel` parameters."""

    vocabulary: VocabularyStage
    atoms: AtomStage
    emission: EmissionStage
    merge: MergeStage

    @classmethod
    def from_params(cls, params: Mapping) -> FitStages:
        """Validate estimator parameters (``get_params(deep=False)``) and configure the stages.

        Raises
        ------
        sklearn.utils._param_validation.InvalidParameterError
            (a ValueError and TypeError) naming the first bad parameter.
        """
        validate_parameter_constraints(PARAMETER_CONSTRAINTS, dict(params),
                                       caller_name="SAETopicModel")
        check_n_topics(params["n_topics"])  # also refuses True / False
        source = params["word_vectors"]
        if isinstance(source, str) and source not in WORD_VECTOR_SOURCES \
                and not Path(source).is_file():
            raise FileNotFoundError(
                f"word_vectors={source!r} is neither one of {WORD_VECTOR_SOURCES} nor a "
                "word2vec / GloVe file.")
        verbose = bool(params["verbose"])
        return cls(
            VocabularyStage(params["vectorizer"]),
            AtomStage(params["sae"], params["sae_config"], params["random_state"], verbose),
            EmissionStage(params["background_weight"], params["emission_max_iter"],
                          params["emission_tol"], verbose),
            MergeStage(params["n_topics"], params["atom_space"], params["background_share"],
                       source, params["embedding_model"], params["top_p"],
                       params["min_cluster_size"], params["random_state"], verbose),
        )
