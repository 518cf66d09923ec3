"""Training documents, as BERTopic hands them to its steps.

BERTopic passes a table of documents and their current topic ids to its representation
model and private steps; SAE-TM answers from what it kept of the training corpus, so every
group is first mapped back to training rows (checked by content).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from .bertopic_internals import frame_contents

if TYPE_CHECKING:
    import pandas as pd


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


def training_rows_and_topics(backend, documents: pd.DataFrame
                             ) -> tuple[np.ndarray, np.ndarray]:
    """Training-corpus rows of the documents BERTopic hands over, and their topic ids.

    Parameters
    ----------
    backend : SAETMBackend
    documents : pandas.DataFrame
        BERTopic's documents table (``Document``, ``ID``, ``Topic``).

    Returns
    -------
    rows : ndarray of shape (n,), int
        Checked by content (:meth:`SAETMBackend.training_rows`).
    topics : ndarray of shape (n,), int
    """
    texts, rows, topics = frame_contents(documents)
    return backend.training_rows(texts, rows), topics


def group_atom_mass(backend, rows: np.ndarray, groups: np.ndarray,
                    labels: list[int]) -> sp.csr_matrix:
    """Mass of the atoms describing each group of training documents (for
    :func:`~bertopic_saetm.merge.topic_words.group_word_distributions`).

    Parameters
    ----------
    backend : SAETMBackend
    rows : ndarray of shape (n,)
        Training-corpus rows of the documents.
    groups : ndarray of shape (n,)
        Group label of each document.
    labels : list of int
        The groups to describe, in output order.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (len(labels), n_atoms)
        All-zero rows for groups without atoms (-1 and groups of outlier documents).
    """
    model = backend.model
    raw = backend.labels_[rows]
    n_raw_docs = np.bincount(backend.labels_[backend.labels_ >= 0], minlength=model.n_topics_)
    weights = []
    for label in labels:
        in_group = groups == label
        merged = np.unique(raw[in_group & (raw >= 0)])
        atoms = np.isin(model.atom_to_topic_, merged) if label != -1 else np.zeros(
            model.atom_to_topic_.size, dtype=bool)
        whole = np.count_nonzero(np.isin(raw[in_group], merged)) == n_raw_docs[merged].sum()
        if whole:
            mass = model.atom_prior_
        else:
            mass = np.asarray(backend.theta_[rows[in_group]].sum(axis=0)).ravel()
        weights.append(sp.csr_matrix(np.where(atoms, mass, 0.0)))
    return sp.vstack(weights, format="csr")
