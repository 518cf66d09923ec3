"""The paper's vocabulary: lower-case alphabetic words of 3+ letters, no stop words,
in at least 5 documents, the 5,000 most frequent by document frequency."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

TOKEN_PATTERN = r"(?u)\b[a-zA-Z]{3,}\b"


def default_vectorizer(min_df: int = 5, max_features: int = 5000) -> CountVectorizer:
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
    vocabulary : ndarray of shape (n_words,), dtype object

    Raises
    ------
    ValueError
        If no word of the corpus survives the vectorizer's filtering.
    """
    try:
        counts = vectorizer.fit_transform(documents)
    except ValueError as exc:  # scikit-learn: "empty vocabulary" / "no terms remain"
        raise ValueError(
            "The corpus has no vocabulary words after filtering "
            f"({exc}). Use more or longer documents, or pass a vectorizer with a lower "
            "min_df / different stop words. The default vectorizer keeps Latin-alphabet words "
            "only; for other scripts pass e.g. CountVectorizer(token_pattern=r'(?u)\\b\\w\\w+\\b')."
        ) from exc
    vocabulary = np.asarray(vectorizer.get_feature_names_out(), dtype=object)
    if vocabulary.size == 0 or counts.nnz == 0:
        raise ValueError("The corpus has no vocabulary words after filtering.")
    return sp.csr_matrix(counts, dtype=np.float64), vocabulary
