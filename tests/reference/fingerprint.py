"""A fitted model's fingerprint: what a fit must reproduce, through the public API only.

Used by ``make_reference.py`` (which wrote the committed ``*.safetensors`` / ``*.json``
with the code of 0.1.0, commit 16fe28c) and by ``tests/test_reference_fits.py``, which
refits with today's code and compares to 1e-12.
"""

from __future__ import annotations

import numpy as np

#: Re-merges every fingerprint also records (``set_n_topics``).
RETOPIC = (5, 40)


def _sketch(matrix: np.ndarray, seed: int) -> np.ndarray:
    # A fixed random projection of every row: any change to a row changes its sketch.
    matrix = np.asarray(matrix, dtype=np.float64)
    probe = np.random.default_rng(seed).standard_normal((matrix.shape[1], 4))
    return matrix @ probe


def fingerprint(model, embeddings: np.ndarray) -> tuple[dict, dict]:
    """Arrays and JSON-able facts of a fitted :class:`SAETopicModel`.

    Parameters
    ----------
    model : SAETopicModel
        Fitted; it is re-merged (``set_n_topics``) and left at its original K.
    embeddings : ndarray of shape (n_documents, n_features)
        The training embeddings.

    Returns
    -------
    arrays : dict of str to ndarray (float64 or int64)
    facts : dict
    """
    first = slice(0, 400)
    arrays = {
        "atoms_sketch": _sketch(model.atoms_, 3),
        "atom_word_sketch": _sketch(model.atom_word_, 0),
        "background": model.background_,
        "idf": model.idf_,
        "atom_prior": model.atom_prior_,
        "atom_selectivity": model.atom_selectivity_,
        "atom_topic_vectors_sketch": _sketch(model.atom_topic_vectors_, 1),
        "atom_main_documents": np.asarray(model.atom_main_documents_, dtype=np.float64),
        "atom_to_topic": model.atom_to_topic_.astype(np.int64),
        "background_atoms": model.background_atoms_.astype(np.int64),
        "topic_word_sketch": _sketch(model.topic_word_, 2),
        "topic_prior": model.topic_prior_,
        "transform": model.transform(embeddings=embeddings[first]),
        "predict": model.predict(embeddings=embeddings).astype(np.int64),
    }
    facts = {
        "n_topics": int(model.n_topics_),
        "topics": [[w for w, _ in words] for words in model.get_topics(10)],
        "emission_log_likelihood": float(model.emission_log_likelihood_),
        "emission_n_iter": int(model.emission_n_iter_),
        "vocabulary_size": int(model.vocabulary_.size),
    }
    k = model.n_topics_
    for n in RETOPIC:
        model.set_n_topics(n)
        arrays[f"atom_to_topic@{n}"] = model.atom_to_topic_.astype(np.int64)
        arrays[f"predict@{n}"] = model.predict(embeddings=embeddings).astype(np.int64)
        facts[f"topics@{n}"] = [[w for w, _ in words] for words in model.get_topics(10)]
    model.set_n_topics(k)
    return arrays, facts
