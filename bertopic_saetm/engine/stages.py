"""The SAE-TM fit as four stages, each a small frozen object that takes inputs and returns a
value (:mod:`bertopic_saetm.engine.values`).

::

    documents ──> VocabularyStage ──> Vocabulary (vectorizer, words, bag-of-words)
    embeddings ─> EncodingStage ────> Encoding (SAE, mixtures over atoms)
    Encoding + Vocabulary ─> EmissionStage ─> Emission (atom word distributions, priors)
    Emission ───> MergeStage ───────> Merge (atom topic vectors, atom_to_topic partition)

The stages hold configuration only; :class:`~bertopic_saetm.engine.FitEngine` builds them
from the estimator's parameters (by keyword), checks the inputs and runs them in order.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..dictionaries import is_pretrained_name, load_pretrained
from ..emission.em import fit_word_emission
from ..emission.profiles import document_words, profile_statistics, word_profiles
from ..merge.background import WORDLESS_WORDS, atom_selectivity, diffuse_atoms
from ..merge.partition import cluster_atoms
from ..merge.placement import atom_centroids, atom_topic_vectors
from ..merge.weights import (
    GENERIC_ATOM_POWER,
    generic_atom_factors,
    main_atom_counts,
    merge_weights,
)
from ..merge.word_vectors import vocabulary_vectors
from ..sae import SAETrainingConfig, SparseAutoencoder, load_sae, train_sae
from ..text.embedders import optional_embedder, resolve_embedder
from ..text.vocabulary import build_bag_of_words, count_words, default_vectorizer, fixed_vectorizer
from .values import Emission, Encoding, Merge, Vocabulary


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
class EncodingStage:
    """Train an SAE on the embeddings, or use a pretrained (frozen) one; encode the corpus."""

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

    def fit(self, embeddings: np.ndarray, sae: SparseAutoencoder | None) -> Encoding:
        """Train an SAE on ``embeddings`` (or keep ``sae``); mixtures of the documents.

        Parameters
        ----------
        embeddings : ndarray of shape (n_documents, n_features)
            Checked (finite, width of ``sae``).
        sae : SparseAutoencoder or None
            :meth:`pretrained`'s value.

        Returns
        -------
        Encoding
        """
        report = None
        if sae is None:
            config = self.config if self.config is not None else SAETrainingConfig()
            sae, training = train_sae(embeddings, config, self.random_state, self.verbose)
            if training.device.startswith("cuda"):
                sae.to(training.device)  # encode (now and in transform) where it trained
            report = training.to_dict()
        return Encoding.from_activations(sae, report, sae.encode_sparse(embeddings))

    @staticmethod
    def adopt(sae: SparseAutoencoder, activations: sp.csr_matrix) -> Encoding:
        """The encoding for activations computed elsewhere with ``sae`` (checked)."""
        return Encoding.from_activations(sae, None, activations)


@dataclass(frozen=True)
class EmissionStage:
    """Learn every atom's word distribution from the bag-of-words by EM, and its word
    profile (:mod:`~bertopic_saetm.emission.profiles`)."""

    background_weight: float = 0.3
    max_iter: int = 200
    tol: float = 1e-4
    verbose: bool = False

    def fit(self, theta: sp.csr_matrix, counts: sp.csr_matrix) -> Emission:
        """Word emission of the atoms.

        Parameters
        ----------
        theta : sparse matrix of shape (n_documents, n_atoms)
            Mixtures over atoms (:attr:`Encoding.theta`).
        counts : sparse matrix of shape (n_documents, n_words)

        Returns
        -------
        Emission
        """
        theta = sp.csr_matrix(theta, dtype=np.float64)
        result = fit_word_emission(theta, counts, self.background_weight,
                                   max_iter=self.max_iter, tol=self.tol, verbose=self.verbose)
        sums, weights = profile_statistics(theta, counts)
        return Emission(
            atom_word=result.atom_word, background=result.background, idf=result.idf,
            log_likelihood=result.log_likelihood, n_iter=result.n_iter,
            atom_prior=np.asarray(theta.mean(axis=0)).ravel(),
            atom_selectivity=atom_selectivity(theta),
            inactive_documents=np.flatnonzero(np.diff(theta.indptr) == 0),
            atom_word_profile=word_profiles(sums),
            atom_document_words=document_words(sums, weights),
        )


@dataclass(frozen=True)
class MergeStage:
    """Set the diffuse atoms apart, place the others and partition them into topics.

    ``atom_space="centroids"`` places an atom at the mixture-weighted mean reconstruction
    of its documents (:func:`~bertopic_saetm.merge.placement.atom_centroids`); ``"words"``
    at the average vector of its top words (the paper's merge).
    """

    n_topics: int | str = 20
    atom_space: str = "centroids"
    background_share: float = 0.25
    min_document_words: float = WORDLESS_WORDS
    generic_atom_power: float = GENERIC_ATOM_POWER
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
        """Topic vector of every atom by its words, ndarray of shape (n_atoms, dim).

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

    def partition(self, topic_vectors: np.ndarray, main_counts: np.ndarray,
                  atom_prior: np.ndarray, background: np.ndarray,
                  atom_word_profile: np.ndarray, n_topics=None) -> np.ndarray:
        """Partition of the atoms, ndarray of shape (n_atoms,): topic ids, -1 for none.

        The one place where the merge weights are made: background atoms and atoms that
        never fire weigh 0 (topic -1); the others :func:`~bertopic_saetm.merge.weights.
        merge_weights` of the documents they head and their prior, times
        :func:`~bertopic_saetm.merge.weights.generic_atom_factors` (generic atoms weigh
        less).

        Parameters
        ----------
        topic_vectors : ndarray of shape (n_atoms, dim)
        main_counts : ndarray of shape (n_atoms,)
            Documents each atom heads (:attr:`Merge.main_counts`).
        atom_prior : ndarray of shape (n_atoms,)
        background : ndarray of shape (n_atoms,), bool
        atom_word_profile : ndarray of shape (n_atoms, n_words)
            Word profiles (rows summing to 1) that tell the generic atoms; read only when
            ``generic_atom_power`` is not 0.
        n_topics : int or "auto", optional
            Defaults to the stage's ``n_topics``.
        """
        n_topics = self.n_topics if n_topics is None else n_topics
        content_prior = np.where(background, 0.0, atom_prior)
        weights = merge_weights(main_counts, content_prior) * generic_atom_factors(
            atom_word_profile, content_prior, self.generic_atom_power)
        return cluster_atoms(topic_vectors, weights, n_topics, self.random_state,
                             self.min_cluster_size)

    def fit(self, emission: Emission, vocabulary: Vocabulary, encoding: Encoding,
            embedder=None) -> Merge:
        """Flag the diffuse and the wordless atoms (:mod:`~bertopic_saetm.merge.background`),
        place the atoms, then :meth:`partition` the others.

        Parameters
        ----------
        emission : Emission
        vocabulary : Vocabulary
        encoding : Encoding
            The SAE (decoder directions) and the corpus' mixtures over atoms.
        embedder : object, optional
            :meth:`embedder`'s value.

        Returns
        -------
        Merge
        """
        background = diffuse_atoms(encoding.theta, self.background_share,
                                   emission.atom_document_words, self.min_document_words)
        sae = encoding.sae
        if self.atom_space == "centroids":
            vectors = atom_centroids(encoding.theta, encoding.activations(),
                                     sae.W_dec.detach().cpu().double().numpy(),
                                     sae.b_dec.detach().cpu().double().numpy())
        else:
            vectors = self.place(emission.atom_word, vocabulary.words, sae.atoms(), embedder)
        counts = main_atom_counts(encoding.theta, self.content(background, emission.atom_prior))
        return self.finish(vectors, background, counts, emission.atom_prior,
                           emission.atom_word_profile)

    @staticmethod
    def content(background: np.ndarray, atom_prior: np.ndarray) -> np.ndarray:
        """The atoms that can join a topic: active on the corpus and not background."""
        return ~background & (atom_prior > 0)

    def finish(self, vectors: np.ndarray, background: np.ndarray, main_counts: np.ndarray,
               atom_prior: np.ndarray, atom_word_profile: np.ndarray) -> Merge:
        """Partition the placed atoms (:meth:`partition`) into the stage's ``n_topics``.

        Parameters
        ----------
        vectors : ndarray of shape (n_atoms, dim)
        background : ndarray of shape (n_atoms,), bool
        main_counts : ndarray of shape (n_atoms,)
        atom_prior : ndarray of shape (n_atoms,)
        atom_word_profile : ndarray of shape (n_atoms, n_words)

        Returns
        -------
        Merge
        """
        content = self.content(background, atom_prior)
        counts = main_counts
        n_topics = self.n_topics
        if isinstance(n_topics, int) and n_topics > content.sum() > 0:
            # The expensive stages are done: merge into every content atom rather than fail.
            warnings.warn(
                f"n_topics={n_topics} is more than the {int(content.sum())} content atoms this "
                f"corpus leaves of the SAE's {content.size} (the others are background or "
                f"never fire): merged into {int(content.sum())} topics. set_n_topics(k) "
                f"re-merges into any k up to {int(content.sum())}; a dictionary sized for more "
                f"(sae_config=SAETrainingConfig(max_topics={n_topics})) gives more.",
                UserWarning, stacklevel=2)
            n_topics = int(content.sum())
        partition = self.partition(vectors, counts, atom_prior, background, atom_word_profile,
                                   n_topics)
        return Merge(vectors, partition, background, counts)
