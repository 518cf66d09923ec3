"""SAE-TM's dimensionality and cluster models for BERTopic (no BERTopic import needed).

Both are thin views of one :class:`~bertopic_saetm.backends.SAETMBackend`, which holds
the corpus and the estimator they fit together.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .fit_state import BackendStage
from .messages import NO_ONLINE, ZERO_SHOT_UNSUPPORTED


class SAEEncoder:
    """BERTopic ``umap_model``: the SAE encoder.

    ``fit`` trains the SAE on the document embeddings (or adopts the pretrained one the
    estimator was given); ``transform`` returns each document's mixture over atoms, a CSR
    matrix of shape (n_documents, n_atoms) with rows summing to 1 (all zero where no atom
    fires).
    """

    def __init__(self, backend):
        self.backend = backend

    def fit(self, X, y=None):
        """Train the SAE on embeddings of shape (n_documents, n_features); returns self."""
        self.backend.fit_atoms(X, y)
        return self

    def fit_transform(self, X, y=None) -> sp.csr_matrix:
        """``fit(X).transform(X)``, computed once."""
        return self.backend.fit_atoms(X, y)

    def transform(self, X) -> sp.csr_matrix:
        """Mixtures over atoms, CSR of shape (n_documents, n_atoms)."""
        if self.backend.stage is BackendStage.ENCODED:
            # Between the SAE and the merge BERTopic only transforms to drop documents
            # already matched to zero-shot topics.
            raise ValueError(ZERO_SHOT_UNSUPPORTED)
        return self.backend.model.transform_atoms(embeddings=X)

    def partial_fit(self, X):
        """Not supported (BERTopic's online mode); raises NotImplementedError."""
        raise NotImplementedError(NO_ONLINE)


class AtomMerger:
    """BERTopic ``hdbscan_model``: atoms merged into topics.

    ``fit`` learns the word emission ``B`` from the bound bag-of-words and merges the atoms
    into ``n_topics`` topics.

    Attributes
    ----------
    labels_ : ndarray of shape (n_documents,)
        Main topic of every document (``SAETopicModel.main_topics_of``: the topic of its
        mixture its atoms point closest to); -1 for documents with no content atom.
    probabilities_ : ndarray of shape (n_documents, n_topics)
        Topic mixture of every document: rows sum to 1, or are all zero for the -1
        documents. BERTopic keeps it as its ``probabilities_``, renumbered to its topic ids.

    Notes
    -----
    BERTopic can only show a topic that is some document's main topic, so merged topics
    that are nobody's main topic are folded into their nearest topic (logged). The topic count
    can then be a little lower than ``n_topics``.
    """

    def __init__(self, backend):
        self.backend = backend

    @property
    def labels_(self) -> np.ndarray:
        return self.backend.labels_

    @property
    def probabilities_(self) -> np.ndarray:
        return self.backend.merged_mixture(self.backend.theta_)

    def fit(self, X, y=None):
        """Fit the emission and merge on mixtures over atoms (SAEEncoder output); returns self."""
        self.backend.fit_topics(X)
        return self

    def partial_fit(self, X):
        """Not supported (BERTopic's online mode); raises NotImplementedError."""
        raise NotImplementedError(NO_ONLINE)

    def predict(self, X) -> np.ndarray:
        """Main topic of each document, ndarray of shape (n_documents,); -1: no content atom
        fires (``SAETopicModel.main_topics_of``)."""
        return self.backend.model.main_topics_of(sp.csr_matrix(X))

    def predict_proba(self, X) -> np.ndarray:
        """Topic mixtures, ndarray of shape (n_documents, n_topics), rows sum to 1 or 0."""
        return self.backend.merged_mixture(sp.csr_matrix(X))
