"""SAETMBackend: one SAE-TM fit shared by the BERTopic components it creates.

BERTopic hands each backend only what its step needs: the dimensionality model sees
embeddings, the cluster model sees the reduced embeddings, the representation model sees
documents once clusters exist. SAE-TM's word emission and atom merge need the bag-of-words
*before* the clusters exist, so the backend binds the corpus up front and runs the
estimator's fitting stages as BERTopic calls its components:

=================  ==============================  ===================================
BERTopic step      component                       SAE-TM stage
=================  ==============================  ===================================
(binding)          ``backend.components(docs)``    vocabulary and bag-of-words
``umap_model``     :class:`SAEEncoder`             SAE training, mixtures over atoms
``hdbscan_model``  :class:`AtomMerger`             word emission ``B``, atom merge
``representation`` :class:`EmissionRepresentation` topic words from ``B``
``vectorizer``     ``CountVectorizer(vocabulary)`` c-TF-IDF columns aligned with ``B``
=================  ==============================  ===================================
"""

from __future__ import annotations

import hashlib
import logging
import time

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone

from .._validation import check_documents, check_embeddings, check_n_topics
from ..merging import absorb_unowned_topics, assignment_matrix, main_topics
from ..topic_model import SAETopicModel

logger = logging.getLogger(__name__)

_UNBOUND = (
    "SAE-TM needs the bag-of-words of the corpus it is fitted on, and BERTopic does not pass "
    "documents to the dimensionality or cluster model. Bind the documents first: "
    "BERTopic(**backend.components(docs)).fit_transform(docs, embeddings), with the same docs "
    "in the same order (or call backend.bind(docs) before fitting)."
)

ZERO_SHOT_UNSUPPORTED = (
    "Zero-shot topic modeling (zeroshot_topic_list) replaces BERTopic's cluster model and is "
    "not supported with SAE-TM: SAE-TM topics come from merging atoms. Leave "
    "zeroshot_topic_list unset."
)


def document_fingerprints(documents: list[str]) -> np.ndarray:
    """A 64-bit hash of every document, ndarray of shape (n_documents,), uint64.

    Lets the backend check that the documents BERTopic hands it later (merging, hierarchy,
    topics over time, after loading) are the ones it was fitted on, row for row.
    """
    return np.array(
        [int.from_bytes(hashlib.blake2b(doc.encode("utf-8", "surrogatepass"),
                                        digest_size=8).digest(), "little")
         for doc in documents],
        dtype=np.uint64,
    )


class SAETMBackend:
    """SAE-TM as BERTopic's dimensionality, cluster and representation models.

    Parameters
    ----------
    model : SAETopicModel, optional
        The (unfitted) estimator whose parameters drive the fit; a default
        ``SAETopicModel()`` when omitted. It is fitted in place, stage by stage, while
        BERTopic fits, and stays available as ``backend.model``.

    Attributes
    ----------
    documents_ : list of str
        The bound corpus (absent after loading a saved model).
    fingerprints_ : ndarray of shape (n_documents,), uint64
        Hashes of the bound documents (see :func:`document_fingerprints`).
    theta_ : scipy.sparse.csr_matrix of shape (n_documents, n_atoms)
        Mixture over atoms of every training document.
    labels_ : ndarray of shape (n_documents,)
        Main merged topic of every training document (-1: no atom fires).
    atom_centroids_ : ndarray of shape (n_atoms, n_features)
        ``theta_.T @ embeddings``: mixture-weighted sum of the embeddings of each atom's
        documents, from which any merged topic's embedding follows without the corpus.
    outlier_centroid_ : ndarray of shape (n_features,)
        Mean embedding of the documents on which no atom fires (zeros if there are none).

    Examples
    --------
    >>> from bertopic import BERTopic                                     # doctest: +SKIP
    >>> backend = SAETMBackend(SAETopicModel(n_topics=20, random_state=0))  # doctest: +SKIP
    >>> topic_model = BERTopic(**backend.components(docs))               # doctest: +SKIP
    >>> topics, probs = topic_model.fit_transform(docs, embeddings)      # doctest: +SKIP
    """

    def __init__(self, model: SAETopicModel | None = None):
        self.model = model if model is not None else SAETopicModel()
        if not isinstance(self.model, SAETopicModel):
            raise TypeError(f"model must be an SAETopicModel, got {type(self.model).__name__}.")
        self._components: dict | None = None
        self.prefitted = False

    @classmethod
    def from_fitted(cls, model: SAETopicModel) -> SAETMBackend:
        """Wrap an already fitted SAETopicModel.

        BERTopic's ``fit_transform`` then reuses its SAE, word emission and merge: nothing is
        retrained, the documents are only encoded (and topics that are no document's main
        topic folded, see :class:`AtomMerger`).
        """
        model._check_fitted()
        backend = cls(model)
        backend.prefitted = True
        return backend

    # ------------------------------------------------------------------ binding
    def bind(self, documents, counts=None) -> SAETMBackend:
        """Bind the corpus BERTopic will be fitted on and build its bag-of-words.

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
        if not self.prefitted:
            self.model.fit_seconds_ = {}
            self.counts_ = self.model._fit_vocabulary(documents, counts)
        self.documents_ = documents
        self.fingerprints_ = document_fingerprints(documents)
        if self._components is not None:
            self._components["vectorizer_model"].set_params(vocabulary=self._vocabulary())
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
        if not hasattr(self.model, "vocabulary_"):
            raise ValueError(_UNBOUND)
        if self._components is None:
            from .components import AtomMerger, SAEEncoder
            from .representation import EmissionRepresentation, FixedVocabularyClassTfidf

            vectorizer = clone(self.model.vectorizer_).set_params(vocabulary=self._vocabulary())
            self._components = {
                "umap_model": SAEEncoder(self),
                "hdbscan_model": AtomMerger(self),
                "vectorizer_model": vectorizer,
                "ctfidf_model": FixedVocabularyClassTfidf(),
                "representation_model": EmissionRepresentation(self),
            }
        return dict(self._components)

    def _vocabulary(self) -> list[str]:
        return [str(word) for word in self.model.vocabulary_]

    @staticmethod
    def of(topic_model) -> SAETMBackend:
        """The backend behind a BERTopic model fitted (or loaded) with SAE-TM components."""
        backend = getattr(getattr(topic_model, "hdbscan_model", None), "backend", None)
        if not isinstance(backend, SAETMBackend):
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
    def _fit_encoder(self, X, y=None) -> sp.csr_matrix:
        """SAE stage (BERTopic's dimensionality step); returns the mixtures over atoms."""
        if y is not None:
            raise ValueError(
                "SAE-TM's BERTopic backends are unsupervised: y (supervised or semi-supervised "
                "topic modeling) and seed_topic_list (guided topic modeling) are not supported."
            )
        if not hasattr(self, "documents_"):
            raise ValueError(_UNBOUND)
        # Labels of an earlier fit do not describe the mixtures computed now.
        self.__dict__.pop("labels_", None)
        if self.prefitted:
            X = check_embeddings(X, len(self.documents_), self.model.n_features_in_)
            self.theta_ = self.model.transform_atoms(embeddings=X)
        else:
            check_n_topics(self.model.n_topics)
            sae = self.model._pretrained_sae()
            X = check_embeddings(X, len(self.documents_), sae.d_in if sae is not None else None)
            self.theta_ = self.model._fit_sae(X, sae)
        self.atom_centroids_ = np.asarray(self.theta_.T @ X, dtype=np.float64)
        inactive = np.diff(self.theta_.indptr) == 0
        self.outlier_centroid_ = (X[inactive].mean(axis=0, dtype=np.float64) if inactive.any()
                                  else np.zeros(X.shape[1]))
        return self.theta_

    def _fit_merger(self, theta) -> None:
        """Emission and merge stages (BERTopic's cluster step)."""
        if not hasattr(self, "theta_"):
            raise ValueError(
                "AtomMerger must follow SAE-TM's SAEEncoder in the same BERTopic model: pass "
                "all of backend.components(docs) to BERTopic."
            )
        theta = sp.csr_matrix(theta, dtype=np.float64)
        if theta.shape != self.theta_.shape:
            raise ValueError(
                f"AtomMerger received mixtures of shape {theta.shape} but the SAE encoded "
                f"{self.theta_.shape[0]} documents into {self.theta_.shape[1]} atoms. BERTopic "
                "drops documents before clustering only for zero-shot topic modeling, which "
                "SAE-TM does not support."
            )
        tick = time.perf_counter()
        if not self.prefitted:
            self.model._fit_emission(theta, self.counts_)
            self.model._fit_topics(check_n_topics(self.model.n_topics))
            seconds = self.model.fit_seconds_
            seconds["total"] = sum(v for k, v in seconds.items() if k != "total")
        self._adopt_merge()
        logger.info("SAE-TM emission and merge took %.1fs", time.perf_counter() - tick)

    def _adopt_merge(self) -> None:
        """Make every merged topic some document's main topic; label the documents."""
        model = self.model
        model._assign_atoms(absorb_unowned_topics(
            model.atom_to_topic_, self.theta_, model.atom_topic_vectors_, model.atom_prior_))
        self.labels_ = main_topics(self.theta_ @ assignment_matrix(
            model.atom_to_topic_, model.n_topics_))

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
        mapping = topic_model.topic_mapper_.get_mappings(original_topics=True)
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
        targets = topic_model.topic_mapper_.get_mappings(original_topics=True).values()
        n_topics = max([int(t) for t in targets if t is not None] + [-1]) + 1
        return np.asarray((theta @ assignment_matrix(atom_topic, n_topics)).toarray())
