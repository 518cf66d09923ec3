"""Input checks shared by the estimator and the adapters: clear errors for bad input."""

from __future__ import annotations

import numbers

import numpy as np


def check_documents(documents, name: str = "documents") -> list[str]:
    """Return ``documents`` as a list of str, or raise naming the problem."""
    if documents is None:
        raise ValueError(f"{name} is None; pass a list of strings.")
    if isinstance(documents, str):
        raise TypeError(f"{name} must be a list of strings, not a single string.")
    try:
        documents = list(documents)
    except TypeError as exc:
        raise TypeError(f"{name} must be an iterable of strings.") from exc
    if not documents:
        raise ValueError(f"{name} is empty: at least one document is needed.")
    for i, doc in enumerate(documents):
        if not isinstance(doc, str):
            raise TypeError(
                f"{name}[{i}] is {type(doc).__name__}, not str; every document must be a string."
            )
    return documents


def check_embeddings(embeddings, n_documents: int | None = None, width: int | None = None,
                     name: str = "embeddings") -> np.ndarray:
    """Validate an embedding matrix; returns it as a float32 ndarray of shape (n, d).

    A memory-mapped array is returned as is (float32 memmaps) so it is never read whole.
    """
    if isinstance(embeddings, np.memmap) and embeddings.dtype == np.float32:
        array = embeddings
    else:
        try:
            array = np.asarray(embeddings, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be a numeric array of shape (n, d).") from exc
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_documents, dim), got shape {array.shape}.")
    if array.shape[0] == 0:
        raise ValueError(f"{name} has no rows.")
    if array.shape[1] == 0:
        raise ValueError(f"{name} has zero columns.")
    if n_documents is not None and array.shape[0] != n_documents:
        raise ValueError(
            f"{name} has {array.shape[0]} rows but there are {n_documents} documents."
        )
    if width is not None and array.shape[1] != width:
        raise ValueError(
            f"{name} have width {array.shape[1]} but the SAE reads width {width}: "
            "use the embedding model the SAE was trained on."
        )
    chunk = 1 << 16
    for start in range(0, array.shape[0], chunk):
        if not np.isfinite(array[start : start + chunk]).all():
            bad = start + int(np.flatnonzero(~np.isfinite(array[start : start + chunk]).all(1))[0])
            raise ValueError(f"{name} contain NaN or infinite values (first in row {bad}).")
    return array


def check_n_topics(n_topics) -> int | str:
    """Accept a positive integer or "auto"."""
    if isinstance(n_topics, str):
        if n_topics != "auto":
            raise ValueError(f"n_topics must be a positive integer or 'auto', got {n_topics!r}.")
        return n_topics
    if isinstance(n_topics, bool) or not isinstance(n_topics, numbers.Integral):
        raise TypeError(f"n_topics must be a positive integer or 'auto', got {n_topics!r}.")
    if n_topics < 1:
        raise ValueError(f"n_topics must be at least 1, got {n_topics}.")
    return int(n_topics)


def check_activations(activations, n_documents: int | None, n_atoms: int,
                      name: str = "activations"):
    """Validate non-negative atom activations; returns a float64 CSR of shape (n, n_atoms)."""
    import scipy.sparse as sp

    try:
        matrix = sp.csr_matrix(activations, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric (sparse or dense) 2-D array.") from exc
    if matrix.shape[0] == 0:
        raise ValueError(f"{name} has no rows.")
    if n_documents is not None and matrix.shape[0] != n_documents:
        raise ValueError(f"{name} has {matrix.shape[0]} rows but there are {n_documents} "
                         "documents.")
    if matrix.shape[1] != n_atoms:
        raise ValueError(f"{name} has {matrix.shape[1]} columns but the SAE has {n_atoms} "
                         "atoms.")
    if not np.isfinite(matrix.data).all():
        raise ValueError(f"{name} contain NaN or infinite values.")
    if (matrix.data < 0).any():
        raise ValueError(f"{name} must be non-negative (SAE activations after the "
                         "activation function).")
    return matrix
