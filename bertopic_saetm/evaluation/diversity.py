"""Topic diversity: unique top words, and the paper's word mover's distance between topics."""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linear_sum_assignment, linprog
from sklearn.preprocessing import normalize


def topic_diversity(topics, top_n: int = 25) -> float:
    """Share of unique words among all topics' top ``top_n`` words (1 = no overlap)."""
    tops = [list(words)[:top_n] for words in topics]
    total = sum(len(words) for words in tops)
    if total == 0:
        raise ValueError("No topic words to measure diversity on.")
    return len({w for words in tops for w in words}) / total


def word_movers_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Word mover's distance between two bags of word vectors with uniform weights.

    Parameters
    ----------
    a : ndarray of shape (n, dim)
    b : ndarray of shape (m, dim)

    Returns
    -------
    float
        Minimal mean Euclidean distance moving the words of ``a`` onto those of ``b``.
    """
    cost = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=2)
    n, m = cost.shape
    if n == m:
        # Equal uniform masses: an optimal transport plan is a permutation.
        rows, cols = linear_sum_assignment(cost)
        return float(cost[rows, cols].mean())
    # General case: transport n -> m with uniform masses 1/n and 1/m.
    equalities = np.zeros((n + m, n * m))
    for i in range(n):
        equalities[i, i * m:(i + 1) * m] = 1
    for j in range(m):
        equalities[n + j, j::m] = 1
    masses = np.concatenate([np.full(n, 1 / n), np.full(m, 1 / m)])
    result = linprog(cost.ravel(), A_eq=equalities, b_eq=masses, bounds=(0, None),
                     method="highs")
    return float(result.fun)


def wmd_diversity(topics, word_vectors, top_n: int = 20) -> float:
    """The paper's diversity D: mean pairwise word mover's distance between topics.

    Parameters
    ----------
    topics : list of list of str
    word_vectors : mapping of str to ndarray, or callable list[str] -> ndarray (n, dim)
        Words without a vector are left out of their topic.
    top_n : int, default=20

    Returns
    -------
    float
        Higher = topics further apart in word-vector space. Word vectors are normalised to
        unit length first.
    """
    bags = []
    for words in topics:
        words = [w for w in list(words)[:top_n] if w]
        if callable(word_vectors):
            vectors = np.asarray(word_vectors(words), dtype=np.float64) if words else None
        else:
            found = [word_vectors[w] for w in words if w in word_vectors]
            vectors = np.asarray(found, dtype=np.float64) if found else None
        if vectors is not None and len(vectors):
            bags.append(normalize(vectors))
    if len(bags) < 2:
        raise ValueError("WMD diversity needs at least two topics with word vectors.")
    return float(np.mean([word_movers_distance(a, b)
                          for a, b in itertools.combinations(bags, 2)]))
