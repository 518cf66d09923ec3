"""A topic's word distribution: the weighted average of its atoms' rows of ``B``.

An atom's row weighs by its prior times its selectivity to the power
:data:`SELECTIVITY_POWER` (:func:`topic_word_weights`), so a topic's focused atoms name it.
"""

from __future__ import annotations

import numpy as np

from .partition import assignment_matrix

#: ``gamma`` in :func:`topic_word_weights`. Measured with ``benchmarks/topic_word_weights.py``
#: (3 seeds, the README gives the figures): NPMI rose with the power on 20 Newsgroups and on
#: the bundled corpus at every K tried, most at small K (20 Newsgroups K = 20: .111 with the
#: prior alone, .151 / .161 / .170 at 4 / 6 / 8), flattening by 8; TD@25 did not drop.
SELECTIVITY_POWER = 8


def topic_word_weights(mass: np.ndarray, selectivity: np.ndarray,
                 power: float = SELECTIVITY_POWER) -> np.ndarray:
    """Weight of every atom's word row in the word distribution of a group of atoms.

    ``mass * selectivity ** power``: an atom counts by its mixture mass (its
    prior, for a whole topic), discounted when that mass is spread thinly over many
    documents. Weighting by mass alone lets a topic's many weak atoms, whose top words are
    mostly generic, outvote the few focused atoms that name it.

    Parameters
    ----------
    mass : ndarray of shape (n_atoms,) or (n_groups, n_atoms)
        Mixture mass of the atoms (in each group).
    selectivity : ndarray of shape (n_atoms,)
        :func:`atom_selectivity` on the training mixtures (ones: weight by mass alone, as
        models saved before this weighting did).
    power : float
        ``gamma``; 0 weights by mass alone.

    Returns
    -------
    ndarray of the shape of ``mass``
    """
    return np.asarray(mass, dtype=np.float64) * np.asarray(selectivity) ** power


def merge_topic_word(
    atom_word: np.ndarray, weights: np.ndarray, atom_to_topic: np.ndarray, n_topics: int
) -> np.ndarray:
    """Weighted average of each topic's atom rows, ndarray of shape (n_topics, n_words).

    ``weights`` (n_atoms,): each atom's :func:`topic_word_weights` (or any non-negative weights).
    """
    A = assignment_matrix(atom_to_topic, n_topics)
    weighted = A.T @ (atom_word * weights[:, None])
    mass = np.asarray(A.T @ weights).ravel()
    return weighted / np.maximum(mass, 1e-300)[:, None]


def topics_of(atom_word: np.ndarray, atom_prior: np.ndarray, atom_to_topic: np.ndarray,
              atom_selectivity: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """The merged topics a partition of the atoms describes.

    Returns
    -------
    n_topics : int
    topic_word : ndarray of shape (n_topics, n_words)
        Average of each topic's atom word distributions, weighted by
        :func:`topic_word_weights` (prior and selectivity).
    topic_prior : ndarray of shape (n_topics,)
        Summed prior of each topic's atoms.
    """
    n_topics = int(atom_to_topic.max()) + 1
    valid = atom_to_topic >= 0
    weights = topic_word_weights(atom_prior, atom_selectivity)
    return (n_topics, merge_topic_word(atom_word, weights, atom_to_topic, n_topics),
            np.bincount(atom_to_topic[valid], weights=atom_prior[valid], minlength=n_topics))


def mixture_word_distribution(atom_word: np.ndarray, atom_weights) -> np.ndarray:
    """Word distribution of weighted groups of atoms.

    Parameters
    ----------
    atom_word : ndarray of shape (n_atoms, n_words)
    atom_weights : array-like or sparse matrix of shape (n_groups, n_atoms)
        Non-negative mass of every atom in every group (e.g. summed mixtures of a group of
        documents).

    Returns
    -------
    ndarray of shape (n_groups, n_words)
        ``weights @ atom_word`` with rows normalised; all-zero rows for massless groups.
    """
    weighted = np.asarray(atom_weights @ atom_word)
    mass = weighted.sum(axis=1, keepdims=True)
    return np.divide(weighted, mass, out=np.zeros_like(weighted), where=mass > 0)
