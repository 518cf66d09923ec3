"""SAETMBackend: one SAE-TM fit shared by the BERTopic components it creates.

BERTopic hands each backend only what its step needs: the dimensionality model sees
embeddings, the cluster model sees the reduced embeddings, the representation model sees
documents once clusters exist. SAE-TM's word emission and atom merge need the bag-of-words
*before* the clusters exist, so the backend binds the corpus up front and runs the
stages of :mod:`bertopic_saetm.engine.stages` as BERTopic calls its components:

=================  ==============================  ===================================
BERTopic step      component                       SAE-TM stage
=================  ==============================  ===================================
(binding)          ``backend.components(docs)``    vocabulary and bag-of-words
``umap_model``     :class:`SAEEncoder`             SAE training, mixtures over atoms
``hdbscan_model``  :class:`AtomMerger`             word emission ``B``, atom merge
``representation`` :class:`EmissionRepresentation` topic words from ``B``
``vectorizer``     ``CountVectorizer(vocabulary)`` c-TF-IDF columns aligned with ``B``
=================  ==============================  ===================================

The backend drives the estimator's stage-by-stage fit (:meth:`SAETopicModel.begin_fit`,
:meth:`FitRun.encode`, :meth:`SAETopicModel.finish_fit`): the same engine, checks and
timings as ``SAETopicModel.fit``. Where the backend is in that sequence is one explicit
value, :attr:`SAETMBackend.stage` (a :class:`BackendStage`).
"""

from __future__ import annotations

import logging
import time

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from ..engine import FitRun, Vocabulary
from ..merge.partition import assignment_matrix
from ..topic_model import SAETopicModel
from ..validation import check_documents, check_embeddings
from .bertopic_internals import topic_mapping
from .components import AtomMerger, SAEEncoder
from .fit_state import BackendStage, EncodedCorpus
from .groups import document_fingerprints
from .hooks import install_hooks
from .messages import UNBOUND, ZERO_SHOT_UNSUPPORTED

logger = logging.getLogger(__name__)

class SAETMBackend:
    """SAE-TM as BERTopic's dimensionality, cluster and representation models.

    Parameters
    ----------
    model : SAETopicModel, optional
        The estimator whose parameters drive the fit; a default ``SAETopicModel()`` when
        omitted. It is fitted in place when BERTopic's cluster step runs, and stays
        available as ``backend.model``.
    reuse_fit : bool, default=False
        Reuse the (already fitted) model's SAE, word emission and merge instead of fitting
        them; see :meth:`from_fitted`.

    Attributes
    ----------
    stage : BackendStage
        How far the BERTopic fit is; the attributes below exist from the stage named.
    documents_ : list of str or None
        The bound corpus (BOUND); None after loading a saved model.
    fingerprints_ : ndarray of shape (n_documents,), uint64
        Hashes of the bound documents (see :func:`document_fingerprints`).
    theta_ : scipy.sparse.csr_matrix of shape (n_documents, n_atoms)
        Mixture over atoms of every training document (ENCODED).
    atom_centroids_ : ndarray of shape (n_atoms, n_features)
        ``theta_.T @ embeddings``: mixture-weighted sum of the embeddings of each atom's
        documents, from which any merged topic's embedding follows without the corpus
        (ENCODED).
    outlier_centroid_ : ndarray of shape (n_features,)
        Mean embedding of the documents on which no atom fires (zeros if there are none)
        (ENCODED).
    labels_ : ndarray of shape (n_documents,)
        Main merged topic of every training document (-1: no atom fires) (MERGED).

    Examples
    --------
    >>> from bertopic import BERTopic                                     # doctest: +SKIP
    >>> backend = SAETMBackend(SAETopicModel(n_topics=20, random_state=0))  # doctest: +SKIP
    >>> topic_model = BERTopic(**backend.components(docs))               # doctest: +SKIP
    >>> topics, probs = topic_model.fit_transform(docs, embeddings)      # doctest: +SKIP
    """

    def __init__(self, model: SAETopicModel | None = None, *, reuse_fit: bool = False):
        self.model = model if model is not None else SAETopicModel()
        if not isinstance(self.model, SAETopicModel):
            raise TypeError(f"model must be an SAETopicModel, got {type(self.model).__name__}.")
        self.reuse_fit = bool(reuse_fit)
        self.stage = BackendStage.UNBOUND
        self.documents_: list[str] | None = None
        self.fingerprints_: np.ndarray | None = None
        self._run: FitRun | None = None  # the estimator's fit in progress (not reuse_fit)
        self._encoded: EncodedCorpus | None = None
        self._labels: np.ndarray | None = None
        self._components: dict | None = None

    @classmethod
    def from_fitted(cls, model: SAETopicModel) -> SAETMBackend:
        """Wrap an already fitted SAETopicModel.

        BERTopic's ``fit_transform`` then reuses its SAE, word emission and merge: nothing is
        retrained, the documents are only encoded (and topics that are no document's main
        topic folded, see :class:`AtomMerger`).
        """
        check_is_fitted(model, "topic_word_")
        return cls(model, reuse_fit=True)

    def restore(self, theta: sp.csr_matrix, labels: np.ndarray, atom_centroids: np.ndarray,
                outlier_centroid: np.ndarray, fingerprints: np.ndarray) -> SAETMBackend:
        """Put the backend in its MERGED stage, from saved state (see ``load_bertopic``).

        ``self.model`` must be the fitted model the state belongs to.

        Parameters
        ----------
        theta : sparse matrix of shape (n_documents, n_atoms)
        labels : ndarray of shape (n_documents,)
        atom_centroids : ndarray of shape (n_atoms, n_features)
        outlier_centroid : ndarray of shape (n_features,)
        fingerprints : ndarray of shape (n_documents,), uint64

        Returns
        -------
        self
        """
        self.fingerprints_ = np.asarray(fingerprints, dtype=np.uint64)
        self._encoded = EncodedCorpus(sp.csr_matrix(theta), np.asarray(atom_centroids),
                                      np.asarray(outlier_centroid))
        self._labels = np.asarray(labels, dtype=np.int64)
        self.stage = BackendStage.MERGED
        return self

    @property
    def prefitted(self) -> bool:
        """Same as ``reuse_fit`` (the name earlier releases used)."""
        return self.reuse_fit

    # ------------------------------------------------------------ stage values
    def _require(self, stage: BackendStage, name: str):
        if self.stage < stage:
            # AttributeError, so that hasattr() tells whether the value exists yet.
            raise AttributeError(
                f"SAETMBackend.{name} exists once BERTopic's fit reached the "
                f"{stage.name} stage; the backend is at {self.stage.name}.")

    @property
    def theta_(self) -> sp.csr_matrix:
        self._require(BackendStage.ENCODED, "theta_")
        return self._encoded.theta

    @property
    def atom_centroids_(self) -> np.ndarray:
        self._require(BackendStage.ENCODED, "atom_centroids_")
        return self._encoded.atom_centroids

    @property
    def outlier_centroid_(self) -> np.ndarray:
        self._require(BackendStage.ENCODED, "outlier_centroid_")
        return self._encoded.outlier_centroid

    @property
    def labels_(self) -> np.ndarray:
        self._require(BackendStage.MERGED, "labels_")
        return self._labels

    # ------------------------------------------------------------------ binding
    def bind(self, documents, counts=None) -> SAETMBackend:
        """Bind the corpus BERTopic will be fitted on and build its bag-of-words.

        Binding starts a new fit: values of an earlier fit are dropped.

        Parameters
        ----------
        documents : list of str of length n_documents
            Exactly the documents (same order) later passed to ``fit_transform``.
        counts : sparse matrix of shape (n_documents, n_words), optional
            A precomputed bag-of-words for the model's already fitted ``vectorizer``.

        Returns
        -------
        self
        """
        documents = check_documents(documents)
        self._run = None if self.reuse_fit else self.model.begin_fit(documents, counts)
        self.documents_ = documents
        self.fingerprints_ = document_fingerprints(documents)
        self._encoded = self._labels = None
        self.stage = BackendStage.BOUND
        if self._components is not None:
            self._components["vectorizer_model"].set_params(vocabulary=self._words())
        return self

    def components(self, documents=None, counts=None) -> dict:
        """The keyword arguments that make a ``BERTopic`` use SAE-TM.

        Parameters
        ----------
        documents : list of str, optional
            The corpus to bind (see :meth:`bind`); required unless already bound.
        counts : sparse matrix, optional
            Precomputed bag-of-words (see :meth:`bind`).

        Returns
        -------
        dict
            ``umap_model``, ``hdbscan_model``, ``vectorizer_model``, ``ctfidf_model`` and
            ``representation_model``: pass them as ``BERTopic(**components)``.
        """
        if documents is not None:
            self.bind(documents, counts)
        if self._vocabulary is None and not hasattr(self.model, "vocabulary_"):
            raise ValueError(UNBOUND)
        if self._components is None:
            from .representation import EmissionRepresentation, FixedVocabularyClassTfidf

            vectorizer = self._vocabulary.vectorizer if self._vocabulary is not None \
                else self.model.vectorizer_
            self._components = {
                "umap_model": SAEEncoder(self),
                "hdbscan_model": AtomMerger(self),
                "vectorizer_model": clone(vectorizer).set_params(vocabulary=self._words()),
                "ctfidf_model": FixedVocabularyClassTfidf(),
                "representation_model": EmissionRepresentation(self),
            }
        return dict(self._components)

    def bertopic(self, documents=None, counts=None, **bertopic_kwargs):
        """A ``BERTopic`` running this backend, ready for ``fit_transform(documents, ...)``.

        The same model as ``BERTopic(**backend.components(documents), **bertopic_kwargs)``,
        with SAE-TM's steps (:mod:`~bertopic_saetm.backends.hooks`) installed before the fit
        rather than at its first topic words, so that BERTopic does not re-read the corpus'
        text to count its words during the fit (``benchmarks/fit_speed.py --only
        saetm-bertopic,saetm-bertopic-plain`` times both).

        Parameters
        ----------
        documents, counts
            As for :meth:`components`.
        **bertopic_kwargs
            Any other ``BERTopic`` parameter (``embedding_model``, ``top_n_words``, ...).

        Returns
        -------
        bertopic.BERTopic
        """
        from bertopic import BERTopic

        components = self.components(documents, counts)
        clash = sorted(set(components) & set(bertopic_kwargs))
        if clash:
            raise ValueError(f"{clash} are SAE-TM's components; leave them out of "
                             "bertopic_kwargs.")
        topic_model = BERTopic(**components, **bertopic_kwargs)
        install_hooks(topic_model, self)
        return topic_model

    def bag_of_words(self, vectorizer=None) -> sp.csr_matrix | None:
        """Bag-of-words of the bound corpus, if the backend counted it.

        Parameters
        ----------
        vectorizer : object, optional
            When given, the counts are returned only if this is the ``vectorizer_model`` the
            backend gave BERTopic (so that their columns are its words).

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_words), or None
            None for a loaded model or one reusing a fitted SAETopicModel (the corpus was
            not counted), and for another vectorizer.
        """
        if self._vocabulary is None or self._components is None:
            return None
        if vectorizer is not None and vectorizer is not self._components["vectorizer_model"]:
            return None
        return self._vocabulary.counts

    @property
    def _vocabulary(self) -> Vocabulary | None:
        # The bound corpus' vocabulary, when this backend counted it.
        return None if self._run is None else self._run.vocabulary

    def _words(self) -> list[str]:
        words = self._vocabulary.words if self._vocabulary is not None \
            else self.model.vocabulary_
        return [str(word) for word in words]

    @staticmethod
    def find(topic_model) -> SAETMBackend | None:
        """The backend behind a BERTopic model with SAE-TM components, or None."""
        backend = getattr(getattr(topic_model, "hdbscan_model", None), "backend", None)
        return backend if isinstance(backend, SAETMBackend) else None

    @staticmethod
    def of(topic_model) -> SAETMBackend:
        """The backend behind a BERTopic model fitted (or loaded) with SAE-TM components."""
        backend = SAETMBackend.find(topic_model)
        if backend is None:
            raise ValueError(
                "This BERTopic model does not use SAE-TM components (its hdbscan_model is "
                f"{type(getattr(topic_model, 'hdbscan_model', None)).__name__}). Create it with "
                "BERTopic(**SAETMBackend(...).components(docs)), or load a model saved with "
                "bertopic_saetm.backends.save_bertopic through load_bertopic."
            )
        return backend

    def check_attached(self, topic_model) -> None:
        """Raise if ``topic_model`` no longer runs this backend's components."""
        if getattr(topic_model, "zeroshot_topic_list", None):
            raise ValueError(ZERO_SHOT_UNSUPPORTED)
        parts = self.components()
        replaced = [name for name in ("hdbscan_model", "representation_model", "vectorizer_model")
                    if getattr(topic_model, name, None) is not parts[name]]
        if replaced:
            raise RuntimeError(
                f"The BERTopic model's {', '.join(replaced)} is no longer SAE-TM's (update_topics "
                "resets the vectorizer and representation unless they are passed again). Call "
                "topic_model.update_topics(docs, vectorizer_model=backend.components()"
                "['vectorizer_model'], representation_model=backend.components()"
                "['representation_model']) to restore SAE-TM topic words."
            )

    # ------------------------------------------------------------- fit stages
    def fit_atoms(self, X, y=None) -> sp.csr_matrix:
        """BERTopic's dimensionality step: the atom stage; returns the mixtures over atoms.

        Parameters
        ----------
        X : array-like of shape (n_documents, n_features)
            Embeddings of the bound documents.
        y : None
            Supervised modes are refused.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_atoms)
        """
        if y is not None:
            raise ValueError(
                "SAE-TM's BERTopic backends are unsupervised: y (supervised or semi-supervised "
                "topic modeling) and seed_topic_list (guided topic modeling) are not supported."
            )
        if self.stage is BackendStage.UNBOUND or self.documents_ is None:
            raise ValueError(UNBOUND)
        # Values of an earlier fit do not describe the mixtures computed now.
        self._encoded = self._labels = None
        self.stage = BackendStage.BOUND
        n_documents = len(self.documents_)
        if self.reuse_fit:
            X = check_embeddings(X, n_documents, self.model.n_features_in_)
            self._encoded = EncodedCorpus.of(self.model.transform_atoms(embeddings=X), X)
        else:
            X = check_embeddings(X, n_documents)
            encoding = self._run.encode(X)
            self._encoded = EncodedCorpus.of(encoding.theta, X, encoding)
        self.stage = BackendStage.ENCODED
        return self._encoded.theta

    def fit_topics(self, theta) -> None:
        """BERTopic's cluster step: the emission and merge stages; fits ``self.model``.

        Merged topics that are no document's main topic are folded into their nearest
        topic (BERTopic shows only topics that label some document).

        Parameters
        ----------
        theta : sparse matrix of shape (n_documents, n_atoms)
            What :meth:`fit_atoms` returned.
        """
        if self.stage < BackendStage.ENCODED:
            raise ValueError(
                "AtomMerger must follow SAE-TM's SAEEncoder in the same BERTopic model: pass "
                "all of backend.components(docs) to BERTopic."
            )
        theta = sp.csr_matrix(theta, dtype=np.float64)
        if theta.shape != self._encoded.theta.shape:
            raise ValueError(
                f"AtomMerger received mixtures of shape {theta.shape} but the SAE encoded "
                f"{self._encoded.theta.shape[0]} documents into {self._encoded.theta.shape[1]} "
                "atoms. BERTopic drops documents before clustering only for zero-shot topic "
                "modeling, which SAE-TM does not support."
            )
        tick = time.perf_counter()
        if not self.reuse_fit:
            self.model.finish_fit(self._run)
        self._labels = self.model.fold_unowned_topics(theta)
        self.stage = BackendStage.MERGED
        logger.info("SAE-TM emission and merge took %.1fs", time.perf_counter() - tick)

    def refit_partition(self, n_topics) -> None:
        """Re-merge the fitted atoms into ``n_topics`` and relabel the training documents.

        Nothing is retrained; merged topics that are no document's main topic are folded
        as in :meth:`fit_topics`.
        """
        if self.stage < BackendStage.ENCODED:
            raise ValueError("Fit the BERTopic model (fit_transform) before re-merging.")
        self.model.set_n_topics(n_topics)
        self._labels = self.model.fold_unowned_topics(self._encoded.theta)
        self.stage = BackendStage.MERGED

    # ---------------------------------------------------------- shared queries
    def merged_mixture(self, theta) -> np.ndarray:
        """Mixture over merged (raw) topics, ndarray of shape (n_documents, n_topics_)."""
        model = self.model
        return np.asarray((theta @ assignment_matrix(model.atom_to_topic_, model.n_topics_))
                          .toarray())

    def training_rows(self, documents, ids=None) -> np.ndarray:
        """Rows of the training corpus that ``documents`` are, checked by content.

        Parameters
        ----------
        documents : sequence of str
        ids : sequence of int, optional
            Their row numbers in the training corpus; ``0..n-1`` when omitted.

        Returns
        -------
        ndarray of int
        """
        documents = list(documents)
        rows = np.arange(len(documents)) if ids is None else np.asarray(ids, dtype=np.int64)
        n = self.fingerprints_.size
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise ValueError(
                f"SAE-TM knows the {n} documents it was fitted on; BERTopic handed it document "
                f"rows up to {rows.max()}. Pass the training documents, in order."
            )
        if self.documents_ is not None and \
                [self.documents_[row] for row in rows.tolist()] == documents:
            return rows  # the bound texts themselves: no need to hash them
        mismatch = np.flatnonzero(document_fingerprints(documents) != self.fingerprints_[rows])
        if mismatch.size:
            raise ValueError(
                f"{mismatch.size} documents differ from the corpus SAE-TM was fitted on (first "
                f"at row {rows[mismatch[0]]}). SAE-TM topic words and distributions need the "
                "training documents, in the order given to fit_transform."
            )
        return rows

    def current_topic_of_atoms(self, topic_model) -> np.ndarray:
        """BERTopic's current topic id of every atom, ndarray of shape (n_atoms,), -1: none."""
        mapping = topic_mapping(topic_model)
        raw = self.model.atom_to_topic_
        lookup = np.full(self.model.n_topics_, -1, dtype=np.int64)
        for source, target in mapping.items():
            if source is not None and 0 <= source < lookup.size:
                lookup[int(source)] = -1 if target is None else int(target)
        return np.where(raw >= 0, lookup[np.maximum(raw, 0)], -1)

    def current_mixture(self, topic_model, theta) -> np.ndarray:
        """Mixture over BERTopic's current topics, ndarray of shape (n_documents, n_topics).

        Columns are topic ids 0..n_topics-1 (no outlier column); merged or reduced topics
        carry the summed weight of their parts.
        """
        atom_topic = self.current_topic_of_atoms(topic_model)
        targets = topic_mapping(topic_model).values()
        n_topics = max([int(t) for t in targets if t is not None] + [-1]) + 1
        return np.asarray((theta @ assignment_matrix(atom_topic, n_topics)).toarray())
