"""SAETopicModel: SAE-TM as a scikit-learn style estimator."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from ._validation import check_activations, check_documents, check_embeddings, check_n_topics
from .embedders import default_embedder_available, embed, resolve_embedder
from .merging import assignment_matrix, atom_topic_vectors, cluster_atoms, merge_topic_word
from .sae import SAETrainingConfig, SparseAutoencoder, load_sae, train_sae
from .vocabulary import build_bag_of_words, default_vectorizer
from .word_emission import fit_word_emission
from .word_vectors import vocabulary_vectors

logger = logging.getLogger(__name__)


def normalise_activations(acts: sp.csr_matrix) -> sp.csr_matrix:
    """Rows divided by their sums (all-zero rows stay zero), CSR of the same shape."""
    acts = sp.csr_matrix(acts, dtype=np.float64)
    sums = np.asarray(acts.sum(axis=1)).ravel()
    inverse = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
    return sp.csr_matrix(sp.diags(inverse) @ acts)


class SAETopicModel(BaseEstimator):
    """Sparse-autoencoder topic model (SAE-TM).

    An SAE trained on document embeddings provides topic atoms; a document's normalised
    activations are its mixture over atoms. Each atom's word distribution is learned from
    the bag-of-words, and atoms are merged into ``n_topics`` topics by clustering their word
    vectors, which can be redone for any number of topics without retraining.

    Parameters
    ----------
    n_topics : int or "auto", default=20
        Number of merged topics; ``"auto"`` lets HDBSCAN choose it from the atoms.
    sae : SparseAutoencoder, str or Path, optional
        A pretrained SAE (or the path of an SAE-Lens folder), kept frozen. When omitted an
        SAE is trained on the embeddings passed to :meth:`fit`.
    sae_config : SAETrainingConfig, optional
        Training hyper-parameters (paper defaults where measurements did not argue
        otherwise; see :class:`SAETrainingConfig`).
    vectorizer : scikit-learn vectorizer, optional
        Builds the bag-of-words; default: the paper's filtering (:func:`default_vectorizer`).
    embedding_model : "default", None, callable or object with ``encode``, default="default"
        Embeds documents when no embeddings are given (and vocabulary words for the merge).
        ``"default"`` is the offline all-MiniLM-L6-v2 (``[embed]`` extra).
    word_vectors : "auto", "embedder", "decoder", path, KeyedVectors or callable, default="auto"
        Word vectors that place atoms for merging. ``"auto"``: the embedding model when one is
        available, else the decoder directions.
    background_weight : float, default=0.3
        ``pi``: share of the background word distribution in the emission likelihood.
    top_p : float, default=0.9
        Atom word distributions are truncated to this cumulative mass for topic vectors.
    emission_max_iter : int, default=200
        Maximum EM iterations for the word emission.
    emission_tol : float, default=1e-4
        Relative change of the weighted log-likelihood at which EM stops.
    min_cluster_size : int, default=3
        Smallest group of atoms HDBSCAN may call a topic (``n_topics="auto"``).
    random_state : int, optional
        Seed for SAE training and k-means. The same seed gives identical results.
    verbose : bool, default=False
        Show progress bars.

    Attributes
    ----------
    sae_ : SparseAutoencoder
        The SAE (trained, or the frozen one given).
    sae_report_ : dict or None
        Training report (explained variance, L0, dead atoms, steps, seconds); None if frozen.
    atoms_ : ndarray of shape (n_atoms, n_features)
        Unit-norm atom directions (decoder rows).
    atom_word_ : ndarray of shape (n_atoms, n_words)
        Word emission ``B``; rows are distributions over the vocabulary.
    background_ : ndarray of shape (n_words,)
        Background word distribution ``P0``.
    atom_prior_ : ndarray of shape (n_atoms,)
        Mean mixture weight of each atom over the training documents; 0 for atoms that never
        fire there (invalid atoms, excluded from topics).
    atom_topic_vectors_ : ndarray of shape (n_atoms, dim)
        Where each atom sits for merging.
    atom_to_topic_ : ndarray of shape (n_atoms,)
        Topic of every atom, -1 for invalid atoms.
    topic_word_ : ndarray of shape (n_topics_, n_words)
        Word distribution of every merged topic.
    topic_prior_ : ndarray of shape (n_topics_,)
        Mean topic weight over the training documents.
    n_topics_ : int
        Number of merged topics.
    vocabulary_ : ndarray of shape (n_words,), dtype object
    idf_ : ndarray of shape (n_words,)
        Normalised IDF weights used in the emission likelihood.
    emission_log_likelihood_ : float
        Final IDF-weighted log-likelihood per unit of weighted count.
    n_features_in_ : int
        Embedding width.
    inactive_documents_ : ndarray of int
        Indices of training documents on which no atom fires (their mixture rows are zero).
    fit_seconds_ : dict
        Wall time of each fitting stage.

    Notes
    -----
    :meth:`transform` rows sum to 1, except for documents on which no (valid) atom fires:
    their rows are all zero. Such documents are listed in ``inactive_documents_`` for the
    training corpus; for new documents, check ``row.sum() == 0``.
    """

    def __init__(
        self,
        n_topics=20,
        *,
        sae=None,
        sae_config=None,
        vectorizer=None,
        embedding_model="default",
        word_vectors="auto",
        background_weight=0.3,
        top_p=0.9,
        emission_max_iter=200,
        emission_tol=1e-4,
        min_cluster_size=3,
        random_state=None,
        verbose=False,
    ):
        self.n_topics = n_topics
        self.sae = sae
        self.sae_config = sae_config
        self.vectorizer = vectorizer
        self.embedding_model = embedding_model
        self.word_vectors = word_vectors
        self.background_weight = background_weight
        self.top_p = top_p
        self.emission_max_iter = emission_max_iter
        self.emission_tol = emission_tol
        self.min_cluster_size = min_cluster_size
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting
    def fit(self, documents, embeddings=None, counts=None, *, activations=None):
        """Fit the topic model on a corpus.

        Parameters
        ----------
        documents : list of str of length n_documents, or None
            None only with ``counts`` (for corpora too large to keep as strings).
        embeddings : array-like of shape (n_documents, n_features), optional
            Document embeddings (a memory-mapped ``.npy`` is read in batches); computed with
            ``embedding_model`` when omitted.
        counts : sparse matrix of shape (n_documents, n_words), optional
            A precomputed bag-of-words for the fitted ``vectorizer`` (advanced; the
            vectorizer must already be fitted and give the vocabulary).
        activations : array-like or sparse matrix of shape (n_documents, n_atoms), optional
            Atom activations computed elsewhere, e.g. a language model's token activations
            encoded by its SAE and pooled per document (``sae_lens_bridge``). Requires the
            pretrained ``sae`` they come from; embeddings are then not used.

        Returns
        -------
        self
        """
        self._fit(documents, embeddings, counts, activations)
        return self

    def _fit(self, documents, embeddings, counts, activations=None):
        # Fits the model; returns what transform needs to reproduce the training mixtures.
        n_topics = check_n_topics(self.n_topics)
        if documents is None and counts is not None:
            # A precomputed bag-of-words stands in for the texts (corpora too large to keep
            # as strings); embeddings or activations are then required.
            n_docs = counts.shape[0]
        else:
            documents = check_documents(documents)
            n_docs = len(documents)
        self.fit_seconds_ = {}
        started = time.perf_counter()
        sae = self._pretrained_sae()
        self.embedder_ = None
        if activations is not None:
            if sae is None:
                raise ValueError("activations= needs the SAE they come from: pass sae= (a "
                                 "SparseAutoencoder or an SAE-Lens folder).")
            activations = check_activations(activations, n_docs, sae.d_sae)
        else:
            if embeddings is None:
                if documents is None:
                    raise ValueError("Without documents, pass embeddings= (or activations=).")
                self.embedder_ = self._embedder(required=True)
                embeddings = embed(self.embedder_, documents, self.verbose)
                self.fit_seconds_["embed"] = time.perf_counter() - started
            embeddings = check_embeddings(embeddings, n_docs,
                                          sae.d_in if sae is not None else None)
        counts = self._fit_vocabulary(documents, counts, n_docs)
        if activations is not None:
            theta = self._adopt_sae(sae, activations)
        else:
            theta = self._fit_sae(embeddings, sae)
        self._fit_emission(theta, counts)
        self._fit_topics(n_topics)
        self.fit_seconds_["total"] = time.perf_counter() - started
        logger.info("SAE-TM fitted in %.1fs: %s", self.fit_seconds_["total"], ", ".join(
            f"{k} {v:.1f}s" for k, v in self.fit_seconds_.items() if k != "total"))
        return {"activations": activations} if activations is not None else {
            "embeddings": embeddings}

    # The fit is four stages. The BERTopic backends run them one by one (the bag-of-words
    # when the corpus is bound, the SAE as the dimensionality step, emission and merge as
    # the clustering step), so both paths share this code and give identical models.
    def _fit_vocabulary(self, documents: list[str] | None, counts=None, n_docs=None
                        ) -> sp.csr_matrix:
        """Stage 1: fit the vectorizer; returns the bag-of-words (n_documents, n_words)."""
        tick = time.perf_counter()
        vectorizer = self.vectorizer if self.vectorizer is not None else default_vectorizer()
        if counts is None:
            counts, vocabulary = build_bag_of_words(vectorizer, documents)
        else:
            counts = sp.csr_matrix(counts, dtype=np.float64)
            vocabulary = np.asarray(vectorizer.get_feature_names_out(), dtype=object)
            n_docs = len(documents) if documents is not None else n_docs
            if counts.shape != (n_docs, vocabulary.size):
                raise ValueError(
                    f"counts has shape {counts.shape}, expected ({n_docs}, "
                    f"{vocabulary.size}) for the documents and the vectorizer's vocabulary."
                )
        self.vectorizer_ = vectorizer
        self.vocabulary_ = vocabulary
        self.fit_seconds_["vocabulary"] = time.perf_counter() - tick
        return counts

    def _fit_sae(self, X: np.ndarray, sae: SparseAutoencoder | None) -> sp.csr_matrix:
        """Stage 2: train the SAE (or adopt ``sae``); returns the mixture over atoms.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_atoms)
        """
        tick = time.perf_counter()
        if sae is None:
            config = self.sae_config if self.sae_config is not None else SAETrainingConfig()
            sae, report = train_sae(X, config, self.random_state, self.verbose)
            if report.device.startswith("cuda"):
                sae.to(report.device)  # encode (now and in transform) where it trained
            self.sae_report_ = report.to_dict()
        else:
            self.sae_report_ = None
        self.sae_ = sae
        self.atoms_ = sae.atoms()
        self.n_features_in_ = X.shape[1]
        theta = normalise_activations(sae.encode_sparse(X))
        self.fit_seconds_["sae"] = time.perf_counter() - tick
        return theta

    def _adopt_sae(self, sae: SparseAutoencoder, activations: sp.csr_matrix) -> sp.csr_matrix:
        """Stage 2 for precomputed activations: keep ``sae``; returns their mixtures."""
        self.sae_report_ = None
        self.sae_ = sae
        self.atoms_ = sae.atoms()
        self.n_features_in_ = sae.d_in
        return normalise_activations(activations)

    def _fit_emission(self, theta: sp.csr_matrix, counts: sp.csr_matrix) -> None:
        """Stage 3: learn the word emission ``B`` and the atom priors."""
        tick = time.perf_counter()
        emission = fit_word_emission(
            theta, counts, self.background_weight, max_iter=self.emission_max_iter,
            tol=self.emission_tol, verbose=self.verbose,
        )
        self.atom_word_ = emission.atom_word
        self.background_ = emission.background
        self.emission_log_likelihood_ = emission.log_likelihood
        self.emission_n_iter_ = emission.n_iter
        self.idf_ = emission.word_weights
        self.atom_prior_ = np.asarray(theta.mean(axis=0)).ravel()
        self.inactive_documents_ = np.flatnonzero(np.diff(theta.indptr) == 0)
        self.fit_seconds_["word_emission"] = time.perf_counter() - tick

    def _fit_topics(self, n_topics) -> None:
        """Stage 4: place the atoms by their words and merge them into ``n_topics``."""
        tick = time.perf_counter()
        self.atom_topic_vectors_ = self._topic_vectors()
        self._merge(n_topics)
        self.fit_seconds_["merge"] = time.perf_counter() - tick

    def _pretrained_sae(self) -> SparseAutoencoder | None:
        if self.sae is None:
            return None
        if isinstance(self.sae, (str, Path)):
            return load_sae(self.sae)
        if isinstance(self.sae, SparseAutoencoder):
            return self.sae.eval()
        raise TypeError(
            "sae must be a SparseAutoencoder, the path of an SAE-Lens folder, or None; "
            f"got {type(self.sae).__name__}."
        )

    def _embedder(self, required: bool):
        embedder = getattr(self, "embedder_", None)
        if embedder is not None:
            return embedder
        if self.embedding_model is None:
            if required:
                raise ValueError("No embeddings were given and embedding_model is None: "
                                 "pass embeddings= or an embedding_model.")
            return None
        if self.embedding_model == "default" and not required and not default_embedder_available():
            return None
        self.embedder_ = resolve_embedder(self.embedding_model)
        return self.embedder_

    def _topic_vectors(self) -> np.ndarray:
        embedder = None
        if isinstance(self.word_vectors, str) and self.word_vectors in ("auto", "embedder"):
            embedder = self._embedder(required=self.word_vectors == "embedder")
        found = vocabulary_vectors(self.word_vectors, self.vocabulary_, embedder, self.verbose)
        word_vectors, mask = found if found is not None else (None, None)
        return atom_topic_vectors(self.atom_word_, word_vectors, mask, self.atoms_, self.top_p)

    def _merge(self, n_topics) -> None:
        self._assign_atoms(cluster_atoms(
            self.atom_topic_vectors_, self.atom_prior_, n_topics, self.random_state,
            self.min_cluster_size,
        ))

    def _assign_atoms(self, atom_to_topic: np.ndarray) -> None:
        """Adopt an atom partition (ids 0..n-1, -1 for invalid atoms); derive topic words."""
        self.atom_to_topic_ = atom_to_topic
        self.n_topics_ = int(atom_to_topic.max()) + 1
        self.topic_word_ = merge_topic_word(
            self.atom_word_, self.atom_prior_, atom_to_topic, self.n_topics_
        )
        valid = atom_to_topic >= 0
        self.topic_prior_ = np.bincount(
            atom_to_topic[valid], weights=self.atom_prior_[valid], minlength=self.n_topics_
        )

    def set_n_topics(self, n_topics):
        """Re-merge the atoms into ``n_topics`` topics without retraining the SAE or ``B``.

        Parameters
        ----------
        n_topics : int or "auto"

        Returns
        -------
        self
        """
        self._check_fitted()
        n_topics = check_n_topics(n_topics)
        self._merge(n_topics)
        self.n_topics = n_topics
        return self

    # ---------------------------------------------------------------- inference
    def _check_fitted(self) -> None:
        if not hasattr(self, "topic_word_"):
            raise RuntimeError(
                "This SAETopicModel is not fitted yet; call fit() (or load()) first."
            )

    def _embeddings_for(self, documents, embeddings) -> np.ndarray:
        if embeddings is None:
            if documents is None:
                raise ValueError("Pass documents or embeddings.")
            documents = check_documents(documents)
            embedder = self._embedder(required=True)
            embeddings = embed(embedder, documents, self.verbose)
        n_docs = None if documents is None else len(documents)
        return check_embeddings(embeddings, n_docs, self.n_features_in_)

    def transform_atoms(self, documents=None, embeddings=None, activations=None
                        ) -> sp.csr_matrix:
        """Mixture over atoms, CSR of shape (n_documents, n_atoms).

        Activations of atoms that never fired on the training corpus (no word distribution)
        are dropped, then rows are normalised; rows are all zero where nothing else fires.
        ``activations`` (precomputed, as in :meth:`fit`) replace encoding embeddings.
        """
        self._check_fitted()
        if activations is not None:
            acts = check_activations(activations, None, self.sae_.d_sae)
        else:
            acts = self.sae_.encode_sparse(self._embeddings_for(documents, embeddings))
        acts = sp.csr_matrix(acts @ sp.diags((self.atom_prior_ > 0).astype(np.float64)))
        acts.eliminate_zeros()
        return normalise_activations(acts)

    def transform(self, documents=None, embeddings=None, activations=None) -> np.ndarray:
        """Topic mixture of each document.

        Parameters
        ----------
        documents : list of str, optional
            Embedded with the embedding model when ``embeddings`` is omitted.
        embeddings : array-like of shape (n_documents, n_features), optional
        activations : array-like or sparse matrix of shape (n_documents, n_atoms), optional
            Precomputed atom activations (see :meth:`fit`), used instead of embeddings.

        Returns
        -------
        ndarray of shape (n_documents, n_topics_)
            Rows sum to 1, or are all zero for documents on which no atom fires.
        """
        theta = self.transform_atoms(documents, embeddings, activations)
        merged = theta @ assignment_matrix(self.atom_to_topic_, self.n_topics_)
        return np.asarray(merged.todense())

    def iter_transform(self, embeddings, batch_size: int = 8192):
        """Topic mixtures batch by batch, for corpora too large to hold at once.

        Parameters
        ----------
        embeddings : array-like of shape (n_documents, n_features)
            A memory-mapped ``.npy`` (``np.load(path, mmap_mode="r")``) is read one batch at
            a time.
        batch_size : int, default=8192

        Yields
        ------
        ndarray of shape (<= batch_size, n_topics_)
            Consecutive rows of :meth:`transform`'s result; memory stays bounded by
            ``batch_size x (n_atoms + n_topics_)``.
        """
        self._check_fitted()
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}.")
        for start in range(0, len(embeddings), batch_size):
            yield self.transform(embeddings=embeddings[start : start + batch_size])

    def fit_transform(self, documents, embeddings=None, counts=None, *, activations=None
                      ) -> np.ndarray:
        """``fit(...).transform(...)`` on the same inputs, computed once."""
        return self.transform(**self._fit(documents, embeddings, counts, activations))

    # ------------------------------------------------------------------- topics
    def get_topics(self, top_n: int = 10) -> list[list[tuple[str, float]]]:
        """Top words of every topic.

        Returns
        -------
        list of length n_topics_ of lists of (word, probability)
        """
        self._check_fitted()
        top_n = min(int(top_n), self.vocabulary_.size)
        order = np.argsort(-self.topic_word_, axis=1, kind="stable")[:, :top_n]
        return [
            [(str(self.vocabulary_[j]), float(self.topic_word_[i, j])) for j in row]
            for i, row in enumerate(order)
        ]

    # -------------------------------------------------------------- persistence
    def save(self, path) -> Path:
        """Write the fitted model to a folder (safetensors + JSON, no pickle)."""
        from .persistence import save_model

        self._check_fitted()
        return save_model(self, path)

    @classmethod
    def load(cls, path) -> SAETopicModel:
        """Read a model written by :meth:`save`."""
        from .persistence import load_model

        return load_model(cls, path)
