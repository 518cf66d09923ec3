"""The paper's vocabulary: lower-case alphabetic words of 3+ letters, no stop words,
in at least 5 documents, the 5,000 most frequent by corpus frequency."""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

TOKEN_PATTERN = r"(?u)\b[a-zA-Z]{3,}\b"
MIN_DF = 5
MAX_FEATURES = 5000


def default_vectorizer(min_df: int = MIN_DF, max_features: int = MAX_FEATURES
                       ) -> CountVectorizer:
    """A fresh scikit-learn vectorizer with the SAE-TM paper's filtering.

    Parameters
    ----------
    min_df : int
        Minimum number of documents a word must appear in.
    max_features : int
        Keep at most this many words, by corpus frequency.

    Returns
    -------
    sklearn.feature_extraction.text.CountVectorizer
    """
    return CountVectorizer(
        lowercase=True,
        token_pattern=TOKEN_PATTERN,
        stop_words="english",
        min_df=min_df,
        max_features=max_features,
        dtype=np.float64,
    )


def fixed_vectorizer(vectorizer, words) -> object:
    """A fitted copy of ``vectorizer`` that counts exactly ``words`` (same analyzer).

    Parameters
    ----------
    vectorizer : scikit-learn vectorizer
        Cloned, not changed.
    words : iterable of str

    Returns
    -------
    scikit-learn vectorizer
        ``get_feature_names_out()`` is ``words``.
    """
    from sklearn.base import clone

    return clone(vectorizer).set_params(vocabulary=[str(w) for w in words]).fit([])


def build_bag_of_words(vectorizer, documents: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Fit ``vectorizer`` on ``documents`` and return the bag-of-words and its vocabulary.

    Parameters
    ----------
    vectorizer : object
        Anything with scikit-learn's ``fit_transform`` and ``get_feature_names_out``.
    documents : list of str

    Returns
    -------
    counts : scipy.sparse.csr_matrix of shape (n_documents, n_words)
        Column indices sorted within each row.
    vocabulary : ndarray of shape (n_words,), dtype object

    Raises
    ------
    ValueError
        If no word of the corpus survives the vectorizer's filtering.
    """
    try:
        counts = vectorizer.fit_transform(documents)
    except ValueError as exc:  # scikit-learn: "empty vocabulary" / "no terms remain"
        raise _no_vocabulary(exc) from exc
    vocabulary = np.asarray(vectorizer.get_feature_names_out(), dtype=object)
    if vocabulary.size == 0 or counts.nnz == 0:
        raise ValueError("The corpus has no vocabulary words after filtering.")
    counts = sp.csr_matrix(counts, dtype=np.float64)
    counts.sort_indices()
    return counts, vocabulary


def _no_vocabulary(exc: Exception) -> ValueError:
    return ValueError(
        "The corpus has no vocabulary words after filtering "
        f"({exc}). Use more or longer documents, or pass a vectorizer with a lower "
        "min_df / different stop words. The default vectorizer keeps Latin-alphabet words "
        "only; for other scripts pass e.g. CountVectorizer(token_pattern=r'(?u)\\b\\w\\w+\\b')."
    )


class _TokenCharacters(dict):
    """``str.translate`` table that leaves :data:`TOKEN_PATTERN`'s tokens as the only runs
    of ASCII letters between spaces.

    ASCII letters stay, every other word character of ``re``'s Unicode ``\\w`` (``isalnum``
    or ``_``: digits, underscores, non-ASCII letters) becomes ``_``, so that a run holding
    one is dropped as the pattern's word boundaries drop it, and everything else becomes a
    space. Filled lazily: one entry per distinct character met.
    """

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char.isascii() and char.isalpha():
            out = char
        elif char.isalnum() or char == "_":
            out = "_"
        else:
            out = " "
        self[code] = out
        return out


_TOKEN_CHARACTERS = _TokenCharacters()


def tokenize(documents) -> list[list[str]]:
    """The default vectorizer's candidate tokens of every document (lower-cased runs of
    letters, before the length and stop-word filter of :func:`is_vocabulary_token`)."""
    return [doc.lower().translate(_TOKEN_CHARACTERS).split() for doc in documents]


def is_vocabulary_token(token: str) -> bool:
    """Whether the default vectorizer keeps a token of :func:`tokenize` as a candidate word:
    3+ letters (no digit, underscore or other script) and no English stop word."""
    return len(token) >= 3 and "_" not in token and token not in ENGLISH_STOP_WORDS


def count_words(documents: list[str], min_df: int = MIN_DF, max_features: int = MAX_FEATURES
                ) -> tuple[sp.csr_matrix, np.ndarray]:
    """:func:`default_vectorizer`'s ``fit_transform`` and vocabulary, counted in bulk.

    The same matrix and words as scikit-learn's loop over tokens (tested on the bundled
    corpus and on hand-made and random texts): each document is lower-cased and tokenised
    by ``str.translate`` and ``split`` (:class:`_TokenCharacters`), every distinct token
    is filtered once (length, letters, stop words) instead of at each occurrence, and the
    counts are one sparse matrix built from token codes (``pandas.factorize``). Faster on
    large corpora, about level on small ones (``benchmarks/experiments/vocabulary_counting.py``).

    Parameters
    ----------
    documents : list of str of length n_documents
    min_df, max_features : int
        As :func:`default_vectorizer`'s.

    Returns
    -------
    counts : scipy.sparse.csr_matrix of shape (n_documents, n_words), float64
        Column indices sorted within each row.
    vocabulary : ndarray of shape (n_words,), dtype object
        Sorted, as ``get_feature_names_out``.

    Raises
    ------
    ValueError
        If no word survives the filtering.
    """
    import pandas as pd

    tokens = tokenize(documents)
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    flat = np.fromiter(itertools.chain.from_iterable(tokens), dtype=object,
                       count=int(lengths.sum()))
    codes, distinct = pd.factorize(flat)
    keep = np.fromiter(map(is_vocabulary_token, distinct), dtype=bool, count=len(distinct))
    kept = np.flatnonzero(keep)
    if kept.size == 0:
        raise _no_vocabulary(ValueError("empty vocabulary"))
    kept = kept[np.argsort(np.asarray(distinct, dtype=object)[kept], kind="stable")]
    column = np.full(len(distinct), -1, dtype=np.int64)
    column[kept] = np.arange(kept.size)
    columns = column[codes]
    rows = np.repeat(np.arange(len(documents)), lengths)
    found = columns >= 0
    counts = sp.csr_matrix((np.ones(int(found.sum())), (rows[found], columns[found])),
                           shape=(len(documents), kept.size))
    counts.sum_duplicates()
    selected = _frequent_columns(counts, min_df, max_features)
    if selected.size == 0:
        raise _no_vocabulary(ValueError("After pruning, no terms remain."))
    counts = counts[:, selected]
    counts.sort_indices()
    return counts, np.asarray(distinct, dtype=object)[kept[selected]]


def count_fixed_words(documents, words: np.ndarray) -> sp.csr_matrix:
    """Counts of a fixed, sorted vocabulary in ``documents`` (the default tokenisation).

    The rows :func:`count_words` gives these documents when ``words`` is its vocabulary:
    a corpus counted in parts (a Dask bag's partitions) stacks to the in-process matrix.

    Parameters
    ----------
    documents : list of str of length n_documents
    words : ndarray of shape (n_words,)

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_documents, n_words), float64, indices sorted
    """
    column = {str(word): j for j, word in enumerate(words)}
    rows, columns = [], []
    for i, tokens in enumerate(tokenize(documents)):
        found = [column[t] for t in tokens if t in column]
        rows.extend([i] * len(found))
        columns.extend(found)
    counts = sp.csr_matrix((np.ones(len(rows)), (np.asarray(rows, dtype=np.int64),
                                                 np.asarray(columns, dtype=np.int64))),
                           shape=(len(documents), len(words)))
    counts.sum_duplicates()
    counts.sort_indices()
    return counts


def check_cluster_vectorizer(vectorizer) -> None:
    """Raise unless ``vectorizer`` can count a corpus partition by partition.

    A scikit-learn ``CountVectorizer`` can: its words are the analyzer's, filtered by
    document and corpus frequencies, which add over partitions (:func:`limit_features`).
    A ``TfidfVectorizer`` (its weights) or another object cannot.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not isinstance(vectorizer, CountVectorizer) or isinstance(vectorizer, TfidfVectorizer):
        raise ValueError(
            "On a Dask cluster the bag-of-words is counted partition by partition, which "
            "the default vectorizer (vectorizer=None) and scikit-learn CountVectorizers "
            f"allow; got {type(vectorizer).__name__}. Pass a CountVectorizer, or fit in "
            "one process.")


def limit_features(vectorizer, document_frequency: np.ndarray, frequency, n_documents: int
                   ) -> np.ndarray:
    """The columns ``vectorizer.fit`` keeps, from the corpus' word frequencies.

    ``CountVectorizer.fit_transform``'s filtering (``min_df`` / ``max_df`` as counts or
    shares of ``n_documents``, then ``max_features``) on the analyzer's words in sorted
    order, so that a corpus counted in partitions gets the words of the in-process fit.
    A vectorizer given a ``vocabulary`` keeps it whole (the caller fixes it).

    Parameters
    ----------
    vectorizer : sklearn.feature_extraction.text.CountVectorizer
    document_frequency : ndarray of shape (n_candidates,), int
    frequency : callable
        As :func:`frequent_columns`'s.
    n_documents : int

    Returns
    -------
    ndarray of int

    Raises
    ------
    ValueError
        As ``fit`` does when ``max_df`` is below ``min_df`` in documents.
    """
    from numbers import Integral

    min_df, max_df = vectorizer.min_df, vectorizer.max_df
    high = max_df if isinstance(max_df, Integral) else max_df * n_documents
    low = min_df if isinstance(min_df, Integral) else min_df * n_documents
    if high < low:
        raise ValueError("max_df corresponds to < documents than min_df")
    return frequent_columns(document_frequency, frequency, low, vectorizer.max_features, high)


def _frequent_columns(counts: sp.csr_matrix, min_df: int, max_features: int) -> np.ndarray:
    return frequent_columns(np.bincount(counts.indices, minlength=counts.shape[1]),
                            lambda: np.asarray(counts.sum(axis=0)).ravel(), min_df,
                            max_features)


def frequent_columns(document_frequency: np.ndarray, frequency, min_df: float = MIN_DF,
                     max_features: int | None = MAX_FEATURES,
                     max_df: float | None = None) -> np.ndarray:
    """Columns (words, in sorted order) that the default filtering keeps.

    scikit-learn's ``CountVectorizer._limit_features``, step for step (the same argsort on
    the same array, so that ties in corpus frequency break the same way).

    Parameters
    ----------
    document_frequency : ndarray of shape (n_candidates,), int
        Documents each candidate word occurs in.
    frequency : callable
        Returns the corpus frequency of every candidate, ndarray of shape (n_candidates,)
        in the vectorizer's sum type (float64 for the default); called only when more than
        ``max_features`` words pass the document-frequency bounds.
    min_df : float
        Fewest documents a kept word occurs in.
    max_features : int or None
    max_df : float or None
        Most documents a kept word occurs in.

    Returns
    -------
    ndarray of int
    """
    mask = np.asarray(document_frequency) >= min_df
    if max_df is not None:
        mask &= np.asarray(document_frequency) <= max_df
    if max_features is not None and mask.sum() > max_features:
        best = (-frequency()[mask]).argsort()[:max_features]
        limited = np.zeros(mask.size, dtype=bool)
        limited[np.flatnonzero(mask)[best]] = True
        mask = limited
    return np.flatnonzero(mask)
