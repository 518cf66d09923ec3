"""A document's main topic: the topic of its mixture whose direction it lies closest to.

The plain argmax of a document's topic mixture favours topics made of many weak atoms: their
small weights add up. The main topic is read as a posterior instead,

    score_dt = log m_dt + kappa * cos(u_d, v_t)        (topics with m_dt > 0 only)

where ``m_dt`` is the document's mixture weight on topic t, ``u_d`` the direction of the
document's content atoms in the decoder space (``theta_d W_dec``, background atoms left out)
and ``v_t`` the direction of topic t: the prior-weighted sum of its atoms' offsets (each
atom's mean reconstruction minus the decoder bias, or its decoder row). ``kappa`` acts as the
concentration of a von Mises-Fisher likelihood around each topic direction; at 50 a cosine
gap of .1 outweighs a 150-fold mixture ratio, so the main topic is, in effect, the nearest
topic among those the document's mixture contains.

Measured in ``benchmarks/dictionary_size.py`` (``docs/decisions/main_topic.md`` gives the
figures).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .partition import assignment_matrix

#: ``kappa``: concentration of the direction term (10 instead: purity within .008 on both
#: corpora of the main-topic decision page, ``docs/decisions/main_topic.md``).
CONCENTRATION = 50.0


def _unit_rows(M: np.ndarray) -> np.ndarray:
    lengths = np.linalg.norm(M, axis=1, keepdims=True)
    return np.divide(M, lengths, out=np.zeros_like(M), where=lengths > 0)


def atom_offsets(centroids: np.ndarray | None, decoder: np.ndarray, decoder_bias: np.ndarray
                 ) -> np.ndarray:
    """Where each atom points in the decoder space, ndarray of shape (n_atoms, n_features).

    An atom's mean reconstruction (:func:`~bertopic_saetm.merge.placement.atom_centroids`) minus the
    decoder bias when ``centroids`` are given (they also carry the atoms that co-fire with
    it: main-topic purity .003-.011 higher than with decoder rows in
    ``docs/decisions/main_topic.md``), else its decoder row.
    """
    if centroids is None:
        return np.asarray(decoder, dtype=np.float64)
    return np.asarray(centroids, dtype=np.float64) - np.asarray(decoder_bias, dtype=np.float64)


def topic_directions(atom_offsets: np.ndarray, prior: np.ndarray, atom_to_topic: np.ndarray,
                     n_topics: int) -> np.ndarray:
    """Unit direction of every topic, ndarray of shape (n_topics, n_features).

    Parameters
    ----------
    atom_offsets : ndarray of shape (n_atoms, n_features)
        Where each atom points in the decoder space (mean reconstruction minus decoder bias,
        or the decoder row).
    prior : ndarray of shape (n_atoms,)
        Atom weights (background atoms can have any weight: they belong to no topic).
    atom_to_topic : ndarray of shape (n_atoms,), int
        Topic ids, -1 for atoms in no topic.
    n_topics : int
    """
    A = assignment_matrix(atom_to_topic, n_topics)
    return _unit_rows(np.asarray(A.T @ (np.asarray(atom_offsets) * prior[:, None])))


def assign_main_topics(theta, atom_to_topic: np.ndarray, n_topics: int, decoder: np.ndarray,
                       directions: np.ndarray, concentration: float = CONCENTRATION,
                       batch_size: int = 8192) -> np.ndarray:
    """Main topic of every document, -1 where its mixture has no content topic.

    Parameters
    ----------
    theta : sparse matrix of shape (n_documents, n_atoms)
        Mixtures over atoms.
    atom_to_topic : ndarray of shape (n_atoms,), int
        Topic ids, -1 for atoms in no topic (background, silent); those atoms count neither
        in the mixture nor in the document's direction.
    n_topics : int
    decoder : ndarray of shape (n_atoms, n_features)
        Decoder rows.
    directions : ndarray of shape (n_topics, n_features)
        :func:`topic_directions`.
    concentration : float
        ``kappa`` (0: the mixture's plain argmax).
    batch_size : int
        Documents per batch (bounds memory to batch x features).

    Returns
    -------
    ndarray of shape (n_documents,), int
    """
    theta = sp.csr_matrix(theta, dtype=np.float64)
    A = assignment_matrix(atom_to_topic, n_topics)
    content = sp.diags((atom_to_topic >= 0).astype(np.float64))
    labels = np.full(theta.shape[0], -1, dtype=np.int64)
    for start in range(0, theta.shape[0], batch_size):
        rows = theta[start : start + batch_size] @ content
        mixture = np.asarray((rows @ A).todense())
        cosine = _unit_rows(np.asarray(rows @ decoder)) @ directions.T
        with np.errstate(divide="ignore"):
            score = np.log(mixture) + concentration * cosine
        has_content = mixture.max(axis=1) > 0
        labels[start : start + batch_size] = np.where(has_content, score.argmax(axis=1), -1)
    return labels
