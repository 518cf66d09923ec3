"""Corpora that ship with the package (see README.md in this folder for provenance)."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np


@dataclass(frozen=True)
class Corpus:
    """A labelled corpus with precomputed embeddings.

    Attributes
    ----------
    texts : list of str
    labels : list of str
    ids : list of str
    embeddings : ndarray of shape (n_documents, 384), float32
        all-MiniLM-L6-v2 embeddings of ``texts``.
    """

    texts: list
    labels: list
    ids: list
    embeddings: np.ndarray


def load_python_docs() -> Corpus:
    """The bundled corpus: 1,576 Python standard-library docstrings in 15 subject areas.

    Returns
    -------
    Corpus
        Real documentation text (PSF-2.0 licence) with MiniLM embeddings, for demos and tests.
    """
    root = resources.files(__name__)
    with resources.as_file(root / "python_docs.jsonl.gz") as path, gzip.open(path, "rt") as f:
        records = [json.loads(line) for line in f]
    with resources.as_file(root / "python_docs.minilm.f16.npy") as path:
        embeddings = np.load(path).astype(np.float32)
    return Corpus(
        texts=[r["text"] for r in records],
        labels=[r["label"] for r in records],
        ids=[r["id"] for r in records],
        embeddings=embeddings,
    )
