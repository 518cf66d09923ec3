"""Reading a dictionary on a corpus: each atom's words and its strongest documents.

What an interpretability user asks of an SAE (the shipped foundation dictionary or any
SAE-Lens one): which atoms matter on this corpus, what words they emit, and which documents
make them fire hardest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class AtomSummary:
    """One atom of a fitted model, read on its training corpus.

    Attributes
    ----------
    atom : int
        Index of the atom (row of the decoder).
    prior : float
        Mean mixture weight over the documents.
    n_documents : int
        Documents on which it fires.
    topic : int
        Merged topic it belongs to; -1 for the background (or never active).
    words : list of (str, float)
        Most probable words of its row of the model's topic-word rows
        (:meth:`SAETopicModel.topic_word_rows`: its word profile, or its emission row).
    documents : list of (int, float)
        Indices of the documents with the largest activation, and that activation.
    """

    atom: int
    prior: float
    n_documents: int
    topic: int
    words: list
    documents: list


def summarise_atoms(model, activations=None, top: int = 20, n_words: int = 10,
                    n_documents: int = 3, atoms=None) -> list[AtomSummary]:
    """The strongest atoms of a fitted SAETopicModel with their words and documents.

    Parameters
    ----------
    model : SAETopicModel
        Fitted.
    activations : sparse matrix of shape (n_documents, n_atoms), optional
        Atom activations of the corpus (e.g. ``model.sae_.encode_sparse(embeddings)``);
        without them ``documents`` are empty and ``n_documents`` is 0.
    top : int, default=20
        Number of atoms, largest prior first (ignored when ``atoms`` is given).
    n_words, n_documents : int
        Words and documents listed per atom.
    atoms : sequence of int, optional
        Which atoms to describe.

    Returns
    -------
    list of AtomSummary
    """
    prior = np.asarray(model.atom_prior_)
    if atoms is None:
        order = np.argsort(-prior, kind="stable")
        atoms = order[prior[order] > 0][:top]
    atoms = np.asarray(atoms, dtype=np.int64)
    if atoms.size and (atoms.min() < 0 or atoms.max() >= prior.size):
        raise ValueError(f"Atom indices must be in [0, {prior.size}).")
    if activations is not None:
        activations = sp.csc_matrix(activations)
        if activations.shape[1] != prior.size:
            raise ValueError(f"activations have {activations.shape[1]} columns; the model has "
                             f"{prior.size} atoms.")
    vocabulary = model.vocabulary_
    word_rows = model.topic_word_rows()
    summaries = []
    for atom in atoms:
        row = word_rows[atom]
        best = np.argsort(-row, kind="stable")[:n_words]
        documents, fires = [], 0
        if activations is not None:
            start, end = activations.indptr[atom], activations.indptr[atom + 1]
            values, rows = activations.data[start:end], activations.indices[start:end]
            fires = int(np.count_nonzero(values))
            strongest = np.argsort(-values, kind="stable")[:n_documents]
            documents = [(int(rows[i]), float(values[i])) for i in strongest]
        summaries.append(AtomSummary(
            atom=int(atom), prior=float(prior[atom]), n_documents=fires,
            topic=int(model.atom_to_topic_[atom]),
            words=[(str(vocabulary[j]), float(row[j])) for j in best], documents=documents))
    return summaries
